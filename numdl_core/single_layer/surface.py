r"""The loss along two random directions: the (non-convex) landscape of a single-layer network.

:func:`loss_surface` evaluates the loss on a plane through ``theta`` spanned by two (filter-normalized)
random directions (:func:`surface_directions`); :func:`training_path` and :func:`project_onto_plane` draw a
training run on it; :func:`surface_statistics` reads its convexity; :func:`surface_experiment` is the page's
lesson in one call.

References
----------
H. Li, Z. Xu, G. Taylor, C. Studer and T. Goldstein, Visualizing the loss landscape of neural nets, NeurIPS 2018.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from numdl_core.iterate import Step, check_count, check_positive
from numdl_core.single_layer.model import SingleLayer
from numdl_core.single_layer.training import sgd_lr_limit, training_problem

__all__ = [
    "surface_directions",
    "loss_surface",
    "project_onto_plane",
    "TRAINERS",
    "training_path",
    "SurfaceStats",
    "surface_statistics",
    "SurfaceExperiment",
    "surface_experiment",
]

NORMALIZATIONS = ("filter", "unit")


def surface_directions(
    obj: Any, theta: np.ndarray, *, seed: int = 0, normalize: str = "filter"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two random directions in parameter space for :func:`loss_surface`.

    Both start as standard normal vectors (``seed``). ``normalize="filter"`` (Li et al. 2018, for objects
    with ``split``, e.g. :class:`SingleLayer`): each neuron's incoming weights in the direction, the columns
    of its ``K`` part and of its ``W`` part, are rescaled to the norm of the same column of ``theta``, and the
    bias parts are set to zero, so that a step of 1 changes every neuron by about its own size (and the
    picture does not depend on the arbitrary scale of each layer). ``normalize="unit"``: each direction is
    scaled to unit Euclidean norm.

    Parameters
    ----------
    obj : object
        The objective (with ``split`` for ``"filter"``).
    theta : ndarray, shape (n_params,)
        The centre of the picture.
    seed : int
    normalize : {"filter", "unit"}

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,)

    Raises
    ------
    ValueError
        If ``normalize`` is unknown.
    TypeError
        If ``normalize="filter"`` and ``obj`` has no ``split``.

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein, NeurIPS 2018 (filter normalization).
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {normalize!r}; choose one of {', '.join(NORMALIZATIONS)}")
    theta = np.asarray(theta, dtype=np.float64).ravel()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        dvec = rng.standard_normal(theta.size)
        if normalize == "unit":
            out.append(dvec / np.linalg.norm(dvec))
            continue
        if not callable(getattr(obj, "split", None)):
            raise TypeError("filter normalization needs an objective with split(theta) (e.g. SingleLayer); "
                            "use normalize='unit'")
        Kt, _, Wt, _ = obj.split(theta)
        Kd, bd, Wd, cd = obj.split(dvec)
        Kd *= np.linalg.norm(Kt, axis=0) / np.maximum(np.linalg.norm(Kd, axis=0), 1e-300)
        Wd *= np.linalg.norm(Wt, axis=0) / np.maximum(np.linalg.norm(Wd, axis=0), 1e-300)
        bd[:] = 0.0
        cd[:] = 0.0
        out.append(dvec)
    return out[0], out[1]


def loss_surface(
    obj: Any,
    theta: np.ndarray,
    n: int = 41,
    span: float = 1.0,
    seed: int = 0,
    *,
    normalize: str = "filter",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The objective on a plane through ``theta`` spanned by two random directions.

    .. math:: \mathrm{values}[i, j] = f(\theta + a_j d_1 + b_i d_2), \qquad a, b \in \mathrm{linspace}(-\mathrm{span}, \mathrm{span}, n),

    with :math:`d_1, d_2` from :func:`surface_directions` (``seed``, ``normalize``). Uses ``obj.value`` if
    present, else ``obj.value_and_grad(...)[0]``: ``n**2`` forward passes (about 1 s for 1000 samples,
    width 30 and the 41 x 41 grid; build ``obj`` on a subsample for a faster picture). The centre of the
    grid (``n`` odd) is ``theta`` itself.

    Parameters
    ----------
    obj : object
        With ``value(theta)`` or ``value_and_grad(theta)``.
    theta : ndarray, shape (n_params,)
    n : int
        Grid points per axis (at least 2).
    span : float
        Half-width of the grid (``> 0``).
    seed : int
        Seed of the directions.
    normalize : {"filter", "unit"}
        See :func:`surface_directions`.

    Returns
    -------
    alphas, betas : ndarray, shape (n,)
    values : ndarray, shape (n, n)
        Rows follow ``betas``, columns ``alphas`` (the layout of a plotly heatmap/contour).

    Raises
    ------
    ValueError
        If ``n < 2`` or ``span`` is not positive (and see :func:`surface_directions`).

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein, Visualizing the loss landscape of neural nets, NeurIPS 2018.
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"n (grid points per axis) must be at least 2, got {n}")
    span = check_positive("span", span)
    theta = np.asarray(theta, dtype=np.float64).ravel()
    d1, d2 = surface_directions(obj, theta, seed=seed, normalize=normalize)
    grid = np.linspace(-span, span, n)
    fval = obj.value if callable(getattr(obj, "value", None)) else (lambda th: obj.value_and_grad(th)[0])
    values = np.empty((n, n))
    for i, bb in enumerate(grid):
        for j, aa in enumerate(grid):
            values[i, j] = fval(theta + aa * d1 + bb * d2)
    return grid.copy(), grid.copy(), values


def project_onto_plane(
    points: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Coordinates ``(a, b)`` of the least-squares projection of each row of ``points`` onto the plane
    ``center + a d1 + b d2`` (to draw an optimization path on a :func:`loss_surface` picture).

    :math:`(a_k, b_k) = \arg\min \|p_k - \mathrm{center} - a d_1 - b d_2\|`.

    Parameters
    ----------
    points : ndarray, shape (k, n_params) or (n_params,)
    center : ndarray, shape (n_params,)
    d1, d2 : ndarray, shape (n_params,)

    Returns
    -------
    a, b : ndarray, shape (k,)

    References
    ----------
    Li et al. (2018), Sec. 7 (optimization paths on the loss surface).
    """
    P = np.atleast_2d(np.asarray(points, dtype=np.float64)) - np.asarray(center, dtype=np.float64).ravel()
    D = np.column_stack([d1, d2])
    coef = np.linalg.lstsq(D, P.T, rcond=None)[0]
    return coef[0], coef[1]


