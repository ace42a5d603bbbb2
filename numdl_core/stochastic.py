r"""Stochastic optimization on a convex problem with a known optimum: SAA against SA, step-size schedules and
data preprocessing.

The problem is linear least squares on polynomial features of 2-D inputs on the square of the course's peaks
example: inputs :math:`x_i = u_i + s (1, 1)`, :math:`u_i \sim U[-3, 3]^2` (``shift`` :math:`s` moves the data away
from 0), targets from a *teacher*, a random polynomial of the same degree plus noise,
:math:`y_i = w_0 + \phi(u_i/3)^\top w + \sigma\varepsilon_i`, features :math:`\phi(x)` the monomials of total
degree 1 to ``degree``, preprocessed column by column (:func:`standardize`) and preceded by a column of ones (the
intercept):

.. math:: f(\theta) = \frac{1}{2n} \sum_{i=1}^n \big(\theta^\top a_i - y_i\big)^2 = \frac{1}{2n}\|A\theta - y\|^2,
   \qquad a_i = (1, \mathrm{pre}(\phi(x_i))).

The minimizer :math:`\theta^*` is known (a least-squares solve), and because :math:`f` is quadratic the optimality
gap is exactly :math:`f(\theta) - f^* = \tfrac12 (\theta - \theta^*)^\top H (\theta - \theta^*)` with the Hessian
:math:`H = A^\top A / n`: every study measures that gap against work in passes over the data.

* *Sample average approximation* (SAA) replaces the mean over all :math:`n` samples by the mean over a fixed
  sample :math:`S` and solves that problem with a deterministic method (here CG on the normal equations, CGLS);
  *stochastic approximation* (SA) takes SGD steps on fresh mini-batches (:func:`saa_vs_sa`).
* With a constant step SGD stalls at a noise floor proportional to the step; a schedule with
  :math:`\sum_k \alpha_k = \infty`, :math:`\sum_k \alpha_k^2 < \infty` keeps converging (:func:`step_size_study`).
* Centering and scaling the features shrinks :math:`\kappa(H)` and with it the iterations of gradient descent and
  SGD (:func:`conditioning_after_preprocessing`).

References
----------
H. Robbins and S. Monro, A stochastic approximation method, Ann. Math. Stat. 22 (1951) 400-407.
L. Bottou, F. E. Curtis and J. Nocedal, Optimization methods for large-scale machine learning, SIAM Review 60
(2018) 223-311 (Sec. 4: SGD with fixed and diminishing steps; Sec. 5: SAA and dynamic sampling).
J. Duchi, E. Hazan and Y. Singer, Adaptive subgradient methods, J. Mach. Learn. Res. 12 (2011) 2121-2159.
Y. Nesterov, A method for solving the convex programming problem with convergence rate O(1/k^2), Soviet Math.
Dokl. 27 (1983) 372-376.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 4 (04-NumDNN-SingleLayer.tex: SAA,
stochastic approximation, step-size conditions, momentum, Nesterov, AdaGrad, data preprocessing).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import islice

import numpy as np

from numdl_core._validate import check_count, check_nonneg, check_positive
from numdl_core.iterate import BLOWUP
from numdl_core.lstsq import cgls

__all__ = [
    "PREPROCESSING",
    "polynomial_features",
    "Standardized",
    "standardize",
    "LinearLeastSquares",
    "RegressionProblem",
    "regression_problem",
    "SAPath",
    "sa_path",
    "SaaVsSa",
    "saa_vs_sa",
    "StepSizeStudy",
    "step_size_study",
    "gd_iterations_to_tolerance",
    "Conditioning",
    "conditioning_after_preprocessing",
]

PREPROCESSING = ("none", "center", "standardize")
"""Preprocessing of the feature columns: none, centering, centering and scaling to unit variance."""


def polynomial_features(P: np.ndarray, degree: int) -> np.ndarray:
    r"""The monomials :math:`x_1^i x_2^j`, :math:`1 \le i + j \le` ``degree``, of 2-D inputs (no constant).

    Columns by total degree :math:`t = 1, \dots, d`, and within a degree by decreasing power of :math:`x_1`
    (scikit-learn's ``PolynomialFeatures(include_bias=False)`` order):

    .. math:: \phi(x) = (x_1, x_2, x_1^2, x_1 x_2, x_2^2, x_1^3, \dots, x_2^d).

    Parameters
    ----------
    P : ndarray, shape (n, 2)
        The inputs.
    degree : int
        The highest total degree :math:`d \ge 1`.

    Returns
    -------
    ndarray, shape (n, d (d + 3) / 2)

    Raises
    ------
    ValueError
        If ``P`` is not a finite (n, 2) array or ``degree < 1``.

    References
    ----------
    Ruthotto and Haber, Module 2 (polynomial fitting); scikit-learn ``PolynomialFeatures``.

    Examples
    --------
    >>> polynomial_features(np.array([[2.0, 3.0]]), 2)
    array([[2., 3., 4., 6., 9.]])
    """
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != 2 or not np.all(np.isfinite(P)):
        raise ValueError(f"P must be a finite array of shape (n, 2), got shape {P.shape}")
    degree = check_count("degree", degree)
    cols = [P[:, 0] ** i * P[:, 1] ** (t - i) for t in range(1, degree + 1) for i in range(t, -1, -1)]
    return np.column_stack(cols)


@dataclass(frozen=True)
class Standardized:
    """Preprocessed columns :math:`Z = (F - \\mathbf 1 m^\\top) \\operatorname{diag}(s)^{-1}`.

    Attributes
    ----------
    Z : ndarray, shape (n, p)
        The preprocessed columns.
    mean : ndarray, shape (p,)
        The subtracted means :math:`m` (zeros without centering).
    scale : ndarray, shape (p,)
        The divisors :math:`s` (ones without scaling; 1 for a column of zero variance).
    """

    Z: np.ndarray
    mean: np.ndarray
    scale: np.ndarray


def standardize(F: np.ndarray, *, center: bool = True, scale: bool = True) -> Standardized:
    r"""Center and scale the columns of a data matrix ("remove the mean, scale to a reasonable size").

    .. math:: m_j = \frac1n \sum_i F_{ij}, \qquad s_j = \Big(\frac1n \sum_i (F_{ij} - m_j)^2\Big)^{1/2}, \qquad
       Z_{ij} = \frac{F_{ij} - m_j}{s_j},

    with :math:`m = 0` if ``center`` is False and :math:`s = 1` if ``scale`` is False; a column of zero variance
    keeps :math:`s_j = 1` (as scikit-learn's ``StandardScaler``, which computes the same :math:`m, s`).

    Parameters
    ----------
    F : ndarray, shape (n, p)
        Samples in rows.
    center, scale : bool
        Subtract the column means; divide by the column standard deviations.

    Returns
    -------
    Standardized
        ``Z``, ``mean``, ``scale``.

    Raises
    ------
    ValueError
        If ``F`` is not a finite 2-D array with at least one row.

    References
    ----------
    Ruthotto and Haber, Module 4, "Practical hint: data preprocessing"; Y. LeCun, L. Bottou, G. Orr and
    K.-R. Mueller, Efficient BackProp, in *Neural Networks: Tricks of the Trade*, Springer 1998, Sec. 4.3.

    Examples
    --------
    >>> standardize(np.array([[1.0, 5.0], [3.0, 5.0]])).Z
    array([[-1.,  0.],
           [ 1.,  0.]])
    """
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 2 or F.shape[0] < 1 or not np.all(np.isfinite(F)):
        raise ValueError(f"F must be a finite 2-D array with at least one row, got shape {F.shape}")
    m = F.mean(axis=0)
    s = F.std(axis=0)
    s = np.where(s > 0, s, 1.0)
    mean = m if center else np.zeros_like(m)
    div = s if scale else np.ones_like(s)
    return Standardized((F - mean) / div, mean, div)


class LinearLeastSquares:
    r"""The objective :math:`f(\theta) = \frac{1}{2n}\|A\theta - y\|^2 + \frac\alpha2\|\theta\|^2` with mini-batches.

    A mini-batch :math:`B` gives :math:`f_B(\theta) = \frac{1}{2|B|}\|A_B\theta - y_B\|^2 + \frac\alpha2\|\theta\|^2`,
    an unbiased estimate of :math:`f` when :math:`B` is drawn uniformly. The Hessian is the constant
    :math:`H = A^\top A / n + \alpha I`.

    Parameters
    ----------
    A : ndarray, shape (n, p)
        The design matrix (samples in rows).
    y : ndarray, shape (n,)
        The targets.
    alpha : float, optional
        The Tikhonov weight :math:`\alpha \ge 0` (λ in the notes).

    Attributes
    ----------
    A, y, alpha
        As given (float64 copies).
    n_samples, n_params : int

    Raises
    ------
    ValueError
        For non-finite or mismatched ``A``, ``y``, or a negative ``alpha``.

    References
    ----------
    Bottou, Curtis and Nocedal (2018), Sec. 2 (the expected and the empirical risk).
    """

    def __init__(self, A: np.ndarray, y: np.ndarray, alpha: float = 0.0):
        A = np.array(A, dtype=np.float64)
        y = np.array(y, dtype=np.float64).ravel()
        if A.ndim != 2 or A.shape[0] != y.size or not (np.all(np.isfinite(A)) and np.all(np.isfinite(y))):
            raise ValueError(f"A (n, p) and y (n,) must be finite with matching n, got shapes {A.shape} and {y.shape}")
        self.A, self.y, self.alpha = A, y, check_nonneg("alpha", alpha)
        self.n_samples, self.n_params = A.shape

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r"""The value :math:`f(\theta)` and the gradient :math:`A^\top(A\theta - y)/n + \alpha\theta`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        f, g : float, ndarray of shape (n_params,)
            :meth:`batch_value_and_grad` on all rows.
        """
        return self.batch_value_and_grad(theta, None)

    def batch_value_and_grad(self, theta: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        r"""The mini-batch value :math:`f_B(\theta)` and gradient :math:`A_B^\top(A_B\theta - y_B)/|B| + \alpha\theta`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        idx : ndarray of int or None
            The rows in the batch :math:`B` (None: all rows).

        Returns
        -------
        f_B : float
        g_B : ndarray, shape (n_params,)
        """
        A, y = (self.A, self.y) if idx is None else (self.A[idx], self.y[idx])
        r = A @ theta - y
        f = 0.5 * float(r @ r) / y.size + 0.5 * self.alpha * float(theta @ theta)
        return f, A.T @ r / y.size + self.alpha * theta

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        r"""The Hessian-vector product :math:`H v = A^\top A v / n + \alpha v` (independent of ``theta``).

        Parameters
        ----------
        theta, v : ndarray, shape (n_params,)
            ``theta`` is not used: the loss is quadratic.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        return self.A.T @ (self.A @ v) / self.n_samples + self.alpha * v

    def hessian(self) -> np.ndarray:
        r"""The Hessian :math:`H = A^\top A / n + \alpha I`.

        Returns
        -------
        ndarray, shape (n_params, n_params)
        """
        return self.A.T @ self.A / self.n_samples + self.alpha * np.eye(self.n_params)

    def solution(self) -> np.ndarray:
        r"""The minimizer :math:`\theta^* = \arg\min f`: a least-squares solve of
        :math:`[A/\sqrt n;\ \sqrt\alpha I]\,\theta \approx [y/\sqrt n;\ 0]` (SVD based, stable).

        Returns
        -------
        ndarray, shape (n_params,)
        """
        A, y = self.A / np.sqrt(self.n_samples), self.y / np.sqrt(self.n_samples)
        if self.alpha > 0:
            A = np.vstack([A, np.sqrt(self.alpha) * np.eye(self.n_params)])
            y = np.concatenate([y, np.zeros(self.n_params)])
        return np.linalg.lstsq(A, y, rcond=None)[0]


@dataclass(frozen=True)
class RegressionProblem:
    """The peaks regression problem of this module (see :func:`regression_problem`).

    Attributes
    ----------
    objective : LinearLeastSquares
        :math:`f(\\theta) = \\|A\\theta - y\\|^2 / (2n)`.
    inputs : ndarray, shape (n, 2)
        The raw inputs :math:`x_i`.
    features : ndarray, shape (n, p - 1)
        The raw features :math:`\\phi(x_i)` (before preprocessing).
    preprocessing : Standardized
        The preprocessing of the feature columns.
    theta_star : ndarray, shape (p,)
        The minimizer.
    f_star : float
        :math:`f(\\theta^*)`.
    hessian : ndarray, shape (p, p)
        :math:`H = A^\\top A / n`.
    eigenvalues : ndarray, shape (p,)
        Of :math:`H`, ascending.
    """

    objective: LinearLeastSquares
    inputs: np.ndarray
    features: np.ndarray
    preprocessing: Standardized
    theta_star: np.ndarray
    f_star: float
    hessian: np.ndarray
    eigenvalues: np.ndarray

    @property
    def kappa(self) -> float:
        """The condition number :math:`\\lambda_{\\max}(H) / \\lambda_{\\min}(H)` (inf if singular).

        Returns
        -------
        float
        """
        lo, hi = self.eigenvalues[0], self.eigenvalues[-1]
        return float(hi / lo) if lo > 0 else float("inf")

    def gap(self, theta: np.ndarray) -> np.ndarray:
        """The optimality gap :math:`f(\\theta) - f^* = \\tfrac12 (\\theta - \\theta^*)^\\top H (\\theta - \\theta^*)`.

        Exact for the quadratic :math:`f`, and free of the cancellation of subtracting two nearly equal losses.

        Parameters
        ----------
        theta : ndarray, shape (p,) or (p, r)
            One point, or r points in columns.

        Returns
        -------
        float or ndarray, shape (r,)
        """
        E = np.asarray(theta, dtype=np.float64) - (self.theta_star if np.ndim(theta) == 1 else self.theta_star[:, None])
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged iterate has an infinite (or nan) gap
            out = 0.5 * np.sum(E * (self.hessian @ E), axis=0)
        return float(out) if np.ndim(theta) == 1 else out


def regression_problem(n_samples: int = 2000, degree: int = 2, shift: float = 0.0, noise: float = 0.5,
                       preprocess: str = "standardize", seed: int = 0) -> RegressionProblem:
    r"""Least squares on polynomial features of 2-D inputs, with a known optimum.

    Inputs :math:`x_i = u_i + s (1, 1)`, :math:`u_i \sim U[-3, 3]^2`; targets from a teacher polynomial
    :math:`y_i = w_0 + \phi(u_i/3)^\top w + \sigma\varepsilon_i` with :math:`w_0, w, \varepsilon_i \sim N(0, 1)`
    (a polynomial of degree ``degree`` in :math:`x` too, so the model can represent it); design
    :math:`A = [\mathbf 1,\ \mathrm{pre}(\phi(x))]` with :math:`\phi` = :func:`polynomial_features` and
    ``pre`` = :func:`standardize` (``"none"``, ``"center"`` or ``"standardize"``); objective

    .. math:: f(\theta) = \frac{1}{2n}\|A\theta - y\|^2, \qquad \theta^* = A^+ y, \qquad H = A^\top A / n.

    The noise leaves a residual at :math:`\theta^*` (about :math:`\sigma^2/2` per sample): mini-batch gradients stay
    noisy at the optimum, as in real learning problems. The preprocessing changes the parametrization, not the
    fitted function: :math:`f^*` is the same for the three choices.

    Parameters
    ----------
    n_samples : int
        Number of samples :math:`n` (at least the number of parameters).
    degree : int
        Highest total degree of the monomial features, 1 to 6.
    shift : float
        The offset :math:`s \ge 0` of the inputs (data far from the origin).
    noise : float
        :math:`\sigma \ge 0`.
    preprocess : {"none", "center", "standardize"}
        Preprocessing of the feature columns.
    seed : int
        Seed of the inputs, the teacher and the noise.

    Returns
    -------
    RegressionProblem

    Raises
    ------
    ValueError
        For an unknown ``preprocess``, ``degree`` outside 1..6, a negative ``shift`` or ``noise``, or too few
        samples.

    References
    ----------
    Ruthotto and Haber, Module 4 (data preprocessing); Bottou, Curtis and Nocedal (2018), Sec. 2.

    Examples
    --------
    >>> pb = regression_problem(500, degree=1)
    >>> pb.objective.A.shape, round(pb.kappa, 2)
    ((500, 3), 1.16)
    """
    if preprocess not in PREPROCESSING:
        raise ValueError(f"unknown preprocessing {preprocess!r}; choose one of {', '.join(PREPROCESSING)}")
    degree = check_count("degree", degree)
    if degree > 6:
        raise ValueError(f"degree must be at most 6, got {degree}")
    shift, noise = check_nonneg("shift", shift), check_nonneg("noise", noise)
    n = check_count("n_samples", n_samples)
    p = 1 + degree * (degree + 3) // 2
    if n < p:
        raise ValueError(f"n_samples must be at least the number of parameters {p}, got {n}")
    rng = np.random.default_rng(seed)
    U = rng.uniform(-3.0, 3.0, size=(n, 2))
    w = rng.standard_normal(p)
    y = w[0] + polynomial_features(U / 3.0, degree) @ w[1:] + noise * rng.standard_normal(n)
    X = U + shift
    F = polynomial_features(X, degree)
    pre = standardize(F, center=preprocess != "none", scale=preprocess == "standardize")
    obj = LinearLeastSquares(np.column_stack([np.ones(n), pre.Z]), y)
    theta = obj.solution()
    H = obj.hessian()
    return RegressionProblem(obj, X, F, pre, theta, obj.value_and_grad(theta)[0], H, np.linalg.eigvalsh(H))


@dataclass(frozen=True)
class SAPath:
    """Stochastic approximation runs (see :func:`sa_path`): r runs side by side on the same mini-batches.

    Attributes
    ----------
    work : ndarray, shape (R + 1,)
        Passes over the data at each record (0 first).
    gaps : ndarray, shape (R + 1, r)
        :math:`f(\\theta) - f^*` of each run at each record.
    epoch_thetas : ndarray, shape (passes + 1, p, r)
        The iterates at the end of each pass (the start first).
    lrs, decays : ndarray, shape (r,)
        The schedule of each run, :math:`\\alpha_k = \\mathrm{lr}/(1 + \\mathrm{decay}\\, k)`.
    updates : int
        The number of updates of each run.
    diverged : ndarray of bool, shape (r,)
        Runs whose last gap is not finite or above ``1e12 * max(1, initial gap)`` (the step was too large).
    """

    work: np.ndarray
    gaps: np.ndarray
    epoch_thetas: np.ndarray
    lrs: np.ndarray
    decays: np.ndarray
    updates: int
    diverged: np.ndarray


def sa_path(problem: RegressionProblem, lrs, decays=0.0, *, batch_size: int = 10, passes: int = 20,
            records_per_pass: int = 10, sampling: str = "iid", seed: int = 0) -> SAPath:
    r"""Stochastic approximation: SGD runs with step sizes :math:`\alpha_k = \alpha_0 / (1 + \delta k)`.

    Every run takes the same mini-batches :math:`B_k` of ``batch_size`` samples:

    .. math:: \theta_{k+1} = \theta_k - \alpha_k \nabla f_{B_k}(\theta_k), \qquad
       \alpha_k = \frac{\alpha_0}{1 + \delta k}, \qquad \theta_0 = 0,

    with :math:`k = 0, 1, \dots` counting updates. ``sampling="iid"``: each batch is drawn uniformly with
    replacement (samples from a stream, the setting of Robbins and Monro; one draw of all the indices of a pass
    from the ``seed`` stream); a "pass" is :math:`\lceil n/|B| \rceil` updates. ``sampling="epochs"``: each pass
    shuffles the :math:`n` samples and cuts them into consecutive batches, exactly as :func:`numdl_core.optim.sgd`
    (``momentum=0``, ``lr`` = :math:`\alpha_0`, ``decay`` = :math:`\delta`, same ``seed`` and ``batch_size``) does,
    with the same iterates. Random reshuffling cancels part of the gradient
    noise over each pass, so its floor falls faster than linearly with the step; with i.i.d. batches the
    constant-step floor is proportional to the step. The runs are computed together (one matrix of iterates). The
    gap :math:`f(\theta) - f^*` is recorded ``records_per_pass`` times per pass, at equally spaced batches, the last
    at the end of the pass. Work: a batch gradient costs :math:`2|B|/n` passes.

    Parameters
    ----------
    problem : RegressionProblem
    lrs : float or sequence of float
        The initial steps :math:`\alpha_0 > 0`, one per run.
    decays : float or sequence of float
        The decays :math:`\delta \ge 0`, one per run (or one for all).
    batch_size : int
        Samples per batch.
    passes : int
        Passes over the data (epochs).
    records_per_pass : int
        Gap records per pass.
    sampling : {"iid", "epochs"}
        Batches drawn with replacement, or reshuffled epochs.
    seed : int
        The sampling stream.

    Returns
    -------
    SAPath

    Raises
    ------
    ValueError
        For a non-positive step, a negative decay, mismatched lengths of ``lrs`` and ``decays``, counts < 1 or an
        unknown ``sampling``.

    References
    ----------
    Robbins and Monro (1951); Bottou, Curtis and Nocedal (2018), Algorithm 4.1 and Theorems 4.6-4.7;
    M. Gurbuzbalaban, A. Ozdaglar and P. A. Parrilo, Why random reshuffling beats stochastic gradient descent,
    Math. Program. 186 (2021) 49-84.

    Examples
    --------
    >>> pb = regression_problem(200, degree=1)
    >>> path = sa_path(pb, [0.1, 0.1], [0.0, 0.05], passes=3, records_per_pass=2)
    >>> path.gaps.shape, path.work.tolist()
    ((7, 2), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    """
    lrs = np.atleast_1d(np.asarray(lrs, dtype=np.float64))
    decays = np.full(lrs.shape, float(decays)) if np.ndim(decays) == 0 else np.asarray(decays, dtype=np.float64)
    if decays.shape != lrs.shape:
        raise ValueError(f"lrs and decays must have the same length, got {lrs.size} and {decays.size}")
    for a in lrs:
        check_positive("lr", a)
    for d in decays:
        check_nonneg("decay", d)
    if sampling not in ("iid", "epochs"):
        raise ValueError(f"unknown sampling {sampling!r}; choose 'iid' or 'epochs'")
    batch_size, passes = check_count("batch_size", batch_size), check_count("passes", passes)
    records_per_pass = check_count("records_per_pass", records_per_pass)
    A, y, alpha = problem.objective.A, problem.objective.y, problem.objective.alpha
    n, p = A.shape
    theta = np.zeros((p, lrs.size))
    rng = np.random.default_rng(seed)
    starts = range(0, n, batch_size)
    nb = len(starts)
    marks = set(np.unique(np.rint(np.arange(1, records_per_pass + 1) * nb / records_per_pass).astype(int) - 1))
    work, gaps, epochs = [0.0], [problem.gap(theta)], [theta.copy()]
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):  # a too large step overflows: reported in `diverged`
        for epoch in range(passes):
            if sampling == "epochs":
                order = rng.permutation(n)
                batches = [order[start:start + batch_size] for start in starts]
            else:  # one draw per pass: nb batches of batch_size indices, with replacement
                batches = rng.integers(0, n, (nb, batch_size))
            rates = lrs[None, :] / (1.0 + decays[None, :] * np.arange(k, k + nb)[:, None])  # (nb, r)
            for j, idx in enumerate(batches):
                Ab = A[idx]
                g = Ab.T @ (Ab @ theta - y[idx, None])
                g /= idx.size
                if alpha:
                    g += alpha * theta
                g *= rates[j]
                theta -= g
                if j in marks:
                    work.append(2.0 * (epoch + (j + 1) / nb))
                    gaps.append(problem.gap(theta))
            k += nb
            epochs.append(theta.copy())
    gaps = np.array(gaps)
    diverged = ~np.isfinite(gaps[-1]) | (gaps[-1] > BLOWUP * np.maximum(1.0, gaps[0]))
    return SAPath(np.array(work), gaps, np.array(epochs), lrs, decays, k, diverged)


def _finite(numbers: dict) -> dict:
    """The entries of ``numbers`` that are finite floats (a diverged run has none to report)."""
    return {k: float(v) for k, v in numbers.items() if np.isfinite(v)}


def _tail(gaps: np.ndarray, fraction: float = 0.5) -> np.ndarray:
    """The mean of the last ``fraction`` of the records (rows) of ``gaps``: a noise floor, averaged over time."""
    m = max(1, int(round(fraction * (gaps.shape[0] - 1))))
    return gaps[-m:].mean(axis=0)


@dataclass(frozen=True)
class SaaVsSa:
    """SAA (CG on a fixed sample) against SA (SGD on fresh batches): see :func:`saa_vs_sa`.

    Attributes
    ----------
    sample_sizes : tuple of int
        The SAA sample sizes :math:`|S|` (the last is :math:`n`: CG on all the data).
    saa_work, saa_gaps : tuple of ndarray
        Per sample size: work in passes over all :math:`n` samples, and the gap on all samples, per CG iteration.
    saa_limits : ndarray
        The gap of the exact minimizer of each sampled problem (where SAA levels off).
    sa_work, sa_gaps : ndarray
        SGD with the constant step ``lr``: work and gap at each record.
    kappa : float
        :math:`\\kappa(H)`.
    sa_diverged : bool
        SGD's step was too large (see :class:`SAPath`).
    numbers : dict
        The headline numbers (see :func:`saa_vs_sa`), the finite ones.
    """

    sample_sizes: tuple
    saa_work: tuple
    saa_gaps: tuple
    saa_limits: np.ndarray
    sa_work: np.ndarray
    sa_gaps: np.ndarray
    kappa: float
    sa_diverged: bool = False
    numbers: dict = field(default_factory=dict)


def saa_vs_sa(n_samples: int = 2000, degree: int = 2, shift: float = 0.0, noise: float = 0.5,
              preprocess: str = "standardize", lr: float = 0.1, batch_size: int = 20, passes: int = 20,
              seed: int = 0) -> SaaVsSa:
    r"""Sample average approximation against stochastic approximation on :func:`regression_problem`.

    SAA: draw a sample :math:`S` of :math:`|S| \in \{\max(2p, n/100), n/20, n/4, n\}` rows (without replacement,
    ``seed``) and minimize the sampled objective by CG on its normal equations (CGLS, from 0):

    .. math:: \theta_S = \arg\min_\theta \frac{1}{2|S|} \sum_{i \in S} (a_i^\top\theta - y_i)^2 ,

    recording the gap on *all* samples, :math:`f(\theta) - f^*`, after each CG iteration; one CG iteration on
    :math:`S` costs :math:`2|S|/n` passes (a product with :math:`A_S` and one with :math:`A_S^\top`). SAA levels off
    at :math:`f(\theta_S) - f^* \approx \sigma^2 p / (2|S|)`: a small sample is solved cheaply but badly. SA:
    :func:`sa_path` with the constant step ``lr`` over ``passes`` passes. CG on all samples (:math:`|S| = n`) is
    the deterministic method on the full problem: it reaches round-off in a few tens of passes, while SGD stalls.

    Parameters
    ----------
    n_samples, degree, shift, noise, preprocess, seed
        The problem (:func:`regression_problem`).
    lr : float
        The constant SGD step.
    batch_size, passes : int
        SGD's batches and passes.

    Returns
    -------
    SaaVsSa
        ``numbers``: ``kappa(H)``, per sample size ``SAA |S|=s gap`` (the last CG iterate) and
        ``SAA |S|=s work``; ``SA gap`` and ``SA work`` (the last record), ``SA mean gap, last half``.

    References
    ----------
    Bottou, Curtis and Nocedal (2018), Sec. 3.3 and 5; A. Shapiro, D. Dentcheva and A. Ruszczynski, *Lectures on
    Stochastic Programming*, SIAM 2009, Ch. 5 (SAA); Ruthotto and Haber, Module 4 (SAA, stochastic
    approximation).

    Examples
    --------
    >>> res = saa_vs_sa(1000, passes=2)
    >>> res.sample_sizes, bool(res.saa_gaps[-1][-1] < 1e-12 < res.sa_gaps[-1])
    ((12, 50, 250, 1000), True)
    """
    pb = regression_problem(n_samples, degree, shift, noise, preprocess, seed)
    A, y = pb.objective.A, pb.objective.y
    n, p = A.shape
    sizes = tuple(sorted({max(2 * p, n // 100), n // 20, n // 4, n}))
    rng = np.random.default_rng(seed + 1)
    works, gaps, limits = [], [], []
    for s in sizes:
        S = np.sort(rng.choice(n, size=s, replace=False)) if s < n else np.arange(n)
        steps = list(islice(cgls(A[S], y[S], tol=1e-13), 4 * p + 1))
        works.append(np.array([st.info["work"] for st in steps]) * s / n)
        gaps.append(np.array([pb.gap(st.x) for st in steps]))
        limits.append(pb.gap(np.linalg.lstsq(A[S], y[S], rcond=None)[0]))
    sa = sa_path(pb, [lr], batch_size=batch_size, passes=passes, seed=seed)
    numbers = {"kappa(H)": pb.kappa}
    for s, w, g in zip(sizes, works, gaps):
        numbers.update({f"SAA |S|={s} gap": g[-1], f"SAA |S|={s} work": w[-1]})
    numbers["SA work"] = sa.work[-1]
    if not sa.diverged[0]:
        numbers.update({"SA gap": sa.gaps[-1, 0], "SA mean gap, last half": _tail(sa.gaps)[0]})
    return SaaVsSa(sizes, tuple(works), tuple(gaps), np.array(limits), sa.work, sa.gaps[:, 0], pb.kappa,
                   bool(sa.diverged[0]), _finite(numbers))


@dataclass(frozen=True)
class StepSizeStudy:
    """Constant against decaying SGD steps (see :func:`step_size_study`).

    Attributes
    ----------
    labels : tuple of str
        One per run: the constant steps lr, lr/2, lr/4, then the decaying schedule.
    lrs, decays : ndarray, shape (4,)
    work : ndarray, shape (R + 1,)
    gaps : ndarray, shape (R + 1, 4)
    floors : ndarray, shape (4,)
        Mean gap over the last half of the records of each run.
    step_sums, step_square_sums : ndarray, shape (4,)
        :math:`\\sum_k \\alpha_k` and :math:`\\sum_k \\alpha_k^2` over the run's updates.
    diverged : ndarray of bool, shape (4,)
        Runs whose step was too large (see :class:`SAPath`).
    numbers : dict
        The finite headline numbers.
    """

    labels: tuple
    lrs: np.ndarray
    decays: np.ndarray
    work: np.ndarray
    gaps: np.ndarray
    floors: np.ndarray
    step_sums: np.ndarray
    step_square_sums: np.ndarray
    diverged: np.ndarray
    numbers: dict = field(default_factory=dict)


def step_size_study(n_samples: int = 2000, degree: int = 2, shift: float = 0.0, noise: float = 0.5,
                    preprocess: str = "standardize", lr: float = 0.1, decay: float = 0.05, batch_size: int = 20,
                    passes: int = 20, seed: int = 0) -> StepSizeStudy:
    r"""SGD with constant steps :math:`\alpha, \alpha/2, \alpha/4` against the schedule
    :math:`\alpha_k = \alpha/(1 + \delta k)`, on the same mini-batches (:func:`sa_path`).

    With a constant step the iterates do not converge: the gradient noise keeps them in a region around
    :math:`\theta^*` whose expected gap is proportional to the step (Bottou, Curtis and Nocedal 2018, Theorem 4.6:
    :math:`\limsup \mathbb E[f - f^*] \le \alpha L M / (2 c \mu)`), so halving the step halves the floor. The
    schedule satisfies the Robbins-Monro conditions

    .. math:: \sum_{k=0}^\infty \alpha_k = \infty, \qquad \sum_{k=0}^\infty \alpha_k^2 < \infty,

    and its gap keeps decreasing, like :math:`O(1/k)` when :math:`\alpha/\delta` is large enough compared with
    :math:`1/\mu` (Theorem 4.7). The floor of each run is the mean gap over the last half of its records.

    Parameters
    ----------
    n_samples, degree, shift, noise, preprocess, seed
        The problem (:func:`regression_problem`).
    lr : float
        :math:`\alpha`.
    decay : float
        :math:`\delta > 0` of the decaying run.
    batch_size, passes : int
        As for :func:`sa_path`.

    Returns
    -------
    StepSizeStudy
        ``numbers``: ``floor at lr``, ``floor at lr/2``, ``floor at lr/4``, ``floor ratio lr : lr/4`` (about 4),
        ``decaying mean gap, last half``, ``constant / decaying`` (the floor at lr over that), ``final step of the
        schedule``, ``sum of steps (decaying)``, ``sum of squared steps (decaying)``.

    Raises
    ------
    ValueError
        If ``decay`` is not positive (the other checks are those of :func:`sa_path`).

    References
    ----------
    Robbins and Monro (1951); Bottou, Curtis and Nocedal (2018), Sec. 4.2 (Theorems 4.6 and 4.7).

    Examples
    --------
    >>> res = step_size_study(1000, passes=10)
    >>> bool(res.numbers["constant / decaying"] > 10), bool(3 < res.numbers["floor ratio lr : lr/4"] < 5)
    (True, True)
    """
    decay = check_positive("decay", decay)
    pb = regression_problem(n_samples, degree, shift, noise, preprocess, seed)
    lrs = np.array([lr, lr / 2, lr / 4, lr])
    decays = np.array([0.0, 0.0, 0.0, decay])
    path = sa_path(pb, lrs, decays, batch_size=batch_size, passes=passes, seed=seed)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged run: inf and nan, left out of the numbers
        floors = np.where(path.diverged, np.nan, _tail(path.gaps))  # a diverged run has no floor
        ratios = floors[0] / floors[2], floors[0] / floors[3]
    k = np.arange(path.updates)
    steps = lrs[None, :] / (1.0 + decays[None, :] * k[:, None])
    numbers = {"floor at lr": floors[0], "floor at lr/2": floors[1], "floor at lr/4": floors[2],
               "floor ratio lr : lr/4": ratios[0], "decaying mean gap, last half": floors[3],
               "constant / decaying": ratios[1], "final step of the schedule": steps[-1, 3],
               "sum of steps (decaying)": steps[:, 3].sum(),
               "sum of squared steps (decaying)": (steps[:, 3] ** 2).sum()}
    labels = (f"constant {lr:g}", f"constant {lr / 2:g}", f"constant {lr / 4:g}", f"{lr:g}/(1 + {decay:g} k)")
    return StepSizeStudy(labels, lrs, decays, path.work, path.gaps, floors, steps.sum(axis=0),
                         (steps**2).sum(axis=0), path.diverged, _finite(numbers))


def gd_iterations_to_tolerance(problem: RegressionProblem, step: float, tol: float = 1e-6,
                               maxiter: int = 10**7) -> int:
    r"""Iterations of gradient descent with a fixed step from :math:`\theta_0 = 0` until the gap falls by ``tol``.

    On the quadratic :math:`f` the error obeys :math:`\theta_k - \theta^* = (I - tH)^k(\theta_0 - \theta^*)`, so in
    the eigenbasis :math:`H = V\Lambda V^\top`, with :math:`c = V^\top(\theta_0 - \theta^*)`,

    .. math:: f(\theta_k) - f^* = \tfrac12 \sum_i \lambda_i (1 - t\lambda_i)^{2k} c_i^2 ,

    non-increasing in :math:`k` for :math:`0 < t \le 2/\lambda_{\max}`; the smallest :math:`k` with
    :math:`f(\theta_k) - f^* \le \mathrm{tol}\,(f(\theta_0) - f^*)` is found by bisection, without iterating.
    With :math:`t = 1/L` it is about :math:`\tfrac{\kappa}{2}\ln(1/\mathrm{tol})`.

    Parameters
    ----------
    problem : RegressionProblem
    step : float
        :math:`t`, in :math:`(0, 2/\lambda_{\max}]`.
    tol : float
        Relative reduction of the gap, in (0, 1).
    maxiter : int
        Returned if not reached by then.

    Returns
    -------
    int
        The first :math:`k` with the gap reduced by ``tol`` (``maxiter`` if there is none up to it).

    Raises
    ------
    ValueError
        For a step outside :math:`(0, 2/\lambda_{\max}]` or ``tol`` outside (0, 1).

    References
    ----------
    Nocedal and Wright (2006), Sec. 3.3; Ruthotto and Haber, Module 2 (steepest descent on least squares).

    Examples
    --------
    >>> pb = regression_problem(500, degree=1)
    >>> gd_iterations_to_tolerance(pb, 1 / pb.eigenvalues[-1], tol=1e-6)    # kappa = 1.16
    4
    """
    lam, V = np.linalg.eigh(problem.hessian)
    step = check_positive("step", step)
    if step * lam[-1] > 2.0 * (1 + 1e-12):
        raise ValueError(f"step must be at most 2/lambda_max = {2 / lam[-1]:.4g} (else GD diverges), got {step}")
    tol = check_positive("tol", tol)
    if tol >= 1:
        raise ValueError(f"tol must lie in (0, 1), got {tol}")
    c2 = (V.T @ (0.0 - problem.theta_star)) ** 2
    w = 0.5 * lam * c2
    q = np.abs(1.0 - step * lam)
    target = tol * w.sum()

    def gap(k: int) -> float:
        with np.errstate(under="ignore"):
            return float(np.sum(w * q ** (2 * k)))

    if gap(maxiter) > target:
        return int(maxiter)
    lo, hi = 0, 1
    while gap(hi) > target:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if gap(mid) > target else (lo, mid)
    return hi


@dataclass(frozen=True)
class Conditioning:
    """Condition numbers and iteration counts before and after preprocessing (see
    :func:`conditioning_after_preprocessing`).

    Attributes
    ----------
    kinds : tuple of str
        :data:`PREPROCESSING`.
    kappa : ndarray, shape (3,)
        :math:`\\kappa(H) = \\kappa(A^\\top A)` per preprocessing.
    eigenvalues : tuple of ndarray
        The spectrum of :math:`H` per preprocessing.
    gd_iterations : ndarray of int, shape (3,)
        Gradient descent with :math:`t = 1/L` to reduce the gap by ``tol``.
    sgd_work, sgd_gaps : ndarray
        SGD with :math:`\\eta = 1/(2L)` on the consistent targets: work (R + 1,) and relative gaps (R + 1, 3).
    sgd_passes : ndarray, shape (3,)
        Passes until SGD's relative gap first fell below ``tol`` (nan if not within the run).
    sgd_diverged : ndarray of bool, shape (3,)
        SGD runs whose step was too large (see :class:`SAPath`).
    numbers : dict
        The finite headline numbers.
    """

    kinds: tuple
    kappa: np.ndarray
    eigenvalues: tuple
    gd_iterations: np.ndarray
    sgd_work: np.ndarray
    sgd_gaps: np.ndarray
    sgd_passes: np.ndarray
    sgd_diverged: np.ndarray
    numbers: dict = field(default_factory=dict)


def conditioning_after_preprocessing(n_samples: int = 2000, degree: int = 2, shift: float = 0.0,
                                     noise: float = 0.5, batch_size: int = 20, passes: int = 10, tol: float = 1e-6,
                                     seed: int = 0) -> Conditioning:
    r"""The effect of centering and scaling the features on :math:`\kappa(H)` and on GD and SGD.

    For each preprocessing of :data:`PREPROCESSING` (same inputs, same targets): the condition number
    :math:`\kappa(H) = \lambda_{\max}/\lambda_{\min}` of :math:`H = A^\top A/n` (equal to
    :math:`\operatorname{cond}(A)^2`); the iterations of gradient descent with :math:`t = 1/L`,
    :math:`L = \lambda_{\max}(H)`, until the gap has fallen by ``tol`` (:func:`gd_iterations_to_tolerance`,
    :math:`\approx \tfrac\kappa2 \ln(1/\mathrm{tol})`); and SGD (i.i.d. batches, :func:`sa_path`) with
    :math:`\eta = 1/(2L)` (a step a user can afford without knowing :math:`\mu`) over ``passes`` passes, its
    relative gap :math:`(f(\theta) - f^*)/(f(0) - f^*)` and the passes it needs to reduce it by ``tol``. SGD runs on
    the consistent targets :math:`A\theta^*` (the same minimizer, zero residual), where it converges linearly at a
    rate set by the conditioning; with the noisy targets its noise floor (:func:`step_size_study`) would hide
    that. Centering makes the
    intercept column orthogonal to the others; scaling gives every feature the same size; both shrink the spread
    of the eigenvalues of :math:`H`. All minimizers describe the same fitted function.

    Parameters
    ----------
    n_samples, degree, shift, noise, seed
        The problem (:func:`regression_problem`).
    batch_size, passes : int
        SGD's batches and passes.
    tol : float
        The relative gap reduction of gradient descent, in (0, 1).

    Returns
    -------
    Conditioning
        ``numbers``: per preprocessing ``kappa(H), k`` (k = none, center, standardize), ``GD iterations, k``,
        ``SGD relative gap, k`` (after the last pass) and ``SGD passes to tol, k`` (when reached).

    References
    ----------
    LeCun, Bottou, Orr and Mueller (1998), Sec. 4.3 (normalizing the inputs); Nocedal and Wright (2006), Sec. 3.3;
    Ruthotto and Haber, Module 4, "Practical hint: data preprocessing".

    Examples
    --------
    >>> res = conditioning_after_preprocessing(1000, passes=2)
    >>> [f"{k:.3g}" for k in res.kappa]
    ['95.9', '9.39', '1.16']
    """
    kappas, eigs, gd, curves, reached, diverged = [], [], [], [], [], []
    work = None
    for kind in PREPROCESSING:
        pb = regression_problem(n_samples, degree, shift, noise, kind, seed)
        L = pb.eigenvalues[-1]
        kappas.append(pb.kappa)
        eigs.append(pb.eigenvalues)
        gd.append(gd_iterations_to_tolerance(pb, 1.0 / L, tol))
        A = pb.objective.A  # consistent targets A theta*: the same minimizer, no residual, no noise floor
        consistent = replace(pb, objective=LinearLeastSquares(A, A @ pb.theta_star), f_star=0.0)
        path = sa_path(consistent, [1.0 / L], batch_size=batch_size, passes=passes, seed=seed)
        diverged.append(bool(path.diverged[0]))
        with np.errstate(over="ignore", invalid="ignore"):
            rel = path.gaps[:, 0] / path.gaps[0, 0]
        work = path.work
        curves.append(rel)
        hit = np.nonzero(rel <= tol)[0]
        reached.append(work[hit[0]] / 2.0 if hit.size else np.nan)
    numbers = {}
    for i, kind in enumerate(PREPROCESSING):
        numbers.update({f"kappa(H), {kind}": kappas[i], f"GD iterations, {kind}": gd[i]})
        if not diverged[i]:
            numbers[f"SGD relative gap, {kind}"] = curves[i][-1]
        if np.isfinite(reached[i]):
            numbers[f"SGD passes to tol, {kind}"] = reached[i]
    return Conditioning(PREPROCESSING, np.array(kappas), tuple(eigs), np.array(gd), work, np.column_stack(curves),
                        np.array(reached), np.array(diverged), _finite(numbers))
