r"""The problems of the linear-classification lesson, their optimum, and which gradient-descent steps are safe.

A problem is a data set (2-D toy data or the 8x8 digits with a train/test split), a feature map and the
regularized softmax cross-entropy of :class:`numdl_core.classify.SoftmaxRegression`,

.. math::
    f(\theta) = \frac1n \sum_{i=1}^n -\log \mathrm{softmax}(x_i W + b)_{y_i} + \frac{\alpha}{2}\|W\|_F^2,
    \qquad \theta = [\operatorname{vec}(W);\ b].

Its Hessian is bounded by :math:`L = \|[X\ \mathbf 1]\|_2^2/(2n) + \alpha`, so gradient descent with a fixed
step :math:`t < 2/L` decreases :math:`f` at every iteration (Nocedal and Wright 2006, Sec. 3.3). Beyond
:math:`2/L` it overshoots; yet the cross-entropy grows only linearly in :math:`W` (its gradient is bounded), so
the iterates blow up only when the quadratic Tikhonov term does: each step multiplies :math:`W` by
:math:`1 - t\alpha` plus a bounded term, which grows geometrically once :math:`t\alpha > 2`
(:func:`step_regime`).

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 3 (linear classification, Newton-CG).
C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer, 2006, Sec. 4.3.4.
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 3.3 and Ch. 7.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core import classify
from numdl_core._validate import check_positive
from numdl_core.data import load_digits, make_dataset, n_classes_of
from numdl_core.optim import newton_cg

__all__ = ["DATASETS", "ClassificationProblem", "classification_problem", "Optimum", "reference_optimum",
           "StepRegime", "step_regime", "loss_increases", "iterate_report", "ConvergenceRate", "convergence_rate"]

DATASETS = ("linear", "blobs", "ellipses", "peaks", "digits")
"""The data sets of the lesson: four 2-D sets (:func:`numdl_core.data.make_dataset`) and the 8x8 digits."""


@dataclass(frozen=True)
class ClassificationProblem:
    """A data set, its feature map and the softmax-regression objective on the training samples.

    Attributes
    ----------
    data : str
        The data set's name (one of :data:`DATASETS`).
    feature_map : str
        The feature map (one of :data:`numdl_core.classify.FEATURES`; ``"linear"`` for the digits).
    X : ndarray, shape (n, 2), or None
        The 2-D training points (None for the digits, whose features are the 64 pixels).
    y : ndarray of int, shape (n,)
        Training labels.
    obj : SoftmaxRegression
        The objective on the training features.
    X_test, y_test : ndarray or None
        The held-out digits and their labels (None for the 2-D sets).
    """

    data: str
    feature_map: str
    X: np.ndarray | None
    y: np.ndarray
    obj: classify.SoftmaxRegression
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        """The number of classes :math:`C`."""
        return self.obj.n_classes

    def decision_map(self, theta: np.ndarray, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The class predicted by ``theta`` on an ``n x n`` grid covering the 2-D training points.

        Parameters
        ----------
        theta : ndarray, shape (obj.n_params,)
            The classifier's parameters.
        n : int
            Grid points per axis.

        Returns
        -------
        gx, gy, labels : ndarray
            As :func:`numdl_core.classify.decision_map` (``labels[j, i]`` at ``(gx[i], gy[j])``).

        Raises
        ------
        ValueError
            For the digits (64-D: no map in the plane).
        """
        if self.X is None:
            raise ValueError(f"the {self.data} data are not 2-D: there is no decision map in the plane")
        return classify.decision_map(lambda P: self.obj.predict(theta, classify.features(P, self.feature_map)),
                                     self.X, n=n)

    def test_accuracy(self, theta: np.ndarray) -> float:
        """Fraction of the held-out samples classified correctly (nan without a test set).

        Parameters
        ----------
        theta : ndarray, shape (obj.n_params,)

        Returns
        -------
        float
            In [0, 1], or nan for the 2-D sets.
        """
        if self.X_test is None:
            return float("nan")
        return self.obj.accuracy(theta, self.X_test, self.y_test)