TRAINERS = ("newton_cg", "sgd")


def training_path(
    model: SingleLayer, theta0: np.ndarray, trainer: str = "newton_cg", iterations: int = 30, *, seed: int = 0
) -> list[Step]:
    r"""The iterates of a short training run, to draw on a :func:`loss_surface` picture.

    ``"newton_cg"``: :func:`numdl_core.optim.newton_cg` with 10 CG iterations per step. ``"sgd"``: heavy-ball
    :func:`numdl_core.optim.sgd` (momentum 0.9, batches of 32, shuffled with ``seed``) with the learning rate

    .. math:: \eta = \min\big(0.05,\ \tfrac12\,\eta_{\max}\big), \qquad \eta_{\max} = 2(1 + 0.9)/L,

    half the stability limit of :func:`sgd_lr_limit` at ``theta0`` (``info["lr"]`` of each Step). One
    iteration of SGD is one epoch. The run stops after ``iterations`` iterations, or earlier when it converges;
    a diverging run is cut before its first non-finite iterate.

    Parameters
    ----------
    model : SingleLayer
    theta0 : ndarray, shape (n_params,)
    trainer : {"newton_cg", "sgd"}
    iterations : int
        At least 1.
    seed : int
        Seed of the SGD batches.

    Returns
    -------
    list of Step
        Iteration 0 (``theta0``) first; every ``x`` finite.

    Raises
    ------
    ValueError
        For an unknown ``trainer`` or ``iterations < 1``.

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein (2018), Sec. 7 (optimization paths on loss surfaces).

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5)
    >>> path = training_path(M, M.init_theta(0), "newton_cg", 5)
    >>> len(path), path[-1].loss < path[0].loss
    (6, True)
    """
    from numdl_core.optim import newton_cg, sgd

    if trainer not in TRAINERS:
        raise ValueError(f"unknown trainer {trainer!r}; choose one of {', '.join(TRAINERS)}")
    iterations = check_count("iterations", iterations)
    with np.errstate(all="ignore"):
        if trainer == "newton_cg":
            gen = newton_cg(model, theta0, cg_maxiter=10)
        else:
            lr = min(0.05, 0.5 * sgd_lr_limit(model, theta0, 0.9))
            gen = sgd(model, theta0, lr=lr, batch_size=32, momentum=0.9, seed=seed)
        steps = []
        for s in gen:
            if not (np.isfinite(s.loss) and np.all(np.isfinite(s.x))):
                break
            steps.append(s)
            if s.iteration >= iterations or s.info.get("diverged"):
                break
    return steps


