r"""The information bottleneck: binned mutual information of a small network's layers over training.

Shwartz-Ziv and Tishby (2017) train a tanh network 12-10-7-5-4-3-2 on the 4096 inputs of a 12-bit task, bin each
unit's activation into 30 equal bins on :math:`[-1, 1]`, and plot every layer :math:`T` in the *information plane*
:math:`(I(X;T), I(T;Y))` over the epochs: a fitting phase (both grow) and a compression phase (:math:`I(X;T)`
shrinks). Saxe et al. (2019) show that the compression comes from the saturating tanh and the binning: with ReLU it
vanishes, and it depends on the number of bins.

All estimates here are *exact* for the binned variables: with :math:`X` uniform over the distinct inputs and the
binned layer :math:`T = B(f(X))` a deterministic function of :math:`X`,

.. math::
    I(X;T) = H(T) - H(T \mid X) = H(T), \qquad I(T;Y) = H(T) + H(Y) - H(T, Y),

with the entropies of the empirical distributions, in bits. They obey :math:`I(X;T) \le H(X) = \log_2 n`,
:math:`I(T;Y) \le H(Y)`, and the data-processing inequality :math:`I(X;T_{l+1}) \le I(X;T_l)` whenever
:math:`T_{l+1}` is a deterministic function of :math:`T_l` (the quantized forward pass, ``quantize=True``).

Samples are rows (the course writes them as columns). The training run is a generator of
:class:`numdl_core.iterate.Step` listed in :data:`SOLVERS`.

References
----------
R. Shwartz-Ziv and N. Tishby, Opening the black box of deep neural networks via information, arXiv:1703.00810 (2017).
A. M. Saxe, Y. Bansal, J. Dapello, M. Advani, A. Kolchinsky, B. D. Tracey and D. D. Cox, On the information
bottleneck theory of deep learning, ICLR 2019.
T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006 (Ch. 2).
"""
from __future__ import annotations

import itertools
from types import MappingProxyType
from typing import Iterator

import numpy as np

from numdl_core.iterate import BLOWUP, Step, _drive, check_stop, record, tunable

__all__ = ["mutual_information", "entropy", "symbols", "twelve_bit_task", "bin_activations", "IBNet",
           "layer_information", "ib_training", "SOLVERS"]

ARCHITECTURE = (12, 10, 7, 5, 4, 3, 2)


def symbols(a: np.ndarray) -> np.ndarray:
    """Integer ids ``0..k-1`` of the symbols of a sequence (1-D values or the rows of a 2-D array).

    Parameters
    ----------
    a : ndarray
        1-D array of hashable numbers, or 2-D array whose rows are the symbols.

    Returns
    -------
    ndarray
        ``ids`` with ``ids[i] == ids[j]`` exactly when the symbols ``i`` and ``j`` are equal.

    Raises
    ------
    ValueError
        If ``a`` has more than 2 dimensions.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006, Ch. 2.
    """
    a = np.asarray(a)
    if a.ndim == 1:
        return np.unique(a, return_inverse=True)[1].ravel()
    if a.ndim != 2:
        raise ValueError(f"expected a 1-D or 2-D array, got {a.ndim} dimensions")
    if a.shape[1] == 0:
        return np.zeros(a.shape[0], dtype=np.int64)
    if not np.issubdtype(a.dtype, np.integer):
        return np.unique(np.ascontiguousarray(a), axis=0, return_inverse=True)[1].ravel()
    a = a - a.min(axis=0)  # mixed-radix codes of the rows, recompressed before they could overflow
    code = np.zeros(a.shape[0], dtype=np.int64)
    top = 1
    for j in range(a.shape[1]):
        r = int(a[:, j].max()) + 1
        if top * r >= 2**62:
            code = np.unique(code, return_inverse=True)[1].ravel().astype(np.int64)
            top = int(code.max()) + 1
        code = code * r + a[:, j]
        top *= r
    return np.unique(code, return_inverse=True)[1].ravel()


def _h(counts: np.ndarray, n: int) -> float:
    p = counts[counts > 0] / n
    return float(-np.sum(p * np.log2(p)))


