r"""Introduction to deep learning theory: universal approximation, the optimizer zoo, autoencoders as nonlinear PCA.

Three claims, each checked numerically:

1. **Universal approximation** (Cybenko 1989; Hornik, Stinchcombe and White 1989): one hidden layer of enough
   units approximates any continuous function on a compact set, :math:`f(x) \approx \sum_j a_j \sigma(w_j x + b_j)
   + c`, as long as :math:`\sigma` is not a polynomial. :func:`approximation_study` fits 1-D targets with growing
   width and measures the error's slope on a log-log plot (a linear :math:`\sigma` breaks the claim).
2. **The optimizer zoo** (Ruder 2016): gradient descent, momentum, Nesterov, AdaGrad, RMSprop and Adam on 2-D test
   functions (:func:`zoo_problem`), each a generator of :class:`~numdl_core.iterate.Step` (:func:`zoo_method`).
3. **Autoencoders as nonlinear PCA** (Kramer 1991): a bottleneck network x -> tanh -> z -> tanh -> x-hat
   (:class:`Autoencoder`) finds a curve through data where PCA (:func:`pca`) finds a line; with linear activations
   it finds PCA's subspace exactly (Baldi and Hornik 1989), checked by :func:`linear_autoencoder_vs_pca`.

Rows are examples (samples are rows of ``X``; the course writes them as columns).

References
----------
G. Cybenko, Approximation by superpositions of a sigmoidal function, Math. Control Signals Systems 2 (1989).
K. Hornik, M. Stinchcombe and H. White, Multilayer feedforward networks are universal approximators, Neural
Networks 2 (1989). M. Leshno, V. Lin, A. Pinkus and S. Schocken, Neural Networks 6 (1993) (non-polynomial sigma).
S. Ruder, An overview of gradient descent optimization algorithms, arXiv:1609.04747 (2016).
M. A. Kramer, Nonlinear principal component analysis using autoassociative neural networks, AIChE J. 37 (1991).
P. Baldi and K. Hornik, Neural networks and principal component analysis, Neural Networks 2 (1989).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np
import scipy.linalg
import scipy.optimize

from numdl_core import optim
from numdl_core.iterate import BLOWUP, Step, tunable
from numdl_core.optim import FunctionObjective

__all__ = ["TARGETS", "ACTIVATIONS", "target", "ShallowFit", "fit_shallow", "ApproximationStudy",
           "approximation_study", "rosenbrock", "saddle", "quadratic", "ZooProblem", "ZOO_PROBLEMS", "zoo_problem",
           "rmsprop", "ZOO_METHODS", "RACE_BLOWUP", "zoo_method", "gd_quadratic_rate", "RaceSummary", "race_summary",
           "CURVES", "curve_data", "Autoencoder", "PCA", "pca", "AutoencoderFit", "fit_autoencoder",
           "linear_autoencoder_vs_pca"]

TARGETS = ("sine", "step", "abs", "drawn")
ACTIVATIONS = ("relu", "tanh", "linear")


# ------------------------------------------------------------------------------------------- universal approximation
def target(name: str, x: np.ndarray, points: Any = None) -> np.ndarray:
    r"""A 1-D target function on :math:`[-1, 1]`.

    ``sine``: :math:`\sin(2\pi x)`; ``step``: :math:`\operatorname{sign}(x)` (with :math:`+1` at 0); ``abs``:
    :math:`|x|`; ``drawn``: the piecewise-linear interpolant of control values ``points`` at equally spaced nodes
    :math:`-1 = t_0 < \dots < t_m = 1` (only numbers are used; nothing is evaluated).

    Parameters
    ----------
    name : {"sine", "step", "abs", "drawn"}
    x : array_like
        Points in :math:`[-1, 1]`.
    points : array_like, optional
        The control values of ``drawn`` (at least 2).

    Returns
    -------
    ndarray
        :math:`f(x)`, shaped as ``x``.

    Raises
    ------
    ValueError
        For an unknown name, or ``drawn`` without at least 2 finite control values.

    References
    ----------
    K. Hornik, M. Stinchcombe and H. White, Neural Networks 2 (1989) (continuous targets on compact sets).

    Examples
    --------
    >>> target("drawn", [-1.0, 0.0, 0.5], points=[0.0, 1.0, 0.0])
    array([0. , 1. , 0.5])
    """
    x = np.asarray(x, dtype=float)
    if name == "sine":
        return np.sin(2 * np.pi * x)
    if name == "step":
        return np.where(x >= 0, 1.0, -1.0)
    if name == "abs":
        return np.abs(x)
    if name == "drawn":
        p = np.asarray(points if points is not None else [], dtype=float).ravel()
        if p.size < 2 or not np.all(np.isfinite(p)):
            raise ValueError("a drawn curve needs at least 2 finite control values")
        return np.interp(x, np.linspace(-1.0, 1.0, p.size), p)
    raise ValueError(f"unknown target {name!r}; choose one of {', '.join(TARGETS)}")


def _features(x: np.ndarray, knots: np.ndarray, slopes: np.ndarray, activation: str) -> np.ndarray:
    z = np.multiply.outer(x, slopes) - slopes * knots
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    return z


@dataclass(frozen=True)
class ShallowFit:
    """One hidden layer :math:`\\hat f(x) = \\sum_j a_j \\sigma(w_j (x - c_j)) + a_0` (:func:`fit_shallow`).

    Attributes
    ----------
    knots : ndarray, shape (width,)
        :math:`c_j`, where unit j switches (its bias is :math:`-w_j c_j`).
    slopes : ndarray, shape (width,)
        :math:`w_j`.
    coef : ndarray, shape (width,)
        Output weights :math:`a_j`.
    bias : float
        :math:`a_0`.
    activation : str
    train_rms : float
        Root-mean-square error on the training points.
    """

    knots: np.ndarray
    slopes: np.ndarray
    coef: np.ndarray
    bias: float
    activation: str
    train_rms: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output.

        Parameters
        ----------
        x : array_like
            Inputs (any shape).

        Returns
        -------
        ndarray
            :math:`\\hat f(x)`, shaped as ``x``.
        """
        x = np.asarray(x, dtype=float)
        return _features(x, self.knots, self.slopes, self.activation) @ self.coef + self.bias


