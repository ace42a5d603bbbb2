r"""Dropout as an explicit regularizer: least squares, matrix factorization and a small network.

**Least squares** (Srivastava et al. 2014, Sec. 9.1; Wager, Wang and Liang 2013). With a mask
:math:`m_j \sim \mathrm{Bernoulli}(p)` on the features (``p`` the *keep* probability) and inverted scaling,

.. math::
    \mathbb E_m \big\|y - X (m \odot w)/p\big\|^2 = \|y - Xw\|^2 + \frac{1-p}{p} \sum_j w_j^2 \|X_{:,j}\|^2,

a ridge penalty weighted by the column norms, whose minimizer is
:math:`w_p = (X^\top X + \tfrac{1-p}{p}\operatorname{diag}(X^\top X))^{-1} X^\top y`. The same expectation holds
with an independent mask per sample (ordinary dropout), so dropout SGD minimizes it.

**Matrix factorization** (Cavazza et al. 2018; Mianjy, Arora and Vidal 2018). Dropping the columns
:math:`u_i, v_i` of :math:`M = UV^\top` (``r`` of them) gives

.. math::
    \mathbb E_m \big\|Y - U \operatorname{diag}(m/p) V^\top\big\|_F^2 = \|Y - UV^\top\|_F^2
    + \lambda \sum_{i=1}^r \|u_i\|^2 \|v_i\|^2, \qquad \lambda = \frac{1-p}{p},

and :math:`\min_{UV^\top = M} \sum_i \|u_i\|^2\|v_i\|^2 = \|M\|_*^2 / r`, attained by *equalized* factors (all
:math:`\|u_i\|\|v_i\|` equal). The global minimum shrinks the singular values of :math:`Y` by a common amount:
:math:`\sigma_i(M) = (s_i - \tfrac{\lambda}{r} T)_+` with :math:`T = \sum_i \sigma_i(M)`, a low-rank solution.

**Networks.** One hidden tanh layer with dropout on the hidden units, against weight decay, on a small 1-D
regression problem (:class:`DropoutNet`).

Samples are rows (the course writes them as columns). Every iterative method is a generator of
:class:`numdl_core.iterate.Step` listed in :data:`SOLVERS`.

References
----------
N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever and R. Salakhutdinov, Dropout: a simple way to prevent
neural networks from overfitting, JMLR 15 (2014), 1929-1958.
S. Wager, S. Wang and P. Liang, Dropout training as adaptive regularization, NeurIPS 2013.
J. Cavazza, P. Morerio, B. Haeffele, C. Lane, V. Murino and R. Vidal, Dropout as a low-rank regularizer for
matrix factorization, AISTATS 2018.
P. Mianjy, R. Arora and R. Vidal, On the implicit bias of dropout, ICML 2018.
B. T. Polyak and A. B. Juditsky, Acceleration of stochastic approximation by averaging, SIAM J. Control Optim.
30 (1992).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterator

import numpy as np

from numdl_core._validate import check_array, check_count, check_positive, check_X
from numdl_core.iterate import BLOWUP, Step, _drive, check_stop, record, tunable

__all__ = ["expected_dropout_loss", "expected_dropout_grad", "dropout_ridge_solution", "dropout_losses",
           "LeastSquaresProblem", "least_squares_problem", "monte_carlo", "dropout_sgd",
           "DropoutFactorization", "factorization_optimum", "low_rank_matrix", "factorization_descent",
           "DropoutNet", "regression_data", "dropout_training", "SOLVERS"]


def _keep(p: float) -> float:
    p = check_positive("the keep probability p", p)
    if not p <= 1.0:
        raise ValueError(f"the keep probability p must lie in (0, 1], got {p}")
    return p


_NO_W = object()


def _xyw(X, y, w=_NO_W):
    X = check_X(X)
    y = check_array("y", y).ravel()
    if y.size != X.shape[0]:
        raise ValueError(f"y has {y.size} entries, X has {X.shape[0]} rows")
    if w is _NO_W:
        return X, y, None
    w = check_array("w", w, finite=False).ravel()  # the iterate: nan and inf propagate (a run reports "diverged")
    if w.size != X.shape[1]:
        raise ValueError(f"w has {w.size} entries, X has {X.shape[1]} columns")
    return X, y, w


def expected_dropout_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, p: float) -> float:
    r"""The expected least-squares loss under dropout of the features, in closed form.

    .. math::
        \mathbb E_m \|y - X (m \odot w)/p\|^2 = \|y - Xw\|^2 + \frac{1-p}{p}\sum_j w_j^2 \|X_{:,j}\|^2,
        \qquad m_j \sim \mathrm{Bernoulli}(p) \text{ independent}.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Samples as rows.
    y : ndarray, shape (n,)
        Targets.
    w : ndarray, shape (d,)
        Weights.
    p : float
        Keep probability in (0, 1] (inverted-dropout scaling 1/p).

    Returns
    -------
    float
        The expectation (cost: one product with X).

    Raises
    ------
    ValueError
        For mismatched shapes, non-finite data or ``p`` outside (0, 1].

    References
    ----------
    Srivastava et al. (2014), JMLR 15, Sec. 9.1; Wager, Wang and Liang (2013), NeurIPS.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> expected_dropout_loss(X, [1.0, 2.0], [1.0, 1.0], 0.5)   # residual 0, penalty 1 * (1 + 4)
    5.0
    """
    X, y, w = _xyw(X, y, w)
    p = _keep(p)
    r = y - X @ w
    return float(r @ r + (1.0 - p) / p * np.sum(w**2 * np.sum(X**2, axis=0)))


def expected_dropout_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray, p: float) -> np.ndarray:
    r"""Gradient of :func:`expected_dropout_loss` in ``w``:
    :math:`-2X^\top(y - Xw) + 2\tfrac{1-p}{p}\operatorname{diag}(X^\top X)\, w`.

    Parameters
    ----------
    X, y, w, p
        As in :func:`expected_dropout_loss`.

    Returns
    -------
    ndarray, shape (d,)
        The gradient.

    References
    ----------
    Wager, Wang and Liang (2013), NeurIPS.
    """
    X, y, w = _xyw(X, y, w)
    p = _keep(p)
    return -2.0 * X.T @ (y - X @ w) + 2.0 * (1.0 - p) / p * np.sum(X**2, axis=0) * w


def dropout_ridge_solution(X: np.ndarray, y: np.ndarray, p: float) -> np.ndarray:
    r"""The minimizer of the expected dropout loss:
    :math:`w_p = (X^\top X + \tfrac{1-p}{p}\operatorname{diag}(X^\top X))^{-1} X^\top y` (``p = 1``: least squares).

    Parameters
    ----------
    X, y, p
        As in :func:`expected_dropout_loss`.

    Returns
    -------
    ndarray, shape (d,)
        The solution (a least-squares solve of the stacked system, so ``p = 1`` with rank-deficient ``X`` gives
        the minimum-norm solution).

    References
    ----------
    Srivastava et al. (2014), JMLR 15, Sec. 9.1.
    """
    X, y, _ = _xyw(X, y)
    p = _keep(p)
    D = np.sqrt((1.0 - p) / p * np.sum(X**2, axis=0))
    A = np.vstack([X, np.diag(D)])
    return np.linalg.lstsq(A, np.r_[y, np.zeros(X.shape[1])], rcond=None)[0]


def dropout_losses(X: np.ndarray, y: np.ndarray, w: np.ndarray, p: float, n_masks: int, *,
                   rng: np.random.Generator | int = 0) -> np.ndarray:
    r"""Losses :math:`\|y - X(m\odot w)/p\|^2` for ``n_masks`` independent masks :math:`m \sim \mathrm{Bernoulli}(p)^d`.

    Parameters
    ----------
    X, y, w, p
        As in :func:`expected_dropout_loss`.
    n_masks : int
        Number of masks.
    rng : Generator or int, optional
        Random generator or seed.

    Returns
    -------
    ndarray, shape (n_masks,)
        One loss per mask; their mean estimates :func:`expected_dropout_loss` (cost: ``n_masks`` products with X).

    References
    ----------
    Srivastava et al. (2014), JMLR 15.
    """
    X, y, w = _xyw(X, y, w)
    p = _keep(p)
    rng = np.random.default_rng(rng)
    M = rng.random((check_count("n_masks", n_masks), w.size)) < p
    R = y[None, :] - (M * (w / p)) @ X.T
    return np.einsum("ij,ij->i", R, R)


@dataclass(frozen=True)
class LeastSquaresProblem:
    """A least-squares problem of :func:`least_squares_problem`.

    Attributes
    ----------
    X : ndarray, shape (n, d)
        Samples as rows, columns of different scales.
    y : ndarray, shape (n,)
        Noisy targets.
    w_true : ndarray, shape (d,)
        The weights that generated ``y``.
    """

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray


def least_squares_problem(n: int = 40, d: int = 8, *, noise: float = 0.5, seed: int = 0) -> LeastSquaresProblem:
    """Gaussian features with column scales from 0.5 to 2, ``w_true`` standard normal, ``y = X w_true + noise``.

    Parameters
    ----------
    n, d : int
        Samples and features.
    noise : float
        Standard deviation of the noise.
    seed : int
        Random seed.

    Returns
    -------
    LeastSquaresProblem
        ``X``, ``y`` and ``w_true``.

    References
    ----------
    Wager, Wang and Liang (2013), NeurIPS (dropout weights the ridge penalty by the feature scales).
    """
    rng = np.random.default_rng(seed)
    n, d = check_count("n", n), check_count("d", d)
    X = rng.standard_normal((n, d)) * np.logspace(np.log10(0.5), np.log10(2.0), d)
    w = rng.standard_normal(d)
    return LeastSquaresProblem(X, X @ w + float(noise) * rng.standard_normal(n), w)


@tunable()
def monte_carlo(X: np.ndarray, y: np.ndarray, w: np.ndarray, p: float, *, batch: int = 20, seed: int = 0,
                tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Monte Carlo estimate of the expected dropout loss, ``batch`` more masks per iteration.

    Iteration ``k`` has drawn :math:`N = k\cdot` ``batch`` masks (iteration 0 one batch as well); ``Step.x`` is
    ``[mean, standard error]`` of the :math:`N` losses, ``Step.loss`` the mean, ``Step.grad_norm`` the standard
    error :math:`s/\sqrt N`, ``info["n_masks"]`` is :math:`N`. By the central limit theorem the closed form lies
    within three standard errors of the mean with probability about 0.997. The protocol of
    :mod:`numdl_core.iterate` applies with the standard error in the role of the gradient norm: the run stops once
    it is at most ``tol * max(1, se_0)`` (at ``p = 1`` every mask keeps everything, the standard error is 0 and
    the run ends after iteration 0: the estimate is exact), and a mean that overflows or grows above ``blowup``
    times its first value ends the run as diverged. No tunables.

    Parameters
    ----------
    X, y, w, p
        As in :func:`expected_dropout_loss`.
    batch : int
        Masks per iteration.
    seed : int
        Random seed.
    tol, maxiter, blowup
        Stopping (:mod:`numdl_core.iterate`): ``tol`` on the standard error, ``maxiter`` iterations after
        iteration 0, ``blowup`` the growth of the mean that counts as divergence.

    Yields
    ------
    Step
        The running estimate (``info["work"]``: products with X since iteration 0, one per mask: :math:`N -`
        ``batch``).

    References
    ----------
    Srivastava et al. (2014), JMLR 15; C. P. Robert and G. Casella, Monte Carlo Statistical Methods, 2004;
    T. F. Chan, G. H. Golub and R. J. LeVeque, Updating formulae and a pairwise algorithm for computing sample
    variances, Stanford report STAN-CS-79-773, 1979.
    """
    X, y, w = _xyw(X, y, w)
    p, batch = _keep(p), check_count("batch", batch)
    tol, maxiter = check_stop(tol, maxiter)
    rng = np.random.default_rng(seed)

    def iterations():
        mean = M2 = 0.0  # running mean and sum of squared deviations (Chan et al.'s pairwise update: no cancellation)
        N, loss0 = 0, np.inf
        for k in itertools.count():
            with np.errstate(all="ignore"):
                f = dropout_losses(X, y, w, p, batch, rng=rng)
                mb = float(f.mean())
                delta, N = mb - mean, N + batch
                mean += delta * batch / N
                M2 += float(np.sum((f - mb) ** 2)) + delta**2 * (N - batch) * batch / N
                se = float(np.sqrt(M2 / max(N - 1, 1) / N))
            loss0 = mean if k == 0 else loss0
            yield record(k, np.array([mean, se]), mean, se, {"n_masks": N}, work=float(N - batch), loss0=loss0,
                         blowup=blowup)

    return (yield from _drive(iterations(), {}, {}, tol=tol, maxiter=maxiter))


