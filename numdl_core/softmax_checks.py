r"""Checks of a softmax-regression objective beyond the Taylor test: no overflow, shift invariance, and agreement
with scikit-learn's optimum.

- **The max-shift.** :math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}` with :math:`m = \max_j z_j` keeps
  every exponent :math:`\le 0`: the loss stays finite for weights of size :math:`10^4` (logits of
  :math:`10^4` and more), where the naive formula overflows beyond :math:`z \approx 709`
  (:func:`overflow_check`).
- **Shift invariance.** :math:`\mathrm{softmax}(z + c\mathbf 1) = \mathrm{softmax}(z)`: adding the same
  constant to every bias changes neither the loss nor its gradient, so the Hessian has the null direction
  :math:`(0, \mathbf 1)` (:func:`shift_invariance`).
- **The course's invariances.** The mean loss is a function of the *set* of examples: permuting them
  (:func:`permutation_invariance`) or replicating the data set (:func:`replication_invariance`) changes neither
  :math:`f` nor :math:`\nabla f`. With one-hot features :math:`X = Y` (the labels themselves) and
  :math:`W = a I`, :math:`b = 0`, the loss is :math:`\log(1 + (C - 1)e^{-a})`, which tends to 0 for
  :math:`a = 10^4` without overflow (:func:`identity_weights_check`).
- **An independent optimum.** scikit-learn's ``LogisticRegression`` minimizes the same objective with
  :math:`C = 1/(\alpha n)` (:math:`2/(\alpha n)` for two classes) by L-BFGS (:func:`sklearn_comparison`).

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 3 (the max-shift, invariances).
N. J. Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., SIAM, 2002 (overflow, Sec. 2.1 and 27.8).
scikit-learn User Guide, Sec. 1.1.11 (logistic regression).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from numdl_core._validate import check_positive
from numdl_core.checks import Agreement
from numdl_core.classify import SoftmaxRegression, sklearn_reference

__all__ = ["OverflowCheck", "overflow_check", "ShiftCheck", "shift_invariance", "SklearnComparison",
           "sklearn_comparison", "permutation_invariance", "replication_invariance", "identity_weights_check"]


def _finite_or_zero(obj: SoftmaxRegression, theta) -> np.ndarray:
    theta = np.asarray(theta, dtype=np.float64)
    return theta if theta.shape == (obj.n_params,) and np.all(np.isfinite(theta)) else np.zeros(obj.n_params)


def _rel_change(f0: float, g0: np.ndarray, f1: float, g1: np.ndarray) -> float:
    """How far ``(f1, g1)`` is from ``(f0, g0)``, relative to the norm of ``(f0, g0)`` (the checks' rel_error)."""
    before = np.r_[f0, g0]
    return float(np.linalg.norm(np.r_[f1, g1] - before) / max(np.linalg.norm(before), np.finfo(float).tiny))


@dataclass(frozen=True)
class OverflowCheck(Agreement):
    """The loss of a classifier whose weights were scaled to ``max |W_ij| = scale``, against scipy's log-sum-exp.

    An :class:`~numdl_core.checks.Agreement` (``name``, ``reference``, ``rel_error``, ``rtol``, ``passed``) with
    the details below. ``passed``: the loss and its gradient are finite, raised no overflow, invalid or
    division error, and the loss agrees with ``reference_loss`` to ``rtol``.

    Attributes
    ----------
    scale : float
        The largest weight after scaling.
    largest_logit : float
        :math:`\\max_{ij} |z_{ij}|` at the scaled weights.
    loss : float
        The loss with the max-shift (nan if it raised).
    reference_loss : float
        The same loss with ``scipy.special.logsumexp`` (an independent implementation).
    error : str or None
        The floating-point error raised by the loss or its gradient, if any.
    naive_loss : float
        :math:`\\frac1n\\sum_i \\log\\sum_j e^{z_{ij}} - z_{iy_i}` without the max-shift (``inf`` once a logit
        exceeds about 709, nan when a row also underflows to :math:`\\log 0`).
    """

    scale: float
    largest_logit: float
    loss: float
    reference_loss: float
    error: str | None
    naive_loss: float


def overflow_check(obj: SoftmaxRegression, theta, *, scale: float = 1e4, seed: int = 0) -> OverflowCheck:
    r"""Scale the weights of ``theta`` to :math:`\max_{ij}|W_{ij}|` = ``scale`` and evaluate the loss and gradient.

    The evaluation runs with numpy raising on overflow, invalid operations and division by zero (underflow
    ignored, as :math:`e^{-10^4} = 0` is harmless). A ``theta`` with non-finite entries (a diverged iterate) is
    replaced by 0; if :math:`W = 0`, random signs (``seed``) are scaled instead.

    Parameters
    ----------
    obj : SoftmaxRegression
        The objective.
    theta : array_like, shape (obj.n_params,)
        The classifier whose weight directions are scaled (biases kept).
    scale : float
        The largest weight after scaling.
    seed : int
        Seeds the random signs used when :math:`W = 0`.

    Returns
    -------
    OverflowCheck
        An agreement with ``scipy.special.logsumexp`` (relative tolerance 1e-12).

    Raises
    ------
    ValueError
        If ``scale`` is not a positive finite number.

    References
    ----------
    Higham (2002), Sec. 27.8 (the log-sum-exp trick); Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> from numdl_core.classify_problems import classification_problem
    >>> obj = classification_problem("blobs").obj
    >>> r = overflow_check(obj, np.zeros(obj.n_params))
    >>> r.passed, r.naive_loss
    (True, inf)
    """
    scale = check_positive("scale", scale)
    W, b = obj.unpack(_finite_or_zero(obj, theta))
    if not np.any(W):
        W = np.sign(np.random.default_rng(seed).standard_normal(W.shape))
    big = obj.pack(W * (scale / np.abs(W).max()), b)
    error, loss = None, float("nan")
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            f, g = obj.value_and_grad(big)
        if np.isfinite(f) and np.all(np.isfinite(g)):
            loss = float(f)
    except FloatingPointError as err:
        error = str(err)
    Wb, bb = obj.unpack(big)
    Z = obj.X @ Wb + bb
    rows = np.arange(obj.n_samples)
    ref = float(np.mean(logsumexp(Z, axis=1) - Z[rows, obj.y]) + 0.5 * obj.alpha * np.sum(Wb * Wb))
    with np.errstate(all="ignore"):
        naive = float(np.mean(np.log(np.sum(np.exp(Z), axis=1)) - Z[rows, obj.y]))
    rel = abs(loss - ref) / max(abs(ref), np.finfo(float).tiny)
    name = f"loss at max |Wᵢⱼ| = {scale:g} (largest logit {np.abs(Z).max():.2g}), gradient finite"
    return OverflowCheck(name, "scipy.special.logsumexp", float(rel), 1e-12, bool(rel <= 1e-12), scale,
                         float(np.abs(Z).max()), loss, ref, error, naive)


@dataclass(frozen=True)
class ShiftCheck(Agreement):
    """The loss and gradient after every bias is shifted by the same constant, against those before.

    An :class:`~numdl_core.checks.Agreement` of the vector :math:`(f, \\nabla f)` at :math:`(W, b + c\\mathbf 1)`
    with the one at :math:`(W, b)` (``rel_error`` is the relative difference of the two vectors, ``rtol`` 1e-12),
    with the details below.

    Attributes
    ----------
    shift : float
        The constant :math:`c` added to every entry of :math:`b`.
    loss_change : float
        :math:`|f(\\theta + c\\,e_b) - f(\\theta)| / |f(\\theta)|`.
    grad_change : float
        :math:`\\max |\\nabla f(\\theta + c\\,e_b) - \\nabla f(\\theta)|`.
    """

    shift: float
    loss_change: float
    grad_change: float


def shift_invariance(obj: SoftmaxRegression, theta, *, shift: float = 5.0) -> ShiftCheck:
    r"""Check :math:`f(W, b + c\mathbf 1) = f(W, b)` and the same for :math:`\nabla f` (softmax is shift invariant).

    A ``theta`` with non-finite entries (a diverged iterate) is replaced by 0.

    Parameters
    ----------
    obj : SoftmaxRegression
        The objective.
    theta : array_like, shape (obj.n_params,)
        Where to check.
    shift : float
        The constant :math:`c`.

    Returns
    -------
    ShiftCheck
        An agreement of :math:`(f, \nabla f)` after the shift with before it (relative tolerance 1e-12).

    References
    ----------
    Bishop (2006), Sec. 4.3.4; Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> from numdl_core.classify_problems import classification_problem
    >>> obj = classification_problem("blobs").obj
    >>> shift_invariance(obj, obj.init(1.0, seed=1)).passed
    True
    """
    theta = _finite_or_zero(obj, theta)
    W, b = obj.unpack(theta)
    f0, g0 = obj.value_and_grad(theta)
    f1, g1 = obj.value_and_grad(obj.pack(W, b + float(shift)))
    rel = _rel_change(f0, g0, f1, g1)
    change = abs(f1 - f0) / max(abs(f0), np.finfo(float).tiny)
    return ShiftCheck(f"f and ∇f after b → b + {float(shift):g}·1", "f and ∇f at b", rel, 1e-12, bool(rel <= 1e-12),
                      float(shift), float(change), float(np.abs(g1 - g0).max()))


@dataclass(frozen=True)
class SklearnComparison(Agreement):
    """Our optimum against scikit-learn's ``LogisticRegression`` on the same objective.

    An :class:`~numdl_core.checks.Agreement` of our :math:`f^*` with :math:`f` at scikit-learn's minimizer
    (``rel_error`` :math:`= |f^* - f_{sk}| / |f_{sk}|`, ``rtol`` 1e-6) with the details below.

    Attributes
    ----------
    loss : float
        Our :math:`f^*`.
    loss_sklearn : float
        :math:`f` at scikit-learn's minimizer.
    weight_rel_diff : float
        :math:`\\|W - W_{sk}\\|_F / \\|W_{sk}\\|_F`.
    same_predictions : float
        Fraction of the training samples both classify alike.
    c_value : float
        scikit-learn's :math:`C` used (:math:`1/(\\alpha n)`, or :math:`2/(\\alpha n)` for two classes).
    seconds : float
        scikit-learn's fitting time.
    """

    loss: float
    loss_sklearn: float
    weight_rel_diff: float
    same_predictions: float
    c_value: float
    seconds: float


def sklearn_comparison(obj: SoftmaxRegression, theta) -> SklearnComparison:
    r"""Compare the minimizer ``theta`` with scikit-learn's (:func:`numdl_core.classify.sklearn_reference`).

    Parameters
    ----------
    obj : SoftmaxRegression
        The objective.
    theta : array_like, shape (obj.n_params,)
        Our minimizer.

    Returns
    -------
    SklearnComparison
        An agreement of :math:`f` at ``theta`` with :math:`f` at scikit-learn's minimizer (relative tolerance 1e-6).

    Raises
    ------
    ValueError
        If ``theta`` has the wrong size or non-finite entries (or as :func:`~numdl_core.classify.sklearn_reference`).
    ImportError
        If scikit-learn is not installed.

    References
    ----------
    scikit-learn User Guide, Sec. 1.1.11.

    Examples
    --------
    >>> from numdl_core.classify_problems import classification_problem, reference_optimum
    >>> obj = classification_problem("blobs", alpha=1e-2).obj
    >>> r = sklearn_comparison(obj, reference_optimum(obj).theta)
    >>> r.passed, r.rel_error < 1e-8, r.same_predictions
    (True, True, 1.0)
    """
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (obj.n_params,) or not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be a finite vector of length {obj.n_params}")
    t0 = time.perf_counter()
    th_sk = sklearn_reference(obj)
    seconds = time.perf_counter() - t0
    f, f_sk = obj.loss(theta), obj.loss(th_sk)
    W, _ = obj.unpack(theta)
    W_sk, _ = obj.unpack(th_sk)
    n, C = obj.n_samples, obj.n_classes
    c_value = float("inf") if obj.alpha == 0 else (2.0 if C == 2 else 1.0) / (obj.alpha * n)
    rel = float(abs(f - f_sk) / max(abs(f_sk), np.finfo(float).tiny))
    reference = f"LogisticRegression(C = {2 if C == 2 else 1}/(αn)) of scikit-learn, f = {f_sk:.10g}"
    return SklearnComparison(
        f"f* = {f:.10g}", reference, rel, 1e-6, bool(rel <= 1e-6), float(f), float(f_sk),
        float(np.linalg.norm(W - W_sk) / max(np.linalg.norm(W_sk), np.finfo(float).tiny)),
        float(np.mean(obj.predict(theta) == obj.predict(th_sk))), c_value, float(seconds))


def _same_f_and_grad(name: str, obj: SoftmaxRegression, other: SoftmaxRegression, theta, reference: str) -> Agreement:
    rel = _rel_change(*obj.value_and_grad(theta), *other.value_and_grad(theta))
    return Agreement(name, reference, rel, 1e-12, bool(rel <= 1e-12))


def permutation_invariance(obj: SoftmaxRegression, theta, *, seed: int = 0) -> Agreement:
    r"""Check that permuting the examples leaves :math:`f` and :math:`\nabla f` unchanged.

    .. math:: f(\theta; P X, P y) = \frac1n \sum_i \ell(x_{\pi(i)}, y_{\pi(i)}; \theta) = f(\theta; X, y)

    for a permutation matrix :math:`P` (the mean is a sum over the set of examples).

    Parameters
    ----------
    obj, theta : SoftmaxRegression, array_like
        As for :func:`shift_invariance` (a non-finite ``theta`` is replaced by 0).
    seed : int
        Seed of the random permutation.

    Returns
    -------
    Agreement
        :math:`(f, \nabla f)` on the permuted examples against the original ones (relative tolerance 1e-12: only
        the order of the floating-point sums changes).

    References
    ----------
    Ruthotto and Haber, *Numerical Methods for Deep Learning*, Module 3 (checks of the softmax function).

    Examples
    --------
    >>> from numdl_core.classify_problems import classification_problem
    >>> obj = classification_problem("blobs").obj
    >>> check = permutation_invariance(obj, obj.init(1.0, seed=1), seed=3)
    >>> check.passed, check.rel_error < 1e-12
    (True, True)
    """
    theta = _finite_or_zero(obj, theta)
    perm = np.random.default_rng(seed).permutation(obj.n_samples)
    other = type(obj)(obj.X[perm], obj.y[perm], obj.n_classes, obj.alpha)
    return _same_f_and_grad("f and ∇f with the examples permuted", obj, other, theta, "f and ∇f in the original order")


def replication_invariance(obj: SoftmaxRegression, theta, *, copies: int = 2) -> Agreement:
    r"""Check that replicating the data set leaves the mean loss and its gradient unchanged.

    .. math:: f\Big(\theta; \begin{bmatrix} X \\ \vdots \\ X \end{bmatrix},
        \begin{bmatrix} y \\ \vdots \\ y \end{bmatrix}\Big) = \frac{1}{kn} \sum_{c=1}^k \sum_{i=1}^n
        \ell(x_i, y_i; \theta) = f(\theta; X, y).

    Parameters
    ----------
    obj, theta : SoftmaxRegression, array_like
        The objective and where to check, as for :func:`shift_invariance` (non-finite entries: ``theta = 0``).
    copies : int
        How many copies :math:`k \ge 1` of the data.

    Returns
    -------
    Agreement
        :math:`(f, \nabla f)` on the replicated data against the original (relative tolerance 1e-12).

    Raises
    ------
    ValueError
        If ``copies`` is not an integer >= 1.

    References
    ----------
    Ruthotto and Haber, Module 3: the checks of the softmax function, as :func:`permutation_invariance`.

    Examples
    --------
    >>> from numdl_core.classify_problems import classification_problem
    >>> obj = classification_problem("blobs").obj
    >>> replication_invariance(obj, obj.init(1.0, seed=1), copies=3).passed
    True
    """
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
        raise ValueError(f"copies must be an integer >= 1, got {copies!r}")
    theta = _finite_or_zero(obj, theta)
    other = type(obj)(np.tile(obj.X, (copies, 1)), np.tile(obj.y, copies), obj.n_classes, obj.alpha)
    return _same_f_and_grad(f"mean f and ∇f on {copies} copies of the data", obj, other, theta,
                            "f and ∇f on the data")


def identity_weights_check(n_classes: int, *, scales=(1.0, 1e4), n: int = 50, seed: int = 0) -> Agreement:
    r"""The course's check: features equal to the one-hot labels, :math:`X = Y`, and :math:`W = a I`, :math:`b = 0`.

    Then the logits of example :math:`i` are :math:`a\,e_{y_i}` and, without regularization,

    .. math:: f = \log\big(e^{a} + C - 1\big) - a = \log\big(1 + (C - 1)e^{-a}\big),

    :math:`\log(1 + (C-1)/e) \approx 0.31` for :math:`a = 1` and two classes, and 0 to machine precision for
    :math:`a = 10^4`, where the logits are :math:`10^4` and the naive :math:`\log\sum e^{z}` overflows.

    Parameters
    ----------
    n_classes : int
        The number of classes :math:`C \ge 2`.
    scales : sequence of float
        The values :math:`a` (finite).
    n : int
        The number of examples (random labels).
    seed : int
        Seed of the labels.

    Returns
    -------
    Agreement
        The losses at :math:`W = aI` against the closed form ``log1p((C - 1) exp(-a))`` (relative tolerance 1e-12).

    Raises
    ------
    ValueError
        If ``n_classes < 2``, ``n < 1`` or a scale is not finite.

    References
    ----------
    Ruthotto and Haber, *Numerical Methods for Deep Learning*, Module 3, and its MATLAB test ``testSoftMax.m``.

    Examples
    --------
    >>> r = identity_weights_check(3)
    >>> r.passed, r.rel_error < 1e-15
    (True, True)
    """
    a = np.asarray(scales, dtype=np.float64).ravel()
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"scales must be finite numbers, got {scales!r}")
    y = np.random.default_rng(seed).integers(0, n_classes, n)
    obj = SoftmaxRegression(np.eye(n_classes)[y], y, int(n_classes), 0.0)
    loss = np.array([obj.loss(obj.pack(s * np.eye(n_classes), np.zeros(n_classes))) for s in a])
    exact = np.log1p((n_classes - 1) * np.exp(-a))
    rel = float(np.linalg.norm(loss - exact) / max(np.linalg.norm(exact), np.finfo(float).tiny))
    return Agreement(f"f at W = a·I, X = Y (a = {', '.join(f'{s:g}' for s in a)})", "log(1 + (C − 1)e^(−a))", rel,
                     1e-12, bool(rel <= 1e-12))
