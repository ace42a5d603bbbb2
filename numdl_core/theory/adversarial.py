r"""Vulnerability of classifiers: adversarial examples by the fast gradient sign method (FGSM) and projected gradient
descent (PGD) on the 8x8 digits, targeted attacks as an optimization over the input, and plain against stable
(ODE-based) residual networks.

A trained classifier with logits :math:`o(x)` and cross-entropy :math:`\ell(x, y) = -\log \mathrm{softmax}(o(x))_y`
is attacked by changing the **input** :math:`x` (a row of ``X``, pixels in the box :math:`[0, 1]`) within an
:math:`\ell_\infty` ball of radius :math:`\varepsilon`:

.. math::
    \max_{\|\delta\|_\infty \le \varepsilon,\ 0 \le x + \delta \le 1} \ell(x + \delta, y).

FGSM (Goodfellow, Shlens and Szegedy 2015) takes one step along the sign of the input gradient (the maximizer of
the linearized loss over the ball), then clips to the pixel box:

.. math:: x_{\rm adv} = \Pi_{[0,1]}\big(x + \varepsilon\, \mathrm{sign}\, \nabla_x \ell(x, y)\big).

PGD (Madry et al. 2018) repeats smaller sign steps and projects back onto the ball and the box after each:

.. math:: x^{k+1} = \Pi_{B_\infty(x, \varepsilon) \cap [0,1]^d}\big(x^k + \alpha\, \mathrm{sign}\,
    \nabla_x \ell(x^k, y)\big).

The input gradient is backpropagation carried one layer further than for training: through the opening layer to
:math:`X` itself (:func:`input_gradient`, for softmax regression, the MLP of :mod:`numdl_core.mlp` and the ResNet
of :mod:`numdl_core.resnet_classifier`). **Samples are rows**.

References
----------
I. J. Goodfellow, J. Shlens and C. Szegedy, Explaining and harnessing adversarial examples, ICLR 2015
(arXiv:1412.6572).
A. Madry, A. Makelov, L. Schmidt, D. Tsipras and A. Vladu, Towards deep learning models resistant to adversarial
attacks, ICLR 2018 (arXiv:1706.06083).
C. Szegedy, W. Zaremba, I. Sutskever, J. Bruna, D. Erhan, I. Goodfellow and R. Fergus, Intriguing properties of
neural networks, ICLR 2014 (arXiv:1312.6199).
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004
(arXiv:1705.03341, 2017).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from numdl_core import resnet
from numdl_core.classify import SoftmaxRegression, log_softmax
from numdl_core.iterate import BLOWUP, _drive, check_positive, check_stop, record, tunable
from numdl_core.mlp import MLP, layer_forward
from numdl_core.resnet_classifier import ResNetClassifier

__all__ = ["BOX", "EPS_GRID", "KINDS", "input_gradient", "project", "fgsm", "pgd", "random_sign", "AttackCurve",
           "attack_curve", "smallest_fooling_eps", "targeted_attack",
           "perturbation_growth", "DigitSplit", "digits_split", "TrainedModel",
           "train_classifier"]

#: The pixel range of :func:`numdl_core.data.load_digits` (0..16 scaled to [0, 1]).
BOX = (0.0, 1.0)
#: The page's grid of attack radii :math:`\varepsilon` (in pixel units of the [0, 1] range).
EPS_GRID = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3)
#: The classifiers :func:`train_classifier` builds.
KINDS = ("softmax", "mlp", "resnet")


def _check_model(model: Any) -> None:
    if not isinstance(model, (SoftmaxRegression, MLP, ResNetClassifier)):
        raise TypeError("model must be a SoftmaxRegression, an MLP or a ResNetClassifier, got "
                        f"{type(model).__name__}")


def _check_inputs(model: Any, X: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    _check_model(model)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != model.n_features:
        raise ValueError(f"X must have shape (m, {model.n_features}), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X has non-finite entries (nan or inf)")
    if y is not None:
        y = np.asarray(y)
        if y.shape != (X.shape[0],) or y.dtype.kind not in "iu":
            raise ValueError(f"y must hold {X.shape[0]} integer labels")
        if y.size and (y.min() < 0 or y.max() >= model.n_classes):
            raise ValueError(f"labels must lie in 0..{model.n_classes - 1}")
        y = y.astype(np.int64)
    return X, y


def _check_attack(model: Any, X: np.ndarray, y: np.ndarray, eps: Any, box: Any):
    """``(eps, box, X, y)`` checked for an attack (:func:`fgsm`, :func:`pgd`)."""
    eps, box = _check_eps(eps), _check_box(box)
    return (eps, box, *_check_inputs(model, X, y))


def _check_eps(eps: Any) -> float:
    eps = float(eps)
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number >= 0, got {eps}")
    return eps


def _check_box(box: Any) -> tuple[float, float]:
    lo, hi = (float(v) for v in box)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"box must be (low, high) with low < high, got {box!r}")
    return lo, hi


# ------------------------------------------------------------------------------------------------ input gradient
def _logits_and_back(model: Any, theta: np.ndarray, X: np.ndarray):
    """The logits of ``X`` and a function mapping dL/dO to dL/dX (backpropagation to the input)."""
    blocks = model.split(theta)
    if isinstance(model, SoftmaxRegression):
        W, b = blocks
        return X @ W + b, lambda dO: dO @ W.T
    if isinstance(model, MLP):
        Ys, Ds = [X], []
        for j in range(model.depth):
            Z, D = layer_forward(Ys[-1], blocks[2 * j], blocks[2 * j + 1], model.activation)
            Ys.append(Z)
            Ds.append(D)
        W, c = blocks[-2], blocks[-1]

        def back_mlp(dO: np.ndarray) -> np.ndarray:
            delta = dO @ W.T
            for j in range(model.depth - 1, -1, -1):  # the reverse loop, down to Y_0 = X
                delta = (delta * Ds[j]) @ blocks[2 * j].T
            return delta
        return Ys[-1] @ W + c, back_mlp
    K_in, b_in, K, b, W, c = blocks
    act, dact = resnet.ACTIVATIONS[model.activation]
    A0 = X @ K_in + b_in
    options = {"activation": model.activation, "scheme": model.scheme, "architecture": model.architecture,
               "gamma": model.gamma}
    Y = resnet.forward(act(A0), K, b, model.h, **options)

    def back_resnet(dO: np.ndarray) -> np.ndarray:
        dY0 = resnet.backward(Y, K, b, model.h, dO @ W.T, **options)[0]  # the discrete adjoint of the integrator
        return (dY0 * dact(A0)) @ K_in.T
    return Y[-1] @ W + c, back_resnet


def input_gradient(model: Any, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""The summed cross-entropy of the rows of ``X`` and its gradient with respect to the input ``X``.

    .. math::
        L(X) = \sum_i -\log \mathrm{softmax}(o(x_i))_{y_i}, \qquad
        \nabla_{x_i} L = \Big(\frac{\partial o}{\partial x}(x_i)\Big)^{\!\top} (s_i - e_{y_i}),

    with :math:`s_i` the softmax probabilities: backpropagation continued to the input. Softmax regression
    :math:`o = xW + b`: :math:`\nabla_x = (s - e_y) W^\top`. MLP: the reverse loop
    :math:`\Delta_j = (\Delta_{j+1} \odot \sigma'(A_j)) K_j^\top` down to :math:`j = 0`. ResNet: the discrete
    adjoint of the integrator (:func:`numdl_core.resnet.backward`), then the opening layer,
    :math:`\nabla_X = (\Lambda_0 \odot \sigma'(X K_{\rm in} + b_{\rm in})) K_{\rm in}^\top`. Rows are independent,
    so row :math:`i` of the gradient is the gradient of sample :math:`i`'s own loss (the regularizer does not depend
    on the input). Cost: one forward and one backward pass (2 data passes).

    Parameters
    ----------
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray, shape (n_params,)
        Its (trained) weights.
    X : ndarray, shape (m, n_features)
        Inputs, samples as rows.
    y : ndarray of int, shape (m,)
        The labels whose loss is differentiated (true labels for an untargeted attack, the target for a
        targeted one).

    Returns
    -------
    L : float
        :math:`\sum_i \ell(x_i, y_i)`.
    G : ndarray, shape (m, n_features)

    Raises
    ------
    TypeError
        For another kind of model.
    ValueError
        For malformed ``X`` or ``y``.

    References
    ----------
    Goodfellow, Shlens and Szegedy (2015); Rumelhart, Hinton and Williams (1986); Haber and Ruthotto (2018).

    Examples
    --------
    >>> m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)
    >>> L, G = input_gradient(m, np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), np.zeros((1, 2)), np.array([0]))
    >>> round(L, 6), G
    (0.693147, array([[-0.5,  0.5]]))
    """
    X, y = _check_inputs(model, X, y)
    theta = model._check_theta(theta)
    O, back = _logits_and_back(model, theta, X)
    logp = log_softmax(O)
    rows = np.arange(X.shape[0])
    dO = np.exp(logp)
    dO[rows, y] -= 1.0
    return -float(np.sum(logp[rows, y])), back(dO)


