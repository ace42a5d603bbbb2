r"""Deep networks (multilayer perceptrons): the objective, backpropagation as the adjoint loop, initialization,
the growth of norms through depth, and plain against residual networks (Module 6 of the course).

The network of the contract (``docs/api.md``), with **samples as rows** (the course stores them as columns and
writes :math:`\mathbf K_j \mathbf Y_j`; we write :math:`Y_j K_j`):

.. math::
    Y_0 = X, \qquad Y_{j+1} = \sigma(Y_j K_j + \mathbf 1 b_j^\top), \quad j = 0, \ldots, L-1, \qquad
    O = Y_L W + \mathbf 1 c^\top,

    f(\theta) = -\frac1n \sum_{i=1}^n \log \mathrm{softmax}(o_i)_{y_i}
    + \frac\alpha2 \Big(\sum_j \|K_j\|_F^2 + \|W\|_F^2\Big),

with :math:`\theta` = ``concatenate([K_0.ravel(), b_0, ..., K_{L-1}.ravel(), b_{L-1}, W.ravel(), c])``.

Backpropagation is the reverse (adjoint) loop: with :math:`A_j = Y_j K_j + \mathbf 1 b_j^\top`,
:math:`D_j = \sigma'(A_j)` and :math:`\Delta_L = \partial f / \partial Y_L`,

.. math::
    G_j = \Delta_{j+1} \odot D_j, \quad \nabla_{K_j} f = Y_j^\top G_j, \quad \nabla_{b_j} f = G_j^\top \mathbf 1,
    \quad \Delta_j = G_j K_j^\top, \qquad j = L-1, \ldots, 0,

each step the transpose (adjoint) of the layer's Jacobian applied to :math:`\Delta_{j+1}`.

References
----------
D. E. Rumelhart, G. E. Hinton and R. J. Williams, Learning representations by back-propagating errors,
Nature 323 (1986), 533-536.
X. Glorot and Y. Bengio, Understanding the difficulty of training deep feedforward neural networks, AISTATS 2010.
K. He, X. Zhang, S. Ren and J. Sun, Delving deep into rectifiers, ICCV 2015; Deep residual learning for image
recognition, CVPR 2016.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 6 (slides 06-NumDNN-DeepNets.tex).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from numdl_core._validate import check_count, check_labels, check_nonneg, check_positive, check_X
from numdl_core.checks import AdjointCheck, DerivativeCheck, adjoint_check, derivative_check
from numdl_core.classify import _MiniBatchClassifier, log_softmax
from numdl_core.optim import Objective
from numdl_core.single_layer.model import activation as _activation

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "COURSE_NORM_CASES",
    "init_std",
    "layer_forward",
    "layer_jvp",
    "layer_vjp",
    "MLP",
    "mlp_objective",
    "LayerCheck",
    "layer_checks",
    "network_checks",
    "NormGrowth",
    "norm_growth",
    "course_norm_growth",
    "DepthGrowth",
    "depth_growth",
    "LineComparison",
    "plain_vs_resnet",
    "DeepProblem",
    "training_problem",
]

ACTIVATIONS = ("tanh", "relu", "sin", "identity")
INITS = ("naive", "glorot", "he", "custom")
# the course's experiment: (distribution, scale) of the entries of K1, K2, K3 in R^{100 x 100}
COURSE_NORM_CASES = (("normal", 1.0), ("uniform", 0.5), ("uniform", 0.05))


def _check_activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return name


def init_std(init: str, fan_in: int, fan_out: int, sigma: float = 1.0) -> float:
    r"""Standard deviation of the entries :math:`K_{ij} \sim N(0, s^2)` of a layer ``fan_in -> fan_out``.

    .. math::
        s_{\rm naive} = 1, \qquad s_{\rm Glorot} = \sqrt{\frac{2}{n_{\rm in} + n_{\rm out}}}, \qquad
        s_{\rm He} = \sqrt{\frac{2}{n_{\rm in}}}, \qquad s_{\rm custom} = \sigma.

    Glorot's keeps the variance of activations and of gradients about constant through a near-linear (tanh)
    network; He's doubles it to make up for ReLU zeroing half of its inputs.

    Parameters
    ----------
    init : {"naive", "glorot", "he", "custom"}
    fan_in, fan_out : int
        Inputs and outputs of the layer.
    sigma : float
        The standard deviation of ``"custom"`` (ignored otherwise).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For an unknown ``init`` or a negative ``sigma``.

    References
    ----------
    Glorot and Bengio (2010), eq. (12) (normal variant); He et al. (2015), eq. (10).

    Examples
    --------
    >>> init_std("glorot", 50, 50), init_std("he", 50, 50)
    (0.1414213562373095, 0.2)
    """
    if init not in INITS:
        raise ValueError(f"unknown initialization {init!r}; choose one of {', '.join(INITS)}")
    fan_in, fan_out = check_count("fan_in", fan_in), check_count("fan_out", fan_out)
    sigma = check_nonneg("sigma", sigma)
    return {"naive": 1.0, "glorot": float(np.sqrt(2.0 / (fan_in + fan_out))), "he": float(np.sqrt(2.0 / fan_in)),
            "custom": sigma}[init]


# --------------------------------------------------------------------------------------------
# one layer Y -> sigma(Y K + 1 b^T): forward, Jacobian product, transposed Jacobian product
# --------------------------------------------------------------------------------------------
def layer_forward(Y: np.ndarray, K: np.ndarray, b: np.ndarray,
                  activation: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    r"""One layer :math:`Z = \sigma(Y K + \mathbf 1 b^\top)` and :math:`D = \sigma'(Y K + \mathbf 1 b^\top)`.

    Parameters
    ----------
    Y : ndarray, shape (n, m_in)
    K : ndarray, shape (m_in, m_out)
    b : ndarray, shape (m_out,)
    activation : {"tanh", "relu", "sin", "identity"}

    Returns
    -------
    Z, D : ndarray, shape (n, m_out)

    References
    ----------
    Ruthotto and Haber, Module 6 (the layer :math:`\sigma(K Y + b)`, here transposed).

    Examples
    --------
    >>> Z, D = layer_forward(np.ones((1, 2)), np.eye(2), np.zeros(2), "relu")
    >>> Z, D
    (array([[1., 1.]]), array([[1., 1.]]))
    """
    return _activation(_check_activation(activation))(Y @ K + b)


def layer_jvp(Y: np.ndarray, K: np.ndarray, b: np.ndarray, dY: np.ndarray, dK: np.ndarray, db: np.ndarray,
              activation: str = "tanh") -> np.ndarray:
    r"""The layer's Jacobian applied to a direction :math:`(\delta Y, \delta K, \delta b)`:

    .. math::
        \delta Z = \sigma'(A) \odot (\delta Y\, K + Y\, \delta K + \mathbf 1 \delta b^\top), \qquad
        A = Y K + \mathbf 1 b^\top.

    Parameters
    ----------
    Y, K, b : ndarray
        As for :func:`layer_forward`.
    dY, dK, db : ndarray
        The direction, shaped as ``Y``, ``K``, ``b``.
    activation : str

    Returns
    -------
    dZ : ndarray, shape (n, m_out)

    References
    ----------
    Ruthotto and Haber, Module 6 (derivatives of a layer).

    Examples
    --------
    >>> Y, K, b = np.ones((1, 1)), np.ones((1, 1)), np.zeros(1)
    >>> layer_jvp(Y, K, b, np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1), "identity")
    array([[1.]])
    """
    _, D = layer_forward(Y, K, b, activation)
    return D * (dY @ K + Y @ dK + db)


def _vjp(Y: np.ndarray, K: np.ndarray, D: np.ndarray, dZ: np.ndarray, need_dY: bool = True):
    G = dZ * D
    return (G @ K.T if need_dY else None), Y.T @ G, G.sum(axis=0)


def layer_vjp(Y: np.ndarray, K: np.ndarray, b: np.ndarray, dZ: np.ndarray,
              activation: str = "tanh") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The transpose (adjoint) of the layer's Jacobian applied to :math:`\Delta` (shaped as the output):

    .. math::
        G = \Delta \odot \sigma'(A), \qquad \delta Y = G K^\top, \quad \delta K = Y^\top G, \quad
        \delta b = G^\top \mathbf 1.

    One step of backpropagation; :meth:`MLP.value_and_grad` runs it from the last layer to the first.

    Parameters
    ----------
    Y, K, b : ndarray
        As for :func:`layer_forward`.
    dZ : ndarray, shape (n, m_out)
    activation : str

    Returns
    -------
    dY : ndarray, shape (n, m_in)
    dK : ndarray, shape (m_in, m_out)
    db : ndarray, shape (m_out,)

    References
    ----------
    Rumelhart, Hinton and Williams (1986); Ruthotto and Haber, Module 6.

    Examples
    --------
    >>> dY, dK, db = layer_vjp(np.ones((1, 1)), 2 * np.ones((1, 1)), np.zeros(1), np.ones((1, 1)), "identity")
    >>> dY, dK, db
    (array([[2.]]), array([[1.]]), array([1.]))
    """
    _, D = layer_forward(Y, K, b, activation)
    return _vjp(Y, K, D, dZ)


