r"""Algorithmic regularization: which solution gradient descent picks when many fit the data.

Four claims, each checked numerically:

- **Logistic regression on separable data** (Soudry, Hoffer, Nacson, Gunasekar and Srebro 2018): gradient descent on
  the unregularized logistic loss diverges in norm, :math:`\|w(t)\| \sim \|\hat w\| \log t`, the loss falls like
  :math:`\|\hat w\|^2/(\eta t)`, and the direction converges to the hard-margin SVM direction :math:`\hat w/\|\hat
  w\|`, with an angle gap of order :math:`1/\log t` (:func:`logistic_gd`, :func:`max_margin_direction`).
- **Underdetermined least squares**: gradient descent from :math:`x_0` converges to the solution closest to
  :math:`x_0`, i.e. :math:`x_0 - A^+(Ax_0 - b)`; from zero, the minimum-norm solution :math:`A^+ b`
  (:func:`gd_limit`, run with :func:`numdl_core.lstsq.steepest_descent`).
- **Matrix completion with deep factorizations** (Gunasekar et al. 2017; Arora, Cohen, Hu and Luo 2019): gradient
  descent on :math:`\tfrac12\|P_\Omega(W_N\cdots W_1 - M)\|^2` from a small initialization finds low-rank
  completions, lower for deeper products (:func:`completion_gd`, :func:`effective_rank`); the convex baseline is
  nuclear-norm minimization by singular-value thresholding (:func:`svt`, Cai, Candès and Shen 2010).
- **Importance weighting** (Byrd and Lipton 2019): sample weights move the regularized solution
  (:func:`regularized_logistic`) but not, as :math:`t \to \infty`, the direction of unregularized gradient descent.

Samples are rows of ``X``; labels are :math:`\pm 1`. Pure numpy/scipy.

References
----------
D. Soudry, E. Hoffer, M. S. Nacson, S. Gunasekar and N. Srebro, The implicit bias of gradient descent on separable
data, JMLR 19 (2018). S. Gunasekar, B. Woodworth, S. Bhojanapalli, B. Neyshabur and N. Srebro, Implicit
regularization in matrix factorization, NeurIPS 2017. S. Arora, N. Cohen, W. Hu and Y. Luo, Implicit regularization in
deep matrix factorization, NeurIPS 2019. J.-F. Cai, E. J. Candès and Z. Shen, A singular value thresholding
algorithm for matrix completion, SIAM J. Optim. 20 (2010). J. Byrd and Z. C. Lipton, What is the effect of importance
weighting in deep learning?, ICML 2019.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterator

import numpy as np
from scipy.optimize import linprog, minimize

from numdl_core._validate import as_float_array, check_array, check_X
from numdl_core.iterate import (BLOWUP, Step, _drive, check_count, check_positive, check_stop, record, tunable)

__all__ = ["logistic_loss", "max_margin_direction", "logistic_gd", "geometric_steps", "separable_data", "gd_limit",
           "regularized_logistic", "CompletionProblem", "completion_problem", "completion_loss", "end_to_end",
           "completion_gd", "svt", "effective_rank", "MinNormStudy", "min_norm_study", "CompletionRun",
           "completion_run",
           "WeightingStudy", "weighting_study", "angle", "SOLVERS"]


def _labels(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.size != n:
        raise ValueError(f"y must have one label per row of X ({n}), got {y.size}")
    if not np.all(np.isin(y, (-1.0, 1.0))):
        raise ValueError("labels y must be -1 or +1")
    return y


def _weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    c = np.asarray(weights, dtype=np.float64).ravel()
    if c.size != n or not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise ValueError(f"weights must be {n} positive finite numbers, one per sample")
    return c


def logistic_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray, weights: np.ndarray | None = None
                  ) -> tuple[float, np.ndarray]:
    r"""The mean logistic loss and its gradient, without bias or regularization.

    .. math:: f(w) = \frac1n \sum_i c_i \log(1 + e^{-y_i x_i^\top w}),\qquad
              \nabla f(w) = -\frac1n \sum_i c_i\, \sigma(-y_i x_i^\top w)\, y_i x_i,

    :math:`\sigma` the logistic sigmoid, :math:`c_i` the sample weights (default 1). Evaluated stably
    (``logaddexp``), so huge margins neither overflow nor lose the tiny loss.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Samples as rows.
    y : ndarray, shape (n,)
        Labels, -1 or +1.
    w : ndarray, shape (d,)
        Weights.
    weights : ndarray, shape (n,), optional
        Positive sample (importance) weights :math:`c_i`.

    Returns
    -------
    f : float
    g : ndarray, shape (d,)

    Raises
    ------
    ValueError
        Mismatched shapes, labels other than ±1, or non-positive weights.

    References
    ----------
    D. Soudry et al., The implicit bias of gradient descent on separable data, JMLR 19 (2018), eq. (1).

    Examples
    --------
    >>> f, g = logistic_loss(np.eye(2), np.array([1.0, -1.0]), np.zeros(2))
    >>> round(f, 6), g
    (0.693147, array([-0.25,  0.25]))
    """
    X = check_X(X)
    y = _labels(y, X.shape[0])
    c = _weights(weights, X.shape[0])
    w = as_float_array("w", w).ravel()
    if w.size != X.shape[1]:
        raise ValueError(f"w must have {X.shape[1]} entries, got {w.size}")
    return _loss(X, y, c, w)


def _loss(X: np.ndarray, y: np.ndarray, c: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    m = y * (X @ w)
    n = X.shape[0]
    f = float(c @ np.logaddexp(0.0, -m)) / n
    s = np.exp(-np.logaddexp(0.0, m))  # sigma(-m) without overflow
    return f, -(X.T @ (c * s * y)) / n


def max_margin_direction(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""The hard-margin SVM direction through the origin (no bias), solved as a small quadratic program.

    .. math:: \hat w = \arg\min_w \tfrac12\|w\|^2 \ \text{ s.t. }\ y_i x_i^\top w \ge 1,\qquad
              \text{returned: } \hat w / \|\hat w\| = \arg\max_{\|u\|=1} \min_i y_i x_i^\top u.

    Separability is decided first by the linear program "find :math:`w` with :math:`y_i x_i^\top w \ge 1`"
    (scipy ``linprog``, HiGHS); the QP is then solved with SLSQP from that feasible point. The margin of the result
    is :math:`1/\|\hat w\|`. Cost: one LP and one small QP in ``d`` unknowns with ``n`` constraints.

    Parameters
    ----------
    X, y : ndarray
        Samples as rows and labels ±1, as in :func:`logistic_loss`.

    Returns
    -------
    ndarray, shape (d,)
        The unit vector :math:`\hat w / \|\hat w\|`.

    Raises
    ------
    ValueError
        When the data are not linearly separable through the origin (the LP is infeasible), or bad input.

    References
    ----------
    V. Vapnik, The Nature of Statistical Learning Theory, Springer, 1995 (the hard-margin SVM). D. Soudry et al.,
    JMLR 19 (2018), Theorem 3 (gradient descent converges to this direction).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -1.0]]); y = np.array([1.0, 1.0, -1.0])
    >>> np.round(max_margin_direction(X, y), 6)
    array([0.707107, 0.707107])
    """
    X = check_X(X)
    w = _svm(X, _labels(y, X.shape[0]))
    return w / np.linalg.norm(w)