def fit_shallow(x: np.ndarray, y: np.ndarray, width: int, *, activation: str = "relu", seed: int = 0) -> ShallowFit:
    r"""Fit one hidden layer of ``width`` units to ``(x, y)``: random hidden layer, least-squares output layer.

    The hidden units are :math:`\sigma(w_j(x - c_j))` with knots :math:`c_j \sim U[-1, 1]` (seeded) and
    :math:`w_j = \pm 1` (ReLU, linear) or :math:`w_j = \pm\,\mathrm{width}` (tanh: a transition as narrow as the
    knot spacing). The output layer solves

    .. math:: \min_{a, a_0} \| H a + a_0 \mathbf 1 - y \|_2, \qquad H_{ij} = \sigma(w_j (x_i - c_j)),

    by ``numpy.linalg.lstsq`` (minimum-norm solution): the best output layer for these hidden units. Cost
    :math:`O(n\,\mathrm{width}^2)`.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Training points and values.
    width : int
        Hidden units (>= 1).
    activation : {"relu", "tanh", "linear"}
        ``linear`` makes the network an affine function of x, whatever its width.
    seed : int

    Returns
    -------
    ShallowFit

    Raises
    ------
    ValueError
        For ``width < 1``, an unknown activation or mismatched ``x``, ``y``.

    References
    ----------
    G.-B. Huang, Q.-Y. Zhu and C.-K. Siew, Extreme learning machine, Neurocomputing 70 (2006) (random hidden layer,
    least-squares output). G. Cybenko, Math. Control Signals Systems 2 (1989).

    Examples
    --------
    >>> x = np.linspace(-1, 1, 50)
    >>> round(fit_shallow(x, np.abs(x), 20).train_rms, 4) < 0.01
    True
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y need the same length, got {x.size} and {y.size}")
    if int(width) != width or width < 1:
        raise ValueError(f"width must be an integer >= 1, got {width!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    rng = np.random.default_rng(seed)
    m = int(width)
    knots = -1.0 + (np.arange(m) + rng.uniform(0.0, 1.0, m)) * (2.0 / m)  # one knot per cell of [-1, 1]
    slopes = rng.choice([-1.0, 1.0], m) * (0.5 * m if activation == "tanh" else 1.0)
    H = np.column_stack([_features(x, knots, slopes, activation), np.ones_like(x)])
    a = np.linalg.lstsq(H, y, rcond=None)[0]
    rms = float(np.sqrt(np.mean((H @ a - y) ** 2)))
    return ShallowFit(knots, slopes, a[:-1], float(a[-1]), activation, rms)


@dataclass(frozen=True)
class ApproximationStudy:
    """Error against width (:func:`approximation_study`).

    Attributes
    ----------
    widths : ndarray of int
    rms : ndarray
        Root-mean-square error on a fine test grid (2001 points of [-1, 1]) per width.
    max_error : ndarray
        Largest error on the test grid per width.
    slope, intercept : float
        Least-squares line
        :math:`\\log_{10}\\mathrm{rms} \\approx \\mathrm{slope}\\,\\log_{10} m + \\mathrm{intercept}`.
    fit : ShallowFit
        The fit at ``width`` (the width shown).
    numbers : dict
        Headline numbers.
    """

    widths: np.ndarray
    rms: np.ndarray
    max_error: np.ndarray
    slope: float
    intercept: float
    fit: ShallowFit
    numbers: dict = field(default_factory=dict)


def approximation_study(name: str = "sine", width: int = 16, *, activation: str = "relu", points: Any = None,
                        n_train: int = 1000, max_width: int = 256, seed: int = 0) -> ApproximationStudy:
    r"""Fit ``target(name)`` with one hidden layer of widths :math:`m = 2, 4, \dots, \mathrm{max\_width}` and
    measure the error's rate :math:`\mathrm{rms}(m) \approx C m^{s}` (a line of slope :math:`s` on log-log axes).

    For ReLU units with knots spread over the interval the fit is a piecewise-linear spline with spacing
    :math:`h \sim 1/m`: smooth targets give :math:`s \approx -2`, a kink (:math:`|x|`) :math:`s \approx -1.5`, a
    jump (step) :math:`s \approx -0.5` (the root-mean-square of an error O(1) on a set of size h). A linear
    :math:`\sigma` gives :math:`s \approx 0`: no width helps (Leshno et al. 1993).

    Parameters
    ----------
    name : str
        A target of :func:`target`.
    width : int
        The width whose fit is returned in ``fit``.
    activation : {"relu", "tanh", "linear"}
    points : array_like, optional
        Control values of the ``drawn`` target.
    n_train : int
        Equally spaced training points in [-1, 1].
    max_width : int
        The largest width of the sweep (powers of 2 from 2; the slope is fitted over the widths >= 8).
    seed : int

    Returns
    -------
    ApproximationStudy

    Raises
    ------
    ValueError
        As :func:`target` and :func:`fit_shallow`, or ``max_width < 16``.

    References
    ----------
    K. Hornik, M. Stinchcombe and H. White (1989); G. Cybenko (1989); M. Leshno et al. (1993);
    A. R. Barron, Universal approximation bounds for superpositions of a sigmoidal function, IEEE Trans. Inf.
    Theory 39 (1993) (rates).

    Examples
    --------
    >>> s = approximation_study("sine", 8, max_width=64)
    >>> bool(s.slope < -1.5)
    True
    """
    if max_width < 16:
        raise ValueError(f"max_width must be at least 16, got {max_width}")
    x = np.linspace(-1.0, 1.0, int(n_train))
    xt = np.linspace(-1.0, 1.0, 2001)
    y, yt = target(name, x, points), target(name, xt, points)
    widths = 2 ** np.arange(1, int(np.log2(max_width)) + 1)
    rms, mx = [], []
    for m in widths:
        e = fit_shallow(x, y, int(m), activation=activation, seed=seed).predict(xt) - yt
        rms.append(np.sqrt(np.mean(e ** 2)))
        mx.append(np.max(np.abs(e)))
    rms, mx = np.array(rms), np.array(mx)
    fitted = widths >= 8  # widths 2 and 4 are before the asymptotic rate
    slope, intercept = np.polyfit(np.log10(widths[fitted]), np.log10(np.maximum(rms[fitted], 1e-300)), 1)
    fit = fit_shallow(x, y, width, activation=activation, seed=seed)
    e = fit.predict(xt) - yt
    numbers = {f"rms error at width {width}": float(np.sqrt(np.mean(e ** 2))),
               f"max error at width {width}": float(np.max(np.abs(e))),
               "log-log slope of rms error vs width": float(slope), f"rms error at width {widths[-1]}": float(rms[-1])}
    return ApproximationStudy(widths, rms, mx, float(slope), float(intercept), fit, numbers)


# ------------------------------------------------------------------------------------------------- optimizer zoo
def rosenbrock(x: np.ndarray, a: float = 1.0, b: float = 100.0) -> tuple[float, np.ndarray]:
    r"""Rosenbrock's banana :math:`f(x, y) = (a - x)^2 + b (y - x^2)^2` and its gradient.

    Minimum :math:`f = 0` at :math:`(a, a^2)`; the valley :math:`y = x^2` is curved and narrow (Hessian condition
    number about 2500 at the minimum for :math:`b = 100`).

    Parameters
    ----------
    x : array_like, shape (2,)
    a, b : float

    Returns
    -------
    f : float
    g : ndarray, shape (2,)

    References
    ----------
    H. H. Rosenbrock, An automatic method for finding the greatest or least value of a function, Comput. J. 3 (1960).

    Examples
    --------
    >>> rosenbrock(np.array([1.0, 1.0]))[0]
    0.0
    """
    x1, x2 = float(x[0]), float(x[1])
    r = x2 - x1 * x1
    f = (a - x1) ** 2 + b * r * r
    return f, np.array([-2.0 * (a - x1) - 4.0 * b * x1 * r, 2.0 * b * r])


def saddle(x: np.ndarray) -> tuple[float, np.ndarray]:
    r"""A strict saddle with two minima: :math:`f(x, y) = x^2 - y^2 + y^4/4` and its gradient.

    Saddle point at the origin (Hessian :math:`\mathrm{diag}(2, -2)`), minima :math:`f = -1` at
    :math:`(0, \pm\sqrt 2)`. Started on (or very near) the line :math:`y = 0`, gradient descent is attracted to the
    saddle and leaves it only as fast as the small :math:`y` grows.

    Parameters
    ----------
    x : array_like, shape (2,)

    Returns
    -------
    f, g : float, ndarray
        As :func:`rosenbrock`.

    References
    ----------
    S. Ruder (2016), Fig. 4b (the saddle race); R. Ge, F. Huang, C. Jin and Y. Yuan, Escaping from saddle points,
    COLT 2015.

    Examples
    --------
    >>> saddle(np.array([0.0, 2.0]))
    (0.0, array([0., 4.]))
    """
    x1, x2 = float(x[0]), float(x[1])
    return x1 * x1 - x2 * x2 + 0.25 * x2 ** 4, np.array([2.0 * x1, -2.0 * x2 + x2 ** 3])


def quadratic(x: np.ndarray, kappa: float = 25.0) -> tuple[float, np.ndarray]:
    r"""The ill-conditioned quadratic :math:`f(x, y) = \tfrac12 (x^2 + \kappa y^2)` and its gradient.

    Hessian :math:`\mathrm{diag}(1, \kappa)`, condition number :math:`\kappa`, minimum 0 at the origin.

    Parameters
    ----------
    x : array_like, shape (2,)
    kappa : float
        The condition number (> 0).

    Returns
    -------
    tuple
        ``(f, g)``, the value and the gradient (shape (2,)).

    References
    ----------
    J. Nocedal and S. J. Wright, Numerical Optimization, 2nd ed. (2006), Sec. 3.3 (rate of steepest descent).

    Examples
    --------
    >>> quadratic(np.array([1.0, 1.0]), kappa=4.0)
    (2.5, array([1., 4.]))
    """
    x1, x2 = float(x[0]), float(x[1])
    return 0.5 * (x1 * x1 + kappa * x2 * x2), np.array([x1, kappa * x2])


@dataclass(frozen=True)
class ZooProblem:
    """A 2-D test function of the optimizer race (:func:`zoo_problem`).

    Attributes
    ----------
    name : str
    fun : callable
        ``fun(x) -> (f, g)``.
    x0 : ndarray, shape (2,)
        The common start.
    minimizers : ndarray, shape (k, 2)
        The global minimizers.
    f_min : float
    bounds : tuple
        ``(xmin, xmax, ymin, ymax)`` of the contour plot.
    """

    name: str
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]]
    x0: np.ndarray
    minimizers: np.ndarray
    f_min: float
    bounds: tuple

    @property
    def objective(self) -> FunctionObjective:
        """The problem as an :class:`~numdl_core.optim.FunctionObjective` (for the solvers).

        Returns
        -------
        FunctionObjective
        """
        return FunctionObjective(self.fun, 2)

    def distance(self, x: np.ndarray) -> float:
        """Distance from ``x`` to the nearest global minimizer.

        Parameters
        ----------
        x : array_like, shape (2,)

        Returns
        -------
        float
        """
        return float(np.min(np.linalg.norm(self.minimizers - np.asarray(x, dtype=float), axis=1)))

    def grid(self, n: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``f`` on an ``n`` x ``n`` grid of ``bounds`` (for contours).

        Parameters
        ----------
        n : int

        Returns
        -------
        gx, gy : ndarray, shape (n,)
        F : ndarray, shape (n, n)
            ``F[j, i] = f(gx[i], gy[j])``.
        """
        gx = np.linspace(self.bounds[0], self.bounds[1], n)
        gy = np.linspace(self.bounds[2], self.bounds[3], n)
        F = np.array([[self.fun(np.array([a, b]))[0] for a in gx] for b in gy])
        return gx, gy, F