# --------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------
class MLP(_MiniBatchClassifier, Objective):
    r"""The deep network of :func:`mlp_objective` as an objective on a flat parameter vector.

    Layout of ``theta`` (C order): ``K_0`` ``(d, widths[0])``, ``b_0``, ..., ``K_{L-1}``
    ``(widths[L-2], widths[L-1])``, ``b_{L-1}``, ``W`` ``(widths[-1], n_classes)``, ``c``; :meth:`split` returns
    the blocks in that order.

    Parameters
    ----------
    X : ndarray, shape (n_samples, d)
    y : ndarray of int, shape (n_samples,)
        Labels ``0..n_classes-1``.
    widths : sequence of int
        Widths of the ``L = len(widths) >= 1`` hidden layers.
    n_classes : int
    activation : {"tanh", "relu", "sin", "identity"}
    alpha : float
        Weight of :math:`\tfrac\alpha2 (\sum_j \|K_j\|_F^2 + \|W\|_F^2)` (biases not regularized).

    Attributes
    ----------
    X, y, widths, n_classes, activation, alpha
    depth : int
        ``L``.
    n_samples, n_features, n_params : int

    Raises
    ------
    ValueError
        For malformed data, an empty or non-positive ``widths``, fewer than 2 classes, an unknown activation
        or a negative ``alpha``.

    References
    ----------
    Ruthotto and Haber, Module 6; Rumelhart, Hinton and Williams (1986).
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, widths: Sequence[int], n_classes: int, *,
                 activation: str = "tanh", alpha: float = 0.0):
        self.X = check_X(X)
        n, d = self.X.shape
        if widths is None or isinstance(widths, str):
            raise TypeError(f"widths must be a sequence of layer widths, e.g. (16, 16), got {widths!r}")
        widths = tuple(int(check_count("every entry of widths", w)) for w in np.atleast_1d(widths))
        if not widths:
            raise ValueError("widths must name at least one hidden layer, e.g. (16, 16)")
        self.n_classes = check_count("n_classes", n_classes, 2)
        self.y = check_labels(y, n, self.n_classes)
        self.widths, self.depth = widths, len(widths)
        self.activation = _check_activation(activation)
        self.alpha = check_nonneg("alpha", alpha)
        self.n_samples, self.n_features = n, d
        sizes = (d, *widths)
        blocks = []
        for j in range(self.depth):
            blocks += [(f"K_{j}", (sizes[j], sizes[j + 1])), (f"b_{j}", (sizes[j + 1],))]
        self._layout(*blocks, ("W", (widths[-1], self.n_classes)), ("c", (self.n_classes,)))
        self._act = _activation(self.activation)

    # ---------------------------------------------------------------- forward
    def _forward(self, blocks, X):
        Ys, Ds = [X], []
        for j in range(self.depth):
            Z, D = self._act(Ys[-1] @ blocks[2 * j] + blocks[2 * j + 1])
            Ys.append(Z)
            Ds.append(D)
        return Ys, Ds

    def states(self, theta: np.ndarray, X: np.ndarray | None = None) -> list[np.ndarray]:
        r"""The states :math:`Y_0 = X, Y_1, \ldots, Y_L` of the forward pass.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (m, d), optional
            Samples as rows; the training data if None.

        Returns
        -------
        list of ndarray
            ``L + 1`` arrays, ``Y_j`` of shape ``(m, widths[j-1])`` (``Y_0 = X``).
        """
        return self._forward(self._split(self._check_theta(theta)), self._data(X))[0]

    def _logits(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        blocks = self._split(self._check_theta(theta))
        return self._forward(blocks, X)[0][-1] @ blocks[-2] + blocks[-1]

    # ---------------------------------------------------------------- loss and backpropagation
    def _loss_grad(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray):
        blocks = self._split(theta)
        W, c = blocks[-2], blocks[-1]
        Ys, Ds = self._forward(blocks, X)
        O = Ys[-1] @ W + c
        logp = log_softmax(O)
        n = X.shape[0]
        f = -float(np.mean(logp[np.arange(n), y]))
        dO = np.exp(logp)
        dO[np.arange(n), y] -= 1.0
        dO /= n
        grads: list = [None] * len(blocks)
        grads[-2], grads[-1] = Ys[-1].T @ dO, dO.sum(axis=0)
        delta = dO @ W.T  # df / dY_L
        for j in range(self.depth - 1, -1, -1):  # the reverse (adjoint) loop
            delta, grads[2 * j], grads[2 * j + 1] = _vjp(Ys[j], blocks[2 * j], Ds[j], delta, need_dY=j > 0)
        g = np.concatenate([a.ravel() for a in grads])
        if self.alpha:
            f += 0.5 * self.alpha * sum(float(np.sum(blocks[k] ** 2)) for k in self._weight_blocks())
            for k in self._weight_blocks():
                sl, _ = self._slices[k]
                g[sl] += self.alpha * theta[sl]
        return f, g

    def _weight_blocks(self) -> list[int]:
        return [2 * j for j in range(self.depth + 1)]  # K_0, ..., K_{L-1}, W

    # documented in Objective; the gradient by backpropagation (the reverse loop over the layers): one forward
    # and one adjoint pass (2 data passes)
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._loss_grad(self._check_theta(theta), self.X, self.y)

    def _batch_loss_grad(self, theta: np.ndarray, idx: np.ndarray):  # for batch_value_and_grad
        return self._loss_grad(theta, self.X[idx], self.y[idx])

    def layer_gradient_norms(self, theta: np.ndarray) -> np.ndarray:
        r"""The Frobenius norms :math:`\|\nabla_{K_j} f\|_F`, :math:`j = 0, \ldots, L-1`, then
        :math:`\|\nabla_W f\|_F`: how strongly each layer is pulled; vanishing or exploding gradients show as a
        geometric decay or growth from the last layer to the first.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (L + 1,)
            ``nan`` where the gradient is not finite.

        References
        ----------
        Glorot and Bengio (2010), Sec. 4 (gradients per layer).
        """
        with np.errstate(all="ignore"):
            _, g = self.value_and_grad(theta)
            out = np.array([np.linalg.norm(g[self._slices[k][0]]) for k in self._weight_blocks()])
        return np.where(np.isfinite(out), out, np.nan)

    # ---------------------------------------------------------------- linearization of the outputs
    def jac_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        r"""The Jacobian of the outputs :math:`O(\theta)` applied to ``v`` (forward mode, layer by layer):
        :math:`\delta Y_{j+1} = D_j \odot (\delta Y_j K_j + Y_j \delta K_j + \mathbf 1 \delta b_j^\top)`,
        :math:`\delta O = \delta Y_L W + Y_L \delta W + \mathbf 1 \delta c^\top`.

        Parameters
        ----------
        theta, v : ndarray, shape (n_params,)

        Returns
        -------
        dO : ndarray, shape (n_samples, n_classes)
        """
        blocks = self._split(self._check_theta(theta))
        dv = self._split(self._check_theta(v, "v"))
        Ys, Ds = self._forward(blocks, self.X)
        dY = np.zeros_like(self.X)
        for j in range(self.depth):
            dY = Ds[j] * (dY @ blocks[2 * j] + Ys[j] @ dv[2 * j] + dv[2 * j + 1])
        return dY @ blocks[-2] + Ys[-1] @ dv[-2] + dv[-1]

    def jac_t_vec(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        r"""The transposed Jacobian of the outputs applied to ``w`` (the reverse loop of backpropagation,
        started from :math:`\partial O = w`).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        w : ndarray, shape (n_samples, n_classes)

        Returns
        -------
        ndarray, shape (n_params,)
        """
        blocks = self._split(self._check_theta(theta))
        Ys, Ds = self._forward(blocks, self.X)
        w = np.asarray(w, dtype=np.float64).reshape(self.n_samples, self.n_classes)
        grads: list = [None] * len(blocks)
        grads[-2], grads[-1] = Ys[-1].T @ w, w.sum(axis=0)
        delta = w @ blocks[-2].T
        for j in range(self.depth - 1, -1, -1):
            delta, grads[2 * j], grads[2 * j + 1] = _vjp(Ys[j], blocks[2 * j], Ds[j], delta, need_dY=j > 0)
        return np.concatenate([a.ravel() for a in grads])

    def init_theta(self, init: str = "glorot", sigma: float = 1.0, seed: int | np.random.Generator = 0) -> np.ndarray:
        r"""A random start: :math:`K_j, W` with entries :math:`N(0, s^2)`, :math:`s` of :func:`init_std` per layer;
        biases 0.

        Parameters
        ----------
        init : {"naive", "glorot", "he", "custom"}
        sigma : float
            The standard deviation of ``"custom"``.
        seed : int or numpy.random.Generator

        Returns
        -------
        theta : ndarray, shape (n_params,)

        References
        ----------
        Glorot and Bengio (2010); He et al. (2015).
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        blocks = []
        for name, shape in self._blocks:
            if len(shape) == 2:
                blocks.append(init_std(init, shape[0], shape[1], sigma) * rng.standard_normal(shape))
            else:
                blocks.append(np.zeros(shape))
        return np.concatenate([a.ravel() for a in blocks])

    def __repr__(self) -> str:
        return (f"MLP(n_samples={self.n_samples}, widths={self.widths}, n_classes={self.n_classes}, "
                f"activation={self.activation!r}, alpha={self.alpha:g})")