def _svm(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    Z = y[:, None] * X
    n, d = Z.shape
    lp = linprog(np.zeros(d), A_ub=-Z, b_ub=-np.ones(n), bounds=[(None, None)] * d, method="highs")
    if lp.status != 0:
        raise ValueError("the data are not linearly separable through the origin: no w has y_i x_i.w > 0 for every "
                         "i (the hard-margin SVM does not exist)")
    res = minimize(lambda w: 0.5 * w @ w, lp.x, jac=lambda w: w, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda w: Z @ w - 1.0, "jac": lambda w: Z}],
                   options={"ftol": 1e-14, "maxiter": 500})
    w = res.x if np.all(Z @ res.x >= 1 - 1e-6) else lp.x
    return np.asarray(w, dtype=np.float64)


@tunable("step")
def logistic_gd(X: np.ndarray, y: np.ndarray, *, step: float, x0: np.ndarray | None = None,
                weights: np.ndarray | None = None, tol: float = 1e-10, maxiter: int = 10**7,
                blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Gradient descent on the unregularized mean logistic loss (no bias): :math:`w_{k+1} = w_k - \eta \nabla f(w_k)`.

    .. math:: f(w) = \frac1n \sum_i c_i \log(1 + e^{-y_i x_i^\top w}) \quad(\text{see } \texttt{logistic\_loss}).

    On separable data (Soudry et al. 2018, Theorem 3; :math:`\eta < 2/L`, :math:`L = \max_i c_i\,\|X\|_2^2/(4n)`):
    :math:`w_k = \hat w \log k + \rho_k` with :math:`\rho_k` bounded, so :math:`\|w_k\| \sim \|\hat w\|\log k`,
    :math:`f(w_k) \approx \|\hat w\|^2 / (\eta k)` and the angle to the SVM direction is :math:`O(1/\log k)`
    (:math:`\hat w` from :func:`max_margin_direction`, unnormalized: margin 1). On non-separable data it converges
    to the finite minimizer instead. Follows the protocol of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    X, y : ndarray
        Samples as rows and labels ±1, as in :func:`logistic_loss`.
    step : float
        Step size :math:`\eta > 0`. Tunable.
    x0 : ndarray, shape (d,), optional
        Start (default zeros).
    weights : ndarray, shape (n,), optional
        Positive importance weights :math:`c_i` (Byrd and Lipton 2019).
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, after ``maxiter`` iterations, or on a blow-up.

    Yields
    ------
    Step
        ``x`` is :math:`w_k`, ``loss`` :math:`f(w_k)`; ``info`` has ``w_norm``, ``margin``
        (:math:`\min_i y_i x_i^\top w_k / \|w_k\|`) and ``work`` (2 passes per iteration).

    Raises
    ------
    ValueError
        Bad shapes or labels, a non-positive step or weights, a bad ``tol`` or ``maxiter``.

    References
    ----------
    D. Soudry, E. Hoffer, M. S. Nacson, S. Gunasekar and N. Srebro, The implicit bias of gradient descent on
    separable data, JMLR 19 (2018). J. Byrd and Z. C. Lipton, ICML 2019 (importance weights).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -1.0]]); y = np.array([1.0, 1.0, -1.0])
    >>> steps = list(logistic_gd(X, y, step=1.0, maxiter=3))
    >>> [s.iteration for s in steps], steps[-1].loss < steps[0].loss
    ([0, 1, 2, 3], True)
    """
    X = check_X(X)
    y = _labels(y, X.shape[0])
    c = _weights(weights, X.shape[0])
    w = np.zeros(X.shape[1]) if x0 is None else np.array(x0, dtype=np.float64).ravel()
    if w.size != X.shape[1] or not np.all(np.isfinite(w)):
        raise ValueError(f"x0 must have {X.shape[1]} finite entries")
    tol, maxiter = check_stop(tol, maxiter)
    params = {"step": check_positive("step", step)}
    Z = y[:, None] * X

    def info(w: np.ndarray) -> dict:
        nw = float(np.linalg.norm(w))
        return {"w_norm": nw, "margin": float(np.min(Z @ w)) / nw if nw > 0 else 0.0, "step": params["step"]}

    def iterations():
        nonlocal params, w
        f, g = _loss(X, y, c, w)
        f0 = f
        params = yield record(0, w, f, np.linalg.norm(g), info(w), work=0.0, loss0=f0, blowup=blowup)
        k = 0
        while True:
            k += 1
            w = w - params["step"] * g
            f, g = _loss(X, y, c, w)
            params = yield record(k, w, f, np.linalg.norm(g), info(w), work=2.0 * k, loss0=f0, blowup=blowup)

    return (yield from _drive(iterations(), params, {"step": lambda v: check_positive("step", v)}, tol=tol,
                              maxiter=maxiter))


def geometric_steps(gen: Iterator[Step], *, ratio: float = 1.05, max_gap: int = 100) -> Iterator[Step]:
    r"""The Steps of ``gen`` at geometrically spaced iterations: for watching :math:`O(1/\log t)` on a log axis.

    An adapter, not an iterative method: it returns a generator (arguments checked at the call).

    Passes on iteration 0 and then the Step at :math:`t_{k+1} = \min(\max(t_k + 1, \lceil \text{ratio}\cdot
    t_k\rceil),\ t_k + \text{max\_gap})`, and always the last Step of ``gen`` (converged, diverged or at
    ``maxiter``). The iterations in between run but are not yielded; ``Step.iteration`` stays the real count. A
    dict sent into this generator (``gen.send({"step": 0.5})``) is forwarded to ``gen`` with its next iteration.

    Parameters
    ----------
    gen : generator of Step
        Any method that follows :mod:`numdl_core.iterate`.
    ratio : float
        Growth factor of the yielded iterations (> 1).
    max_gap : int
        The most iterations between two yielded Steps (>= 1): bounds the work per yielded Step.

    Returns
    -------
    generator of Step
        The Steps of ``gen`` at the chosen iterations.

    Raises
    ------
    ValueError
        ``ratio <= 1`` or ``max_gap < 1``.

    References
    ----------
    PEP 342, Coroutines via enhanced generators (``send``). D. Soudry et al., JMLR 19 (2018), Figure 1 (the same
    quantities on log axes).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [-1.0, -1.0]]); y = np.array([1.0, -1.0])
    >>> [s.iteration for s in geometric_steps(logistic_gd(X, y, step=1.0, maxiter=40), ratio=1.5, max_gap=10)]
    [0, 1, 2, 3, 5, 8, 12, 18, 27, 37, 40]
    """
    if not (np.isfinite(ratio) and ratio > 1):
        raise ValueError("ratio must be > 1")
    return _geometric(gen, float(ratio), check_count("max_gap", max_gap))


def _geometric(gen: Iterator[Step], ratio: float, max_gap: int) -> Iterator[Step]:
    step = next(gen)
    sent = yield step
    target, unseen = 1, None
    while True:
        try:
            step = gen.send(sent)  # send(None) is next()
        except StopIteration:
            if unseen is not None:  # the run ended between two yielded iterations: its last Step
                yield unseen
            return
        sent = None
        if step.iteration >= target or step.info.get("diverged"):
            unseen = None
            target = min(max(step.iteration + 1, int(np.ceil(ratio * step.iteration))), step.iteration + max_gap)
            sent = yield step
        else:
            unseen = step


def separable_data(n: int = 40, *, margin: float = 0.3, spread: float = 1.0, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray]:
    r"""Two Gaussian clouds in 2-D, separable through the origin with a gap.

    Points :math:`x = y\,\mu + \text{spread}\cdot\xi`, :math:`\xi \sim N(0, I)`, :math:`\mu = (1.5, 0.75)`, kept only
    if :math:`y\, x^\top u \ge \text{margin}` for the fixed unit vector :math:`u = (1, 1)/\sqrt2` (rejection
    sampling), so the data are separable through the origin with margin at least ``margin``.

    Parameters
    ----------
    n : int
        Number of points (half of each label, rounded).
    margin : float
        Minimum margin along :math:`u` (>= 0; 0 keeps every point on the correct side).
    spread : float
        Standard deviation of each cloud.
    seed : int
        Random seed.

    Returns
    -------
    X : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
        Labels ±1.

    Raises
    ------
    ValueError
        ``n < 2``, a negative margin or a non-positive spread.

    References
    ----------
    D. Soudry et al., JMLR 19 (2018), Section 3 (synthetic separable data of the same kind).

    Examples
    --------
    >>> X, y = separable_data(10, seed=1)
    >>> X.shape, bool(np.all(y * (X @ np.array([1.0, 1.0]) / np.sqrt(2)) >= 0.3))
    ((10, 2), True)
    """
    n = check_count("n", n, 2)
    if not np.isfinite(margin) or margin < 0:
        raise ValueError("margin must be >= 0")
    spread = check_positive("spread", spread)
    rng = np.random.default_rng(seed)
    u = np.array([1.0, 1.0]) / np.sqrt(2.0)
    mu = np.array([1.5, 0.75])
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    X = np.empty((n, 2))
    for i in range(n):
        for _ in range(10_000):
            x = y[i] * mu + spread * rng.standard_normal(2)
            if y[i] * (x @ u) >= margin:
                break
        else:  # pragma: no cover - needs an absurd margin
            x = y[i] * (margin + 1.0) * u
        X[i] = x
    return X, y


def gd_limit(A: np.ndarray, b: np.ndarray, x0: np.ndarray | None = None) -> np.ndarray:
    r"""The limit of gradient descent on :math:`\|Ax - b\|^2` from :math:`x_0` (a small enough step).

    Every gradient :math:`2A^\top(Ax - b)` lies in the row space of :math:`A`, so the component of :math:`x_0` in the
    null space never changes and the iteration converges to

    .. math:: x_\infty = x_0 - A^+(Ax_0 - b) = (I - A^+A)x_0 + A^+ b,

    the solution (least-squares solution) closest to :math:`x_0`; from :math:`x_0 = 0` the minimum-norm one,
    :math:`A^+ b` (``numpy.linalg.lstsq``). Cost: one SVD of :math:`A` (``numpy.linalg.pinv``).

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,)
    x0 : ndarray, shape (n,), optional
        Start (default zero).

    Returns
    -------
    ndarray, shape (n,)
        :math:`x_\infty`.

    Raises
    ------
    ValueError
        Mismatched shapes or non-finite entries.

    References
    ----------
    S. Gunasekar, J. Lee, D. Soudry and N. Srebro, Characterizing implicit bias in terms of optimization geometry,
    ICML 2018, Section 2. G. H. Golub and C. F. Van Loan, Matrix Computations, 4th ed., 2013, Sec. 5.5.

    Examples
    --------
    >>> A = np.array([[1.0, 1.0]]); b = np.array([2.0])
    >>> gd_limit(A, b), gd_limit(A, b, x0=np.array([3.0, 0.0]))
    (array([1., 1.]), array([ 2.5, -0.5]))
    """
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).ravel()
    if A.ndim != 2 or b.size != A.shape[0] or not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
        raise ValueError("A must be a finite 2-D array and b a finite vector with one entry per row of A")
    x0 = np.zeros(A.shape[1]) if x0 is None else np.asarray(x0, dtype=np.float64).ravel()
    if x0.size != A.shape[1] or not np.all(np.isfinite(x0)):
        raise ValueError(f"x0 must have {A.shape[1]} finite entries")
    return x0 - np.linalg.pinv(A) @ (A @ x0 - b)


def regularized_logistic(X: np.ndarray, y: np.ndarray, alpha: float, weights: np.ndarray | None = None
                         ) -> np.ndarray:
    r"""The minimizer of the weighted, L2-regularized logistic loss (solved by damped Newton).

    .. math:: w_\alpha = \arg\min_w \frac1n \sum_i c_i \log(1 + e^{-y_i x_i^\top w}) + \frac\alpha2 \|w\|^2 .

    Strictly convex for :math:`\alpha > 0`, so unique; its direction depends on the weights :math:`c_i` (Byrd and
    Lipton 2019), unlike the limit direction of :func:`logistic_gd` (:math:`\alpha = 0`) on separable data. As
    :math:`\alpha \to 0` the direction tends to the SVM's (Rosset, Zhu and Hastie 2004). Newton's method with
    Armijo backtracking; cost per iteration :math:`O(nd^2 + d^3)`.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
        Labels ±1.
    alpha : float
        Regularization :math:`\alpha > 0` (the course's :math:`\lambda`).
    weights : ndarray, shape (n,), optional
        Positive sample weights.

    Returns
    -------
    ndarray, shape (d,)

    Raises
    ------
    ValueError
        ``alpha <= 0`` or bad data.

    References
    ----------
    J. Byrd and Z. C. Lipton, What is the effect of importance weighting in deep learning?, ICML 2019. S. Rosset,
    J. Zhu and T. Hastie, Margin maximizing loss functions, NeurIPS 2004.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -1.0]]); y = np.array([1.0, 1.0, -1.0])
    >>> w = regularized_logistic(X, y, 0.1); bool(np.all(y * (X @ w) > 0))
    True
    """
    X = check_X(X)
    y = _labels(y, X.shape[0])
    c = _weights(weights, X.shape[0])
    alpha = check_positive("alpha", alpha)
    return _regularized_batch(X, y, np.array([alpha]), c[None, :])[0]


def _regularized_batch(X: np.ndarray, y: np.ndarray, alphas: np.ndarray, C: np.ndarray) -> np.ndarray:
    """:func:`regularized_logistic` for B problems at once (``alphas`` shape (B,), weights ``C`` shape (B, n)): the
    same damped Newton iterates for each problem (Armijo backtracking per problem), vectorized over problems."""
    n, d = X.shape
    Z = y[:, None] * X

    def fun(W, i=slice(None)):  # objectives, gradients and margins of the problems i at W (rows)
        m = W @ Z.T  # (B, n): y_i x_i^T w_b
        f = np.sum(C[i] * np.logaddexp(0.0, -m), axis=1) / n + 0.5 * alphas[i] * np.sum(W * W, axis=1)
        s = np.exp(-np.logaddexp(0.0, m))  # sigma(-m) without overflow
        return f, -((C[i] * s) @ Z) / n + alphas[i, None] * W, m

    W = np.zeros((len(alphas), d))
    f, g, m = fun(W)
    active = np.ones(len(alphas), dtype=bool)
    for _ in range(200):  # damped Newton: each objective is alpha-strongly convex
        p = np.exp(-np.logaddexp(0.0, -m))  # sigma(m)
        H = np.einsum("bi,ij,ik->bjk", C * p * (1 - p), X, X) / n + alphas[:, None, None] * np.eye(d)
        dw = -np.linalg.solve(H, g[:, :, None])[:, :, 0]
        t = np.ones(len(alphas))
        slope = np.sum(g * dw, axis=1)
        todo = active.copy()
        f_new, g_new, m_new = f.copy(), g.copy(), m.copy()
        while todo.any():
            ft, gt, mt = fun(W[todo] + t[todo, None] * dw[todo], todo)
            ok = (ft <= f[todo] + 1e-4 * t[todo] * slope[todo]) | (t[todo] < 1e-12)
            idx = np.flatnonzero(todo)
            f_new[idx[ok]], g_new[idx[ok]], m_new[idx[ok]] = ft[ok], gt[ok], mt[ok]
            t[idx[~ok]] *= 0.5
            todo[idx[ok]] = False
        W[active] = W[active] + t[active, None] * dw[active]
        f, g, m = np.where(active, f_new, f), np.where(active[:, None], g_new, g), np.where(active[:, None], m_new, m)
        active &= ~((np.linalg.norm(g, axis=1) <= 1e-13 * np.maximum(1.0, alphas * np.linalg.norm(W, axis=1)))
                    | (t < 1e-12))
        if not active.any():
            break
    return W


@dataclass(frozen=True)
class CompletionProblem:
    """A low-rank matrix with a set of observed entries.

    Attributes
    ----------
    truth : ndarray, shape (n, n)
        The matrix :math:`M` of rank ``rank`` (Frobenius norm :math:`\\sqrt n`).
    mask : ndarray of bool, shape (n, n)
        The observed entries :math:`\\Omega`.
    rank : int
        The rank of ``truth``.
    """

    truth: np.ndarray
    mask: np.ndarray
    rank: int


def completion_problem(n: int = 20, rank: int = 3, n_obs: int = 200, *, seed: int = 0) -> CompletionProblem:
    r"""A random rank-``rank`` :math:`n \times n` matrix :math:`M = UV^\top` (Gaussian factors, scaled to
    :math:`\|M\|_F = \sqrt n`) and ``n_obs`` entries observed uniformly at random.

    Parameters
    ----------
    n : int
        Size (>= 2).
    rank : int
        Rank (1 ... n).
    n_obs : int
        Observed entries (1 ... n²).
    seed : int
        Random seed.

    Returns
    -------
    CompletionProblem

    Raises
    ------
    ValueError
        Sizes out of range.

    References
    ----------
    S. Arora, N. Cohen, W. Hu and Y. Luo, Implicit regularization in deep matrix factorization, NeurIPS 2019,
    Section 5 (the same setting, n = 100).

    Examples
    --------
    >>> p = completion_problem(10, 2, 50); int(np.linalg.matrix_rank(p.truth)), int(p.mask.sum())
    (2, 50)
    """
    n = check_count("n", n, 2)
    rank = check_count("rank", rank)
    n_obs = check_count("n_obs", n_obs)
    if rank > n or n_obs > n * n:
        raise ValueError(f"need rank <= n = {n} and n_obs <= n^2 = {n * n}")
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, n))
    M *= np.sqrt(n) / np.linalg.norm(M)
    mask = np.zeros(n * n, dtype=bool)
    mask[rng.choice(n * n, n_obs, replace=False)] = True
    return CompletionProblem(M, mask.reshape(n, n), rank)


def _factors(theta: np.ndarray, n: int, depth: int) -> list[np.ndarray]:
    return [theta[j * n * n:(j + 1) * n * n].reshape(n, n) for j in range(depth)]


def end_to_end(theta: np.ndarray, n: int, depth: int) -> np.ndarray:
    r"""The end-to-end matrix :math:`W = W_N \cdots W_2 W_1` of the stacked factors ``theta``.

    Parameters
    ----------
    theta : ndarray, shape (depth * n * n,)
        :math:`W_1, \ldots, W_N` flattened (row-major) and stacked.
    n : int
        Size of each factor.
    depth : int
        Number of factors :math:`N`.

    Returns
    -------
    ndarray, shape (n, n)

    Raises
    ------
    ValueError
        ``theta`` of the wrong size.

    References
    ----------
    S. Arora, N. Cohen, W. Hu and Y. Luo, NeurIPS 2019, eq. (2).

    Examples
    --------
    >>> end_to_end(np.r_[2 * np.eye(2).ravel(), 3 * np.eye(2).ravel()], 2, 2)
    array([[6., 0.],
           [0., 6.]])
    """
    theta = np.asarray(theta, dtype=np.float64).ravel()
    if theta.size != depth * n * n:
        raise ValueError(f"theta must have depth * n * n = {depth * n * n} entries, got {theta.size}")
    W = np.eye(n)
    for F in _factors(theta, n, depth):
        W = F @ W
    return W


def completion_loss(theta: np.ndarray, observed: np.ndarray, mask: np.ndarray, depth: int) -> tuple[float, np.ndarray]:
    r"""The matrix-completion loss of a depth-:math:`N` factorization and its gradient.

    .. math:: f(W_1, \ldots, W_N) = \tfrac12 \|P_\Omega(W_N \cdots W_1 - M)\|_F^2,\qquad
              \nabla_{W_j} f = (W_N \cdots W_{j+1})^\top\, R\, (W_{j-1} \cdots W_1)^\top,

    with the residual :math:`R = P_\Omega(W - M)` (zero off the observed entries). Cost: :math:`O(N^2 n^3)`.

    Parameters
    ----------
    theta : ndarray, shape (depth * n * n,)
        The stacked factors (see :func:`end_to_end`).
    observed : ndarray, shape (n, n)
        :math:`M` (only the entries in ``mask`` are used).
    mask : ndarray of bool, shape (n, n)
        The observed entries :math:`\Omega`.
    depth : int
        :math:`N \ge 1`.

    Returns
    -------
    f : float
    g : ndarray, shape (depth * n * n,)

    Raises
    ------
    ValueError
        Shapes that do not match.

    References
    ----------
    S. Arora, N. Cohen, W. Hu and Y. Luo, NeurIPS 2019, Section 3.

    Examples
    --------
    >>> f, g = completion_loss(np.eye(2).ravel(), np.zeros((2, 2)), np.eye(2, dtype=bool), 1)
    >>> f, g
    (1.0, array([1., 0., 0., 1.]))
    """
    mask = np.asarray(mask, dtype=bool)
    n = mask.shape[0]
    observed = np.asarray(observed, dtype=np.float64)
    if mask.shape != (n, n) or observed.shape != (n, n):
        raise ValueError("observed and mask must be square arrays of the same shape")
    Ws = _factors(np.asarray(theta, dtype=np.float64).ravel(), n, depth) if np.size(theta) == depth * n * n else None
    if Ws is None:
        raise ValueError(f"theta must have depth * n * n = {depth * n * n} entries")
    return _completion(Ws, observed, mask)


def _completion(Ws: list[np.ndarray], M: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    n = M.shape[0]
    right = [np.eye(n)]  # right[j] = W_{j} ... W_1 (right[0] = I)
    for F in Ws:
        right.append(F @ right[-1])
    R = np.where(mask, right[-1] - M, 0.0)
    grads = [None] * len(Ws)
    left = np.eye(n)  # W_N ... W_{j+2}
    for j in range(len(Ws) - 1, -1, -1):
        grads[j] = left.T @ R @ right[j].T
        left = left @ Ws[j]
    return 0.5 * float(np.sum(R * R)), np.concatenate([g.ravel() for g in grads])


@tunable("step")
def completion_gd(observed: np.ndarray, mask: np.ndarray, *, depth: int, step: float, init: float = 1e-3,
                  seed: int = 0, tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP
                  ) -> Iterator[Step]:
    r"""Gradient descent on :func:`completion_loss` from a small random initialization.

    :math:`W_j \leftarrow W_j - \eta \nabla_{W_j} f`, each factor started at :math:`\text{init}\cdot G_j`,
    :math:`G_j` with independent :math:`N(0, 1/n)` entries. For :math:`N = 1` this is gradient descent on
    :math:`W` itself from near zero: the unobserved entries stay near zero (the minimum Frobenius-norm completion).
    For :math:`N \ge 2` the singular values of :math:`W` grow one at a time, fast once large
    (:math:`\dot\sigma_r \propto \sigma_r^{2 - 2/N}`, Arora et al. 2019, Theorem 3): the result has low rank, lower
    for deeper factorizations. Follows the protocol of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    observed : ndarray, shape (n, n)
        :math:`M` (entries outside ``mask`` ignored).
    mask : ndarray of bool, shape (n, n)
        Observed entries.
    depth : int
        Number of factors :math:`N \ge 1`.
    step : float
        Step size :math:`\eta > 0`. Tunable.
    init : float
        Scale of the initialization (> 0).
    seed : int
        Seed of the initialization.
    tol, maxiter, blowup : float, int, float, optional
        Stopping rules of :mod:`numdl_core.iterate`.

    Yields
    ------
    Step
        ``x`` the stacked factors, ``loss`` :math:`f`; ``info`` holds ``singular_values`` (of the end-to-end
        :math:`W`, descending) and ``work`` (2 passes per iteration).

    Raises
    ------
    ValueError
        Bad shapes, ``depth < 1``, a non-positive step or init.

    References
    ----------
    S. Gunasekar, B. Woodworth, S. Bhojanapalli, B. Neyshabur and N. Srebro, Implicit regularization in matrix
    factorization, NeurIPS 2017. S. Arora, N. Cohen, W. Hu and Y. Luo, Implicit regularization in deep matrix
    factorization, NeurIPS 2019.

    Examples
    --------
    >>> p = completion_problem(6, 1, 30)
    >>> steps = list(completion_gd(p.truth, p.mask, depth=2, step=0.1, init=0.1, maxiter=2))
    >>> len(steps), steps[0].x.shape
    (3, (72,))
    """
    mask = np.asarray(mask, dtype=bool)
    M = np.asarray(observed, dtype=np.float64)
    if mask.ndim != 2 or mask.shape[0] != mask.shape[1] or M.shape != mask.shape:
        raise ValueError("observed and mask must be square arrays of the same shape")
    if not np.all(np.isfinite(M[mask])):
        raise ValueError("the observed entries must be finite")
    M = np.where(mask, M, 0.0)
    depth = check_count("depth", depth)
    init = check_positive("init", init)
    tol, maxiter = check_stop(tol, maxiter)
    params = {"step": check_positive("step", step)}
    n = M.shape[0]
    rng = np.random.default_rng(seed)
    Ws = [init * rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(depth)]

    def iterations():
        nonlocal params, Ws
        f, g = _completion(Ws, M, mask)
        f0 = f

        def rec(k, f, g):
            theta = np.concatenate([F.ravel() for F in Ws])
            W = Ws[0]
            for F in Ws[1:]:
                W = F @ W
            sv = np.linalg.svd(W, compute_uv=False)
            return record(k, theta, f, np.linalg.norm(g), {"singular_values": sv, "step": params["step"]},
                          work=2.0 * k, loss0=max(f0, 1.0), blowup=blowup)

        params = yield rec(0, f, g)
        k = 0
        while True:
            k += 1
            Ws = [F - params["step"] * G.reshape(n, n) for F, G in zip(Ws, _factors(g, n, depth))]
            f, g = _completion(Ws, M, mask)
            params = yield rec(k, f, g)

    return (yield from _drive(iterations(), params, {"step": lambda v: check_positive("step", v)}, tol=tol,
                              maxiter=maxiter))


@tunable()
def svt(observed: np.ndarray, mask: np.ndarray, *, tau: float | None = None, shrink: float = 0.98,
        tau_min: float = 1e-6, tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Nuclear-norm matrix completion by singular value thresholding, with a decreasing threshold.

    .. math:: X_{k+1} = \mathcal D_{\tau_k}\big(P_\Omega M + P_\Omega^\perp X_k\big),\qquad
              \tau_k = \max(\tau\, q^k,\ \tau_{\min}\tau),

    :math:`\mathcal D_\tau(Y) = U \max(\Sigma - \tau, 0) V^\top` the singular value thresholding operator of Cai,
    Candès and Shen (2010). For a fixed :math:`\tau` this is proximal gradient descent (step 1) on
    :math:`\tfrac12\|P_\Omega(X - M)\|_F^2 + \tau\|X\|_*` (soft-impute, Mazumder, Hastie and Tibshirani 2010);
    decreasing :math:`\tau` to :math:`\tau_{\min}\tau` follows the path to
    :math:`\min \|X\|_*` subject to :math:`P_\Omega X = P_\Omega M` (continuation). Follows the protocol of
    :mod:`numdl_core.iterate`; ``grad_norm`` is the change :math:`\|X_{k+1} - X_k\|_F` (the fixed-point residual) plus
    :math:`\tau_k - \tau_{\min}\tau` (zero only at a fixed point of the final threshold).

    Parameters
    ----------
    observed : ndarray, shape (n1, n2)
        :math:`M` (entries outside ``mask`` ignored). Read at every iteration, not copied (an observed entry that
        turns non-finite mid-run ends the run as diverged).
    mask : ndarray of bool, shape (n1, n2)
    tau : float, optional
        Initial threshold (> 0); default :math:`\|P_\Omega M\|_2`.
    shrink : float
        Factor :math:`q \in (0, 1]` per iteration.
    tau_min : float
        Final threshold relative to ``tau`` (in (0, 1]).
    tol, maxiter, blowup : float, int, float
        Stopping rules of :mod:`numdl_core.iterate` (no tunables).

    Yields
    ------
    Step
        ``x`` is :math:`X_k` flattened, ``loss`` :math:`\tfrac12\|P_\Omega(X_k - M)\|_F^2`; ``info`` has ``rank``,
        ``nuclear_norm``, ``tau`` and ``work`` (one SVD per iteration counted as 1).

    Raises
    ------
    ValueError
        Bad shapes, no observed entry, a bad ``tau``, ``shrink`` or ``tau_min``.

    References
    ----------
    J.-F. Cai, E. J. Candès and Z. Shen, A singular value thresholding algorithm for matrix completion, SIAM J.
    Optim. 20 (2010). R. Mazumder, T. Hastie and R. Tibshirani, Spectral regularization algorithms for learning
    large incomplete matrices, JMLR 11 (2010).

    Examples
    --------
    >>> p = completion_problem(10, 1, 80)
    >>> last = list(svt(p.truth, p.mask))[-1]
    >>> last.info["rank"]
    1
    """
    mask = np.asarray(mask, dtype=bool)
    M = np.asarray(observed, dtype=np.float64)
    if mask.ndim != 2 or M.shape != mask.shape or not mask.any() or not np.all(np.isfinite(M[mask])):
        raise ValueError("observed and mask must be 2-D arrays of the same shape with at least one observed, finite "
                         "entry")
    observed_now = M
    M = np.where(mask, M, 0.0)
    tau = max(float(np.linalg.norm(M, 2)), 1e-300) if tau is None else check_positive("tau", tau)
    if not (0 < shrink <= 1) or not (0 < tau_min <= 1):
        raise ValueError("shrink and tau_min must be in (0, 1]")
    tol, maxiter = check_stop(tol, maxiter)
    loss0 = max(0.5 * float(np.sum(M * M)), 1.0)

    def iterations():
        X = np.zeros_like(M)
        yield record(0, X.ravel(), 0.5 * float(np.sum(M * M)), tau, {"rank": 0, "nuclear_norm": 0.0, "tau": tau},
                     work=0.0, loss0=loss0, blowup=blowup)
        k = 0
        while True:
            k += 1
            t = tau * max(shrink ** k, tau_min)
            Y = np.where(mask, observed_now, X)  # the caller's array, read each iteration (like an operator)
            if not np.all(np.isfinite(Y)):
                yield record(k, X.ravel(), float("nan"), float("nan"), {"rank": -1, "nuclear_norm": float("nan"),
                                                                         "tau": t}, work=float(k), loss0=loss0,
                             blowup=blowup, reason="an observed entry is not finite (nan or inf)")
                return
            U, sv, Vt = np.linalg.svd(Y, full_matrices=False)
            sv = np.maximum(sv - t, 0.0)
            X_new = (U * sv) @ Vt
            change = float(np.linalg.norm(X_new - X))
            X = X_new
            r = np.where(mask, X - observed_now, 0.0)
            yield record(k, X.ravel(), 0.5 * float(np.sum(r * r)), change + t - tau * tau_min,
                         {"rank": int(np.sum(sv > 0)), "nuclear_norm": float(sv.sum()), "tau": t}, work=float(k),
                         loss0=loss0, blowup=blowup)

    return (yield from _drive(iterations(), {}, {}, tol=tol, maxiter=maxiter))


