r"""Choosing a regularization by validation: train / validation / test splits, k-fold cross-validation and the
bias–variance trade-off of Tikhonov-regularized least squares.

The estimator is :math:`x_\alpha = \arg\min_x \|A x - b\|^2 + \alpha \|x\|^2 = (A^\top A + \alpha I)^{-1} A^\top b`
(α is the course's λ). A hyper-parameter (α, the polynomial degree, the CGLS iteration count) is chosen on data
not used to fit :math:`x`: the validation set, or each fold of a k-fold cross-validation in turn; the test set is
used once, to report the error of the choice (02-NumDNN-LinearLeastSquares.tex, "Cross Validation").

For data :math:`b = f + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2 I)`, and predictions
:math:`\hat f = H_\alpha b` at test points (:math:`H_\alpha = A_\text{test} (A^\top A + \alpha I)^{-1} A^\top`), the
expected squared error at a test point with a fresh noisy observation splits as
:math:`\text{bias}^2 + \text{variance} + \sigma^2` (:func:`bias_variance`).

References
----------
T. Hastie, R. Tibshirani and J. Friedman, *The Elements of Statistical Learning*, 2nd ed., Springer, 2009,
Sec. 7.2-7.3 (bias–variance decomposition), 7.10 (cross-validation).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 2 (the bias–variance decomposition and
cross-validation slides).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from numdl_core._validate import check_nonneg
from numdl_core.testproblems import one_hot, polyfit_problem, vandermonde, with_bias

__all__ = ["ALPHAS", "train_val_test_split", "kfold_splits", "tikhonov_path", "kfold_cv", "bias_variance",
           "BiasVariance", "polyfit_bias_variance", "polyfit_validation", "PolyfitValidation", "cgls_path",
           "digits_validation", "DigitsValidation"]

# the α grid of the validation section: 10^-6 .. 10^2, two per decade. Below about 10^-6 (the squared small singular
# values of the monomial Vandermonde matrices) α damps directions the polynomial needs and the errors are not
# monotone in α: that is a property of the monomial basis, not of validation, so the grid starts above it.
ALPHAS = np.logspace(-6, 2, 17)


def train_val_test_split(n: int, fractions=(0.6, 0.2, 0.2), seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Random disjoint index sets for training, validation and testing.

    A permutation of :math:`0..n-1` drawn with ``seed`` is cut into three blocks of sizes
    :math:`n_\text{val} = \operatorname{round}(f_\text{val} n)`, :math:`n_\text{test} = \operatorname{round}(f_\text{test} n)`
    (each at least 1) and :math:`n_\text{train} = n - n_\text{val} - n_\text{test}`.

    Parameters
    ----------
    n : int
        Number of examples, at least 3.
    fractions : (float, float, float)
        Fractions of training, validation and test examples (the first is implied; they should sum to 1).
    seed : int
        Seed of the permutation.

    Returns
    -------
    train, val, test : ndarray of int
        Sorted, disjoint, together :math:`0..n-1`.

    Raises
    ------
    ValueError
        If ``n < 3``, a fraction is negative, or no training example is left.

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 7.2; Ruthotto and Haber, Module 2 ("Cross Validation - 3").

    Examples
    --------
    >>> [len(s) for s in train_val_test_split(10, (0.6, 0.2, 0.2))]
    [6, 2, 2]
    """
    n = int(n)
    if n < 3:
        raise ValueError(f"a three-way split needs at least 3 examples, got {n}")
    f = [check_nonneg("a split fraction", v) for v in fractions]
    if len(f) != 3:
        raise ValueError(f"fractions must be three numbers (train, validation, test), got {fractions!r}")
    n_val, n_test = (max(1, int(round(v * n))) for v in f[1:])
    if n - n_val - n_test < 1:
        raise ValueError(f"the split leaves no training example ({n} = {n_val} validation + {n_test} test)")
    perm = np.random.default_rng(seed).permutation(n)
    return (np.sort(perm[n_val + n_test:]), np.sort(perm[:n_val]), np.sort(perm[n_val:n_val + n_test]))