def mlp_objective(X: np.ndarray, y: np.ndarray, widths: Sequence[int], n_classes: int, *, activation: str = "tanh",
                  alpha: float = 0.0) -> MLP:
    r"""The deep network objective of the contract (``docs/api.md``):

    .. math::
        Y_0 = X, \quad Y_{j+1} = \sigma(Y_j K_j + \mathbf 1 b_j^\top)\ (j < L), \quad
        f = -\frac1n \sum_i \log \mathrm{softmax}(y_{L,i}^\top W + c^\top)_{y_i}
        + \frac\alpha2 \Big(\sum_j \|K_j\|_F^2 + \|W\|_F^2\Big),

    ``theta = concatenate([K_0.ravel(), b_0, ..., K_{L-1}.ravel(), b_{L-1}, W.ravel(), c])`` (C order).

    Parameters
    ----------
    X : ndarray, shape (n_samples, d)
    y : ndarray of int, shape (n_samples,)
    widths : sequence of int
        Hidden widths; ``L = len(widths)``.
    n_classes : int
    activation : {"tanh", "relu", "sin", "identity"}
    alpha : float

    Returns
    -------
    MLP
        With ``value_and_grad`` (backpropagation), ``batch_value_and_grad``, ``n_params``, ``n_samples``, works
        with :func:`numdl_core.optim.sgd`, ``adam``, ``gradient_descent``.

    References
    ----------
    Ruthotto and Haber, Module 6; Rumelhart, Hinton and Williams (1986).

    Examples
    --------
    >>> obj = mlp_objective(np.eye(3), np.array([0, 1, 2]), (4, 4), 3)
    >>> obj.n_params                    # K_0 3x4, b_0 4, K_1 4x4, b_1 4, W 4x3, c 3
    51
    >>> round(obj.value_and_grad(np.zeros(51))[0], 6)      # log 3
    1.098612
    """
    return MLP(X, y, widths, n_classes, activation=activation, alpha=alpha)