def classification_problem(data: str = "blobs", *, features: str = "linear", n: int = 300, noise: float = 0.1,
                           seed: int = 0, n_train: int = 1000, alpha: float = 1e-3) -> ClassificationProblem:
    r"""Build a problem of the lesson: data, features and the objective :math:`f` above.

    2-D sets: ``n`` points of :func:`numdl_core.data.make_dataset` (``noise``, ``seed``) mapped by
    ``features``. Digits: the 1797 images in the order of a random permutation (``seed``), the first ``n_train``
    for training and the rest as the test set (``features``, ``n`` and ``noise`` are not used).

    Parameters
    ----------
    data : str
        One of :data:`DATASETS`.
    features : str
        ``"linear"`` or ``"quadratic"`` (:func:`numdl_core.classify.features`).
    n : int
        Number of 2-D points.
    noise : float
        Jitter of the 2-D points.
    seed : int
        Seeds the points, or the digits' split.
    n_train : int
        Training images (1 to 1796).
    alpha : float
        Tikhonov weight :math:`\alpha \ge 0` (the course's :math:`\lambda`).

    Returns
    -------
    ClassificationProblem

    Raises
    ------
    ValueError
        For an unknown data set or feature map, or ``n_train`` outside 1..1796.

    References
    ----------
    Ruthotto and Haber, Module 3; the digits: Alpaydin and Kaynak (1998).

    Examples
    --------
    >>> pr = classification_problem("peaks", features="quadratic", n=400)
    >>> pr.obj.n_samples, pr.obj.n_features, pr.n_classes, pr.obj.n_params
    (400, 5, 5, 30)
    """
    if data not in DATASETS:
        raise ValueError(f"unknown data set {data!r}; choose one of {', '.join(DATASETS)}")
    if data == "digits":
        X, y = load_digits()
        if not 1 <= int(n_train) < y.size:
            raise ValueError(f"n_train must lie in 1..{y.size - 1} (the rest is the test set), got {n_train}")
        perm = np.random.default_rng(seed).permutation(y.size)
        tr, te = perm[:int(n_train)], perm[int(n_train):]
        obj = classify.softmax_regression(X[tr], y[tr], 10, alpha)
        return ClassificationProblem(data, "linear", None, y[tr], obj, X[te], y[te])
    X, y = make_dataset(data, n, noise, seed)
    obj = classify.softmax_regression(classify.features(X, features), y, n_classes_of(data), alpha)
    return ClassificationProblem(data, features, X, y, obj)


@dataclass(frozen=True)
class Optimum:
    """The minimizer of an objective as found by a tight Newton-CG run.

    Attributes
    ----------
    theta : ndarray
        The minimizer.
    loss : float
        :math:`f^* = f(\\theta^*)`.
    grad_norm : float
        :math:`\\|\\nabla f(\\theta^*)\\|` (how well it was solved).
    iterations : int
        Newton iterations used.
    """

    theta: np.ndarray
    loss: float
    grad_norm: float
    iterations: int


def reference_optimum(obj, *, cg_tol: float = 1e-4, cg_maxiter: int = 100, maxiter: int = 100) -> Optimum:
    r"""The minimizer of a convex objective by Newton-CG to a tight tolerance (the page's :math:`f^*`).

    Runs :func:`numdl_core.optim.newton_cg` from :math:`\theta = 0` with CG solved to ``cg_tol`` (and the
    forcing term :math:`\sqrt{\|\nabla f\|}` near the optimum) until :math:`\|\nabla f\| \le 10^{-10}
    \max(1, \|\nabla f(0)\|)` or ``maxiter`` iterations.

    Parameters
    ----------
    obj : object
        ``value_and_grad``, ``hess_vec`` and ``n_params`` (e.g. a :class:`~numdl_core.classify.SoftmaxRegression`).
    cg_tol : float
        Relative residual of the inner CG solves.
    cg_maxiter : int
        Most CG iterations per Newton step.
    maxiter : int
        Most Newton iterations.

    Returns
    -------
    Optimum

    References
    ----------
    Nocedal and Wright (2006), Algorithm 7.1 and Theorem 7.2 (superlinear convergence).

    Examples
    --------
    >>> pr = classification_problem("linear", n=100, alpha=1e-2)
    >>> opt = reference_optimum(pr.obj)
    >>> opt.grad_norm < 1e-9, opt.iterations < 15
    (True, True)
    """
    last = None
    for last in newton_cg(obj, np.zeros(obj.n_params), cg_tol=cg_tol, cg_maxiter=cg_maxiter, maxiter=maxiter):
        pass
    return Optimum(last.x, float(last.loss), float(last.grad_norm), int(last.iteration))