def _lr(v) -> float:
    return check_positive("lr", v)


@tunable("lr")
def dropout_sgd(X: np.ndarray, y: np.ndarray, p: float, *, lr: float = 0.02, batch_size: int = 5,
                burn_in: int = 20, x0: np.ndarray | None = None, seed: int = 0, tol: float = 1e-10,
                maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Dropout SGD for least squares with Polyak-Ruppert averaging.

    Each step draws a mini-batch :math:`B` and an independent mask :math:`m_i \sim \mathrm{Bernoulli}(p)^d` per
    sample and moves :math:`w \leftarrow w - \eta\, \frac{2}{|B|}\sum_{i\in B} (x_i^\top(m_i\odot w)/p - y_i)
    (m_i \odot x_i)/p`, whose expectation is the gradient of :math:`\frac1n` :func:`expected_dropout_loss`; the
    expected gradient is affine in :math:`w`, so the average of the iterates converges to
    :func:`dropout_ridge_solution` (not to least squares).

    Parameters
    ----------
    X, y : ndarray
        Data (samples as rows) and targets.
    p : float
        Keep probability in (0, 1].
    lr : float
        Learning rate :math:`\eta` (tunable mid-run).
    batch_size : int
        Samples per step.
    burn_in : int
        Epochs before the averaging starts (the average is the last iterate until then).
    x0 : ndarray, optional
        Start (default zeros).
    seed : int
        Random seed (batches and masks).
    tol : float
        Stop once the gradient of the expected loss at the average is at most ``tol`` times max(1, its value at
        iteration 0) (:mod:`numdl_core.iterate`).
    maxiter : int
        Epochs.
    blowup : float
        Divergence threshold of the protocol.

    Yields
    ------
    Step
        One per epoch: ``x`` the averaged iterate, ``loss`` the expected dropout loss there (closed form),
        ``info["w"]`` the last iterate, ``info["work"]`` passes through the data.

    References
    ----------
    Srivastava et al. (2014), JMLR 15; Polyak and Juditsky (1992), SIAM J. Control Optim. 30.
    """
    X, y, _ = _xyw(X, y)
    p = _keep(p)
    params = {"lr": _lr(lr)}
    b = min(check_count("batch_size", batch_size), X.shape[0])
    burn_in = check_count("burn_in", burn_in, 0)
    tol, maxiter = check_stop(tol, maxiter)
    n, d = X.shape
    w = np.zeros(d) if x0 is None else np.asarray(x0, dtype=np.float64).ravel().copy()
    rng = np.random.default_rng(seed)
    avg, count = w.copy(), 0

    def step(k: int, work: float, loss0: float) -> tuple[Step, bool]:
        with np.errstate(all="ignore"):
            f = expected_dropout_loss(X, y, avg, p) if np.all(np.isfinite(avg)) else np.inf
            g = float(np.linalg.norm(expected_dropout_grad(X, y, avg, p))) if np.isfinite(f) else np.inf
        s, stop = record(k, avg, f, g, {"w": w.copy()}, work=work, loss0=loss0, blowup=blowup)
        return s, stop

    def iterations():
        nonlocal w, avg, count
        s0, stop = step(0, 0.0, np.inf)
        loss0 = s0.loss
        params = yield s0, stop
        for k in itertools.count(1):
            eta = params["lr"]
            with np.errstate(all="ignore"):
                for idx in np.array_split(rng.permutation(n), max(n // b, 1)):
                    M = rng.random((idx.size, d)) < p
                    Z = X[idx] * M / p
                    r = Z @ w - y[idx]
                    w = w - eta * 2.0 / idx.size * (Z.T @ r)
                    if k > burn_in:
                        count += 1
                        avg += (w - avg) / count
                if k <= burn_in:
                    avg = w.copy()
            params = yield step(k, 2.0 * k, loss0)

    return (yield from _drive(iterations(), params, {"lr": _lr}, tol=tol, maxiter=maxiter))


# ---------------------------------------------------------------------------------------------- factorization
class DropoutFactorization:
    r"""The dropout objective of a matrix factorization :math:`Y \approx UV^\top` with ``r`` columns.

    Expected (deterministic) loss and its gradient, with :math:`R = Y - UV^\top`, :math:`\lambda = (1-p)/p`:

    .. math::
        f = \|R\|_F^2 + \lambda \sum_i \|u_i\|^2\|v_i\|^2,\quad
        \nabla_U f = -2RV + 2\lambda U \operatorname{diag}(\|v_i\|^2),\quad
        \nabla_V f = -2R^\top U + 2\lambda V \operatorname{diag}(\|u_i\|^2);

    with a mask ``m`` (one draw): :math:`f_m = \|Y - U\operatorname{diag}(m/p)V^\top\|_F^2`.
    Parameters are ``theta = concatenate([U.ravel(), V.ravel()])``.

    Parameters
    ----------
    Y : ndarray, shape (a, b)
        The matrix to factor.
    r : int
        Number of columns of U and V.
    p : float
        Keep probability in (0, 1] (``p = 1``: no dropout, no regularizer).

    Raises
    ------
    ValueError
        For a bad ``Y``, ``r`` or ``p``.

    References
    ----------
    Cavazza et al. (2018), AISTATS; Mianjy, Arora and Vidal (2018), ICML.
    """

    def __init__(self, Y: np.ndarray, r: int, p: float):
        self.Y = check_X(Y, "Y")
        self.r = check_count("r", r)
        self.p = _keep(p)
        self.lam = (1.0 - self.p) / self.p
        self.n_params = self.r * sum(self.Y.shape)

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The factors of ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (r (a + b),)

        Returns
        -------
        U : ndarray, shape (a, r)
        V : ndarray, shape (b, r)
        """
        a, b = self.Y.shape
        theta = np.asarray(theta, dtype=np.float64).ravel()
        return theta[:a * self.r].reshape(a, self.r), theta[a * self.r:].reshape(b, self.r)

    def init(self, scale: float = 0.1, seed: int = 0) -> np.ndarray:
        """Small random factors, entries ``scale * N(0, 1)``.

        Parameters
        ----------
        scale : float
            Entry size.
        seed : int
            Random seed.

        Returns
        -------
        ndarray
            ``theta``.
        """
        return float(scale) * np.random.default_rng(seed).standard_normal(self.n_params)

    def value_and_grad(self, theta: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """The expected loss and gradient (``mask=None``), or those of one mask draw.

        Parameters
        ----------
        theta : ndarray
        mask : ndarray of bool, shape (r,), optional
            Kept columns.

        Returns
        -------
        f : float
        g : ndarray
            Gradient, same shape as ``theta``.
        """
        U, V = self.split(theta)
        if mask is not None:
            s = np.asarray(mask, dtype=np.float64) / self.p
            R = self.Y - (U * s) @ V.T
            return float(np.sum(R**2)), np.r_[(-2.0 * R @ V * s).ravel(), (-2.0 * R.T @ U * s).ravel()]
        R = self.Y - U @ V.T
        nu, nv = np.sum(U**2, axis=0), np.sum(V**2, axis=0)
        f = float(np.sum(R**2) + self.lam * nu @ nv)
        gU = -2.0 * R @ V + 2.0 * self.lam * U * nv
        gV = -2.0 * R.T @ U + 2.0 * self.lam * V * nu
        return f, np.r_[gU.ravel(), gV.ravel()]

    def regularizer(self, theta: np.ndarray) -> float:
        r""":math:`\lambda\sum_i \|u_i\|^2\|v_i\|^2`, the gap between the expected and the plain loss.

        Parameters
        ----------
        theta : ndarray, shape (r (a + b),)

        Returns
        -------
        float
            Zero for ``p = 1``.
        """
        U, V = self.split(theta)
        return float(self.lam * np.sum(U**2, axis=0) @ np.sum(V**2, axis=0))

    def products(self, theta: np.ndarray) -> np.ndarray:
        r"""The column products :math:`\|u_i\|\|v_i\|` (equal for all ``i`` at a dropout optimum).

        Parameters
        ----------
        theta : ndarray

        Returns
        -------
        ndarray, shape (r,)
        """
        U, V = self.split(theta)
        return np.linalg.norm(U, axis=0) * np.linalg.norm(V, axis=0)

    def singular_values(self, theta: np.ndarray) -> np.ndarray:
        """The singular values of :math:`UV^\\top`.

        Parameters
        ----------
        theta : ndarray

        Returns
        -------
        ndarray
            The largest ``min(a, b, r)``, largest first.
        """
        U, V = self.split(theta)
        return np.linalg.svd(U @ V.T, compute_uv=False)[:min(self.r, *self.Y.shape)]


def factorization_optimum(Y: np.ndarray, r: int, p: float) -> np.ndarray:
    r"""Singular values of the global minimizer of the expected dropout factorization loss.

    Minimizing over :math:`M = UV^\top` gives :math:`\|Y - M\|_F^2 + \tfrac{\lambda}{r}\|M\|_*^2` (Mianjy et al.
    2018), convex in :math:`M`; its minimizer keeps the singular vectors of :math:`Y` and sets
    :math:`\sigma_i = s_i - \tfrac{\lambda}{r} T` for the largest ``k`` singular values :math:`s_i`, 0 for the rest,
    with :math:`T = S_k / (1 + k\lambda/r)`, :math:`S_k = s_1 + \dots + s_k`, and ``k`` the largest for which
    :math:`\sigma_k > 0` (at most ``r``).

    Parameters
    ----------
    Y : ndarray, shape (a, b)
        The matrix.
    r : int
        Number of factor columns.
    p : float
        Keep probability in (0, 1].

    Returns
    -------
    ndarray, shape (min(a, b, r),)
        The optimal singular values, largest first (zeros beyond the optimal rank).

    References
    ----------
    Mianjy, Arora and Vidal (2018), ICML, Theorem 2; Cavazza et al. (2018), AISTATS.
    """
    Y, r, p = check_X(Y, "Y"), check_count("r", r), _keep(p)
    lam = (1.0 - p) / p
    s = np.linalg.svd(Y, compute_uv=False)[:min(r, *Y.shape)]
    out = np.zeros_like(s)
    for k in range(s.size, 0, -1):
        T = s[:k].sum() / (1.0 + k * lam / r)
        sig = s[:k] - lam / r * T
        if sig[-1] > 0:
            out[:k] = sig
            break
    return out


def low_rank_matrix(a: int = 20, b: int = 15, rank: int = 3, *, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """A rank-``rank`` matrix with singular values 6, 4, 2.7, ... (ratio 2/3) plus ``noise * N(0, 1)`` entries.

    Parameters
    ----------
    a, b, rank : int
        Shape and rank.
    noise : float
        Noise level.
    seed : int
        Random seed.

    Returns
    -------
    ndarray, shape (a, b)

    References
    ----------
    Cavazza et al. (2018), AISTATS (synthetic low-rank experiments).
    """
    rng = np.random.default_rng(seed)
    a, b, rank = check_count("a", a), check_count("b", b), check_count("rank", rank)
    rank = min(rank, a, b)
    P = np.linalg.qr(rng.standard_normal((a, rank)))[0]
    Q = np.linalg.qr(rng.standard_normal((b, rank)))[0]
    return (P * 6.0 * (2.0 / 3.0) ** np.arange(rank)) @ Q.T + float(noise) * rng.standard_normal((a, b))


@tunable("lr")
def factorization_descent(Y: np.ndarray, r: int, p: float, *, mode: str = "expected", lr: float = 0.01,
                          scale: float = 0.1, seed: int = 0, tol: float = 1e-10, maxiter: int = 10**6,
                          blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Gradient steps on a factorization :math:`Y \approx UV^\top` from small random factors.

    ``mode``: ``"expected"`` descends the expected dropout loss of :class:`DropoutFactorization` (deterministic),
    ``"dropout"`` takes stochastic steps with a fresh column mask each step (what dropout training does),
    ``"plain"`` descends :math:`\|Y - UV^\top\|_F^2` (no dropout).

    Parameters
    ----------
    Y : ndarray
        The matrix.
    r : int
        Columns of the factors.
    p : float
        Keep probability in (0, 1].
    mode : str
        ``"expected"``, ``"dropout"`` or ``"plain"``.
    lr : float
        Step size (tunable mid-run).
    scale : float
        Size of the initial entries.
    seed : int
        Seed of the start and the masks.
    tol, maxiter, blowup : float, int, float
        The stopping rule of :func:`dropout_sgd` (on the gradient norm of the loss).

    Yields
    ------
    Step
        ``x`` = ``theta``; ``loss`` the expected dropout loss (for ``"plain"``: the plain loss).

    Raises
    ------
    ValueError
        For an unknown ``mode``.

    References
    ----------
    Cavazza et al. (2018), AISTATS; Mianjy, Arora and Vidal (2018), ICML.
    """
    if mode not in ("expected", "dropout", "plain"):
        raise ValueError(f"mode must be 'expected', 'dropout' or 'plain', got {mode!r}")
    obj = DropoutFactorization(Y, r, 1.0 if mode == "plain" else p)
    params = {"lr": _lr(lr)}
    tol, maxiter = check_stop(tol, maxiter)
    rng = np.random.default_rng(seed + 1)

    def iterations():
        theta = obj.init(scale, seed)
        f, g = obj.value_and_grad(theta)
        loss0 = f
        params = yield record(0, theta, f, np.linalg.norm(g), {}, work=0.0, loss0=f, blowup=blowup)
        for k in itertools.count(1):
            with np.errstate(all="ignore"):
                if mode == "dropout":
                    _, g = obj.value_and_grad(theta, rng.random(obj.r) < obj.p)
                theta = theta - params["lr"] * g
                f, g = obj.value_and_grad(theta)
            params = yield record(k, theta, f, np.linalg.norm(g), {}, work=2.0 * k, loss0=loss0, blowup=blowup)

    return (yield from _drive(iterations(), params, {"lr": _lr}, tol=tol, maxiter=maxiter))


# ---------------------------------------------------------------------------------------------------- network
class DropoutNet:
    r"""One hidden tanh layer for 1-D regression, dropout on the hidden units, weight decay on the weights.

    .. math::
        f(x) = \big(\tanh(x K + b) \odot m / p\big) W + c, \qquad
        L(\theta) = \frac1n \sum_i (f(x_i) - y_i)^2 + \alpha (\|K\|^2 + \|W\|^2),

    ``m`` a mask per sample and hidden unit (``m = 1``, no scaling at test time: inverted dropout).
    ``theta = concatenate([K.ravel(), b, W.ravel(), [c]])``.

    Parameters
    ----------
    X : ndarray, shape (n, 1)
        Training inputs.
    y : ndarray, shape (n,)
        Training targets.
    width : int
        Hidden units.
    p : float
        Keep probability of the hidden units (1: no dropout).
    alpha : float
        Weight decay.

    Raises
    ------
    ValueError
        For bad data, width, ``p`` or ``alpha``.

    References
    ----------
    Srivastava et al. (2014), JMLR 15.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, width: int, p: float = 1.0, alpha: float = 0.0):
        self.X, self.y, _ = _xyw(X, y)
        self.width = check_count("width", width)
        self.p = _keep(p)
        self.alpha = float(alpha)
        if not (np.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha must be a non-negative number, got {alpha}")
        self.d = self.X.shape[1]
        self.n_params = self.width * (self.d + 2) + 1

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """The blocks ``K (d, width)``, ``b (width,)``, ``W (width,)``, ``c`` of ``theta``.

        Parameters
        ----------
        theta : ndarray

        Returns
        -------
        tuple
            ``(K, b, W, c)``.
        """
        h, d = self.width, self.d
        theta = np.asarray(theta, dtype=np.float64).ravel()
        return (theta[:d * h].reshape(d, h), theta[d * h:(d + 1) * h], theta[(d + 1) * h:(d + 2) * h],
                float(theta[-1]))

    def init(self, seed: int = 0) -> np.ndarray:
        """Glorot-scaled random weights, zero biases.

        Parameters
        ----------
        seed : int
            Random seed.

        Returns
        -------
        theta : ndarray, shape (n_params,)
        """
        rng = np.random.default_rng(seed)
        K = 3.0 * rng.standard_normal((self.d, self.width))
        b = 3.0 * rng.uniform(-1, 1, self.width)
        W = rng.standard_normal(self.width) / np.sqrt(self.width)
        return np.r_[K.ravel(), b, W, 0.0]

    def predict(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The network at test time (no mask).

        Parameters
        ----------
        theta : ndarray
        X : ndarray, shape (m, d)
            Inputs.

        Returns
        -------
        ndarray, shape (m,)
        """
        K, b, W, c = self.split(theta)
        return np.tanh(np.asarray(X, dtype=np.float64) @ K + b) @ W + c

    def mse(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
        """Mean squared error of the test-time network on ``(X, y)``.

        Parameters
        ----------
        theta : ndarray
        X, y : ndarray
            Data.

        Returns
        -------
        float
        """
        r = self.predict(theta, X) - np.asarray(y, dtype=np.float64).ravel()
        return float(r @ r / r.size)

    def value_and_grad(self, theta: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Training loss and its gradient by backpropagation, with a fixed mask (``None``: all units kept,
        no scaling).

        Parameters
        ----------
        theta : ndarray
        mask : ndarray of bool, shape (n, width), optional
            Kept hidden units per sample.

        Returns
        -------
        f : float
        g : ndarray
        """
        K, b, W, c = self.split(theta)
        n = self.y.size
        H = np.tanh(self.X @ K + b)
        S = np.ones_like(H) if mask is None else np.asarray(mask, dtype=np.float64) / self.p
        Z = H * S
        r = Z @ W + c - self.y
        f = float(r @ r / n + self.alpha * (np.sum(K**2) + W @ W))
        dr = 2.0 * r / n
        gW = Z.T @ dr + 2.0 * self.alpha * W
        gA = np.outer(dr, W) * S * (1.0 - H**2)
        gK = self.X.T @ gA + 2.0 * self.alpha * K
        return f, np.r_[gK.ravel(), gA.sum(axis=0), gW, dr.sum()]


def regression_data(n_train: int = 20, *, noise: float = 0.3, n_test: int = 200,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Noisy samples of :math:`y = \sin(\pi x) + x/2` on [-1, 1]: random training points, a test grid.

    Parameters
    ----------
    n_train : int
        Training points (uniform in [-1, 1]).
    noise : float
        Noise standard deviation (training and test targets).
    n_test : int
        Test points (evenly spaced).
    seed : int
        Random seed.

    Returns
    -------
    X, y, X_test, y_test : ndarray
        Inputs of shape (m, 1) and targets.

    References
    ----------
    Srivastava et al. (2014), JMLR 15 (dropout against overfitting on small data).
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, check_count("n_train", n_train)))
    xt = np.linspace(-1, 1, check_count("n_test", n_test))

    def truth(t):
        return np.sin(np.pi * t) + 0.5 * t

    return (x[:, None], truth(x) + float(noise) * rng.standard_normal(x.size), xt[:, None],
            truth(xt) + float(noise) * rng.standard_normal(xt.size))


@tunable("lr")
def dropout_training(net: DropoutNet, theta0: np.ndarray, *, lr: float = 0.01, seed: int = 0,
                     tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Full-batch Adam on :class:`DropoutNet` with a fresh dropout mask every step.

    Parameters
    ----------
    net : DropoutNet
        The network and its data (its ``p`` and ``alpha``).
    theta0 : ndarray
        Start.
    lr : float
        Adam's learning rate (tunable mid-run); :math:`\beta_1 = 0.9`, :math:`\beta_2 = 0.999`.
    seed : int
        Seed of the masks.
    tol, maxiter, blowup : float, int, float
        The stopping rule of :func:`dropout_sgd` (on the norm of the gradient without a mask).

    Yields
    ------
    Step
        ``x`` = ``theta``; ``loss`` the training MSE of the test-time network (no mask, no penalty).

    References
    ----------
    Srivastava et al. (2014), JMLR 15; D. P. Kingma and J. Ba, Adam, ICLR 2015.
    """
    params = {"lr": _lr(lr)}
    tol, maxiter = check_stop(tol, maxiter)
    theta = np.asarray(theta0, dtype=np.float64).ravel().copy()
    rng = np.random.default_rng(seed)
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    n = net.y.size

    def step(k, loss0):
        with np.errstate(all="ignore"):
            f = net.mse(theta, net.X, net.y)
            g = float(np.linalg.norm(net.value_and_grad(theta)[1]))
        return record(k, theta, f, g, {}, work=2.0 * k, loss0=loss0, blowup=blowup)

    def iterations():
        nonlocal theta, m1, m2
        s, stop = step(0, np.inf)
        loss0 = s.loss
        params = yield s, stop
        for k in itertools.count(1):
            mask = rng.random((n, net.width)) < net.p if net.p < 1 else None
            with np.errstate(all="ignore"):
                _, g = net.value_and_grad(theta, mask)
                m1 = 0.9 * m1 + 0.1 * g
                m2 = 0.999 * m2 + 0.001 * g**2
                theta = theta - params["lr"] * (m1 / (1 - 0.9**k)) / (np.sqrt(m2 / (1 - 0.999**k)) + 1e-8)
            params = yield step(k, loss0)

    return (yield from _drive(iterations(), params, {"lr": _lr}, tol=tol, maxiter=maxiter))


SOLVERS = MappingProxyType({"dropout.monte_carlo": monte_carlo, "dropout.sgd": dropout_sgd,
                            "dropout.factorization": factorization_descent, "dropout.training": dropout_training})
"""Read-only ``{name: generator function}`` of this module's iterative methods (the live runs of the page)."""