# --------------------------------------------------------------------------------------------
# derivative checks per layer and for the network
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerCheck:
    r"""The checks of one layer (:func:`layer_checks`) or of the network (:func:`network_checks`).

    Attributes
    ----------
    name : str
        ``"layer 1"`` ... or ``"network"``.
    taylor : DerivativeCheck
        Taylor test of :math:`\langle w, Z(u)\rangle` (a layer, in its input and weights) or of the loss.
    adjoint : AdjointCheck
        :math:`\langle w, J v\rangle = \langle J^\top w, v\rangle` for the layer's (the outputs') Jacobian.
    """

    name: str
    taylor: DerivativeCheck
    adjoint: AdjointCheck


def layer_checks(model: MLP, theta: np.ndarray, *, seed: int = 0, n: int = 14) -> list[LayerCheck]:
    r"""Taylor and adjoint tests of every hidden layer at the states of ``theta``.

    Layer :math:`j` maps :math:`u = (Y_j, K_j, b_j)` to :math:`Z = \sigma(Y_j K_j + \mathbf 1 b_j^\top)`. With a
    fixed random :math:`w` the scalar :math:`\phi(u) = \langle w, Z(u)\rangle` has the gradient :math:`J^\top w`
    (:func:`layer_vjp`); its Taylor test (:math:`E_1 = O(h^2)`) and the adjoint test of :func:`layer_jvp`
    against :func:`layer_vjp` check one step of backpropagation on its own.

    Parameters
    ----------
    model : MLP
    theta : ndarray, shape (n_params,)
    seed : int
    n : int
        Step sizes of the Taylor tests.

    Returns
    -------
    list of LayerCheck
        One per hidden layer, ``"layer 1"`` .. ``"layer L"``.

    References
    ----------
    Ruthotto and Haber, Module 0 (derivative checks) and Module 6.
    """
    blocks = model.split(theta)
    Ys = model.states(theta)
    out = []
    rng = np.random.default_rng(seed)
    for j in range(model.depth):
        Y, K, b = Ys[j], blocks[2 * j], blocks[2 * j + 1]
        shapes = (Y.shape, K.shape, b.shape)
        sizes = np.cumsum([0] + [int(np.prod(s)) for s in shapes])

        def unpack(u, shapes=shapes, sizes=sizes):
            return [u[sizes[i]:sizes[i + 1]].reshape(s) for i, s in enumerate(shapes)]

        w = rng.standard_normal((Y.shape[0], K.shape[1]))

        def phi(u, w=w):
            Yu, Ku, bu = unpack(u)
            Z, D = layer_forward(Yu, Ku, bu, model.activation)
            gY, gK, gb = _vjp(Yu, Ku, D, w)
            return float(np.sum(w * Z)), np.concatenate([gY.ravel(), gK.ravel(), gb.ravel()])

        u0 = np.concatenate([Y.ravel(), K.ravel(), b.ravel()])
        taylor = derivative_check(phi, u0, seed=seed + j + 1, n=n)
        adjoint = adjoint_check(
            lambda v, Y=Y, K=K, b=b: layer_jvp(Y, K, b, *unpack(v), model.activation),
            lambda z, Y=Y, K=K, b=b: np.concatenate([a.ravel() for a in layer_vjp(Y, K, b, z, model.activation)]),
            u0.size, seed=seed + j + 1)
        out.append(LayerCheck(f"layer {j + 1}", taylor, adjoint))
    return out