@dataclass(frozen=True)
class StepRegime:
    r"""What a fixed gradient-descent step :math:`t` does on a softmax-regression objective.

    Attributes
    ----------
    step : float
        The step :math:`t`.
    L : float
        The curvature bound :math:`L \ge \lambda_{\max}(\nabla^2 f)`.
    alpha : float
        The Tikhonov weight :math:`\alpha`.
    kind : str
        ``"safe"`` (:math:`t \le 2/L`: the loss decreases), ``"oscillates"`` (:math:`t > 2/L` but
        :math:`t\alpha \le 2`: it may overshoot and go up, but stays bounded) or ``"blows up"``
        (:math:`t\alpha > 2`: :math:`\|W\|` and the loss grow geometrically).
    """

    step: float
    L: float
    alpha: float
    kind: str

    @property
    def safe_step(self) -> float:
        """The largest safe fixed step :math:`2/L`."""
        return 2.0 / self.L

    @property
    def factor(self) -> float:
        r"""The factor :math:`1 - t\alpha` by which the Tikhonov term multiplies :math:`W` at each step."""
        return 1.0 - self.step * self.alpha

    @property
    def blowup_step(self) -> float:
        r"""The step beyond which the iterates blow up, :math:`2/\alpha` (inf for :math:`\alpha = 0`)."""
        return 2.0 / self.alpha if self.alpha > 0 else float("inf")

    @property
    def message(self) -> str:
        """What the step does, in one or two sentences with its numbers (for a report or a user interface)."""
        t, two = self.step, f"2/L = {self.safe_step:.3g}"
        if self.kind == "safe":
            return f"t = {t:g} ≤ {two}: the loss decreases at every iteration."
        if self.kind == "oscillates":
            return (f"t = {t:g} > {two} (L = {self.L:.3g} bounds the Hessian): gradient descent can overshoot, and the "
                    "loss go up. The cross-entropy grows only linearly in W (its gradient is bounded), so the loss does "
                    f"not explode as on a quadratic: it would only blow up once t·α > 2 (t > {self.blowup_step:.4g}).")
        return (f"t = {t:g} > {two}, and even t·α = {t * self.alpha:.3g} > 2: the Tikhonov term (α/2)‖W‖² is a "
                f"quadratic with curvature α, and each step multiplies W by (1 − tα) = {self.factor:.3g}, so ‖W‖ and the "
                "loss grow geometrically. (The cross-entropy alone cannot blow up: its gradient is bounded.)")


def step_regime(obj, step: float) -> StepRegime:
    r"""Classify a fixed gradient-descent step on a regularized softmax-regression objective.

    With :math:`L` = ``obj.lipschitz_bound()``: :math:`t \le 2/L` is safe (Nocedal and Wright 2006, Sec. 3.3);
    for :math:`t > 2/L` the step :math:`W \leftarrow (1 - t\alpha) W - \tfrac tn X^\top(S - Y)` has a bounded
    second term (:math:`|S - Y| \le 1`), so :math:`\|W\|` stays bounded when :math:`|1 - t\alpha| < 1`, i.e.
    :math:`t\alpha < 2`, and grows like :math:`|1 - t\alpha|^k` when :math:`t\alpha > 2`.

    Parameters
    ----------
    obj : SoftmaxRegression
        The objective (``lipschitz_bound()`` and ``alpha``).
    step : float
        The fixed step :math:`t > 0`.

    Returns
    -------
    StepRegime

    Raises
    ------
    ValueError
        If ``step`` is not a positive finite number.

    References
    ----------
    Nocedal and Wright (2006), Sec. 3.3; Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> obj = classification_problem("blobs", alpha=1e-2).obj
    >>> [step_regime(obj, t).kind for t in (1.0, 50.0, 1000.0)]
    ['safe', 'oscillates', 'blows up']
    >>> step_regime(obj, 1.0).message
    't = 1 ≤ 2/L = 1.07: the loss decreases at every iteration.'
    """
    step = check_positive("step", step)
    L, alpha = float(obj.lipschitz_bound()), float(obj.alpha)
    kind = "safe" if step <= 2.0 / L else ("blows up" if step * alpha > 2.0 else "oscillates")
    return StepRegime(step, L, alpha, kind)


