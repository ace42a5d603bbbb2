r"""The least-squares problems of the course (Module 2), generated from a seed.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 0 (Galileo's falling body) and Module 2
(polynomial fitting, the 3x2 exercise, deblurring, one-hot regression on digits).
P. C. Hansen, *Discrete Inverse Problems*, SIAM, 2010 (the blurring test problem, Sec. 1.2 and 7.1).
"""
from __future__ import annotations

import numpy as np

from numdl_core._validate import check_nonneg, check_positive
from numdl_core.lstsq import METHODS, solve

__all__ = [
    "vandermonde",
    "polyfit_problem",
    "exercise_3x2",
    "blur_matrix",
    "deblur_problem",
    "matrix_with_condition",
    "conditioning_experiment",
    "polyfit_experiment",
    "one_hot",
    "with_bias",
    "one_hot_experiment",
    "galileo_data",
    "galileo_fit",
]


def vandermonde(t: np.ndarray, degree: int) -> np.ndarray:
    r"""Vandermonde matrix :math:`A_{ij} = t_i^{j}`, :math:`j = 0..\text{degree}`: polynomial fitting as least squares.

    Parameters
    ----------
    t : array_like, shape (m,)
        Sample points.
    degree : int
        Polynomial degree ``>= 0``.

    Returns
    -------
    A : ndarray, shape (m, degree + 1)
        Columns ``1, t, t^2, ..., t^degree``.

    Raises
    ------
    ValueError
        If ``degree < 0``.

    References
    ----------
    Ruthotto and Haber, Module 2 (polynomial fitting); Golub and Van Loan (2013), Sec. 4.6.

    Examples
    --------
    >>> vandermonde([0.0, 1.0, 2.0], 2)
    array([[1., 0., 0.],
           [1., 1., 1.],
           [1., 2., 4.]])
    """
    if int(degree) < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    return np.vander(np.asarray(t, dtype=np.float64), int(degree) + 1, increasing=True)