def network_checks(model: MLP, theta: np.ndarray, *, seed: int = 0, n: int = 14) -> LayerCheck:
    r"""Taylor test of the loss :math:`f(\theta)` with its backpropagated gradient, and the adjoint test of the
    Jacobian of the outputs :math:`O(\theta)` (:meth:`MLP.jac_vec` against :meth:`MLP.jac_t_vec`).

    Parameters
    ----------
    model, theta, seed, n
        As for :func:`layer_checks`.

    Returns
    -------
    LayerCheck
        Named ``"network"``.

    References
    ----------
    Ruthotto and Haber, Module 0 and Module 6.
    """
    taylor = derivative_check(model.value_and_grad, np.asarray(theta, dtype=float), seed=seed, n=n)
    adjoint = adjoint_check(lambda v: model.jac_vec(theta, v), lambda w: model.jac_t_vec(theta, w), model.n_params,
                            seed=seed)
    return LayerCheck("network", taylor, adjoint)


# --------------------------------------------------------------------------------------------
# norms through depth
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NormGrowth:
    r"""Result of :func:`norm_growth`.

    Attributes
    ----------
    distribution : str
    scale : float
        Standard deviation (normal) or half-width (uniform) of the entries.
    n, depth, draws : int
    ratios : ndarray, shape (draws,)
        :math:`\|K_L \cdots K_1 y\| / \|y\|` per draw.
    mean : float
        Their mean.
    per_layer : float
        ``mean ** (1 / depth)``.
    predicted : float
        :math:`(\sqrt{n}\, s)^L`, :math:`s` the standard deviation of an entry.
    """

    distribution: str
    scale: float
    n: int
    depth: int
    draws: int
    ratios: np.ndarray
    mean: float
    per_layer: float
    predicted: float


def _entries(rng: np.random.Generator, distribution: str, scale: float, shape) -> np.ndarray:
    if distribution == "normal":
        return scale * rng.standard_normal(shape)
    if distribution == "uniform":
        return rng.uniform(-scale, scale, shape)
    raise ValueError(f"unknown distribution {distribution!r}; choose 'normal' or 'uniform'")