ZOO_PROBLEMS = ("rosenbrock", "saddle", "quadratic")


def zoo_problem(name: str, *, kappa: float = 25.0) -> ZooProblem:
    r"""The race's test functions: Rosenbrock from :math:`(-1.2, 1)`, the saddle from :math:`(-1.5, 10^{-3})`, the
    quadratic with condition number :math:`\kappa` from :math:`(-4, 1)`.

    Parameters
    ----------
    name : {"rosenbrock", "saddle", "quadratic"}
    kappa : float
        Condition number of the quadratic (> 0).

    Returns
    -------
    ZooProblem

    Raises
    ------
    ValueError
        For an unknown name or ``kappa <= 0``.

    References
    ----------
    H. H. Rosenbrock (1960) (the start (-1.2, 1) is his); S. Ruder, arXiv:1609.04747 (2016).

    Examples
    --------
    >>> zoo_problem("rosenbrock").minimizers
    array([[1., 1.]])
    """
    if name == "rosenbrock":
        return ZooProblem(name, rosenbrock, np.array([-1.2, 1.0]), np.array([[1.0, 1.0]]), 0.0, (-2.0, 2.0, -1.0, 3.0))
    if name == "saddle":
        r = np.sqrt(2.0)
        return ZooProblem(name, saddle, np.array([-1.5, 1e-3]), np.array([[0.0, r], [0.0, -r]]), -1.0,
                          (-2.0, 2.0, -2.0, 2.0))
    if name == "quadratic":
        if not kappa > 0:
            raise ValueError(f"kappa must be positive, got {kappa!r}")
        k = float(kappa)
        return ZooProblem(name, lambda x: quadratic(x, k), np.array([-4.0, 1.0]), np.zeros((1, 2)), 0.0,
                          (-4.5, 4.5, -1.5, 1.5))
    raise ValueError(f"unknown problem {name!r}; choose one of {', '.join(ZOO_PROBLEMS)}")