def entropy(a: np.ndarray) -> float:
    r"""Entropy in bits of the empirical distribution of a sequence of symbols.

    .. math:: H(A) = -\sum_a p(a) \log_2 p(a), \qquad p(a) = \#\{i : a_i = a\} / n.

    Parameters
    ----------
    a : ndarray
        1-D integer array, or 2-D array whose rows are the symbols.

    Returns
    -------
    float
        :math:`H(A)` in bits (0 for an empty or constant sequence).

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006, Sec. 2.1.
    """
    ids = symbols(a)
    return _h(np.bincount(ids), ids.size) if ids.size else 0.0


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    r"""Mutual information in bits of two equally long sequences of discrete symbols.

    .. math::
        I(A;B) = \sum_{a,b} p(a,b) \log_2 \frac{p(a,b)}{p(a)\,p(b)} = H(A) + H(B) - H(A,B),

    with the empirical (plug-in) distributions; exact for binned variables.

    Parameters
    ----------
    a, b : ndarray
        1-D integer arrays, or 2-D arrays whose rows are the symbols (as binned layer activations are), with the
        same number of samples.

    Returns
    -------
    float
        :math:`I(A;B) \ge 0` in bits.

    Raises
    ------
    ValueError
        If the sequences have different lengths.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006, Sec. 2.3-2.4.
    """
    if a is None or b is None:
        raise TypeError(f"a and b must be arrays of symbols, got {type(a).__name__} and {type(b).__name__}")
    ia, ib = symbols(a), symbols(b)
    if ia.size != ib.size:
        raise ValueError(f"the sequences a and b have different lengths ({ia.size} and {ib.size})")
    n = ia.size
    if n == 0:
        return 0.0
    joint = ia.astype(np.int64) * (int(ib.max()) + 1) + ib
    mi = _h(np.bincount(ia), n) + _h(np.bincount(ib), n) - _h(np.unique(joint, return_counts=True)[1], n)
    return max(mi, 0.0)


def twelve_bit_task() -> tuple[np.ndarray, np.ndarray]:
    r"""The 4096 inputs :math:`x \in \{0,1\}^{12}` and a balanced, rotation-symmetric binary label.

    Shwartz-Ziv and Tishby place the 12 bits on 12 uniformly spread points of the sphere and label by a rule
    invariant under rotations. This reproducible rule takes the 12 vertices :math:`u_i` of the icosahedron and
    sets

    .. math:: y = \mathbb 1\Big[\big\|\textstyle\sum_i x_i u_i\big\|^2 > \theta\Big],

    with :math:`\theta` the median of the 4096 values (invariant under the icosahedron's rotations).

    Returns
    -------
    X : ndarray, shape (4096, 12)
        All inputs, rows are examples, entries 0 or 1 (row ``k`` is the binary expansion of ``k``).
    y : ndarray, shape (4096,)
        Labels 0 or 1.

    References
    ----------
    R. Shwartz-Ziv and N. Tishby, arXiv:1703.00810 (2017), Sec. 3.1.
    """
    X = ((np.arange(4096)[:, None] >> np.arange(11, -1, -1)) & 1).astype(np.float64)
    g = (1 + 5**0.5) / 2
    U = np.array([(0, s, t * g) for s in (-1, 1) for t in (-1, 1)] + [(s, t * g, 0) for s in (-1, 1) for t in (-1, 1)]
                 + [(t * g, 0, s) for s in (-1, 1) for t in (-1, 1)], dtype=np.float64)
    r2 = np.sum((X @ U) ** 2, axis=1)
    return X, (r2 > np.median(r2)).astype(np.int64)