def norm_growth(distribution: str = "normal", scale: float = 1.0, *, n: int = 100, depth: int = 3, draws: int = 100,
                seed: int = 0) -> NormGrowth:
    r"""The course's experiment: :math:`\|K_L \cdots K_2 K_1 y\| / \|y\|` for :math:`y \sim N(0, I_n)` and
    :math:`K_j \in \mathbb R^{n \times n}` with independent entries (``"normal"``: :math:`N(0, s^2)`;
    ``"uniform"``: :math:`U[-s, s]`, standard deviation :math:`s/\sqrt3`), averaged over ``draws`` draws.

    Each factor multiplies the expected squared norm by :math:`n \operatorname{Var}(K_{ij})`, so

    .. math::
        \mathbb E \|K_L \cdots K_1 y\|^2 / \|y\|^2 = (n \operatorname{Var} K_{ij})^L,

    about :math:`10^3` for :math:`N(0,1)`, :math:`2.89^3 \approx 24` for :math:`U[-\tfrac12, \tfrac12]` and
    :math:`0.289^3 \approx 0.024` for :math:`U[-0.05, 0.05]` (:math:`n = 100`, :math:`L = 3`).

    Parameters
    ----------
    distribution : {"normal", "uniform"}
    scale : float
        ``s`` above.
    n, depth, draws : int
    seed : int

    Returns
    -------
    NormGrowth

    Raises
    ------
    ValueError
        For an unknown distribution or non-positive sizes.

    References
    ----------
    Ruthotto and Haber, Module 6 (slide "Key issues: non-convexity and initialization"); Glorot and Bengio (2010).

    Examples
    --------
    >>> r = norm_growth("uniform", 0.5, draws=50)
    >>> 20 < r.mean < 28, round(r.predicted, 2)
    (True, 24.06)
    """
    if distribution not in ("normal", "uniform"):
        raise ValueError(f"unknown distribution {distribution!r}; choose 'normal' or 'uniform'")
    scale = check_positive("scale", scale)
    n, depth, draws = check_count("n", n), check_count("depth", depth), check_count("draws", draws)
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((draws, n))
    Y = y
    for _ in range(depth):
        K = _entries(rng, distribution, scale, (draws, n, n))
        Y = np.einsum("dij,dj->di", K, Y)
    ratios = np.linalg.norm(Y, axis=1) / np.linalg.norm(y, axis=1)
    std = scale if distribution == "normal" else scale / np.sqrt(3.0)
    mean = float(np.mean(ratios))
    return NormGrowth(distribution, float(scale), n, depth, draws, ratios, mean, mean ** (1.0 / depth),
                      float((np.sqrt(n) * std) ** depth))


def course_norm_growth(*, n: int = 100, depth: int = 3, draws: int = 100, seed: int = 0) -> dict[str, NormGrowth]:
    r""":func:`norm_growth` for the course's three cases :data:`COURSE_NORM_CASES`: entries :math:`N(0,1)`,
    :math:`U[-0.5, 0.5]` and :math:`U[-0.05, 0.05]` (about 1000, 24 and 0.024 for :math:`n = 100`, :math:`L = 3`).

    .. math::
        \mathbb E \|K_3 K_2 K_1 y\|^2 / \|y\|^2 = (n \operatorname{Var} K_{ij})^3

    Parameters
    ----------
    n, depth, draws, seed : int
        As for :func:`norm_growth` (the same ``seed`` for each case).

    Returns
    -------
    dict
        ``{"N(0,1)": ..., "U[-0.5,0.5]": ..., "U[-0.05,0.05]": ...}`` of :class:`NormGrowth`.

    References
    ----------
    Ruthotto and Haber, Module 6 (slides 06-NumDNN-DeepNets.tex).
    """
    labels = ("N(0,1)", "U[-0.5,0.5]", "U[-0.05,0.05]")
    return {lab: norm_growth(dist, s, n=n, depth=depth, draws=draws, seed=seed)
            for lab, (dist, s) in zip(labels, COURSE_NORM_CASES)}


@dataclass(frozen=True)
class DepthGrowth:
    r"""Result of :func:`depth_growth`: per initialization, the mean norm ratios through the layers.

    Attributes
    ----------
    activation : str
    width, depth, draws : int
    stds : dict
        ``{init: s}`` the standard deviation of the entries.
    forward : dict
        ``{init: ndarray (depth + 1,)}``: mean of :math:`\|y_j\| / \|y_0\|`, :math:`j = 0..L`.
    backward : dict
        ``{init: ndarray (depth + 1,)}``: mean of :math:`\|\delta_j\| / \|\delta_L\|` for a random
        :math:`\delta_L` sent back through the transposed Jacobians (:math:`\delta_L` at index ``depth``).
    """

    activation: str
    width: int
    depth: int
    draws: int
    stds: dict = field(default_factory=dict)
    forward: dict = field(default_factory=dict)
    backward: dict = field(default_factory=dict)