class SurfaceStats(NamedTuple):
    """Result of :func:`surface_statistics`.

    Attributes
    ----------
    centre : float
        The loss at the centre of the grid.
    minimum, maximum : float
        Smallest and largest value on the grid.
    negative_curvature : float
        Fraction of the interior grid points where the loss bends downwards along direction 1.
    local_minima : int
        Interior grid points lower than their 8 neighbours.
    """

    centre: float
    minimum: float
    maximum: float
    negative_curvature: float
    local_minima: int


def surface_statistics(values: np.ndarray) -> SurfaceStats:
    r"""What a :func:`loss_surface` grid says about convexity.

    Along direction 1 (the columns), the second difference
    :math:`f_{i,j-1} - 2 f_{i,j} + f_{i,j+1} < -10^{-12} \max(1, |f_{\rm centre}|)` means the loss bends
    downwards: impossible for a convex function, whose restriction to any line is convex. A local minimum of the
    grid is an interior point lower than its 8 neighbours: more than one means more than one basin (on the grid).

    Parameters
    ----------
    values : ndarray, shape (n, n)
        ``values[i, j]`` as returned by :func:`loss_surface` (``n >= 3``).

    Returns
    -------
    SurfaceStats
        ``(centre, minimum, maximum, negative_curvature, local_minima)``.

    Raises
    ------
    ValueError
        If ``values`` is not a 2-D array with at least 3 points per axis.

    References
    ----------
    S. Boyd and L. Vandenberghe, *Convex Optimization*, Cambridge, 2004, Sec. 3.1.1 (restriction to a line).

    Examples
    --------
    >>> a = np.linspace(-1, 1, 5)
    >>> s = surface_statistics(np.add.outer(a**2, np.cos(3 * a)))    # rows: beta, columns: alpha
    >>> s.centre, s.negative_curvature > 0, s.local_minima
    (1.0, True, 0)
    """
    V = np.asarray(values, dtype=np.float64)
    if V.ndim != 2 or min(V.shape) < 3:
        raise ValueError(f"values must be a 2-D grid with at least 3 points per axis, got shape {V.shape}")
    centre = float(V[V.shape[0] // 2, V.shape[1] // 2])
    d2 = V[:, 2:] - 2 * V[:, 1:-1] + V[:, :-2]
    negative = float(np.mean(d2 < -1e-12 * max(1.0, abs(centre))))
    inner = V[1:-1, 1:-1]
    neighbours = np.stack([V[:-2, 1:-1], V[2:, 1:-1], V[1:-1, :-2], V[1:-1, 2:],
                           V[:-2, :-2], V[2:, 2:], V[:-2, 2:], V[2:, :-2]])
    minima = int(np.sum(np.all(inner < neighbours, axis=0)))
    return SurfaceStats(centre, float(V.min()), float(V.max()), negative, minima)


@dataclass(frozen=True)
class SurfaceExperiment:
    """Result of :func:`surface_experiment`.

    Attributes
    ----------
    alphas, betas : ndarray, shape (n,)
    values : ndarray, shape (n, n)
        The loss on the plane (:func:`loss_surface`).
    path : tuple of ndarray
        ``(a, b)``: the training path projected onto the plane (:func:`project_onto_plane`).
    stats : SurfaceStats
    loss_before, loss_after : float
        The loss at the start and at the end of training.
    accuracy : float
        Training accuracy at the end of training.
    iterations : int
        Training iterations done (fewer than asked if the run converged, stalled or diverged).
    lr : float or None
        The SGD learning rate (``None`` for Newton-CG).
    """

    alphas: np.ndarray
    betas: np.ndarray
    values: np.ndarray
    path: tuple
    stats: SurfaceStats
    loss_before: float
    loss_after: float
    accuracy: float
    iterations: int
    lr: float | None

    def summary(self) -> dict:
        """The headline numbers.

        Returns
        -------
        dict
            The fields of :attr:`stats`, the loss before and after training, the training accuracy and the
            iterations done.
        """
        s = self.stats
        return {"loss at the centre": s.centre, "smallest loss on the grid": s.minimum,
                "largest loss on the grid": s.maximum, "negative curvature fraction": s.negative_curvature,
                "local minima": s.local_minima, "loss before training": self.loss_before,
                "loss after training": self.loss_after, "training accuracy": self.accuracy,
                "training iterations": self.iterations}


def surface_experiment(
    data: str = "peaks",
    n_train: int = 300,
    width: int = 20,
    *,
    activation: str = "tanh",
    loss: str = "softmax",
    center: str = "trained",
    trainer: str = "newton_cg",
    iterations: int = 30,
    span: float = 1.0,
    normalize: str = "filter",
    seed: int = 0,
    n: int = 41,
) -> SurfaceExperiment:
    """The loss-surface lesson: train a network briefly, then picture the loss on a random plane.

    A network (:func:`training_problem`, Tikhonov weight :math:`10^{-4}`) on ``n_train`` points of ``data``,
    trained from its ``theta0`` by :func:`training_path`; the plane passes through the initial or the trained point
    (``center``), with directions from :func:`surface_directions`; the loss on an ``n x n`` grid
    (:func:`loss_surface`), its statistics (:func:`surface_statistics`) and the training path projected onto it.

    Parameters
    ----------
    data : str
        See :func:`train_validation_data` (a 2-D set).
    n_train, width : int
    activation, loss : str
    center : {"initial", "trained"}
    trainer : {"newton_cg", "sgd"}
    iterations : int
    span : float
    normalize : {"filter", "unit"}
    seed : int
        Seed of the data, the start, the SGD batches and the directions.
    n : int
        Grid points per axis.

    Returns
    -------
    SurfaceExperiment

    Raises
    ------
    ValueError
        For an unknown ``center`` (and as the functions it calls).

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein (2018).

    Examples
    --------
    >>> out = surface_experiment("peaks", 100, 5, iterations=5, n=9)
    >>> out.values.shape, bool(np.isclose(out.stats.centre, out.loss_after))
    ((9, 9), True)
    """
    if center not in ("initial", "trained"):
        raise ValueError(f"unknown center {center!r}; choose 'initial' or 'trained'")
    _, model, theta0 = training_problem(data, n_train, width, activation=activation, loss=loss, seed=seed)
    path = training_path(model, theta0, trainer, iterations, seed=seed)
    theta = path[0].x if center == "initial" else path[-1].x
    a, b, V = loss_surface(model, theta, n=n, span=span, seed=seed, normalize=normalize)
    projected = project_onto_plane(np.array([s.x for s in path]), theta,
                                   *surface_directions(model, theta, seed=seed, normalize=normalize))
    return SurfaceExperiment(a, b, V, projected, surface_statistics(V), float(path[0].loss), float(path[-1].loss),
                             model.accuracy(path[-1].x), int(path[-1].iteration), path[-1].info.get("lr"))