@tunable("lr", "batch_size", "decay")
def rmsprop(obj: Any, theta0: np.ndarray, *, lr: float = 1e-2, rho: float = 0.9, eps: float = 1e-8,
            batch_size: int | None = None, decay: float = 0.0, maxiter: int = 10**6,
            seed: int | np.random.Generator = 0, shuffle: bool = True, tol: float = 1e-10,
            blowup: float = BLOWUP) -> Iterator[Step]:
    r"""RMSprop: steps divided by a running root-mean-square of the gradient.

    For the k-th update with the (mini-batch) gradient :math:`g_k`:

    .. math::
        E_k = \rho E_{k-1} + (1 - \rho) g_k^2, \qquad
        \theta_k = \theta_{k-1} - \eta\, \frac{g_k}{\sqrt{E_k} + \epsilon},

    with :math:`E_0 = 0` (elementwise). Unlike AdaGrad's sum, the average forgets old gradients, so the step does
    not decay to zero. Batching, work and the records are those of :func:`numdl_core.optim.adam` (here the full
    batch by default: one Step per update); the protocol is that of :mod:`numdl_core.iterate`, and :math:`E` is kept
    when ``lr``, ``batch_size`` or ``decay`` are sent mid-run.

    Parameters
    ----------
    obj, theta0, batch_size, decay, seed, shuffle, tol, maxiter, blowup
        As for :func:`numdl_core.optim.adam`.
    lr : float, optional
        :math:`\eta`. Tunable.
    rho : float, optional
        Decay of the average, in [0, 1).
    eps : float, optional
        :math:`\epsilon > 0`.

    Yields
    ------
    Step
        As for :func:`numdl_core.optim.adam`.

    Raises
    ------
    ValueError
        For ``rho`` outside [0, 1), ``eps <= 0`` or the bad values :func:`numdl_core.optim.adam` rejects.

    References
    ----------
    T. Tieleman and G. Hinton, Lecture 6.5 - RMSProp, COURSERA: Neural Networks for Machine Learning (2012).
    S. Ruder, arXiv:1609.04747 (2016), Sec. 4.5.

    Examples
    --------
    >>> obj = FunctionObjective(lambda x: (0.5 * x @ x, x), 1)      # first step lr / sqrt(1 - rho)
    >>> [s.x.round(6).tolist() for s in rmsprop(obj, [1.0], lr=0.1, maxiter=1)]
    [[1.0], [0.683772]]
    """
    rho = optim.check_fraction("rho", rho)
    eps = optim.check_positive("eps", eps)
    params = {"lr": lr, "batch_size": batch_size, "decay": decay}
    E: np.ndarray | None = None

    def update(theta, grad_at, k):
        nonlocal E
        g = grad_at(theta)
        E = rho * (E if E is not None else np.zeros_like(theta)) + (1.0 - rho) * g * g
        params["lr_k"] = lr_k = optim._decayed(params["lr"], params["decay"], k)
        return theta - lr_k * g / (np.sqrt(E) + eps)

    tunables = {n: c for n, c in optim._sgd_tunables(obj).items() if n in rmsprop.tunables}
    return (yield from optim._stochastic(obj, theta0, update, params, tunables, seed=seed, shuffle=shuffle, tol=tol,
                                         maxiter=maxiter, blowup=blowup))