def bin_activations(T: np.ndarray, bins: int, lo: float, hi: float) -> np.ndarray:
    r"""Bin indices ``0..bins-1`` of activations on ``bins`` equal intervals of :math:`[lo, hi]`.

    .. math::
        B(t) = \min\big(\lfloor \mathrm{bins}\,(t - lo)/(hi - lo) \rfloor, \mathrm{bins} - 1\big),
        \ \text{clipped at 0.}

    Parameters
    ----------
    T : ndarray
        Activations (any shape).
    bins : int
        Number of bins (at least 1).
    lo, hi : float
        The range; values outside go to the first or last bin. ``hi <= lo`` puts everything in bin 0.

    Returns
    -------
    ndarray
        Integer bin indices, the shape of ``T``.

    Raises
    ------
    ValueError
        If ``bins < 1``.

    References
    ----------
    R. Shwartz-Ziv and N. Tishby, arXiv:1703.00810 (2017), Sec. 3.2 (30 bins on [-1, 1]).
    """
    bins = int(bins)
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    T = np.asarray(T, dtype=np.float64)
    if not hi > lo:
        return np.zeros(T.shape, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        k = np.floor(bins * (T - lo) / (hi - lo))
    return np.clip(np.nan_to_num(k, nan=0.0), 0, bins - 1).astype(np.int64)


class IBNet:
    r"""The network of the information-plane experiment: hidden tanh (or ReLU) layers and a softmax output.

    .. math::
        T_0 = X,\quad T_l = \sigma(T_{l-1} W_l + b_l)\ (l < L),\quad T_L = \operatorname{softmax}(T_{L-1}W_L+b_L),
        \qquad f(\theta) = -\frac1n \sum_i \log (T_L)_{i, y_i}.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Training inputs (rows are examples).
    y : ndarray, shape (n,)
        Integer labels ``0..widths[-1]-1``.
    widths : tuple of int
        Layer widths, input first; default 12-10-7-5-4-3-2.
    activation : {"tanh", "relu"}
        Hidden nonlinearity.

    Raises
    ------
    ValueError
        For an unknown activation.

    References
    ----------
    R. Shwartz-Ziv and N. Tishby, arXiv:1703.00810 (2017); A. M. Saxe et al., ICLR 2019.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, widths: tuple[int, ...] = ARCHITECTURE,
                 activation: str = "tanh") -> None:
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64).ravel()
        self.widths, self.activation = tuple(int(w) for w in widths), activation
        self.shapes = list(zip(self.widths[:-1], self.widths[1:]))
        self.n_params = sum(a * b + b for a, b in self.shapes)

    def unpack(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The ``(W_l, b_l)`` of the flat ``theta`` (views).

        Parameters
        ----------
        theta : ndarray
            Flat parameters, length ``n_params``.

        Returns
        -------
        list of (ndarray, ndarray)
            Weights (in x out) and biases per layer.

        References
        ----------
        L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 5 (flat parameter vectors).
        """
        out, k = [], 0
        for a, b in self.shapes:
            out.append((theta[k:k + a * b].reshape(a, b), theta[k + a * b:k + a * b + b]))
            k += a * b + b
        return out

    def init(self, seed: int = 0) -> np.ndarray:
        r"""Gaussian start, :math:`W_l \sim \mathcal N(0, 1/d_{l-1})`, zero biases.

        Parameters
        ----------
        seed : int
            Seed.

        Returns
        -------
        ndarray
            Flat ``theta``.

        References
        ----------
        Y. LeCun, L. Bottou, G. Orr and K.-R. Müller, Efficient backprop, 1998.
        """
        rng = np.random.default_rng(seed)
        return np.concatenate([np.concatenate([(rng.standard_normal((a, b)) / np.sqrt(a)).ravel(), np.zeros(b)])
                               for a, b in self.shapes])

    def _act(self, Z):
        return np.tanh(Z) if self.activation == "tanh" else np.maximum(Z, 0.0)

    def layers(self, theta: np.ndarray, X: np.ndarray, *, quantize: int | None = None) -> list[np.ndarray]:
        r"""The layer outputs :math:`T_1, \ldots, T_L` (the last the softmax probabilities).

        Parameters
        ----------
        theta : ndarray
            Flat parameters.
        X : ndarray
            Inputs (rows are examples).
        quantize : int, optional
            If given, each hidden layer's output is replaced by the centre of its bin (``quantize`` bins on the
            range of :func:`layer_information`) before it feeds the next layer: every binned layer is then a
            deterministic function of the previous binned layer (data processing holds exactly).

        Returns
        -------
        list of ndarray
            ``L`` arrays, shape (n, width).

        References
        ----------
        R. Shwartz-Ziv and N. Tishby, arXiv:1703.00810 (2017).
        """
        T, out = np.asarray(X, dtype=np.float64), []
        Wb = self.unpack(np.asarray(theta, dtype=np.float64))
        for l, (W, b) in enumerate(Wb):
            Z = T @ W + b
            if l < len(Wb) - 1:
                T = self._act(Z)
                if quantize is not None:
                    lo, hi = _range(T, self.activation)
                    T = lo + (bin_activations(T, quantize, lo, hi) + 0.5) * (hi - lo) / int(quantize) \
                        if hi > lo else T
            else:
                Z = Z - Z.max(axis=1, keepdims=True)
                E = np.exp(Z)
                T = E / E.sum(axis=1, keepdims=True)
            out.append(T)
        return out

    def value_and_grad(self, theta: np.ndarray, idx: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        r"""Mean cross-entropy and its gradient (backpropagation) on the training set or the rows ``idx``.

        Parameters
        ----------
        theta : ndarray
            Flat parameters.
        idx : ndarray, optional
            Rows of a minibatch.

        Returns
        -------
        (float, ndarray)
            :math:`f(\theta)` and :math:`\nabla f(\theta)`.

        References
        ----------
        D. E. Rumelhart, G. E. Hinton and R. J. Williams, Learning representations by back-propagating errors,
        Nature 323 (1986).
        """
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        Wb = self.unpack(np.asarray(theta, dtype=np.float64))
        Ts = [X] + self.layers(theta, X)
        n = X.shape[0]
        P = Ts[-1]
        f = float(-np.mean(np.log(np.maximum(P[np.arange(n), y], 1e-300))))
        D = P.copy()
        D[np.arange(n), y] -= 1.0
        D /= n
        grads = []
        for l in range(len(Wb) - 1, -1, -1):
            W, _ = Wb[l]
            grads.append(np.concatenate([(Ts[l].T @ D).ravel(), D.sum(axis=0)]))
            if l > 0:
                D = D @ W.T
                D = D * (1 - Ts[l] ** 2) if self.activation == "tanh" else D * (Ts[l] > 0)
        return f, np.concatenate(grads[::-1])

    def accuracy(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of rows of ``X`` whose most probable class is ``y``.

        Parameters
        ----------
        theta : ndarray
            Flat parameters.
        X, y : ndarray
            Inputs and labels.

        Returns
        -------
        float
            Accuracy in [0, 1].

        References
        ----------
        C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer, 2006, Sec. 1.5.
        """
        return float(np.mean(np.argmax(self.layers(theta, X)[-1], axis=1) == np.asarray(y)))


def _range(T: np.ndarray, activation: str) -> tuple[float, float]:
    if activation == "tanh":
        return -1.0, 1.0
    return 0.0, float(np.max(T)) if T.size and np.all(np.isfinite(T)) else 0.0


def layer_information(net: IBNet, theta: np.ndarray, X: np.ndarray, y: np.ndarray, bins: int = 30, *,
                      quantize: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""Binned :math:`I(X;T_l)` and :math:`I(T_l;Y)` of every layer, in bits.

    Each unit's output is binned into ``bins`` equal bins: on :math:`[-1, 1]` for tanh, on
    :math:`[0, \max T_l]` (the layer's range) for ReLU, on :math:`[0, 1]` for the softmax output. The rows of
    ``X`` are taken as distinct and equally likely, so :math:`I(X;T_l) = H(T_l)`.

    Parameters
    ----------
    net : IBNet
        The network.
    theta : ndarray
        Its parameters.
    X, y : ndarray
        Distinct inputs (rows) and their labels.
    bins : int
        Bins per unit (Shwartz-Ziv and Tishby: 30).
    quantize : bool
        Use the quantized forward pass (:meth:`IBNet.layers`), where data processing holds exactly.

    Returns
    -------
    ixt, ity : ndarray, shape (L,)
        Per layer.

    References
    ----------
    R. Shwartz-Ziv and N. Tishby, arXiv:1703.00810 (2017), Sec. 3.2; A. M. Saxe et al., ICLR 2019, Sec. 2.
    """
    return _information(net.layers(theta, X, quantize=bins if quantize else None), y, bins, net.activation)


def _information(Ts, y, bins, activation):
    y = np.asarray(y, dtype=np.int64).ravel()
    n = y.size
    hy = _h(np.bincount(y), n)
    ixt, ity = np.zeros(len(Ts)), np.zeros(len(Ts))
    for l, T in enumerate(Ts):
        lo, hi = (0.0, 1.0) if l == len(Ts) - 1 else _range(T, activation)
        ids = symbols(bin_activations(T, bins, lo, hi))
        ixt[l] = _h(np.bincount(ids), n)
        ity[l] = max(ixt[l] + hy - _h(np.bincount(ids * 2 + y if y.max(initial=0) <= 1 else
                                                  symbols(np.c_[ids, y])), n), 0.0)
    return ixt, ity


def _lr(v) -> float:
    v = float(v)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"lr must be a positive number, got {v!r}")
    return v


@tunable("lr")
def ib_training(net: IBNet, theta0: np.ndarray, X_all: np.ndarray, y_all: np.ndarray, *, lr: float = 0.01,
                optimizer: str = "adam", batch_size: int = 256, bins: int = 30, seed: int = 0,
                tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Minibatch SGD or Adam on :class:`IBNet`, one epoch per Step, with the information plane of every epoch.

    .. math:: \theta \leftarrow \theta - \eta\, g_B \ \text{(SGD)}, \qquad \text{or Adam's update with } g_B,

    :math:`g_B` the gradient on a minibatch of the training rows (reshuffled every epoch).

    Parameters
    ----------
    net : IBNet
        Network with its training data.
    theta0 : ndarray
        Start.
    X_all, y_all : ndarray
        All distinct inputs and labels (the information is measured on these).
    lr : float
        Learning rate (tunable mid-run).
    optimizer : {"adam", "sgd"}
        The update.
    batch_size : int
        Minibatch size.
    bins : int
        Bins per unit for :func:`layer_information`.
    seed : int
        Seed of the shuffles.
    tol, maxiter, blowup : float, int, float
        Stop when the epoch's mean minibatch gradient norm is below ``tol`` times its start, after ``maxiter``
        epochs, or when the loss exceeds ``blowup`` (diverged).

    Yields
    ------
    Step
        ``x`` = ``theta``; ``loss`` the training cross-entropy; ``info`` has ``ixt`` and ``ity`` (per layer, bits)
        and ``accuracy`` (on all inputs).

    Raises
    ------
    ValueError
        For an unknown optimizer or a learning rate that is not positive.

    References
    ----------
    R. Shwartz-Ziv and N. Tishby, arXiv:1703.00810 (2017); A. M. Saxe et al., ICLR 2019;
    D. P. Kingma and J. Ba, Adam, ICLR 2015.
    """
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    params = {"lr": _lr(lr)}
    tol, maxiter = check_stop(tol, maxiter)
    theta = np.asarray(theta0, dtype=np.float64).ravel().copy()
    rng = np.random.default_rng(seed)
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    n, bs = net.y.size, max(1, int(batch_size))

    def step(k, loss0, gnorm):
        with np.errstate(all="ignore"):
            P = net.layers(theta, net.X)[-1]
            f = float(-np.mean(np.log(np.maximum(P[np.arange(n), net.y], 1e-300))))
            if np.all(np.isfinite(theta)):
                Ts = net.layers(theta, X_all)
                ixt, ity = _information(Ts, y_all, bins, net.activation)
                acc = float(np.mean(np.argmax(Ts[-1], axis=1) == y_all))
            else:
                ixt = ity = np.full(len(net.shapes), np.nan)
                acc = np.nan
        return record(k, theta, f, gnorm, {"ixt": ixt, "ity": ity, "accuracy": acc}, work=float(k), loss0=loss0,
                      blowup=blowup)

    def iterations():
        nonlocal theta, m1, m2
        s, stop = step(0, np.inf, float(np.linalg.norm(net.value_and_grad(theta)[1])))
        loss0 = s.loss
        params = yield s, stop
        t = 0
        for k in itertools.count(1):
            perm = rng.permutation(n)
            gsum = np.zeros_like(theta)
            with np.errstate(all="ignore"):
                for j in range(0, n, bs):
                    _, g = net.value_and_grad(theta, perm[j:j + bs])
                    gsum += g * min(bs, n - j) / n
                    if optimizer == "sgd":
                        theta = theta - params["lr"] * g
                    else:
                        t += 1
                        m1 = 0.9 * m1 + 0.1 * g
                        m2 = 0.999 * m2 + 0.001 * g**2
                        theta = theta - params["lr"] * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
            params = yield step(k, loss0, float(np.linalg.norm(gsum)))

    return (yield from _drive(iterations(), params, {"lr": _lr}, tol=tol, maxiter=maxiter))


SOLVERS = MappingProxyType({"information.training": ib_training})
"""Read-only ``{name: generator function}`` of this module's iterative methods (the live run of the page)."""