def loss_increases(loss, last: int = 60) -> tuple[int, int]:
    r"""How often the loss went up among its last ``last`` recorded changes: :math:`\#\{k : f_{k+1} > f_k\}`.

    Parameters
    ----------
    loss : array_like, shape (m,)
        Recorded losses, in order.
    last : int
        Look at the last ``last + 1`` values.

    Returns
    -------
    ups : int
        Number of increases.
    changes : int
        Number of changes looked at (``min(last, m - 1)``).

    Raises
    ------
    ValueError
        If ``last < 1``.

    Examples
    --------
    >>> loss_increases([3.0, 2.0, 2.5, 1.0, 1.2])
    (2, 4)
    """
    if int(last) < 1:
        raise ValueError(f"last must be at least 1, got {last}")
    f = np.asarray(loss, dtype=np.float64).ravel()[-(int(last) + 1):]
    if f.size < 2:
        return 0, 0
    return int(np.sum(np.diff(f) > 0)), int(f.size - 1)


def iterate_report(problem: ClassificationProblem, step, f_star: float = float("nan")) -> dict[str, float]:
    r"""The numbers of one iterate of an optimizer on ``problem``, as the page's table shows them.

    Parameters
    ----------
    problem : ClassificationProblem
        The problem.
    step : Step
        A record of :mod:`numdl_core.iterate` (``x``, ``loss``, ``grad_norm``, ``info``).
    f_star : float
        The optimal loss :math:`f^*` (nan if unknown).

    Returns
    -------
    dict
        ``loss``, ``loss - f*`` (:math:`f - f^*`, clipped at 0), ``grad norm``, ``training accuracy``,
        ``test accuracy`` (nan without a test set), ``step`` (the last step length), ``work`` (data passes),
        ``CG iterations`` and ``Hessian-vector products`` (nan for a method without them).

    Examples
    --------
    >>> from numdl_core.optim import newton_cg
    >>> pr = classification_problem("linear", n=100, alpha=1e-2)
    >>> steps = list(newton_cg(pr.obj, np.zeros(pr.obj.n_params)))
    >>> r = iterate_report(pr, steps[-1], f_star=steps[-1].loss)
    >>> r["loss - f*"], r["training accuracy"], r["work"] == steps[-1].info["work"]
    (0.0, 0.97, True)
    """
    info = step.info
    return {"loss": float(step.loss), "loss - f*": max(float(step.loss) - f_star, 0.0) if np.isfinite(f_star) else
            float("nan"), "grad norm": float(step.grad_norm), "training accuracy": problem.obj.accuracy(step.x),
            "test accuracy": problem.test_accuracy(step.x), "step": float(info.get("step", 0.0)),
            "work": float(info["work"]), "CG iterations": float(info.get("cg_iterations", np.nan)),
            "Hessian-vector products": float(info.get("hess_vecs", np.nan))}


@dataclass(frozen=True)
class ConvergenceRate:
    r"""The measured convergence rate of a gradient-norm history over its last steps.

    Attributes
    ----------
    ratios : ndarray
        :math:`\|g_{k+1}\| / \|g_k\|` over the last steps, oldest first. Constant and below 1: linear
        convergence; tending to 0: superlinear.
    orders : ndarray
        :math:`\log\|g_{k+1}\| / \log\|g_k\|` for the same steps (nan where :math:`\|g_k\| \ge 1`): the
        order :math:`q` of :math:`\|g_{k+1}\| \approx \|g_k\|^q` when the constant is about 1 (1: linear,
        2: quadratic).
    """

    ratios: np.ndarray
    orders: np.ndarray

    @property
    def last_ratio(self) -> float:
        """The last ratio :math:`\|g_{k+1}\|/\|g_k\|` (nan without a step)."""
        return float(self.ratios[-1]) if self.ratios.size else float("nan")

    @property
    def last_order(self) -> float:
        """The last order estimate (nan without a step)."""
        return float(self.orders[-1]) if self.orders.size else float("nan")