# ------------------------------------------------------------------------------------------------ attacks
def project(X: np.ndarray, X0: np.ndarray, eps: float, box: tuple[float, float] = BOX) -> np.ndarray:
    r"""The projection onto the ball and the pixel box: :math:`\Pi(X) = \mathrm{clip}(\mathrm{clip}(X, X_0 -
    \varepsilon, X_0 + \varepsilon), \mathrm{low}, \mathrm{high})`, entrywise.

    Both sets are boxes, so their intersection is a box and clipping to it is the Euclidean projection (for
    :math:`X_0` inside the pixel box the intersection is never empty).

    Parameters
    ----------
    X, X0 : ndarray, same shape
        The point to project and the centre of the ball (the clean images).
    eps : float
        Radius :math:`\varepsilon \ge 0` of the :math:`\ell_\infty` ball.
    box : (float, float)
        The pixel range.

    Returns
    -------
    ndarray, shape of ``X``

    Raises
    ------
    ValueError
        For a negative ``eps``, a bad box or shapes that differ.

    References
    ----------
    Madry et al. (2018), Sec. 2 (projected gradient descent).

    Examples
    --------
    >>> project(np.array([0.5, 1.4, -0.3]), np.array([0.4, 0.9, 0.0]), 0.2)
    array([0.5, 1. , 0. ])
    """
    eps, (lo, hi) = _check_eps(eps), _check_box(box)
    X, X0 = np.asarray(X, dtype=np.float64), np.asarray(X0, dtype=np.float64)
    if X.shape != X0.shape:
        raise ValueError(f"X and X0 must have the same shape, got {X.shape} and {X0.shape}")
    return np.clip(np.clip(X, X0 - eps, X0 + eps), lo, hi)