ZOO_METHODS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


RACE_BLOWUP = 1e6
"""The blow-up factor of the race (:func:`race_summary`, the page): a 2-D run counts as diverged once its loss grew
:math:`10^6`-fold, not :data:`~numdl_core.iterate.BLOWUP`-fold."""


def zoo_method(method: str, obj: Any, theta0: np.ndarray, *, lr: float, momentum: float = 0.9, maxiter: int = 10**6,
               tol: float = 1e-10, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""One runner of the optimizer race, full batch (one Step per update, 2 data passes each).

    ``sgd``: :math:`\theta_{k+1} = \theta_k - \eta g_k` (deterministic here: gradient descent); ``momentum``:
    :math:`v_{k+1} = \mu v_k - \eta g_k`, :math:`\theta_{k+1} = \theta_k + v_{k+1}`; ``nesterov``: the same with the
    gradient at :math:`\theta_k + \mu v_k`; ``adagrad``, ``rmsprop`` (:func:`rmsprop`) and ``adam`` scale each
    coordinate by past squared gradients. A dispatcher: it returns the generator of
    :func:`numdl_core.optim.sgd`, :func:`~numdl_core.optim.adagrad`, :func:`~numdl_core.optim.adam` (all with
    ``batch_size=None``) or :func:`rmsprop`, which follow the protocol of :mod:`numdl_core.iterate`; ``lr`` can be
    sent mid-run (``gen.send({"lr": ...})``).

    Parameters
    ----------
    method : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    obj : object
        An objective (``value_and_grad``, ``n_params``), e.g. ``zoo_problem(...).objective``.
    theta0 : array_like
    lr : float
        The step size :math:`\eta`. Tunable.
    momentum : float
        :math:`\mu` of momentum and Nesterov.
    maxiter, tol, blowup
        As in :mod:`numdl_core.iterate` (the race uses ``blowup=RACE_BLOWUP``).

    Returns
    -------
    generator of Step

    Raises
    ------
    ValueError
        For an unknown method (the underlying method checks its values at the first ``next``).

    References
    ----------
    S. Ruder, An overview of gradient descent optimization algorithms, arXiv:1609.04747 (2016); B. T. Polyak (1964);
    Y. Nesterov (1983); J. Duchi, E. Hazan and Y. Singer (2011); D. P. Kingma and J. Ba (2015).

    Examples
    --------
    >>> p = zoo_problem("quadratic", kappa=4.0)
    >>> [s.x.tolist() for s in zoo_method("sgd", p.objective, [1.0, 1.0], lr=0.25, maxiter=1)]
    [[1.0, 1.0], [0.75, 0.0]]
    """
    kw = dict(lr=lr, batch_size=None, maxiter=maxiter, tol=tol, blowup=blowup)
    if method == "sgd":
        return optim.sgd(obj, theta0, **kw)
    if method in ("momentum", "nesterov"):
        return optim.sgd(obj, theta0, momentum=momentum, nesterov=method == "nesterov", **kw)
    if method == "adagrad":
        return optim.adagrad(obj, theta0, **kw)
    if method == "rmsprop":
        return rmsprop(obj, theta0, **kw)
    if method == "adam":
        return optim.adam(obj, theta0, **kw)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(ZOO_METHODS)}")


def gd_quadratic_rate(kappa: float, step: float) -> float:
    r"""The contraction factor of gradient descent on :math:`\tfrac12(x^2 + \kappa y^2)`:
    :math:`\rho(t) = \max(|1 - t|, |1 - t\kappa|)`.

    Each coordinate is multiplied by :math:`1 - t\lambda_i` per step, so the error falls like :math:`\rho^k`; the
    best step :math:`t = 2/(1 + \kappa)` gives :math:`(\kappa - 1)/(\kappa + 1)`, and :math:`t > 2/\kappa` diverges.

    Parameters
    ----------
    kappa : float
    step : float

    Returns
    -------
    float

    References
    ----------
    J. Nocedal and S. J. Wright, Numerical Optimization, 2nd ed. (2006), Sec. 3.3.

    Examples
    --------
    >>> gd_quadratic_rate(9.0, 0.2)
    0.8
    """
    return float(max(abs(1.0 - step), abs(1.0 - step * kappa)))


@dataclass(frozen=True)
class RaceSummary:
    """How a runner did (:func:`race_summary`).

    Attributes
    ----------
    method, iterations : str, int
        The method of :func:`zoo_method` and the iterations run.
    loss_gap : float
        :math:`f(x_k) - f^*` at the end (nan if diverged).
    distance : float
        Distance to the nearest minimizer at the end.
    reached : int or None
        First iteration with distance < ``tol`` (None if never).
    diverged_at : int or None
        The iteration at which the run diverged.
    """

    method: str
    iterations: int
    loss_gap: float
    distance: float
    reached: int | None
    diverged_at: int | None


def race_summary(problem: ZooProblem, method: str, lr: float, iterations: int, *, tol: float = 1e-3,
                 momentum: float = 0.9, blowup: float = RACE_BLOWUP) -> RaceSummary:
    r"""Run one method of :func:`zoo_method` for ``iterations`` and summarize it.

    Parameters
    ----------
    problem : ZooProblem
    method : str
    lr : float
    iterations : int
    tol : float
        Distance to a minimizer that counts as arrived.
    momentum : float
    blowup : float
        The blow-up factor (:data:`RACE_BLOWUP`, as on the page).

    Returns
    -------
    RaceSummary

    References
    ----------
    S. Ruder, arXiv:1609.04747 (2016).

    Examples
    --------
    >>> race_summary(zoo_problem("quadratic", kappa=4.0), "sgd", 0.4, 50).reached   # 4 * 0.6**k < 1e-3
    17
    """
    reached = diverged = None
    last = None
    for s in zoo_method(method, problem.objective, problem.x0, lr=lr, maxiter=iterations, momentum=momentum,
                        blowup=blowup):
        last = s
        if s.info.get("diverged"):
            diverged = s.iteration
        elif reached is None and problem.distance(s.x) < tol:
            reached = s.iteration
    gap = float(last.loss - problem.f_min) if diverged is None else float("nan")
    return RaceSummary(method, last.iteration, gap, problem.distance(last.x), reached, diverged)


# ------------------------------------------------------------------------------------------ autoencoder vs PCA
CURVES = ("arc", "wave", "helix")


def curve_data(name: str = "arc", n: int = 200, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    r"""Points near a 1-D curve: ``arc`` (half circle in 2-D), ``wave`` (:math:`(t, 0.6\sin(\pi t))` in 2-D),
    ``helix`` (:math:`(\cos 1.5\pi t, \sin 1.5\pi t, t)` in 3-D), with :math:`t \sim U[-1, 1]` and Gaussian noise.

    Parameters
    ----------
    name : {"arc", "wave", "helix"}
    n : int
        Points (rows).
    noise : float
        Standard deviation of the added noise (>= 0).
    seed : int

    Returns
    -------
    ndarray, shape (n, 2) or (n, 3)

    Raises
    ------
    ValueError
        For an unknown name, ``n < 3`` or ``noise < 0``.

    References
    ----------
    M. A. Kramer, AIChE J. 37 (1991) (data on a curve, nonlinear PCA).

    Examples
    --------
    >>> curve_data("helix", 5).shape
    (5, 3)
    """
    if n < 3 or not noise >= 0:
        raise ValueError(f"need n >= 3 and noise >= 0, got n = {n}, noise = {noise}")
    rng = np.random.default_rng(seed)
    t = rng.uniform(-1.0, 1.0, int(n))
    if name == "arc":
        X = np.column_stack([np.cos(np.pi * (t + 1) / 2), np.sin(np.pi * (t + 1) / 2)])
    elif name == "wave":
        X = np.column_stack([t, 0.6 * np.sin(np.pi * t)])
    elif name == "helix":
        X = np.column_stack([np.cos(1.5 * np.pi * t), np.sin(1.5 * np.pi * t), t])
    else:
        raise ValueError(f"unknown curve {name!r}; choose one of {', '.join(CURVES)}")
    return X + noise * rng.standard_normal(X.shape)


class Autoencoder(optim.Objective):
    r"""Kramer's autoassociative network with a bottleneck, as an objective over the data ``X``.

    .. math::
        H_1 = \sigma(X W_1 + \mathbf 1 b_1^\top),\quad Z = H_1 W_2 + \mathbf 1 b_2^\top,\quad
        H_3 = \sigma(Z W_3 + \mathbf 1 b_3^\top),\quad \hat X = H_3 W_4 + \mathbf 1 b_4^\top,

    .. math:: f(\theta) = \frac{1}{2n} \|\hat X - X\|_F^2,

    with ``hidden`` units in the mapping and demapping layers, a ``code``-dimensional bottleneck Z, and
    :math:`\sigma = \tanh` (or the identity for ``activation="linear"``: then :math:`\hat X` is an affine map of X
    of rank at most ``code``, and the best one is PCA's). Rows are examples. The gradient is backpropagation.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    hidden : int
    code : int
    activation : {"tanh", "linear"}

    Attributes
    ----------
    n_params : int
    n_samples : int
    shapes : list of tuple
        Shapes of W1, b1, W2, b2, W3, b3, W4, b4 in ``theta``.

    Raises
    ------
    ValueError
        For an unknown activation or sizes below 1.

    References
    ----------
    M. A. Kramer (1991); P. Baldi and K. Hornik (1989); D. E. Rumelhart, G. E. Hinton and R. J. Williams (1986).
    """

    def __init__(self, X: np.ndarray, hidden: int = 16, code: int = 1, activation: str = "tanh"):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or hidden < 1 or code < 1:
            raise ValueError("X must be 2-D (rows are examples), hidden and code at least 1")
        if activation not in ("tanh", "linear"):
            raise ValueError(f"unknown activation {activation!r}; choose 'tanh' or 'linear'")
        self.X, self.hidden, self.code, self.activation = X, int(hidden), int(code), activation
        d = X.shape[1]
        self.shapes = [(d, hidden), (hidden,), (hidden, code), (code,), (code, hidden), (hidden,), (hidden, d), (d,)]
        self.n_params = int(sum(np.prod(s) for s in self.shapes))
        self.n_samples = X.shape[0]

    def unpack(self, theta: np.ndarray) -> list[np.ndarray]:
        """The weights ``[W1, b1, W2, b2, W3, b3, W4, b4]`` as views of ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        list of ndarray
        """
        out, i = [], 0
        for s in self.shapes:
            k = int(np.prod(s))
            out.append(theta[i:i + k].reshape(s))
            i += k
        return out

    def init(self, seed: int = 0) -> np.ndarray:
        """Glorot-scaled random weights, zero biases.

        Parameters
        ----------
        seed : int

        Returns
        -------
        ndarray, shape (n_params,)
        """
        rng = np.random.default_rng(seed)
        parts = [rng.standard_normal(s) * np.sqrt(2.0 / sum(s)) if len(s) == 2 else np.zeros(s) for s in self.shapes]
        return np.concatenate([p.ravel() for p in parts])

    def _act(self, A):
        return np.tanh(A) if self.activation == "tanh" else A

    def _dact(self, H):
        return 1.0 - H * H if self.activation == "tanh" else np.ones_like(H)

    def encode(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """The codes :math:`Z` of the rows of ``X`` (default the data).

        Parameters
        ----------
        theta : ndarray
        X : ndarray, shape (m, d), optional

        Returns
        -------
        ndarray, shape (m, code)
        """
        W1, b1, W2, b2, *_ = self.unpack(theta)
        return self._act((self.X if X is None else X) @ W1 + b1) @ W2 + b2

    def decode(self, theta: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """The reconstructions :math:`\\hat X` of codes ``Z``.

        Parameters
        ----------
        theta : ndarray
        Z : ndarray, shape (m, code)

        Returns
        -------
        ndarray, shape (m, d)
        """
        *_, W3, b3, W4, b4 = self.unpack(theta)
        return self._act(np.asarray(Z, dtype=float) @ W3 + b3) @ W4 + b4

    def reconstruction_error(self, theta: np.ndarray) -> float:
        """Mean squared reconstruction error :math:`\\frac1n \\|\\hat X - X\\|_F^2` (= 2 f).

        Parameters
        ----------
        theta : ndarray

        Returns
        -------
        float
        """
        R = self.decode(theta, self.encode(theta)) - self.X
        return float(np.sum(R * R) / self.n_samples)

    def batch_value_and_grad(self, theta: np.ndarray, idx: np.ndarray) -> tuple[float, np.ndarray]:
        """:math:`f` and its gradient over the rows ``idx`` only (mini-batches).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        idx : ndarray of int

        Returns
        -------
        f : float
        g : ndarray, shape (n_params,)
        """
        return self._value_and_grad(theta, self.X[idx])

    # documented in Objective
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._value_and_grad(theta, self.X)

    def _value_and_grad(self, theta, X):
        W1, b1, W2, b2, W3, b3, W4, b4 = self.unpack(np.asarray(theta, dtype=float))
        n = X.shape[0]
        H1 = self._act(X @ W1 + b1)
        Z = H1 @ W2 + b2
        H3 = self._act(Z @ W3 + b3)
        R = H3 @ W4 + b4 - X
        f = 0.5 * float(np.sum(R * R)) / n
        D4 = R / n
        G3 = (D4 @ W4.T) * self._dact(H3)
        DZ = G3 @ W3.T
        G1 = (DZ @ W2.T) * self._dact(H1)
        grads = [X.T @ G1, G1.sum(0), H1.T @ DZ, DZ.sum(0), Z.T @ G3, G3.sum(0), H3.T @ D4, D4.sum(0)]
        return f, np.concatenate([g.ravel() for g in grads])


@dataclass(frozen=True)
class PCA:
    """Principal component analysis of the rows of X (:func:`pca`).

    Attributes
    ----------
    mean : ndarray, shape (d,)
    components : ndarray, shape (k, d)
        Orthonormal rows: the leading right singular vectors of the centred data.
    singular_values : ndarray, shape (min(n, d),)
    reconstruction : ndarray, shape (n, d)
        :math:`\\mu + (X - \\mu) V_k V_k^\\top`.
    error : float
        Mean squared reconstruction error :math:`\\frac1n\\sum_{i>k}\\sigma_i^2`.
    """

    mean: np.ndarray
    components: np.ndarray
    singular_values: np.ndarray
    reconstruction: np.ndarray
    error: float


def pca(X: np.ndarray, k: int = 1) -> PCA:
    r"""The best rank-k affine approximation of the rows of X (Eckart-Young), by the SVD of the centred data.

    .. math:: X - \mathbf 1\mu^\top = U\Sigma V^\top,\qquad \hat X = \mathbf 1\mu^\top + (X - \mathbf 1\mu^\top)
              V_k V_k^\top,\qquad \tfrac1n\|X - \hat X\|_F^2 = \tfrac1n \sum_{i > k} \sigma_i^2.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    k : int
        Components kept, ``1 <= k <= d``.

    Returns
    -------
    PCA

    Raises
    ------
    ValueError
        For ``k`` outside ``[1, d]``.

    References
    ----------
    K. Pearson, On lines and planes of closest fit, Phil. Mag. 2 (1901); C. Eckart and G. Young, Psychometrika 1
    (1936).

    Examples
    --------
    >>> pca(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])).error < 1e-30
    True
    """
    X = np.asarray(X, dtype=float)
    if not 1 <= k <= X.shape[1]:
        raise ValueError(f"k must be in [1, {X.shape[1]}], got {k}")
    mu = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mu, full_matrices=False)
    V = Vt[:k]
    rec = mu + (X - mu) @ V.T @ V
    return PCA(mu, V, s, rec, float(np.sum(s[k:] ** 2) / X.shape[0]))


@dataclass(frozen=True)
class AutoencoderFit:
    """A trained autoencoder (:func:`fit_autoencoder`).

    Attributes
    ----------
    model, theta : Autoencoder, ndarray
        The model and its trained parameters.
    error : float
        Mean squared reconstruction error.
    iterations : int
    """

    model: Autoencoder
    theta: np.ndarray
    error: float
    iterations: int


def fit_autoencoder(X: np.ndarray, hidden: int = 16, *, code: int = 1, activation: str = "tanh", seed: int = 0,
                    maxiter: int = 3000, gtol: float = 1e-12) -> AutoencoderFit:
    r"""Train :class:`Autoencoder` to a local minimum with L-BFGS (``scipy.optimize.minimize``).

    Parameters
    ----------
    X : ndarray, shape (n, d)
    hidden, code, activation
        As :class:`Autoencoder`.
    seed : int
        The initial weights.
    maxiter : int
    gtol : float
        L-BFGS gradient tolerance.

    Returns
    -------
    AutoencoderFit

    References
    ----------
    D. C. Liu and J. Nocedal, On the limited memory BFGS method for large scale optimization, Math. Program. 45
    (1989); M. A. Kramer (1991).

    Examples
    --------
    >>> fit = fit_autoencoder(curve_data("arc", 50), 4, activation="linear", maxiter=200)
    >>> bool(abs(fit.error - pca(curve_data("arc", 50)).error) < 1e-8)
    True
    """
    model = Autoencoder(X, hidden, code, activation)
    res = scipy.optimize.minimize(model.value_and_grad, model.init(seed), jac=True, method="L-BFGS-B",
                                  options=dict(maxiter=int(maxiter), gtol=gtol, ftol=1e-15, maxcor=20))
    return AutoencoderFit(model, res.x, model.reconstruction_error(res.x), int(res.nit))


def linear_autoencoder_vs_pca(X: np.ndarray, code: int = 1, *, hidden: int = 4, seed: int = 0) -> dict:
    r"""Train a linear autoencoder and compare it with PCA: the subspace its decoder spans, and its error.

    With :math:`\sigma = \mathrm{id}` the reconstruction is :math:`\hat x = z W_3W_4 + c`, so it lies in the row
    space of :math:`W_3 W_4` (dimension ``code``). At a minimum this equals the span of the leading ``code``
    principal directions (Baldi and Hornik 1989): the largest principal angle (``scipy.linalg.subspace_angles``)
    is at round-off level, and the errors agree.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    code : int
    hidden : int
    seed : int

    Returns
    -------
    dict
        ``"largest principal angle (rad)"``, ``"linear AE error"``, ``"PCA error"``, ``"iterations"``.

    References
    ----------
    P. Baldi and K. Hornik, Neural networks and principal component analysis: learning from examples without
    local minima, Neural Networks 2 (1989) 53-58. A. Bjorck and G. H. Golub, Math. Comp. 27 (1973) (principal
    angles).

    Examples
    --------
    >>> r = linear_autoencoder_vs_pca(curve_data("helix", 100), code=2)
    >>> bool(r["largest principal angle (rad)"] < 1e-6)
    True
    """
    fit = fit_autoencoder(X, hidden, code=code, activation="linear", seed=seed)
    W3, W4 = fit.model.unpack(fit.theta)[4], fit.model.unpack(fit.theta)[6]
    P = pca(X, code)
    angle = float(np.max(scipy.linalg.subspace_angles((W3 @ W4).T, P.components.T)))
    return {"largest principal angle (rad)": angle, "linear AE error": fit.error, "PCA error": P.error,
            "iterations": float(fit.iterations)}