def depth_growth(activation: str = "tanh", inits: Sequence[str] = INITS, *, width: int = 100, depth: int = 50,
                 sigma: float = 1.0, draws: int = 10, seed: int = 0) -> DepthGrowth:
    r"""Norms of the states :math:`y_{j+1} = \sigma(K_j y_j)` and of the back-propagated
    :math:`\delta_j = K_j^\top (\sigma'(K_j y_j) \odot \delta_{j+1})` through ``depth`` square layers.

    The entries of :math:`K_j` are :math:`s\, G_j` with standard normal :math:`G_j` shared by every
    initialization (common random numbers: the curves differ only by the scale :math:`s` of :func:`init_std`).
    For a linear network :math:`\mathbb E\|y_{j}\|^2 = (n s^2)^j \|y_0\|^2`: Glorot (:math:`s^2 = 1/n`) keeps it,
    "naive" (:math:`s = 1`) multiplies the norm by :math:`\sqrt n` per layer; ReLU halves the variance, which He
    (:math:`s^2 = 2/n`) makes up for.

    Parameters
    ----------
    activation : {"tanh", "relu", "sin", "identity"}
    inits : sequence of str
        Names of :data:`INITS`.
    width, depth, draws : int
    sigma : float
        Standard deviation of ``"custom"``.
    seed : int

    Returns
    -------
    DepthGrowth

    Raises
    ------
    ValueError
        For an unknown activation or initialization, or non-positive sizes.

    References
    ----------
    Glorot and Bengio (2010), Sec. 4.2; He et al. (2015), Sec. 2.2; Ruthotto and Haber, Module 6.

    Examples
    --------
    >>> g = depth_growth("relu", ("he",), width=100, depth=20, draws=10)
    >>> bool(0.5 < g.forward["he"][-1] < 2.0)
    True
    """
    act = _activation(_check_activation(activation))
    width, depth, draws = check_count("width", width), check_count("depth", depth), check_count("draws", draws)
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((depth, draws, width, width))
    y0 = rng.standard_normal((draws, width))
    dL = rng.standard_normal((draws, width))
    stds, fwd, bwd = {}, {}, {}
    with np.errstate(all="ignore"):
        for init in inits:
            s = init_std(init, width, width, sigma)
            Y, Ds, norms = y0, [], [np.ones(draws)]
            for j in range(depth):
                Z, D = act(s * np.matmul(G[j], Y[:, :, None])[:, :, 0])
                Ds.append(D)
                Y = Z
                norms.append(np.linalg.norm(Y, axis=1) / np.linalg.norm(y0, axis=1))
            delta, back = dL, [np.ones(draws)]
            for j in range(depth - 1, -1, -1):
                delta = s * np.matmul((Ds[j] * delta)[:, None, :], G[j])[:, 0, :]
                back.append(np.linalg.norm(delta, axis=1) / np.linalg.norm(dL, axis=1))
            stds[init] = s
            fwd[init] = np.mean(norms, axis=1)
            bwd[init] = np.mean(back[::-1], axis=1)
    return DepthGrowth(activation, width, depth, draws, stds, fwd, bwd)


# --------------------------------------------------------------------------------------------
# plain network against residual network
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineComparison:
    r"""Result of :func:`plain_vs_resnet`.

    Attributes
    ----------
    t : ndarray, shape (n_t,)
        Points of the line :math:`\theta(t) = t\,\theta_1 + (1 - t)\,\theta_\star`.
    loss : dict
        ``{"plain": ndarray, "resnet": ndarray}``: :math:`\|F(\theta(t)) - C\|_F / \|C\|_F`.
    gradient : dict
        ``{"plain": ndarray, "resnet": ndarray}``: the entries of :math:`J^\top (F(\theta_1) - C) / \|C\|_F`
        (the weights :math:`K_j` only, as in the course).
    numbers : dict
        Headline numbers (gradient norms and spreads, loss at t = 1, local minima along the line).
    """

    t: np.ndarray
    loss: dict
    gradient: dict
    numbers: dict


def _chain(Ks, Y0, act, h, residual):
    Ys, Ds = [Y0], []
    for K in Ks:
        Z, D = act(Ys[-1] @ K)
        keep = residual and K.shape[0] == K.shape[1]
        Ys.append((Ys[-1] if keep else 0.0) + h * Z)
        Ds.append(D)
    return Ys, Ds


def _chain_grad(Ks, Ys, Ds, R, h, residual):
    grads, delta = [None] * len(Ks), R
    for j in range(len(Ks) - 1, -1, -1):
        G = h * delta * Ds[j]
        grads[j] = Ys[j].T @ G
        keep = residual and Ks[j].shape[0] == Ks[j].shape[1]
        delta = G @ Ks[j].T + (delta if keep else 0.0)
    return np.concatenate([g.ravel() for g in grads])