def kfold_splits(n: int, k: int = 5, *, seed: int | None = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""The k folds of k-fold cross-validation: ``k`` pairs (training indices, held-out indices).

    The examples (shuffled with ``seed``, in order with ``seed=None``) are cut into ``k`` consecutive blocks; the
    first :math:`n \bmod k` have :math:`\lfloor n/k \rfloor + 1` examples, the others :math:`\lfloor n/k \rfloor`
    (the sizes of scikit-learn's ``KFold``). Fold j holds out block j and trains on the others.

    Parameters
    ----------
    n : int
        Number of examples.
    k : int
        Number of folds, ``2 <= k <= n``.
    seed : int or None
        Seed of the shuffle, or None for no shuffle.

    Returns
    -------
    list of (ndarray, ndarray)
        ``(train, held_out)`` index arrays (sorted) per fold.

    Raises
    ------
    ValueError
        If ``k`` is not between 2 and ``n``.

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 7.10.1.

    Examples
    --------
    >>> [held.tolist() for _, held in kfold_splits(5, 2, seed=None)]
    [[0, 1, 2], [3, 4]]
    """
    n, k = int(n), int(k)
    if not 2 <= k <= n:
        raise ValueError(f"k-fold cross-validation needs 2 <= k <= n = {n} folds, got k = {k}")
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    edges = np.concatenate([[0], np.cumsum(sizes)])
    folds = []
    for j in range(k):
        held = order[edges[j]:edges[j + 1]]
        folds.append((np.sort(np.setdiff1d(order, held)), np.sort(held)))
    return folds


def tikhonov_path(A, b, alphas) -> np.ndarray:
    r"""Tikhonov solutions :math:`x_\alpha = V \operatorname{diag}\big(\tfrac{\sigma_i}{\sigma_i^2 + \alpha}\big) U^\top b`
    for many α from one SVD :math:`A = U \Sigma V^\top`.

    At :math:`\alpha = 0` singular values below :math:`\max(m, n)\,\varepsilon\,\sigma_1` are dropped (the
    minimum-norm least-squares solution). Cost: one thin SVD (:math:`O(mn^2)`), then :math:`O(n^2)` per α and
    right-hand side.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,) or (m, c)
        One or ``c`` right-hand sides.
    alphas : array_like, shape (p,)
        Regularization weights, each ``>= 0``.

    Returns
    -------
    ndarray, shape (p, n) or (p, n, c)

    Raises
    ------
    ValueError
        If the shapes do not match or an α is negative.

    References
    ----------
    Hansen (2010), *Discrete Inverse Problems*, Sec. 4.2 (filter factors); Golub and Van Loan (2013), Sec. 6.1.

    Examples
    --------
    >>> tikhonov_path(np.eye(2), np.array([1.0, 2.0]), [0.0, 1.0])
    array([[1. , 2. ],
           [0.5, 1. ]])
    """
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if A.ndim != 2 or b.shape[:1] != (A.shape[0],) or b.ndim > 2:
        raise ValueError(f"A must be (m, n) and b (m,) or (m, c), got {A.shape} and {b.shape}")
    if np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
        raise ValueError("the regularization weights alpha must be finite and >= 0")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    drop = s <= max(A.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        F = s[None, :] / (s[None, :] ** 2 + alphas[:, None])  # (p, r)
    F[(alphas[:, None] == 0) & drop[None, :]] = 0.0
    beta = U.T @ b
    if b.ndim == 1:
        return (F * beta[None, :]) @ Vt
    return np.matmul(Vt.T[None], F[:, :, None] * beta[None])  # (p, n, c): V diag(f_p) Uᵀ B


def kfold_cv(A, b, alphas, *, k: int = 5, seed: int | None = 0) -> np.ndarray:
    r"""k-fold cross-validation errors of Tikhonov least squares: the mean squared error on each held-out fold.

    For fold j (:func:`kfold_splits`) and each α, :math:`x_\alpha^{(j)}` is fitted on the other folds
    (:func:`tikhonov_path`) and scored by :math:`\frac{1}{|F_j|} \sum_{i \in F_j} (a_i^\top x_\alpha^{(j)} - b_i)^2`.
    The cross-validation estimate of the prediction error is the mean over the folds.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,)
    alphas : array_like, shape (p,)
    k : int
        Number of folds.
    seed : int or None
        Seed of the shuffle of :func:`kfold_splits`.

    Returns
    -------
    ndarray, shape (k, p)
        Held-out mean squared error per fold and α.

    Raises
    ------
    ValueError
        From :func:`kfold_splits` and :func:`tikhonov_path`.

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 7.10.1, Eq. (7.48).

    Examples
    --------
    >>> A = np.vander(np.linspace(0, 1, 8), 2)
    >>> bool(kfold_cv(A, A @ np.array([1.0, 2.0]), [0.0], k=4).max() < 1e-25)
    True
    """
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = []
    for train, held in kfold_splits(A.shape[0], k, seed=seed):
        X = tikhonov_path(A[train], b[train], alphas)  # (p, n)
        out.append(np.mean((A[held] @ X.T - b[held, None]) ** 2, axis=0))
    return np.array(out)


@dataclass(frozen=True)
class BiasVariance:
    r"""Bias², variance and noise of a family of linear estimators, in closed form and by Monte Carlo.

    Made by :func:`bias_variance` and :func:`polyfit_bias_variance`. All quantities are averages over the test
    points; ``total = bias2 + variance`` is the expected squared error to the true function,
    ``total + noise2`` that to a fresh noisy observation.

    Attributes
    ----------
    grid : ndarray, shape (p,)
        The α values (or degrees) of the family.
    bias2, variance : ndarray, shape (p,)
        Closed forms :math:`\overline{(H f - f_\text{test})^2}` and :math:`\sigma^2 \|H\|_F^2 / n_\text{test}`.
    mc_bias2, mc_variance, mc_test_mse : ndarray, shape (p,)
        The same from ``n_realizations`` noise draws, and the mean squared error to fresh noisy test observations.
    noise2 : float
        :math:`\sigma^2`.
    n_realizations : int
    """

    grid: np.ndarray
    bias2: np.ndarray
    variance: np.ndarray
    mc_bias2: np.ndarray
    mc_variance: np.ndarray
    mc_test_mse: np.ndarray
    noise2: float
    n_realizations: int

    @property
    def total(self) -> np.ndarray:
        r"""Bias² + variance (closed form): the expected squared error to the true function."""
        return self.bias2 + self.variance

    @property
    def mc_total(self) -> np.ndarray:
        r"""Bias² + variance from the Monte Carlo draws."""
        return self.mc_bias2 + self.mc_variance

    @property
    def best(self) -> int:
        r"""Index of the smallest Monte Carlo bias² + variance: the bottom of the U."""
        return int(np.nanargmin(self.mc_total))


def _smoother(A: np.ndarray, A_test: np.ndarray, alpha: float) -> np.ndarray:
    """H = A_test (AᵀA + αI)⁻¹ Aᵀ from the SVD of A (minimum norm at α = 0)."""
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    drop = s <= max(A.shape) * np.finfo(float).eps * s[0]
    d = np.where(drop & (alpha == 0), 0.0, s / np.where(drop & (alpha == 0), 1.0, s**2 + alpha))
    return (A_test @ Vt.T) * d[None, :] @ U.T


def bias_variance(models, f, f_test, noise: float, *, n_realizations: int = 500, seed: int = 0,
                  grid=None) -> BiasVariance:
    r"""Bias² and variance of Tikhonov least squares, closed form and Monte Carlo over noise realizations.

    Each model is ``(A, A_test, alpha)``: fit :math:`x_\alpha = (A^\top A + \alpha I)^{-1} A^\top b` to
    :math:`b = f + \varepsilon` and predict :math:`\hat f = A_\text{test} x_\alpha = H b`. With
    :math:`\varepsilon \sim N(0, \sigma^2 I)`, averaged over the :math:`n_t` test points,

    .. math::
        \mathbb E\,\overline{(\hat f - y_\text{new})^2} = \underbrace{\overline{(H f - f_\text{test})^2}}_{\text{bias}^2}
        + \underbrace{\sigma^2 \|H\|_F^2 / n_t}_{\text{variance}} + \sigma^2,

    :math:`y_\text{new} = f_\text{test} + \varepsilon'` a fresh observation. The Monte Carlo estimates use the
    same ``n_realizations`` noise draws for every model (common random numbers: smooth curves), all at once
    (one matrix product per model).

    Parameters
    ----------
    models : sequence of (ndarray (m, n), ndarray (n_t, n), float)
        The design at the data, the design at the test points and α of each model.
    f : ndarray, shape (m,)
        True values at the data points.
    f_test : ndarray, shape (n_t,)
        True values at the test points.
    noise : float
        :math:`\sigma \ge 0`.
    n_realizations : int
        Number of noise draws, at least 2.
    seed : int
        Seed of the draws.
    grid : array_like, optional
        Labels of the models (α or degree); ``0..p-1`` by default.

    Returns
    -------
    BiasVariance

    Raises
    ------
    ValueError
        If ``noise < 0``, ``n_realizations < 2`` or the shapes do not match.

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 7.3, Eq. (7.9); Ruthotto and Haber, Module 2 ("The
    Bias-Variance Decomposition").

    Examples
    --------
    >>> A = np.ones((4, 1)); out = bias_variance([(A, A[:1], 0.0)], np.ones(4), np.ones(1), 1.0)
    >>> round(float(out.bias2[0]), 12), float(out.variance[0])     # the mean of 4 draws: variance 1/4
    (0.0, 0.25)
    """
    sigma = check_nonneg("noise", noise)
    R = int(n_realizations)
    if R < 2:
        raise ValueError(f"n_realizations must be at least 2, got {n_realizations}")
    f, f_test = np.asarray(f, dtype=np.float64), np.asarray(f_test, dtype=np.float64)
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((f.size, R))
    E_new = rng.standard_normal((f_test.size, R))
    out = {k: [] for k in ("bias2", "variance", "mc_bias2", "mc_variance", "mc_test_mse")}
    for A, A_test, alpha in models:
        A, A_test = np.asarray(A, dtype=np.float64), np.asarray(A_test, dtype=np.float64)
        if A.shape[0] != f.size or A_test.shape != (f_test.size, A.shape[1]):
            raise ValueError(f"shapes do not match: A {A.shape}, A_test {A_test.shape}, f {f.shape}, "
                             f"f_test {f_test.shape}")
        H = _smoother(A, A_test, float(check_nonneg("alpha", alpha)))
        mean = H @ f
        P = mean[:, None] + sigma * (H @ E)  # (n_t, R) predictions
        out["bias2"].append(np.mean((mean - f_test) ** 2))
        out["variance"].append(sigma**2 * np.sum(H**2) / f_test.size)
        out["mc_bias2"].append(np.mean((P.mean(axis=1) - f_test) ** 2))
        out["mc_variance"].append(np.mean(P.var(axis=1)))
        out["mc_test_mse"].append(np.mean((P - f_test[:, None] - sigma * E_new) ** 2))
    grid = np.arange(len(out["bias2"])) if grid is None else np.asarray(grid)
    return BiasVariance(grid=grid, **{k: np.array(v) for k, v in out.items()}, noise2=sigma**2, n_realizations=R)


def polyfit_bias_variance(*, sweep: str = "degree", degree: int = 9, alpha: float = 0.0, degrees=range(10),
                          alphas=ALPHAS, n_points: int = 10, noise: float = 0.1, n_realizations: int = 500,
                          seed: int = 0, n_test: int = 200) -> BiasVariance:
    r"""Bias² and variance of polynomial fits to :math:`\sin(\pi t^2)` (:func:`bias_variance`) against the degree
    or against α.

    The design is the one of :func:`numdl_core.testproblems.polyfit_problem` (``n_points`` equispaced
    :math:`t_i \in [0, 1]`), the coefficients minimize :math:`\|V_d(t) c - y\|^2 + \alpha \|c\|^2` and the test
    points are ``n_test`` equispaced points of [0, 1]. Low degree or large α: large bias; high degree and small α:
    large variance; their sum is U-shaped.

    Parameters
    ----------
    sweep : {"degree", "alpha"}
        What varies: the degree (over ``degrees``, at ``alpha``) or α (over ``alphas``, at ``degree``).
    degree, alpha : int, float
        The fixed degree (``sweep="alpha"``) or α (``sweep="degree"``).
    degrees, alphas : iterables
        The grid.
    n_points, noise : int, float
        The data design and :math:`\sigma`.
    n_realizations, seed, n_test
        Monte Carlo draws and their seed; test points.

    Returns
    -------
    BiasVariance
        ``grid`` holds the degrees or the α values.

    Raises
    ------
    ValueError
        If ``sweep`` is unknown, or from :func:`bias_variance`.

    References
    ----------
    Hastie, Tibshirani and Friedman (2009), Sec. 7.3; Ruthotto and Haber, Module 2.

    Examples
    --------
    >>> out = polyfit_bias_variance(degrees=range(6), n_realizations=200)
    >>> bool(out.bias2[0] > out.bias2[5]) and bool(out.variance[0] < out.variance[5])
    True
    """
    if sweep not in ("degree", "alpha"):
        raise ValueError(f"sweep must be 'degree' or 'alpha', got {sweep!r}")
    t, _ = polyfit_problem(n_points, 0.0, seed)
    t_test = np.linspace(0.0, 1.0, int(n_test))
    grid = np.array(list(degrees), dtype=int) if sweep == "degree" else np.asarray(alphas, dtype=float)
    pairs = [(int(d), alpha) for d in grid] if sweep == "degree" else [(int(degree), float(a)) for a in grid]
    models = [(vandermonde(t, d), vandermonde(t_test, d), a) for d, a in pairs]
    return bias_variance(models, np.sin(np.pi * t**2), np.sin(np.pi * t_test**2), noise,
                         n_realizations=n_realizations, seed=seed, grid=grid)


@dataclass(frozen=True)
class PolyfitValidation:
    r"""A hyper-parameter of the polynomial fit chosen by a validation set and by k-fold cross-validation.

    Made by :func:`polyfit_validation`. Errors are root-mean-square errors to the noisy data of each set.

    Attributes
    ----------
    choose : str
        ``"alpha"`` or ``"degree"``.
    grid : ndarray, shape (p,)
        The candidate α values or degrees.
    t, y : ndarray, shape (n,)
        The data; ``train``, ``val``, ``test`` index them (:func:`train_val_test_split`).
    train_rms, val_rms, test_rms : ndarray, shape (p,)
        Errors of the fit on the training set, per candidate (``test_rms`` only for the picture: it must not choose).
    cv_rms : ndarray, shape (p,)
        :math:`\sqrt{\text{mean over folds of the held-out MSE}}` on training + validation data (:func:`kfold_cv`).
    chosen_val, chosen_cv : int
        Indices of the smallest validation and cross-validation errors.
    test_at_val, test_at_cv : float
        Test RMS of the fit on the training set at the validation choice, and of the refit on training +
        validation data at the cross-validation choice.
    k : int
        Number of folds.
    coefficients : dict
        ``{"val": c, "cv": c}``: the polynomial coefficients at each choice (``"cv"`` refitted on training +
        validation data).
    """

    choose: str
    grid: np.ndarray
    t: np.ndarray
    y: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    train_rms: np.ndarray
    val_rms: np.ndarray
    test_rms: np.ndarray
    cv_rms: np.ndarray
    chosen_val: int
    chosen_cv: int
    test_at_val: float
    test_at_cv: float
    k: int
    coefficients: dict = field(default_factory=dict)

    def summary(self) -> dict:
        r"""The headline numbers: both choices and the test RMS at each.

        Returns
        -------
        dict
            ``{"validation: chosen <α|degree>", "validation: test RMS at the choice", "k-fold CV: chosen ...",
            "k-fold CV: test RMS at the choice"}`` to floats.
        """
        what = "α" if self.choose == "alpha" else "degree"
        return {f"validation: chosen {what}": float(self.grid[self.chosen_val]),
                "validation: test RMS at the choice": self.test_at_val,
                f"k-fold CV: chosen {what}": float(self.grid[self.chosen_cv]),
                "k-fold CV: test RMS at the choice": self.test_at_cv}


def polyfit_validation(*, choose: str = "alpha", degree: int = 12, alpha: float = 0.0, degrees=range(13),
                       alphas=ALPHAS, n_points: int = 40, noise: float = 0.1, k: int = 5,
                       fractions=(0.5, 0.25, 0.25), seed: int = 0) -> PolyfitValidation:
    r"""Choose α (at a fixed degree) or the degree (at a fixed α) of a polynomial fit by validation and by k-fold
    cross-validation, and report the test error at each choice.

    The data are :func:`numdl_core.testproblems.polyfit_problem` (:math:`y = \sin(\pi t^2) + \varepsilon` at
    ``n_points`` equispaced t), split by :func:`train_val_test_split`. For each candidate the coefficients minimize
    :math:`\|V(t_\text{train}) c - y_\text{train}\|^2 + \alpha \|c\|^2` (:func:`tikhonov_path`);

    .. math:: \alpha^*_\text{val} = \arg\min_\alpha \|V_\text{val}\, c(\alpha) - y_\text{val}\|^2, \qquad
              \alpha^*_\text{CV} = \arg\min_\alpha \frac1k \sum_j \text{MSE}_j(\alpha)

    with the folds of :func:`kfold_cv` on the training and validation data together. The test set is used only
    to report the error of each choice.

    Parameters
    ----------
    choose : {"alpha", "degree"}
    degree, alpha : int, float
        The fixed degree (choosing α) or α (choosing the degree).
    degrees, alphas : iterables
        The candidates.
    n_points, noise, seed
        The data (:func:`numdl_core.testproblems.polyfit_problem`); ``seed`` also draws the split and the folds.
    k : int
        Number of folds.
    fractions : (float, float, float)
        Training, validation and test fractions.

    Returns
    -------
    PolyfitValidation

    Raises
    ------
    ValueError
        If ``choose`` is unknown, or from the split, the folds or the solver.

    References
    ----------
    Ruthotto and Haber, Module 2 ("Cross Validation" 1-3); Hastie, Tibshirani and Friedman (2009), Sec. 7.10.

    Examples
    --------
    >>> out = polyfit_validation(choose="degree", degrees=range(8), n_points=30)
    >>> int(out.grid[out.chosen_val]) in range(2, 8)
    True
    """
    if choose not in ("alpha", "degree"):
        raise ValueError(f"choose must be 'alpha' or 'degree', got {choose!r}")
    t, y = polyfit_problem(n_points, noise, seed)
    train, val, test = train_val_test_split(t.size, fractions, seed)
    known = np.sort(np.concatenate([train, val]))
    grid = np.asarray(alphas, dtype=float) if choose == "alpha" else np.array(list(degrees), dtype=int)
    # one (degree, [alphas]) design per block of candidates
    blocks = [(int(degree), grid)] if choose == "alpha" else [(int(d), np.array([alpha], dtype=float)) for d in grid]
    rms = {s: [] for s in ("train", "val", "test", "cv")}
    coefficients, refits = [], []
    for d, al in blocks:
        V = vandermonde(t, d)
        C = tikhonov_path(V[train], y[train], al)  # (p, d+1)
        coefficients.extend(C)
        for name, idx in (("train", train), ("val", val), ("test", test)):
            rms[name].extend(np.sqrt(np.mean((V[idx] @ C.T - y[idx, None]) ** 2, axis=0)))
        rms["cv"].extend(np.sqrt(np.mean(kfold_cv(V[known], y[known], al, k=k, seed=seed), axis=0)))
        refits.extend(tikhonov_path(V[known], y[known], al))
    rms = {key: np.array(v) for key, v in rms.items()}
    chosen_val, chosen_cv = int(np.argmin(rms["val"])), int(np.argmin(rms["cv"]))
    d_cv = int(degree) if choose == "alpha" else int(grid[chosen_cv])
    V_test = vandermonde(t[test], d_cv)
    test_at_cv = float(np.sqrt(np.mean((V_test @ refits[chosen_cv] - y[test]) ** 2)))
    return PolyfitValidation(choose=choose, grid=grid, t=t, y=y, train=train, val=val, test=test,
                             train_rms=rms["train"], val_rms=rms["val"], test_rms=rms["test"], cv_rms=rms["cv"],
                             chosen_val=chosen_val, chosen_cv=chosen_cv, test_at_val=float(rms["test"][chosen_val]),
                             test_at_cv=test_at_cv, k=int(k),
                             coefficients={"val": coefficients[chosen_val], "cv": refits[chosen_cv]})


def cgls_path(A, B, iterations: int) -> np.ndarray:
    r"""CGLS iterates :math:`X_0 = 0, X_1, \dots, X_K` for each column of :math:`B`: the recurrences of
    :func:`numdl_core.lstsq.cgls`, run on all columns at once.

    Column j of :math:`X_k` is the k-th CGLS iterate for :math:`\min \|A x - b_j\|^2`: it minimizes the residual
    over the Krylov space :math:`\mathcal K_k(A^\top A, A^\top b_j)`. The iteration count acts as a regularization
    parameter; a column that converges early keeps its last iterate.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    B : ndarray, shape (m, c)
    iterations : int
        :math:`K \ge 0`.

    Returns
    -------
    ndarray, shape (K + 1, n, c)

    Raises
    ------
    ValueError
        If ``iterations < 0`` or ``A``, ``B`` are not finite matrices with the same number of rows.

    References
    ----------
    Björck (1996), Algorithm 7.4.1; Hansen (2010), Sec. 6.3 (iterative regularization).

    Examples
    --------
    >>> X = cgls_path(np.eye(3), np.eye(3)[:, :1], 2)
    >>> X[:, 0, 0].tolist()
    [0.0, 1.0, 1.0]
    """
    K = int(iterations)
    if K < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or B.shape[0] != A.shape[0] or not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError(f"A must be a finite (m, n) matrix and B a finite (m, c) matrix, got {A.shape} and {B.shape}")
    out = np.zeros((K + 1, A.shape[1], B.shape[1]))
    # the recurrences of numdl_core.lstsq.cgls, all columns at once (one product with A and one with Aᵀ per step)
    X, R = np.zeros_like(out[0]), B.copy()
    S = A.T @ R
    P, gamma = S.copy(), np.sum(S * S, axis=0)
    for k in range(1, K + 1):
        Q = A @ P
        delta = np.sum(Q * Q, axis=0)
        live = np.isfinite(delta) & (delta > 0)  # a column whose direction vanished has converged: keep it
        a = np.where(live, gamma / np.where(live, delta, 1.0), 0.0)
        X = X + a * P
        R = R - a * Q
        S = A.T @ R
        gamma_new = np.sum(S * S, axis=0)
        P = S + np.where(gamma > 0, gamma_new / np.where(gamma > 0, gamma, 1.0), 0.0) * P
        gamma = gamma_new
        out[k] = X
    return out


@dataclass(frozen=True)
class DigitsValidation:
    r"""α (or the CGLS iteration count) of one-hot regression on the digits chosen by validation accuracy.

    Made by :func:`digits_validation`.

    Attributes
    ----------
    choose : str
        ``"alpha"`` or ``"iterations"``.
    grid : ndarray, shape (p,)
        The candidate α values or iteration counts.
    train_accuracy, val_accuracy, test_accuracy : ndarray, shape (p,)
        Fractions correct on each set per candidate (the test accuracy only for the picture).
    chosen : int
        Index of the highest validation accuracy (the first, the most regularized for α, if tied).
    sizes : (int, int, int)
        Training, validation and test set sizes.
    """

    choose: str
    grid: np.ndarray
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    test_accuracy: np.ndarray
    chosen: int
    sizes: tuple

    def summary(self) -> dict:
        r"""The choice, its validation accuracy and the test accuracy there.

        Returns
        -------
        dict
            ``{"digits: chosen <α|iterations>", "digits: validation accuracy", "digits: test accuracy at the
            choice"}`` to floats.
        """
        what = "α" if self.choose == "alpha" else "CGLS iterations"
        return {f"digits: chosen {what}": float(self.grid[self.chosen]),
                "digits: validation accuracy": float(self.val_accuracy[self.chosen]),
                "digits: test accuracy at the choice": float(self.test_accuracy[self.chosen])}


def digits_validation(X, y, *, choose: str = "alpha", alphas=ALPHAS, iterations: int = 60, n_train: int = 500,
                      fractions=(0.6, 0.2, 0.2), seed: int = 0) -> DigitsValidation:
    r"""Choose the Tikhonov weight α, or the number of CGLS iterations, of one-hot regression by validation accuracy.

    The examples are split by :func:`train_val_test_split`; at most ``n_train`` of the training examples are used
    (fewer examples: more need for regularization). The weights are
    :math:`W_\alpha = \arg\min \|[X, 1] W - Y\|_F^2 + \alpha \|W\|_F^2` (:func:`tikhonov_path`), or the k-th CGLS
    iterate from 0 (:func:`cgls_path`); an image is classified by the largest entry of :math:`[x^\top, 1] W`.
    The candidate with the highest validation accuracy is chosen; ties go to the largest α or the fewest
    iterations.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray of int, shape (n,)
    choose : {"alpha", "iterations"}
    alphas : array_like
        Candidate α values (``choose="alpha"``), ascending.
    iterations : int
        Largest CGLS iteration count (``choose="iterations"``: candidates ``1..iterations``).
    n_train : int
        Largest number of training examples used.
    fractions : (float, float, float)
    seed : int
        Seed of the split.

    Returns
    -------
    DigitsValidation

    Raises
    ------
    ValueError
        If ``choose`` is unknown, or from the split and the solvers.

    References
    ----------
    Ruthotto and Haber, Module 2 ("Cross Validation": λ or the number of iterations); Bishop (2006), Sec. 4.1.3.

    Examples
    --------
    >>> rng = np.random.default_rng(0); X = rng.standard_normal((60, 3)); y = (X[:, 0] > 0).astype(int)
    >>> out = digits_validation(X, y, alphas=[1e-3, 1e3])
    >>> bool(out.val_accuracy[0] > 0.8), out.sizes
    (True, (36, 12, 12))
    """
    if choose not in ("alpha", "iterations"):
        raise ValueError(f"choose must be 'alpha' or 'iterations', got {choose!r}")
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    train, val, test = train_val_test_split(y.size, fractions, seed)
    train = train[: max(1, int(n_train))]
    Xb, Y = with_bias(X), one_hot(y, int(y.max()) + 1)
    if choose == "alpha":
        grid = np.asarray(alphas, dtype=float)
        W = tikhonov_path(Xb[train], Y[train], grid)  # (p, d+1, C)
    else:
        grid = np.arange(1, int(iterations) + 1)
        W = cgls_path(Xb[train], Y[train], int(iterations))[1:]
    p, d, c = W.shape
    scores = Xb @ W.transpose(1, 0, 2).reshape(d, p * c)  # one product for all candidates: (n, p c)
    pred = np.argmax(scores.reshape(-1, p, c), axis=2).T  # (p, n)
    acc = {name: np.mean(pred[:, idx] == y[idx], axis=1) for name, idx in (("train", train), ("val", val),
                                                                            ("test", test))}
    order = np.arange(grid.size)[::-1] if choose == "alpha" else np.arange(grid.size)
    chosen = int(order[np.argmax(acc["val"][order])])
    return DigitsValidation(choose=choose, grid=grid, train_accuracy=acc["train"], val_accuracy=acc["val"],
                            test_accuracy=acc["test"], chosen=chosen, sizes=(train.size, val.size, test.size))