def effective_rank(W: np.ndarray) -> float:
    r"""The effective rank of Roy and Vetterli: the exponential of the entropy of the normalized singular values.

    .. math:: \operatorname{erank}(W) = \exp\Big(-\sum_i p_i \log p_i\Big),\qquad p_i = \sigma_i / \textstyle\sum_j
              \sigma_j .

    Between 1 and the rank; equal to :math:`r` for :math:`r` equal nonzero singular values. Used by Arora et al. 2019
    to compare solutions of different depths.

    Parameters
    ----------
    W : ndarray, shape (m, n)

    Returns
    -------
    float
        0 for the zero matrix.

    Raises
    ------
    ValueError
        ``W`` not a finite 2-D array.

    References
    ----------
    O. Roy and M. Vetterli, The effective rank: a measure of effective dimensionality, EUSIPCO 2007.

    Examples
    --------
    >>> round(effective_rank(np.diag([1.0, 1.0, 1.0, 0.0])), 12)
    3.0
    """
    W = check_array("W", W, ndim=2)
    s = np.linalg.svd(W, compute_uv=False)
    if s.sum() <= 0:
        return 0.0
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def angle(a: np.ndarray, b: np.ndarray) -> float:
    r"""The angle between two vectors, :math:`\arccos\big(a^\top b / (\|a\|\|b\|)\big)` in radians (nan if one is 0).

    Computed as :math:`2\arctan(\|\hat a - \hat b\| / \|\hat a + \hat b\|)`, accurate also for tiny angles.

    Parameters
    ----------
    a, b : ndarray, shape (d,)

    Returns
    -------
    float
        In :math:`[0, \pi]`.

    References
    ----------
    W. Kahan, How futile are mindless assessments of roundoff in floating-point computation?, 2006, p. 47.

    Examples
    --------
    >>> round(angle(np.array([1.0, 0.0]), np.array([1.0, 1.0])), 12) == round(np.pi / 4, 12)
    True
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0 or not (np.isfinite(na) and np.isfinite(nb)):
        return float("nan")
    a, b = a / na, b / nb
    return float(2.0 * np.arctan2(np.linalg.norm(a - b), np.linalg.norm(a + b)))


@dataclass(frozen=True)
class MinNormStudy:
    """Gradient descent on an underdetermined least-squares problem from zero and from another start.

    Attributes
    ----------
    A, b, x0 : ndarray
        The problem (shape (m, n), m < n usually) and the other start.
    x_lstsq : ndarray
        ``numpy.linalg.lstsq``'s minimum-norm solution.
    x_from_zero, x_from_x0 : ndarray
        The last gradient-descent iterates from 0 and from ``x0``.
    limit_x0 : ndarray
        :func:`gd_limit` from ``x0``: the projection of ``x0`` onto the null space plus the minimum-norm solution.
    iterations : ndarray
        Iteration numbers of the recorded errors.
    error_zero, error_x0 : ndarray
        :math:`\|x_k - x_{\rm lstsq}\|` of the two runs.
    error_limit : ndarray
        :math:`\|x_k - \text{limit}_{x_0}\|` of the run from ``x0``.
    numbers : dict
        The headline numbers.
    """

    A: np.ndarray
    b: np.ndarray
    x0: np.ndarray
    x_lstsq: np.ndarray
    x_from_zero: np.ndarray
    x_from_x0: np.ndarray
    limit_x0: np.ndarray
    iterations: np.ndarray
    error_zero: np.ndarray
    error_x0: np.ndarray
    error_limit: np.ndarray
    numbers: dict


def min_norm_study(m: int = 5, n: int = 12, *, start_scale: float = 1.0, iterations: int = 2000, seed: int = 0
                   ) -> MinNormStudy:
    r"""Gradient descent on :math:`\|Ax - b\|^2` (:math:`A` Gaussian, :math:`m \times n`) from 0 and from
    :math:`x_0` (Gaussian, scaled by ``start_scale``) with the step :math:`0.9/(2\|A\|_2^2)`.

    From 0 the iterates stay in the row space of :math:`A` and converge to the minimum-norm solution (the oracle
    ``numpy.linalg.lstsq``); from :math:`x_0` to :math:`(I - A^+A)x_0 + A^+b` (:func:`gd_limit`). With
    :math:`m \ge n` (full column rank) the solution is unique and the start does not matter.

    Parameters
    ----------
    m, n : int
        Rows and columns of :math:`A`.
    start_scale : float
        Scale of :math:`x_0` (>= 0).
    iterations : int
        Gradient-descent iterations of each run.
    seed : int
        Seed of :math:`A`, :math:`b` and :math:`x_0`.

    Returns
    -------
    MinNormStudy

    Raises
    ------
    ValueError
        Bad sizes or a negative scale.

    References
    ----------
    S. Gunasekar, J. Lee, D. Soudry and N. Srebro, Characterizing implicit bias in terms of optimization geometry,
    ICML 2018. L. Ruthotto and E. Haber, Numerical Methods for Deep Learning, Module 2 (steepest descent).

    Examples
    --------
    >>> s = min_norm_study(3, 6, iterations=3000)
    >>> s.numbers["||x_GD(0) - x_lstsq||"] < 1e-8
    True
    """
    from numdl_core.lstsq import steepest_descent

    m, n = check_count("m", m), check_count("n", n)
    iterations = check_count("iterations", iterations)
    if not np.isfinite(start_scale) or start_scale < 0:
        raise ValueError("start_scale must be >= 0")
    rng = np.random.default_rng(seed)
    A, b = rng.standard_normal((m, n)), rng.standard_normal(m)
    x0 = start_scale * rng.standard_normal(n)
    x_ls = np.linalg.lstsq(A, b, rcond=None)[0]
    limit = gd_limit(A, b, x0)
    step = 0.9 / (2.0 * np.linalg.norm(A, 2) ** 2)
    runs = {}
    for name, start in (("zero", None), ("x0", x0)):
        xs = [s.x for s in steepest_descent(A, b, step=step, x0=start, maxiter=iterations, tol=0.0)]
        runs[name] = np.array(xs)
    size = max(r.shape[0] for r in runs.values())  # a run that stopped early (gradient exactly 0) stays put
    runs = {k: np.vstack([r, np.repeat(r[-1:], size - r.shape[0], axis=0)]) for k, r in runs.items()}
    its = np.arange(size)
    e0 = np.linalg.norm(runs["zero"] - x_ls, axis=1)
    e1 = np.linalg.norm(runs["x0"] - x_ls, axis=1)
    el = np.linalg.norm(runs["x0"] - limit, axis=1)
    numbers = {"||x_GD(0) - x_lstsq||": e0[-1], "||x_GD(x0) - x_lstsq||": e1[-1],
               "||x_GD(x0) - limit(x0)||": el[-1], "||x_lstsq||": float(np.linalg.norm(x_ls)),
               "||x_GD(x0)||": float(np.linalg.norm(runs["x0"][-1])),
               "||A x_GD(x0) - b||": float(np.linalg.norm(A @ runs["x0"][-1] - b))}
    return MinNormStudy(A, b, x0, x_ls, runs["zero"][-1], runs["x0"][-1], limit, its, e0, e1, el,
                        {k: float(v) for k, v in numbers.items()})


_SVT_ITERATIONS = 700
"""Iterations of :func:`svt` in :func:`completion_run`: the threshold reaches its floor (1e-6 of the start, factor
0.98 per iteration) after 684; after that the iterate moves by ~1e-7 per iteration (effective rank 4.1986 at 684,
4.1980 at 4000 on the page's default problem)."""


def _completion_fast(M: np.ndarray, mask: np.ndarray, depth: int, step: float, init: float, seed: int,
                     maxiter: int, keep: set, tol: float = 1e-10, blowup: float = BLOWUP):
    """:func:`completion_gd` without the per-iteration Step (no SVD, no copies): the same iterates, the same stopping
    rules; singular values only at the iterations in ``keep``. Returns (W, iterations, singular values, last
    iteration, diverged)."""
    M = np.where(mask, M, 0.0)
    n = M.shape[0]
    rng = np.random.default_rng(seed)
    Ws = [init * rng.standard_normal((n, n)) / np.sqrt(n) for _ in range(depth)]

    def evaluate(Ws):  # as _completion, without the products with the identity (exact: F @ I = F)
        right = [None, Ws[0]]  # right[j] = W_j ... W_1 (right[0] = I)
        for F in Ws[1:]:
            right.append(F @ right[-1])
        R = np.where(mask, right[-1] - M, 0.0)
        grads = [None] * depth
        left = None  # W_N ... W_{j+2} (None = I)
        for j in range(depth - 1, -1, -1):
            G = R if left is None else left.T @ R
            grads[j] = G if j == 0 else G @ right[j].T
            if j:
                left = Ws[j] if left is None else left @ Ws[j]
        return right[-1], 0.5 * float(np.vdot(R, R)), grads, float(np.sqrt(sum(np.vdot(g, g) for g in grads)))

    its, svs = [], []
    with np.errstate(all="ignore"):
        W, f, grads, gn = evaluate(Ws)
        loss0, gn0, k, diverged = max(f, 1.0), gn, 0, False
        while True:
            diverged = (not (np.isfinite(f) and np.isfinite(gn))) or abs(f) > blowup * loss0
            if k in keep or diverged:
                its.append(k)
                svs.append(np.linalg.svd(W, compute_uv=False) if np.all(np.isfinite(W)) else np.full(n, np.nan))
            if diverged or k >= maxiter or gn <= tol * max(1.0, gn0):
                break
            k += 1
            Ws = [F - step * G for F, G in zip(Ws, grads)]
            W, f, grads, gn = evaluate(Ws)
    return W, its, svs, k, diverged


@dataclass(frozen=True)
class CompletionRun:
    """One matrix-completion solve (a depth-N factorization by gradient descent, or nuclear-norm SVT).

    Attributes
    ----------
    method : str
        ``"depth 1"``, ``"depth 2"``, ... or ``"nuclear norm (SVT)"``.
    iterations : ndarray
        Iterations at which the singular values were recorded (about 60, geometrically spaced).
    singular_values : ndarray, shape (len(iterations), n)
        Singular values of the end-to-end matrix at those iterations (descending).
    W : ndarray, shape (n, n)
        The final matrix.
    effective_rank : float
        :func:`effective_rank` of ``W``.
    test_error : float
        :math:`\|(W - M)_{\bar\Omega}\| / \|M_{\bar\Omega}\|` on the unobserved entries.
    train_error : float
        :math:`\|(W - M)_\Omega\| / \|M_\Omega\|`.
    diverged : bool
        True if the run blew up (too large a step).
    """

    method: str
    iterations: np.ndarray
    singular_values: np.ndarray
    W: np.ndarray
    effective_rank: float
    test_error: float
    train_error: float
    diverged: bool


def completion_run(problem: CompletionProblem, depth: int, *, step: float = 0.2, init: float = 0.03,
                   iterations: int = 4000, seed: int = 0) -> CompletionRun:
    r"""Solve ``problem`` by :func:`completion_gd` with ``depth`` factors, or by :func:`svt` for ``depth=0``.

    Parameters
    ----------
    problem : CompletionProblem
    depth : int
        Number of factors (>= 1), or 0 for nuclear-norm minimization (SVT).
    step, init : float
        Step size and initialization scale of gradient descent.
    iterations : int
        Most iterations of gradient descent (it stops earlier once the gradient is below 1e-10, as depth 1 does
        after about a hundred); SVT runs 700 iterations (its threshold reaches its floor after 684; later
        iterations move the result by ~1e-7 each).
    seed : int
        Seed of the initialization.

    Returns
    -------
    CompletionRun

    Raises
    ------
    ValueError
        ``depth < 0`` or bad step, init, iterations.

    References
    ----------
    S. Arora, N. Cohen, W. Hu and Y. Luo, Implicit regularization in deep matrix factorization, NeurIPS 2019
    (Figures 1-3: effective rank and error vs depth). J.-F. Cai, E. J. Candès and Z. Shen, SIAM J. Optim. 2010.

    Examples
    --------
    >>> r = completion_run(completion_problem(8, 1, 40), 2, iterations=300)
    >>> r.method, r.singular_values.shape[1]
    ('depth 2', 8)
    """
    if int(depth) != depth or depth < 0:
        raise ValueError("depth must be an integer >= 0 (0: nuclear norm by SVT)")
    iterations = check_count("iterations", iterations)
    M, mask = problem.truth, problem.mask
    n = M.shape[0]
    keep = set(np.unique(np.rint(np.geomspace(1, iterations + 1, 60)).astype(int) - 1).tolist())
    if depth == 0:
        its, svs, last = [], [], None
        for s in svt(M, mask, maxiter=_SVT_ITERATIONS):
            last = s
            if s.iteration in keep or s.info.get("diverged"):
                its.append(s.iteration)
                svs.append(np.linalg.svd(s.x.reshape(n, n), compute_uv=False))
        W, last_it, diverged = last.x.reshape(n, n), last.iteration, bool(last.info.get("diverged"))
        method = "nuclear norm (SVT)"
    else:
        check_positive("step", step), check_positive("init", init)
        W, its, svs, last_it, diverged = _completion_fast(M, mask, int(depth), step, init, seed, iterations, keep)
        method = f"depth {int(depth)}"
    if its[-1] != last_it:
        its.append(last_it)
        svs.append(np.linalg.svd(W, compute_uv=False))
    diverged = diverged or not np.all(np.isfinite(W))
    with np.errstate(all="ignore"):
        test = float(np.linalg.norm((W - M)[~mask]) / max(np.linalg.norm(M[~mask]), 1e-300))
        train = float(np.linalg.norm((W - M)[mask]) / max(np.linalg.norm(M[mask]), 1e-300))
        erank = effective_rank(W) if np.all(np.isfinite(W)) else float("nan")
    return CompletionRun(method, np.array(its), np.array(svs), W, erank, test, train, diverged)


@dataclass(frozen=True)
class WeightingStudy:
    """Importance weights against the SVM direction: gradient descent with and without weights, and the
    regularized solutions over a range of alpha.

    Attributes
    ----------
    svm : ndarray, shape (d,)
        :func:`max_margin_direction` (the same with or without weights).
    iterations : ndarray
        Recorded iterations (geometric).
    angle_plain, angle_weighted : ndarray
        Angles (rad) of the unweighted and weighted GD iterates to ``svm``.
    w_plain, w_weighted : ndarray, shape (d,)
        The last GD iterates.
    alphas : ndarray
        Regularization weights.
    reg_angle_plain, reg_angle_weighted : ndarray
        Angles of the regularized solutions (unweighted, weighted) to ``svm``, per alpha.
    reg_gap : ndarray
        Angle between the weighted and unweighted regularized solutions, per alpha.
    numbers : dict
        The headline numbers (at the last iteration and at ``alpha``).
    """

    svm: np.ndarray
    iterations: np.ndarray
    angle_plain: np.ndarray
    angle_weighted: np.ndarray
    w_plain: np.ndarray
    w_weighted: np.ndarray
    alphas: np.ndarray
    reg_angle_plain: np.ndarray
    reg_angle_weighted: np.ndarray
    reg_gap: np.ndarray
    numbers: dict


def weighting_study(X: np.ndarray, y: np.ndarray, weight: float = 3.0, *, alpha: float = 0.01, step: float = 0.5,
                    iterations: int = 10000) -> WeightingStudy:
    r"""Byrd and Lipton (2019) on a 2-class problem: the samples with :math:`y_i = +1` weighted by ``weight``.

    Runs :func:`logistic_gd` with and without the weights (recording the angle to the SVM direction at about 80
    geometric iterations) and :func:`regularized_logistic` with and without them for 25 values of
    :math:`\alpha` in :math:`[10^{-4}, 10]` and at ``alpha``.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Separable through the origin.
    y : ndarray, shape (n,)
        Labels ±1.
    weight : float
        Weight of the positive class (> 0).
    alpha : float
        The regularization weight of the headline numbers (> 0).
    step : float
        Step of gradient descent.
    iterations : int
        Gradient-descent iterations.

    Returns
    -------
    WeightingStudy

    Raises
    ------
    ValueError
        Data not separable through the origin, or bad arguments.

    References
    ----------
    J. Byrd and Z. C. Lipton, What is the effect of importance weighting in deep learning?, ICML 2019. D. Soudry et
    al., JMLR 19 (2018).

    Examples
    --------
    >>> X, y = separable_data(20)
    >>> s = weighting_study(X, y, 3.0, iterations=200)
    >>> s.angle_weighted.shape == s.iterations.shape
    True
    """
    X = check_X(X)
    y = _labels(y, X.shape[0])
    weight = check_positive("weight", weight)
    alpha = check_positive("alpha", alpha)
    iterations = check_count("iterations", iterations)
    u = max_margin_direction(X, y)
    c = np.where(y > 0, weight, 1.0)
    step = check_positive("step", step)
    keep = set(np.unique(np.rint(np.geomspace(1, iterations, 80)).astype(int)).tolist())
    # logistic_gd (tol 0: every iteration up to `iterations`, or up to a blow-up) with and without the weights, both
    # runs in one vectorized loop: columns of W, weights as columns of C
    n = X.shape[0]
    C = np.stack([np.ones(n), c], axis=1)
    Z = y[:, None] * X
    W = np.zeros((X.shape[1], 2))
    its, angs, last = [[], []], [[], []], [None, None]
    alive = np.ones(2, dtype=bool)
    f0 = None
    with np.errstate(all="ignore"):
        for k in range(iterations + 1):
            m = Z @ W
            f = np.sum(C * np.logaddexp(0.0, -m), axis=0) / n
            G = -(Z.T @ (C * np.exp(-np.logaddexp(0.0, m)))) / n
            if f0 is None:
                f0 = np.maximum(1.0, np.abs(f))
            bad = None
            if not (np.isfinite(f.sum() + G.sum() + W.sum()) and np.all(np.abs(f) <= BLOWUP * f0)):
                bad = alive & (~(np.isfinite(f) & np.all(np.isfinite(G), axis=0) & np.all(np.isfinite(W), axis=0))
                               | (np.abs(f) > BLOWUP * f0))
            if k in keep or bad is not None or k == iterations:
                for j in np.flatnonzero(alive):
                    last[j] = W[:, j].copy()
                    if k in keep:
                        its[j].append(k)
                        angs[j].append(angle(W[:, j], u))
            if bad is not None:
                alive &= ~bad
                if not alive.any():
                    break
            W = W - step * G if alive.all() else np.where(alive, W - step * G, W)
    hist = {name: (np.array(its[j]), np.array(angs[j])) for j, name in enumerate(("plain", "weighted"))}
    last = {"plain": last[0], "weighted": last[1]}
    alphas = np.logspace(-4, 1, 25)
    A = np.r_[alphas, alphas, alpha, alpha]
    # 52 regularized solves at once: 25 plain, 25 weighted, then the weighted and the plain one at `alpha`
    Cs = np.vstack([np.ones((25, n)), np.tile(c, (25, 1)), c, np.ones(n)])
    R = _regularized_batch(X, y, A, Cs)
    reg_p, reg_w, rw, rp = R[:25], R[25:50], R[50], R[51]
    numbers = {"weighted GD: angle to the SVM (rad)": hist["weighted"][1][-1],
               "unweighted GD: angle to the SVM (rad)": hist["plain"][1][-1],
               "weighted GD vs unweighted GD (rad)": angle(last["plain"], last["weighted"]),
               "regularized: weighted vs unweighted (rad)": angle(rp, rw),
               "regularized weighted: angle to the SVM (rad)": angle(rw, u)}
    return WeightingStudy(u, hist["plain"][0], hist["plain"][1], hist["weighted"][1], last["plain"],
                          last["weighted"], alphas, np.array([angle(w, u) for w in reg_p]),
                          np.array([angle(w, u) for w in reg_w]),
                          np.array([angle(a, b) for a, b in zip(reg_p, reg_w)]),
                          {k: float(v) for k, v in numbers.items()})


SOLVERS = MappingProxyType({"implicit_bias.logistic_gd": logistic_gd, "implicit_bias.completion_gd": completion_gd,
                            "implicit_bias.svt": svt})
"""Read-only ``{name: generator function}`` of this module's iterative methods (for ``numdl_core.solvers``)."""