def convergence_rate(grad_norms, iterations=None, *, last: int = 3, floor: float = 0.0) -> ConvergenceRate:
    r"""Measure the rate of convergence from the gradient norms :math:`\|g_0\|, \|g_1\|, \dots` of a run.

    .. math::
        r_k = \frac{\|g_{k+1}\|}{\|g_k\|}, \qquad q_k = \frac{\log \|g_{k+1}\|}{\log \|g_k\|}.

    Linear convergence: :math:`r_k \to r \in (0, 1)`; superlinear: :math:`r_k \to 0`; quadratic:
    :math:`\|g_{k+1}\| \le C \|g_k\|^2`, so :math:`q_k \to 2`. Newton-CG with the forcing sequence
    :math:`\eta_k = \min(\text{cg\_tol}, \sqrt{\|g_k\|})` (the residual of the inner CG solve relative to
    :math:`\|g_k\|`) converges superlinearly, with order about 1.5, not quadratically (Nocedal and Wright
    2006, Theorem 7.2; Eisenstat and Walker 1996).

    Parameters
    ----------
    grad_norms : array_like, shape (k,)
        The gradient norms of the iterates, in order. A run that diverged is measured up to its first non-finite
        norm.
    iterations : array_like of int, shape (k,), optional
        The iteration numbers of the norms, for a thinned history (every s-th iterate): a step over
        :math:`s` iterations then counts as :math:`s` steps, :math:`r = (\|g_b\|/\|g_a\|)^{1/s}` and
        :math:`q = (\log\|g_b\|/\log\|g_a\|)^{1/s}`. Default: consecutive iterations.
    last : int
        How many of the last steps to measure.
    floor : float
        Steps whose new gradient norm is at or below ``floor`` (the round-off level, where the norm stagnates)
        are left out.

    Returns
    -------
    ConvergenceRate
        Empty arrays if fewer than two norms remain.

    Raises
    ------
    ValueError
        If ``last < 1``, ``floor < 0``, a norm is negative, or ``iterations`` is not increasing or has another
        length.

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 2.2 (rates of
    convergence) and Theorem 7.2. S. C. Eisenstat and H. F. Walker, SIAM J. Sci. Comput. 17 (1996) 16-32.

    Examples
    --------
    >>> r = convergence_rate([1.0, 0.5, 0.25, 0.125])   # linear with rate 1/2
    >>> r.ratios.tolist()
    [0.5, 0.5, 0.5]
    >>> convergence_rate([0.1, 1e-2, 1e-4, 1e-8], last=2).orders.round(12).tolist()   # quadratic: order 2
    [2.0, 2.0]
    """
    g = np.asarray(grad_norms, dtype=np.float64).ravel()
    it = np.arange(g.size, dtype=np.float64) if iterations is None else np.asarray(iterations, np.float64).ravel()
    if it.shape != g.shape or np.any(np.diff(it) <= 0):
        raise ValueError(f"iterations must be {g.size} increasing numbers, one per norm")
    if int(last) != last or last < 1:
        raise ValueError(f"last must be an integer >= 1, got {last!r}")
    if not np.isfinite(floor) or floor < 0:
        raise ValueError(f"floor must be finite and >= 0, got {floor!r}")
    if np.any(g < 0):
        raise ValueError("the gradient norms must be >= 0")
    end = int(np.argmin(np.isfinite(g))) if not np.all(np.isfinite(g)) else g.size  # up to a divergence
    keep = np.flatnonzero(g[:end] > floor)
    n = keep[-1] + 1 if keep.size else 0
    g, it = g[:n][-(int(last) + 1):], it[:n][-(int(last) + 1):]
    if g.size < 2:
        return ConvergenceRate(np.empty(0), np.empty(0))
    s = np.diff(it)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = (g[1:] / g[:-1]) ** (1 / s)
        orders = np.where(g[:-1] < 1, (np.log(g[1:]) / np.log(g[:-1])) ** (1 / s), np.nan)
    return ConvergenceRate(ratios, orders)