def fgsm(model: Any, theta: np.ndarray, X: np.ndarray, y: np.ndarray, eps: float, *,
         box: tuple[float, float] = BOX) -> np.ndarray:
    r"""The fast gradient sign method: one signed step of size :math:`\varepsilon`, clipped to the pixel box.

    .. math:: X_{\rm adv} = \mathrm{clip}\big(X + \varepsilon\, \mathrm{sign}\, \nabla_X L(X, y),\ \mathrm{low},
        \mathrm{high}\big)

    The maximizer of the linearized loss :math:`L(X) + \langle \nabla_X L, \Delta\rangle` over
    :math:`\|\Delta\|_\infty \le \varepsilon` (Goodfellow et al. 2015). Every pixel moves by exactly
    :math:`\varepsilon` unless the box stops it, so :math:`\|\delta\|_\infty = \varepsilon` for an image with a pixel
    that can move freely. A zero gradient entry (sign 0) leaves that pixel alone.

    Parameters
    ----------
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray, shape (n_params,)
    X : ndarray, shape (m, n_features)
        Clean images in the box.
    y : ndarray of int, shape (m,)
        True labels.
    eps : float
        :math:`\varepsilon \ge 0`.
    box : (float, float)

    Returns
    -------
    X_adv : ndarray, shape (m, n_features)

    Raises
    ------
    TypeError, ValueError
        As :func:`input_gradient`; for a negative ``eps`` or a bad box.

    References
    ----------
    Goodfellow, Shlens and Szegedy (2015), Eq. (3).

    Examples
    --------
    >>> m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)
    >>> fgsm(m, np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), np.full((1, 2), 0.5), np.array([0]), 0.1)
    array([[0.4, 0.6]])
    """
    eps, box, X, y = _check_attack(model, X, y, eps, box)
    if eps == 0:
        return X.copy()
    return np.clip(X + eps * np.sign(input_gradient(model, theta, X, y)[1]), *box)