def polyfit_problem(n_points: int = 10, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Samples of :math:`\sin(\pi t^2)` plus Gaussian noise at ``n_points`` equispaced :math:`t \in [0, 1]`.

    :math:`y_i = \sin(\pi t_i^2) + \text{noise}\cdot\varepsilon_i`, :math:`\varepsilon_i \sim N(0, 1)`.
    Fitting polynomials of growing degree (:func:`vandermonde`) shows under- and overfitting.

    Parameters
    ----------
    n_points : int
        Number of samples (at least 2).
    noise : float
        Standard deviation of the noise (``>= 0``).
    seed : int
        Seed of the noise.

    Returns
    -------
    t : ndarray, shape (n_points,)
    y : ndarray, shape (n_points,)

    Raises
    ------
    ValueError
        If ``n_points < 2`` or ``noise`` is negative or not finite.

    References
    ----------
    Ruthotto and Haber, Module 2 (polynomial fitting).
    """
    if int(n_points) < 2:
        raise ValueError(f"n_points must be at least 2, got {n_points}")
    noise = check_nonneg("noise", noise)
    t = np.linspace(0.0, 1.0, int(n_points))
    y = np.sin(np.pi * t**2) + noise * np.random.default_rng(seed).standard_normal(t.size)
    return t, y


def exercise_3x2(a: float, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The 3x2 exercise: :math:`A = \begin{pmatrix}1 & 1+a\\ 1 & 1+2a\\ 1 & 1+3a\end{pmatrix}`,
    :math:`x_\text{true} = (1, 1.2)`, :math:`b = A x_\text{true} + \text{noise}\cdot\varepsilon`.

    cond(A) is 13.0, 250 and 2.45e5 for a = 1, 1e-2, 1e-5.

    Parameters
    ----------
    a : float
        Non-zero column spacing: the smaller ``|a|``, the more nearly equal the two columns.
    noise : float
        Standard deviation of the noise :math:`\varepsilon \sim N(0, I_3)` (``>= 0``).
    seed : int
        Seed of the noise.

    Returns
    -------
    A : ndarray, shape (3, 2)
    b : ndarray, shape (3,)
    x_true : ndarray, shape (2,)

    Raises
    ------
    ValueError
        If ``a`` is 0 or not finite, or ``noise`` is negative.

    References
    ----------
    Ruthotto and Haber, Module 2 (the 3x2 exercise: steepest descent versus CG).

    Examples
    --------
    >>> A, b, x_true = exercise_3x2(a=1e-2)
    >>> print(f"{np.linalg.cond(A):.0f}")
    250
    """
    a = float(a)
    if not np.isfinite(a) or a == 0:
        raise ValueError(f"a must be a non-zero number (a = 0 makes the columns equal), got {a}")
    noise = check_nonneg("noise", noise)
    A = np.array([[1.0, 1 + a], [1.0, 1 + 2 * a], [1.0, 1 + 3 * a]])
    x_true = np.array([1.0, 1.2])
    b = A @ x_true + noise * np.random.default_rng(seed).standard_normal(3)
    return A, b, x_true


def blur_matrix(n: int, width: float = 0.03) -> np.ndarray:
    r"""Gaussian blur on :math:`n` points of [0, 1]: :math:`A_{ij} = \frac{1}{n}\frac{1}{\sqrt{2\pi}w} e^{-(t_i - t_j)^2/(2w^2)}`.

    A discretized first-kind Fredholm integral operator: its singular values decay like a Gaussian,
    so the problem is ill-posed (Hansen 2010, Sec. 1.2). :math:`t_i = (i + 1/2)/n` are the cell midpoints.

    Parameters
    ----------
    n : int
        Number of points (at least 2).
    width : float
        Standard deviation :math:`w` of the Gaussian kernel (``> 0``).

    Returns
    -------
    A : ndarray, shape (n, n)
        Symmetric, positive entries.

    Raises
    ------
    ValueError
        If ``n < 2`` or ``width <= 0``.

    References
    ----------
    P. C. Hansen, *Discrete Inverse Problems*, SIAM, 2010, Sec. 1.2.
    """
    if int(n) < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    width = check_positive("width (of the blur)", width)
    t = (np.arange(n) + 0.5) / n
    return np.exp(-((t[:, None] - t[None, :]) ** 2) / (2 * width**2)) / (np.sqrt(2 * np.pi) * width * n)


def deblur_problem(n: int = 128, width: float = 0.03, noise: float = 1e-2, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Ill-posed 1-D deblurring: a piecewise smooth signal :math:`x_\text{true}` (a box, a hat and a bump),
    blurred by :func:`blur_matrix` and corrupted by noise with standard deviation ``noise`` times
    :math:`\|A x_\text{true}\|_\infty`: :math:`b = A x_\text{true} + \text{noise}\,\|A x_\text{true}\|_\infty\,\varepsilon`.

    Parameters
    ----------
    n : int
        Number of unknowns and data (at least 2).
    width : float
        Blur width (see :func:`blur_matrix`).
    noise : float
        Relative noise level (``>= 0``).
    seed : int
        Seed of the noise.

    Returns
    -------
    A : ndarray, shape (n, n)
    b : ndarray, shape (n,)
    x_true : ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``noise`` is negative (and see :func:`blur_matrix`).

    References
    ----------
    Hansen (2010), Sec. 1.2 and 7.1; Ruthotto and Haber, Module 2 (deblurring).
    """
    return _blurred_problem(n, width, noise, seed, lambda t: (
        1.0 * ((t > 0.1) & (t < 0.3))
        + np.maximum(0.0, 1 - np.abs(t - 0.5) / 0.1) * 0.8
        + 0.6 * np.exp(-((t - 0.8) ** 2) / (2 * 0.04**2))
    ))


def _blurred_problem(n: int, width: float, noise: float, seed: int,
                     signal) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, b, x_true)`` of :func:`deblur_problem` with ``x_true = signal(t)`` at the cell midpoints ``t``.

    The blur, the checks and the noise stream of a seed are those of :func:`deblur_problem`, whatever the signal
    (also used by :func:`numdl_core.regularization.smooth_deblur_problem`).
    """
    noise = check_nonneg("noise", noise)
    A = blur_matrix(n, width)
    t = (np.arange(n) + 0.5) / n
    x_true = signal(t)
    clean = A @ x_true
    b = clean + noise * np.abs(clean).max() * np.random.default_rng(seed).standard_normal(n)
    return A, b, x_true


def matrix_with_condition(m: int, n: int, cond: float, seed: int = 0) -> np.ndarray:
    r"""A random :math:`m \times n` matrix :math:`U \operatorname{diag}(\sigma) V^\top` with singular values
    log-spaced from 1 to ``1/cond`` (so its 2-norm condition number is ``cond``).

    ``U`` (m x n) and ``V`` (n x n) have orthonormal columns, from QR factorizations of Gaussian matrices.

    Parameters
    ----------
    m, n : int
        Shape, ``m >= n``.
    cond : float
        The condition number, ``>= 1``.
    seed : int
        Seed of ``U`` and ``V``.

    Returns
    -------
    A : ndarray, shape (m, n)

    Raises
    ------
    ValueError
        If ``m < n`` or ``cond < 1``.

    References
    ----------
    Golub and Van Loan (2013), Sec. 2.4 (the SVD) and 5.3.8 (sensitivity of least squares).
    """
    if m < n:
        raise ValueError(f"need m >= n, got {m} x {n}")
    if not np.isfinite(cond) or cond < 1:
        raise ValueError(f"cond must be >= 1, got {cond}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.logspace(0, -np.log10(cond), n)
    return (U * s) @ V.T


def conditioning_experiment(conds: np.ndarray, m: int = 40, n: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Relative error :math:`\|x - x_\text{true}\|/\|x_\text{true}\|` of the normal equations, QR and SVD
    for consistent problems :math:`A x_\text{true} = b` with prescribed cond(A).

    The normal equations lose about twice as many digits (error ~ eps cond(A)^2) as QR (~ eps cond(A)).

    Parameters
    ----------
    conds : array_like, shape (k,)
        Condition numbers (each ``>= 1``).
    m, n : int
        Shape of every ``A`` (:func:`matrix_with_condition`).
    seed : int
        Seed of the matrices and of ``x_true``.

    Returns
    -------
    dict
        ``"cond"`` (the given ``conds``) and ``"normal"``, ``"qr"``, ``"svd"``: arrays of shape (k,) of
        relative errors (``nan`` where the method refuses the matrix as numerically singular).

    References
    ----------
    Golub and Van Loan (2013), Sec. 5.3.8.
    """
    conds = np.asarray(conds, dtype=float)
    x_true = np.random.default_rng(seed + 1).standard_normal(n)
    out = {"cond": conds, "normal": np.empty(conds.size), "qr": np.empty(conds.size), "svd": np.empty(conds.size)}
    for i, c in enumerate(conds):
        A = matrix_with_condition(m, n, c, seed)
        b = A @ x_true
        for method in ("normal", "qr", "svd"):
            try:
                x = solve(A, b, method=method)
                out[method][i] = np.linalg.norm(x - x_true) / np.linalg.norm(x_true)
            except ValueError:
                out[method][i] = np.nan
    return out


def polyfit_experiment(degrees=range(13), *, n_points: int = 10, noise: float = 0.1, method: str = "qr",
                       alpha: float = 0.0, seed: int = 0, n_test: int = 400) -> dict:
    r"""Fit polynomials of each degree to :func:`polyfit_problem` data: training and test error against the degree.

    For degree d the coefficients :math:`c` minimize :math:`\|V_d(t) c - y\|^2 + \alpha \|c\|^2`
    (:func:`vandermonde`, :func:`numdl_core.lstsq.solve`). The training error is the RMS residual
    :math:`\sqrt{\tfrac1m \sum_i (p(t_i) - y_i)^2}` on the data; the test error is the RMS distance
    to :math:`\sin(\pi t^2)` on ``n_test`` equispaced points of [0, 1]. Low degrees underfit (both errors large),
    high degrees overfit (training error to round-off, test error large).

    Parameters
    ----------
    degrees : iterable of int
        Degrees to fit (each ``>= 0``).
    n_points, noise, seed
        The data (:func:`polyfit_problem`).
    method : {"normal", "qr", "svd"}
        The direct solver.
    alpha : float
        Tikhonov parameter, ``>= 0``.
    n_test : int
        Number of test points (at least 2).

    Returns
    -------
    dict
        ``"degree"`` (ndarray of int), ``"train"``, ``"test"`` (RMS errors, ``nan`` where the solver refuses
        the degree: more coefficients than points or numerically rank deficient), ``"cond"`` (cond of each
        Vandermonde matrix on the data), ``"fits"`` (``{degree: values on the test points}`` for the degrees
        fitted), ``"t"``, ``"y"`` (the data), ``"t_test"``, ``"truth"`` (:math:`\sin(\pi t^2)` there).

    Raises
    ------
    ValueError
        If ``n_test < 2``, a degree is negative, or for bad data or solver arguments (:func:`polyfit_problem`,
        :func:`numdl_core.lstsq.solve`: unknown method, ``alpha < 0``).

    References
    ----------
    Ruthotto and Haber, Module 2 (polynomial fitting); T. Hastie, R. Tibshirani and J. Friedman, *The Elements of
    Statistical Learning*, 2nd ed., Springer, 2009, Sec. 7.2 (training versus test error).

    Examples
    --------
    >>> out = polyfit_experiment([1, 3, 9], noise=0.1, seed=0)
    >>> int(out["degree"][np.nanargmin(out["test"])]), bool(out["train"][2] < 1e-8)
    (3, True)
    """
    if int(n_test) < 2:
        raise ValueError(f"n_test must be at least 2, got {n_test}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    alpha = check_nonneg("the regularization parameter alpha", alpha)
    t, y = polyfit_problem(n_points, noise, seed)
    t_test = np.linspace(0.0, 1.0, int(n_test))
    truth = np.sin(np.pi * t_test**2)
    degrees = np.array([int(d) for d in degrees], dtype=int)
    train, test, cond = (np.full(degrees.size, np.nan) for _ in range(3))
    fits = {}
    for i, d in enumerate(degrees):
        V = vandermonde(t, d)
        cond[i] = np.linalg.cond(V)
        try:
            c = solve(V, y, method, alpha)
        except ValueError:  # this degree cannot be fitted by this method: more unknowns than data
            continue
        fits[int(d)] = vandermonde(t_test, d) @ c
        train[i] = np.sqrt(np.mean((V @ c - y) ** 2))
        test[i] = np.sqrt(np.mean((fits[int(d)] - truth) ** 2))
    return {"degree": degrees, "train": train, "test": test, "cond": cond, "fits": fits, "t": t, "y": y,
            "t_test": t_test, "truth": truth}


def one_hot(y: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    r"""One-hot matrix :math:`Y` with :math:`Y_{i, y_i} = 1` and zeros elsewhere.

    Parameters
    ----------
    y : ndarray of int, shape (n,)
        Labels in ``0..C-1``.
    n_classes : int, optional
        ``C``; default ``max(y) + 1``.

    Returns
    -------
    Y : ndarray, shape (n, C)

    Raises
    ------
    ValueError
        If ``y`` is not a 1-D integer array or a label lies outside ``0..C-1``.

    References
    ----------
    Ruthotto and Haber, Module 2 (one-hot regression on digits).

    Examples
    --------
    >>> one_hot(np.array([0, 2, 1]))
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels y must be a 1-D integer array, got shape {y.shape} and dtype {y.dtype}")
    C = (int(y.max()) + 1 if y.size else 0) if n_classes is None else int(n_classes)
    if y.size and (y.min() < 0 or y.max() >= C):
        raise ValueError(f"labels must lie in 0..{C - 1} (n_classes = {C}), got values {y.min()}..{y.max()}")
    Y = np.zeros((y.size, C))
    Y[np.arange(y.size), y] = 1.0
    return Y


def with_bias(X: np.ndarray) -> np.ndarray:
    r"""``[X, 1]``: append a column of ones so a linear model gets a bias, :math:`X w + b = [X, \mathbf 1] [w; b]`.

    Parameters
    ----------
    X : ndarray, shape (n, d)

    Returns
    -------
    ndarray, shape (n, d + 1)

    References
    ----------
    Ruthotto and Haber, Module 2 (linear models with a bias).
    """
    return np.hstack([X, np.ones((X.shape[0], 1))])


def one_hot_experiment(X: np.ndarray, y: np.ndarray, n_train: int, *, alpha: float = 1.0, method: str = "qr",
                       seed: int = 0) -> dict:
    r"""One-hot regression as a classifier: fit :math:`W` on a random training split, report both accuracies.

    With :math:`\hat X = [X, \mathbf 1]` (:func:`with_bias`) and one-hot targets :math:`Y` (:func:`one_hot`),
    :math:`W = \arg\min \|\hat X W - Y\|_F^2 + \alpha \|W\|_F^2` (one least-squares problem per class, the bias
    row regularized too); an image :math:`x` is assigned the class :math:`\arg\max_c (\hat x^\top W)_c`.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray of int, shape (n,)
        Labels in ``0..C-1``.
    n_train : int
        Training samples, ``1 <= n_train < n``; the rest is the test set. The split is a permutation drawn
        with ``seed``.
    alpha : float
        Tikhonov parameter, ``>= 0``.
    method : {"normal", "qr", "svd"}
        The direct solver (:func:`numdl_core.lstsq.solve`).
    seed : int
        Seed of the split.

    Returns
    -------
    dict
        ``"W"`` (ndarray, shape (d + 1, C); the last row is the bias), ``"train_accuracy"``,
        ``"test_accuracy"`` (fractions in [0, 1]), ``"n_test"``.

    Raises
    ------
    ValueError
        If ``n_train`` is out of range, the shapes do not match, or the solver cannot solve the problem
        (e.g. the normal equations with ``alpha`` too small: the message says what to change).

    References
    ----------
    Ruthotto and Haber, Module 2 (one-hot regression on digits); C. M. Bishop, *Pattern Recognition and Machine
    Learning*, Springer, 2006, Sec. 4.1.3 (least squares for classification).

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [0.9], [1.0], [0.2], [0.8]])
    >>> out = one_hot_experiment(X, np.array([0, 0, 1, 1, 0, 1]), 4, alpha=1e-3, seed=0)
    >>> out["W"].shape, out["train_accuracy"], out["test_accuracy"]
    ((2, 2), 1.0, 1.0)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (n, d) and y shape (n,), got {X.shape} and {y.shape}")
    if not 1 <= int(n_train) < y.size:
        raise ValueError(f"n_train must be between 1 and {y.size - 1} (n - 1: keep a test set), got {n_train}")
    perm = np.random.default_rng(seed).permutation(y.size)
    tr, te = perm[: int(n_train)], perm[int(n_train):]
    Xb = with_bias(X)
    W = solve(Xb[tr], one_hot(y[tr], int(y.max()) + 1), method, alpha)
    predict = np.argmax(Xb @ W, axis=1)
    return {"W": W, "train_accuracy": float(np.mean(predict[tr] == y[tr])),
            "test_accuracy": float(np.mean(predict[te] == y[te])), "n_test": int(te.size)}


def galileo_data() -> tuple[np.ndarray, np.ndarray]:
    r"""The course's falling-body observations: times :math:`t = 0, 1, 2, 3` and distances
    :math:`x = 0, 4.9, 20.1, 44.1`, to be fitted by Galileo's law :math:`x(t) = \tfrac12 g t^2`.

    Returns
    -------
    t : ndarray, shape (4,)
        Times (s).
    x : ndarray, shape (4,)
        Distances fallen (m).

    References
    ----------
    Ruthotto and Haber, Module 0 (00-NumDNN-Introduction.tex, "Learning from data": derive the model from theory,
    calibrate it on data).

    Examples
    --------
    >>> galileo_data()[1]
    array([ 0. ,  4.9, 20.1, 44.1])
    """
    return np.arange(4.0), np.array([0.0, 4.9, 20.1, 44.1])


def galileo_fit(t=None, x=None) -> dict:
    r"""Least-squares fit of :math:`x = \tfrac12 g t^2` (one unknown g) and of a full quadratic :math:`a + bt + ct^2`.

    With the single column :math:`A = \tfrac12 t^2` the normal equation :math:`A^\top A\, g = A^\top x` reads

    .. math:: \tfrac14 \Big(\sum_i t_i^4\Big) g = \tfrac12 \sum_i t_i^2 x_i
              \quad\Longrightarrow\quad g = \frac{2 \sum_i t_i^2 x_i}{\sum_i t_i^4},

    9.8408 m/s² on :func:`galileo_data` (2·482.2/98). The quadratic (Vandermonde columns 1, t, t², QR) has three
    unknowns for four points: it fits the data more closely (it can absorb the measurement errors) but its
    :math:`g = 2c` is 9.55, further from 9.81 than the one-parameter law.

    Parameters
    ----------
    t, x : array_like, shape (m,), optional
        Times and distances; :func:`galileo_data` by default. At least one :math:`t_i \ne 0`; the quadratic needs
        three distinct times (else its entries are nan).

    Returns
    -------
    dict
        ``"t"``, ``"x"``, ``"sum_t4"`` (:math:`\sum t^4`), ``"sum_t2x"`` (:math:`\sum t^2 x`), ``"g"``,
        ``"residuals"`` (:math:`x - \tfrac12 g t^2`), ``"residual_norm"``, ``"quadratic"`` (coefficients
        ``(a, b, c)``), ``"g_quadratic"`` (:math:`2c`), ``"quadratic_residuals"``, ``"quadratic_residual_norm"``.

    Raises
    ------
    ValueError
        If ``t`` and ``x`` differ in shape, are not finite, or every :math:`t_i = 0`.

    References
    ----------
    Ruthotto and Haber, Module 0 (Galileo's law of motion) and Module 2 (least squares and its normal equations);
    Golub and Van Loan (2013), Sec. 5.3.

    Examples
    --------
    >>> out = galileo_fit()
    >>> print(f"{out['g']:.4f} {out['g_quadratic']:.2f}")
    9.8408 9.55
    """
    t0, x0 = galileo_data()
    t = t0 if t is None else np.asarray(t, dtype=np.float64).ravel()
    x = x0 if x is None else np.asarray(x, dtype=np.float64).ravel()
    if t.shape != x.shape or not (np.all(np.isfinite(t)) and np.all(np.isfinite(x))):
        raise ValueError(f"t and x must be finite vectors of equal length, got shapes {t.shape} and {x.shape}")
    sum_t4, sum_t2x = float(np.sum(t**4)), float(np.sum(t**2 * x))
    if sum_t4 == 0:
        raise ValueError("at least one time t_i must be non-zero: at t = 0 the law x = g t^2 / 2 says nothing about g")
    g = 2.0 * sum_t2x / sum_t4
    residuals = x - 0.5 * g * t**2
    if np.unique(t).size >= 3:
        V = vandermonde(t, 2)
        coef = solve(V, x, "qr")
        quad_res = x - V @ coef
    else:
        coef, quad_res = np.full(3, np.nan), np.full(t.size, np.nan)
    return {"t": t, "x": x, "sum_t4": sum_t4, "sum_t2x": sum_t2x, "g": g, "residuals": residuals,
            "residual_norm": float(np.linalg.norm(residuals)), "quadratic": coef, "g_quadratic": float(2 * coef[2]),
            "quadratic_residuals": quad_res, "quadratic_residual_norm": float(np.linalg.norm(quad_res))}