def plain_vs_resnet(*, width: int = 4, depth: int = 6, n_samples: int = 100, scale: float = 0.2, h: float = 1.0,
                    activation: str = "tanh", n_t: int = 221, seed: int = 12) -> LineComparison:
    r"""The course's comparison of a plain network and a residual network of the same weights.

    ``depth - 1`` square layers of ``width`` and a last layer ``width -> 1``, no biases, weights
    :math:`K_j = s\, \mathrm{randn}` (``scale`` :math:`s = 0.2`); inputs :math:`Y_0` standard normal
    (``n_samples`` rows). Plain: :math:`Y_{j+1} = h\,\sigma(Y_j K_j)`; ResNet:
    :math:`Y_{j+1} = Y_j + h\,\sigma(Y_j K_j)` (the last, non-square layer is plain in both). Targets
    :math:`C = F(\theta_\star)` from a second draw :math:`\theta_\star`; the misfit along the line through
    :math:`\theta_\star` (t = 0, misfit 0) and the random :math:`\theta_1` (t = 1),

    .. math::
        \phi(t) = \frac{\|F(t\,\theta_1 + (1-t)\,\theta_\star) - C\|_F}{\|C\|_F}, \quad t \in [-0.1, 1],

    and the entries of the gradient :math:`J(\theta_1)^\top (F(\theta_1) - C) / \|C\|_F` of
    :math:`\tfrac12\|F - C\|_F^2 / \|C\|_F`. The plain network's gradient entries pile up at 0 (vanishing) and
    its misfit is flat; the ResNet's identity paths keep both informative.

    Parameters
    ----------
    width, depth, n_samples : int
    scale : float
    h : float
        Step size (the course uses 1).
    activation : {"tanh", "relu", "sin", "identity"}
    n_t : int
        Points on the line.
    seed : int
        The course's script uses ``rng(12)`` (MATLAB's stream; ours is numpy's).

    Returns
    -------
    LineComparison

    Raises
    ------
    ValueError
        For non-positive sizes, ``depth < 2``, or an unknown activation.

    References
    ----------
    He, Zhang, Ren and Sun (2016), CVPR; Ruthotto and Haber, Modules 6-7 (the course's MATLAB
    ``EReseNet_vs_NeuralNet.m``).
    """
    act = _activation(_check_activation(activation))
    width, n_samples, n_t = check_count("width", width), check_count("n_samples", n_samples), check_count("n_t", n_t, 2)
    depth = check_count("depth", depth, 2)
    scale, h = check_positive("scale", scale), check_positive("h", h)
    rng = np.random.default_rng(seed)
    shapes = [(width, width)] * (depth - 1) + [(width, 1)]
    K1 = [scale * rng.standard_normal(s) for s in shapes]
    Ks = [scale * rng.standard_normal(s) for s in shapes]
    Y0 = rng.standard_normal((n_samples, width))
    t = np.linspace(-0.1, 1.0, n_t)
    loss, grad, numbers = {}, {}, {}
    for name, residual in (("plain", False), ("resnet", True)):
        C = _chain(Ks, Y0, act, h, residual)[0][-1]
        nc = float(np.linalg.norm(C))
        Ys, Ds = _chain(K1, Y0, act, h, residual)
        grad[name] = _chain_grad(K1, Ys, Ds, Ys[-1] - C, h, residual) / nc
        loss[name] = np.array([np.linalg.norm(_chain([ti * a + (1 - ti) * b for a, b in zip(K1, Ks)], Y0, act, h,
                                                     residual)[0][-1] - C) / nc for ti in t])
        f = loss[name]
        label = "plain" if name == "plain" else "ResNet"
        numbers[f"{label}: gradient norm"] = float(np.linalg.norm(grad[name]))
        numbers[f"{label}: largest gradient entry"] = float(np.max(np.abs(grad[name])))
        numbers[f"{label}: misfit at t = 1"] = float(f[-1])
        numbers[f"{label}: local minima on the line"] = float(np.sum((f[1:-1] < f[:-2]) & (f[1:-1] < f[2:])))
    return LineComparison(t, loss, grad, numbers)


# --------------------------------------------------------------------------------------------
# the training set-up of the page
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeepProblem:
    """Result of :func:`training_problem`.

    Attributes
    ----------
    data : numdl_core.single_layer.DataSplit
        ``(X, y, X_val, y_val, n_classes)``.
    model : MLP
    theta0 : ndarray, shape (n_params,)
    """

    data: object
    model: MLP
    theta0: np.ndarray


def training_problem(data: str = "spirals", n_train: int = 500, depth: int = 5, width: int = 16, *,
                     activation: str = "tanh", init: str = "glorot", sigma: float = 1.0, alpha: float = 0.0,
                     seed: int = 0, n_val: int = 1000) -> DeepProblem:
    r"""Data, network and random start of the page's live training.

    ``depth`` hidden layers of ``width`` neurons on ``data`` (a 2-D set of :func:`numdl_core.data.make_dataset`
    with ``n_val`` fresh validation points, or ``"digits"``), started at :meth:`MLP.init_theta`
    (``init``, ``sigma``, ``seed``).

    .. math::
        K_j \sim N(0, s^2), \quad s = s_{\rm init}(n_{\rm in}, n_{\rm out}), \quad b_j = 0

    Parameters
    ----------
    data : str
        ``"peaks"``, ``"spirals"``, ``"moons"``, ... or ``"digits"``.
    n_train, depth, width : int
    activation, init : str
    sigma, alpha : float
    seed, n_val : int

    Returns
    -------
    DeepProblem

    References
    ----------
    Ruthotto and Haber, Modules 4 and 6.

    Examples
    --------
    >>> p = training_problem("moons", 100, depth=3, width=8)
    >>> p.model.widths, p.model.n_params
    ((8, 8, 8), 186)
    """
    from numdl_core.single_layer import train_validation_data

    d = train_validation_data(data, n_train, seed=seed, n_val=n_val)
    model = MLP(d.X, d.y, (int(width),) * int(depth), d.n_classes, activation=activation, alpha=alpha)
    return DeepProblem(d, model, model.init_theta(init, sigma, seed=seed + 1))