def _losses(model: Any, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample cross-entropy and whether the sample is misclassified."""
    O = model.logits(theta, X)
    logp = log_softmax(O)
    return -logp[np.arange(X.shape[0]), y], np.argmax(O, axis=1) != y


def pgd(model: Any, theta: np.ndarray, X: np.ndarray, y: np.ndarray, eps: float, *, step: float | None = None,
        n_iter: int = 10, start: str = "fgsm", box: tuple[float, float] = BOX, seed: int = 0) -> np.ndarray:
    r"""Projected gradient (sign) ascent on the loss over the ball and the pixel box (Madry et al. 2018).

    .. math:: X^{k+1} = \Pi\big(X^k + \alpha\, \mathrm{sign}\, \nabla_X L(X^k, y)\big), \qquad k = 0, \ldots,
        K - 1,

    with :math:`\Pi` of :func:`project`, :math:`\alpha` = ``step`` (default :math:`2.5\varepsilon / K`, Madry's
    choice) and :math:`K` = ``n_iter``. Start :math:`X^0`: ``"fgsm"`` the FGSM point (so PGD refines FGSM),
    ``"clean"`` the clean images, ``"random"`` a uniform draw in the ball (Madry's random start). Each row returns
    its worst iterate, the start included: the first misclassified one if any, else the one of largest loss. With
    ``start="fgsm"`` PGD's accuracy is therefore never above FGSM's.

    Parameters
    ----------
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray, shape (n_params,)
    X : ndarray, shape (m, n_features)
    y : ndarray of int, shape (m,)
    eps : float
    step : float, optional
        :math:`\alpha > 0`.
    n_iter : int
        :math:`K \ge 0` (each a forward and a backward pass).
    start : {"fgsm", "clean", "random"}
    box : (float, float)
    seed : int
        For the random start.

    Returns
    -------
    X_adv : ndarray, shape (m, n_features)
        Inside the ball and the box.

    Raises
    ------
    TypeError, ValueError
        As :func:`fgsm`; for a non-positive step, a negative ``n_iter`` or an unknown start.

    References
    ----------
    Madry et al. (2018), Sec. 2 and Appendix A (step 2.5 eps / K, random start).

    Examples
    --------
    >>> m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)
    >>> theta = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    >>> pgd(m, theta, np.full((1, 2), 0.5), np.array([0]), 0.1, start="clean", n_iter=4)  # first fooling step
    array([[0.4375, 0.5625]])
    """
    eps, box, X, y = _check_attack(model, X, y, eps, box)
    n_iter = int(n_iter)
    if n_iter < 0:
        raise ValueError(f"n_iter must be >= 0, got {n_iter}")
    if start not in ("fgsm", "clean", "random"):
        raise ValueError(f"unknown start {start!r}; choose fgsm, clean or random")
    alpha = 2.5 * eps / max(n_iter, 1) if step is None else check_positive("step", step)
    if eps == 0:
        return X.copy()
    if start == "fgsm":
        Xk = fgsm(model, theta, X, y, eps, box=box)
    elif start == "random":
        Xk = project(X + np.random.default_rng(seed).uniform(-eps, eps, X.shape), X, eps, box)
    else:
        Xk = X.copy()
    best = Xk.copy()
    loss, wrong = _losses(model, theta, best, y)
    for _ in range(n_iter):
        Xk = project(Xk + alpha * np.sign(input_gradient(model, theta, Xk, y)[1]), X, eps, box)
        lk, wk = _losses(model, theta, Xk, y)
        better = ~wrong & (wk | (lk > loss))  # a fooled row keeps its first fooling iterate
        best[better], loss[better], wrong[better] = Xk[better], lk[better], wk[better]
    return best


def random_sign(X: np.ndarray, eps: float, *, box: tuple[float, float] = BOX, seed: int = 0) -> np.ndarray:
    r"""A random perturbation of the same size as FGSM's: :math:`\mathrm{clip}(X + \varepsilon\, s)` with
    independent random signs :math:`s_{ij} = \pm 1`: the baseline that shows the attack's direction matters, not
    its size.

    Parameters
    ----------
    X : ndarray, shape (m, d)
    eps : float
    box : (float, float)
    seed : int

    Returns
    -------
    ndarray, shape (m, d)

    Raises
    ------
    ValueError
        For a negative ``eps`` or a bad box.

    References
    ----------
    Goodfellow, Shlens and Szegedy (2015), Sec. 4 (random directions rarely change the class).

    Examples
    --------
    >>> float(np.abs(random_sign(np.full((2, 3), 0.5), 0.1) - 0.5).max().round(12))
    0.1
    """
    eps, box = _check_eps(eps), _check_box(box)
    X = np.asarray(X, dtype=np.float64)
    s = np.where(np.random.default_rng(seed).random(X.shape) < 0.5, -1.0, 1.0)
    return np.clip(X + eps * s, *box)


@dataclass(frozen=True)
class AttackCurve:
    """Result of :func:`attack_curve`: accuracy on the attacked test images for each radius.

    Attributes
    ----------
    eps : ndarray, shape (k,)
    fgsm, pgd, random : ndarray, shape (k,)
        Accuracy in [0, 1] under FGSM, PGD and the random-sign perturbation of the same size.
    """

    eps: np.ndarray
    fgsm: np.ndarray
    pgd: np.ndarray
    random: np.ndarray


def attack_curve(model: Any, theta: np.ndarray, X: np.ndarray, y: np.ndarray, eps: Any = EPS_GRID, *,
                 n_iter: int = 10, seed: int = 0) -> AttackCurve:
    r"""Accuracy against the attack radius for FGSM, PGD (``n_iter`` steps from the FGSM point) and random signs.

    .. math:: \mathrm{acc}(\varepsilon) = \frac1m \#\{i : \arg\max_j o_j(x_i^{\rm adv}(\varepsilon)) = y_i\}

    Parameters
    ----------
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray, shape (n_params,)
    X : ndarray, shape (m, n_features)
        Test images.
    y : ndarray of int, shape (m,)
    eps : sequence of float
        The radii.
    n_iter : int
        PGD steps.
    seed : int
        Of the random signs.

    Returns
    -------
    AttackCurve

    Raises
    ------
    TypeError, ValueError
        As :func:`pgd`.

    References
    ----------
    Goodfellow et al. (2015), Sec. 5; Madry et al. (2018), Fig. 4.

    Examples
    --------
    >>> m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)
    >>> attack_curve(m, np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), np.eye(2), np.array([0, 1]), (0.0, 1.0)).fgsm
    array([1., 0.])
    """
    X, y = _check_inputs(model, X, y)
    grid = np.array([_check_eps(e) for e in np.atleast_1d(eps)])
    out = {k: np.empty(grid.size) for k in ("fgsm", "pgd", "random")}
    for i, e in enumerate(grid):
        for k, Xa in (("fgsm", fgsm(model, theta, X, y, e)), ("pgd", pgd(model, theta, X, y, e, n_iter=n_iter)),
                      ("random", random_sign(X, e, seed=seed))):
            out[k][i] = model.accuracy(theta, Xa, y)
    return AttackCurve(grid, out["fgsm"], out["pgd"], out["random"])


def smallest_fooling_eps(model: Any, theta: np.ndarray, x: np.ndarray, y: int, *, attack: str = "fgsm",
                         eps: Any = None, n_iter: int = 10, seed: int = 0) -> float:
    r"""The smallest radius on a grid at which an attack changes the predicted class of one image.

    .. math:: \varepsilon^* = \min\{\varepsilon \in E : \arg\max_j o_j(x_{\rm adv}(\varepsilon)) \ne y\}

    A per-digit measure of robustness (an upper bound, up to the grid spacing, on the distance in
    :math:`\ell_\infty` to the nearest image of another class that the attack finds). With ``attack="pgd"``
    (started at the FGSM point) it is never larger than with ``"fgsm"``.

    Parameters
    ----------
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray, shape (n_params,)
    x : ndarray, shape (n_features,)
    y : int
        The true label.
    attack : {"fgsm", "pgd", "random"}
    eps : sequence of float, optional
        The grid :math:`E`, increasing; default ``0, 0.01, ..., 0.5``.
    n_iter, seed : int
        As in :func:`attack_curve`.

    Returns
    -------
    float
        :math:`\varepsilon^*`; ``nan`` if no radius of the grid fools the model (0 if ``x`` is misclassified).

    Raises
    ------
    TypeError, ValueError
        As :func:`pgd`; for an unknown attack.

    References
    ----------
    Goodfellow et al. (2015); Madry et al. (2018).

    Examples
    --------
    >>> m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)
    >>> smallest_fooling_eps(m, np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), np.array([0.6, 0.4]), 0)
    0.11
    """
    if attack not in ("fgsm", "pgd", "random"):
        raise ValueError(f"unknown attack {attack!r}; choose fgsm, pgd or random")
    X, y_arr = _check_inputs(model, np.asarray(x, dtype=np.float64).reshape(1, -1), np.array([y]))
    grid = np.round(np.arange(51) * 0.01, 10) if eps is None else np.array([_check_eps(e) for e in np.atleast_1d(eps)])
    for e in grid:
        if attack == "fgsm":
            Xa = fgsm(model, theta, X, y_arr, e)
        elif attack == "pgd":
            Xa = pgd(model, theta, X, y_arr, e, n_iter=n_iter)
        else:
            Xa = random_sign(X, e, seed=seed)
        if model.predict(theta, Xa)[0] != y_arr[0]:
            return float(e)
    return float("nan")


# ------------------------------------------------------------------------------------------------ targeted
_TUNABLES = {"step": lambda v: check_positive("step", v)}


@tunable("step")
def targeted_attack(model: Any, theta: np.ndarray, x: np.ndarray, target: int, *, eps: float, step: float = 0.01,
                    box: tuple[float, float] = BOX, tol: float = 1e-10, maxiter: int = 10**6,
                    blowup: float = BLOWUP):
    r"""A targeted attack as an optimization over the input: projected (sign) gradient descent on the loss of the
    target class.

    .. math::
        \min_{\|\delta\|_\infty \le \varepsilon,\ \mathrm{low} \le x + \delta \le \mathrm{high}}
        -\log \mathrm{softmax}(o(x + \delta))_t, \qquad
        x^{k+1} = \Pi\big(x^k - \alpha\, \mathrm{sign}\, \nabla_x \ell(x^k, t)\big),

    the iteration of :func:`pgd` with the descent sign and the target's loss (steepest descent in the
    :math:`\ell_\infty` norm, then the projection of :func:`project`). A generator of ``Step`` (protocol of
    :mod:`numdl_core.iterate`): ``Step.x`` the attacked image (flat), ``loss`` :math:`-\log p_t`, ``grad_norm`` the
    2-norm of the input gradient; ``info``: ``p_target``, ``predicted`` (class), ``probabilities`` (all classes),
    ``linf``
    (:math:`\|x^k - x\|_\infty`), ``work`` (2 passes per step). Tunable mid-run: ``step``.

    Parameters
    ----------
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray, shape (n_params,)
    x : ndarray, shape (n_features,)
        The clean image.
    target : int
        The class :math:`t` the attack wants.
    eps : float
        Radius of the :math:`\ell_\infty` ball.
    step : float
        :math:`\alpha > 0`.
    box : (float, float)
    tol, maxiter, blowup
        Stopping (rule 3 of the protocol).

    Yields
    ------
    Step

    Raises
    ------
    TypeError, ValueError
        For another model, a malformed image, a target out of range, a negative ``eps`` or a bad step (at the
        first ``next``).

    References
    ----------
    Madry et al. (2018); Szegedy et al. (2014) (targeted adversarial examples by box-constrained optimization).

    Examples
    --------
    >>> m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)
    >>> gen = targeted_attack(m, np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]), np.array([0.6, 0.4]), 1, eps=0.2,
    ...                       step=0.1, maxiter=2)
    >>> [s.info["predicted"] for s in gen]
    [0, 0, 1]
    """
    X0, _ = _check_inputs(model, np.asarray(x, dtype=np.float64).reshape(1, -1))
    t = int(target)
    if not 0 <= t < model.n_classes:
        raise ValueError(f"target must be a class 0..{model.n_classes - 1}, got {target}")
    eps, box = _check_eps(eps), _check_box(box)
    tol, maxiter = check_stop(tol, maxiter)
    params = {"step": check_positive("step", step)}
    theta = model._check_theta(theta)
    return (yield from _drive(_targeted(model, theta, X0, np.array([t]), eps, box, blowup), params, _TUNABLES,
                              tol=tol, maxiter=maxiter))


def _targeted(model, theta, X0, t, eps, box, blowup):
    """The iterations of :func:`targeted_attack` (see ``numdl_core.iterate._drive``)."""
    Xk = project(X0, X0, eps, box)

    def evaluate(Xk):
        L, G = input_gradient(model, theta, Xk, t)
        p = np.exp(log_softmax(model.logits(theta, Xk))[0])
        info = {"p_target": float(np.exp(-L)), "predicted": int(np.argmax(p)), "probabilities": p,
                "linf": float(np.max(np.abs(Xk - X0)))}
        return L, G, info

    L, G, info = evaluate(Xk)
    loss0 = L
    params = yield record(0, Xk[0], L, float(np.linalg.norm(G)), info, work=0.0, loss0=loss0, blowup=blowup)
    for k in itertools.count(1):
        Xk = project(Xk - params["step"] * np.sign(G), X0, eps, box)
        L, G, info = evaluate(Xk)
        info["step"] = params["step"]
        params = yield record(k, Xk[0], L, float(np.linalg.norm(G)), info, work=2.0 * k, loss0=loss0, blowup=blowup)


def perturbation_growth(model: ResNetClassifier, theta: np.ndarray, X: np.ndarray, Delta: np.ndarray) -> np.ndarray:
    r"""How a perturbation of the input grows through the residual layers: the forward stability of Haber and
    Ruthotto (2018), measured.

    .. math:: g_j = \frac{\|Y_j(X + \Delta) - Y_j(X)\|_F}{\|Y_0(X + \Delta) - Y_0(X)\|_F}, \qquad
        j = 0, \ldots, N,

    with :math:`Y_j` the features after layer :math:`j` (:meth:`ResNetClassifier.states`; :math:`Y_0` after the
    opening layer). A stable network (the ODE's solutions do not diverge from each other) keeps :math:`g_j`
    of order one; an unstable one lets it grow with the depth.

    Parameters
    ----------
    model : ResNetClassifier
    theta : ndarray, shape (n_params,)
    X, Delta : ndarray, shape (m, n_features)
        Images and the perturbation.

    Returns
    -------
    ndarray, shape (N + 1,)
        ``g[0] = 1``; ``nan`` if the perturbation does not change :math:`Y_0`.

    Raises
    ------
    TypeError
        If ``model`` is not a ResNetClassifier.
    ValueError
        For malformed inputs.

    References
    ----------
    Haber and Ruthotto (2018), Sec. 3 (stability of the forward propagation).

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("swissroll", 20, noise=0.0)
    >>> m = ResNetClassifier(X, y, 2, width=4, depth=3, T=1.0)
    >>> float(perturbation_growth(m, m.init_theta(0), X, 1e-3 * np.ones_like(X))[0])
    1.0
    """
    if not isinstance(model, ResNetClassifier):
        raise TypeError(f"model must be a ResNetClassifier, got {type(model).__name__}")
    X, _ = _check_inputs(model, X)
    Delta = np.asarray(Delta, dtype=np.float64)
    if Delta.shape != X.shape:
        raise ValueError(f"Delta must have the shape of X {X.shape}, got {Delta.shape}")
    D = model.states(theta, X + Delta) - model.states(theta, X)
    norms = np.sqrt(np.sum(D ** 2, axis=(1, 2)))
    with np.errstate(all="ignore"):
        return norms / norms[0] if norms[0] > 0 else np.full(norms.shape, np.nan)


# ------------------------------------------------------------------------------------------------ the classifiers
@dataclass(frozen=True)
class DigitSplit:
    """Result of :func:`digits_split`.

    Attributes
    ----------
    X, y : ndarray
        Training images ``(n_train, 64)`` in [0, 1] and labels.
    X_test, y_test : ndarray
        The fixed test images ``(n_test, 64)`` and labels.
    """

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits_split(n_train: int = 1000, n_test: int = 300, seed: int = 0) -> DigitSplit:
    r"""The 8x8 digits (:func:`numdl_core.data.load_digits`, pixels in [0, 1]) in a random permutation with
    ``seed``: the first ``n_train`` images for training, the next ``n_test`` for the attacks.

    Parameters
    ----------
    n_train, n_test : int
        Together at most 1797.
    seed : int

    Returns
    -------
    DigitSplit

    Raises
    ------
    ValueError
        If the sizes are not positive or exceed the 1797 images.

    References
    ----------
    Alpaydin and Kaynak (1998), UCI optical recognition of handwritten digits.
    """
    from numdl_core.data import load_digits

    n_train, n_test = int(n_train), int(n_test)
    if n_train < 1 or n_test < 1 or n_train + n_test > 1797:
        raise ValueError(f"need n_train, n_test >= 1 and n_train + n_test <= 1797, got {n_train}, {n_test}")
    X, y = load_digits()
    perm = np.random.default_rng(seed).permutation(X.shape[0])
    tr, te = perm[:n_train], perm[n_train:n_train + n_test]
    return DigitSplit(X[tr], y[tr], X[te], y[te])


@dataclass(frozen=True)
class TrainedModel:
    """Result of :func:`train_classifier`.

    Attributes
    ----------
    kind : str
    model : SoftmaxRegression, MLP or ResNetClassifier
    theta : ndarray
        The trained weights.
    train_accuracy, test_accuracy : float
    loss : float
        The final training objective.
    """

    kind: str
    model: Any
    theta: np.ndarray
    train_accuracy: float
    test_accuracy: float
    loss: float


def train_classifier(kind: str, data: DigitSplit, *, width: int = 32, depth: int = 4, T: float = 1.0,
                     architecture: str = "standard", gamma: float = 0.0, alpha: float = 1e-4, lr: float = 0.01,
                     maxiter: int = 200, seed: int = 0) -> TrainedModel:
    r"""Train a classifier of :data:`KINDS` on the digits: full-batch Adam (:func:`numdl_core.optim.adam`) on the
    regularized cross-entropy of the model's class.

    ``"softmax"``: :class:`~numdl_core.classify.SoftmaxRegression` (``width``, ``depth`` unused);
    ``"mlp"``: :class:`~numdl_core.mlp.MLP` with one tanh hidden layer of ``width``;
    ``"resnet"``: :class:`~numdl_core.resnet_classifier.ResNetClassifier` (an opening layer 64 → ``width``, then
    ``depth`` forward-Euler layers with :math:`h = T/N`, ``architecture`` and ``gamma``; tanh).

    .. math:: \min_\theta\ \frac1n \sum_i -\log \mathrm{softmax}(o(x_i; \theta))_{y_i} + \frac\alpha2
        \|\text{weights}\|^2

    Parameters
    ----------
    kind : {"softmax", "mlp", "resnet"}
    data : DigitSplit
    width, depth : int
    T : float
    architecture : {"standard", "antisymmetric", "parabolic"}
    gamma : float
    alpha : float
        Tikhonov weight.
    lr : float
        Adam's learning rate.
    maxiter : int
        Adam steps.
    seed : int
        Of the initial weights.

    Returns
    -------
    TrainedModel

    Raises
    ------
    ValueError
        For an unknown kind (and whatever the model's class rejects).

    References
    ----------
    Kingma and Ba, Adam, ICLR 2015; Haber and Ruthotto (2018) for the residual architectures.
    """
    from numdl_core.optim import adam

    if kind == "softmax":
        model = SoftmaxRegression(data.X, data.y, 10, alpha=alpha)
        theta0 = np.zeros(model.n_params)
    elif kind == "mlp":
        model = MLP(data.X, data.y, (width,), 10, activation="tanh", alpha=alpha)
        theta0 = model.init_theta("glorot", seed=seed)
    elif kind == "resnet":
        model = ResNetClassifier(data.X, data.y, 10, width=width, depth=depth, T=T, architecture=architecture,
                                 gamma=gamma, alpha=alpha)
        theta0 = model.init_theta(seed)
    else:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    *_, last = itertools.islice(adam(model, theta0, lr=lr, batch_size=None, maxiter=maxiter, seed=seed),
                                maxiter + 1)
    theta = last.x
    return TrainedModel(kind, model, theta, model.accuracy(theta), model.accuracy(theta, data.X_test, data.y_test),
                        float(last.loss))
