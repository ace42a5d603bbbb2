r"""Is the VarPro gradient the gradient? Taylor tests against the accuracy of the inner solve.

VarPro uses :math:`\nabla_u f(u, W_k(u))` as the gradient of :math:`\varphi(u) = f(u, W_k(u))`: exact only when
the inner solve is (:func:`varpro_gradient_check`); :func:`varpro_inner_sweep` measures the observed Taylor order
against the number of inner CG iterations; :func:`varpro_experiment` is the page's lesson in one call.

References
----------
G. H. Golub and V. Pereyra, SIAM J. Numer. Anal. 10 (1973), Thm. 2.1; D. P. O'Leary and B. W. Rust, Comput.
Optim. Appl. 54 (2013) 579-593.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from numdl_core.single_layer.model import SingleLayer
from numdl_core.single_layer.training import train_validation_data
from numdl_core.single_layer.variable_projection import VarPro

__all__ = [
    "VarProCheck",
    "varpro_gradient_check",
    "varpro_inner_sweep",
    "VarProExperiment",
    "varpro_experiment",
]

class VarProCheck(NamedTuple):
    """Result of :func:`varpro_gradient_check`.

    Attributes
    ----------
    taylor : numdl_core.checks.DerivativeCheck
        The Taylor test of :math:`(\\varphi, \\nabla_u f)`.
    inner_optimality : float
        :math:`\\|\\nabla_W f(u, W_k)\\| / \\|\\nabla_W f(u, 0)\\|` (``W`` with ``c``): 0 for the exact inner solution.
    inner_iterations : int
        Iterations of the inner solve (1 for ``"direct"``).
    """

    taylor: Any
    inner_optimality: float
    inner_iterations: int


def varpro_gradient_check(
    model: SingleLayer, u: np.ndarray, *, inner: str = "direct", inner_maxiter: int = 500, seed: int = 0, n: int = 14
) -> VarProCheck:
    r"""Taylor test of the VarPro gradient, and how far the inner solve is from optimal.

    VarPro uses the partial gradient :math:`\nabla_u f(u, W_k(u))` as the gradient of
    :math:`\varphi(u) = f(u, W_k(u))`. By the chain rule
    :math:`\nabla\varphi = \nabla_u f + (\partial W_k / \partial u)^\top \nabla_W f(u, W_k)`, so it is the gradient
    only when :math:`\nabla_W f(u, W_k) = 0`, i.e. for an exact inner solve (``inner="direct"``, or CG run to
    convergence); a few inner CG iterations (``inner="cg"``, from :math:`W = 0`, no tolerance) leave the second
    term and the Taylor test drops from order 2 to order 1.

    Parameters
    ----------
    model : SingleLayer
        With ``loss="squared"``.
    u : ndarray, shape (d m + m,) or (n_params,)
        The hidden weights ``[K.ravel(), b]`` (or a full ``theta``, whose ``W, c`` are ignored).
    inner : {"direct", "cg"}
    inner_maxiter : int
        Inner CG iterations (``inner="cg"``).
    seed : int
        Seed of the Taylor direction.
    n : int
        Step sizes of the Taylor test.

    Returns
    -------
    VarProCheck
        ``(taylor, inner_optimality, inner_iterations)``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`SingleLayer` with ``loss="squared"``.
    ValueError
        If ``inner`` is unknown, ``inner_maxiter < 1`` or ``u`` has the wrong length.

    References
    ----------
    Golub and Pereyra (1973), Thm. 2.1; O'Leary and Rust (2013), Sec. 2.

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5, loss="squared", alpha=1e-3)
    >>> u = M.init_theta(0)[:M.n_hidden_params]
    >>> exact = varpro_gradient_check(M, u)
    >>> sloppy = varpro_gradient_check(M, u, inner="cg", inner_maxiter=2)
    >>> round(exact.taylor.order), round(sloppy.taylor.order)
    (2, 1)
    """
    from numdl_core.checks import derivative_check

    vp = VarPro(model, inner=inner, inner_tol=0.0, inner_maxiter=inner_maxiter)
    u = vp._check_u(u)
    nu = vp.n_params
    with np.errstate(all="ignore"):
        res = derivative_check(vp.value_and_grad, u, seed=seed, n=n)
        W, c, its = vp.solve_inner(u)
        g = model.value_and_grad(np.concatenate([u, W.ravel(), c]))[1][nu:]
        g0 = model.value_and_grad(np.concatenate([u, np.zeros(W.size + c.size)]))[1][nu:]
    return VarProCheck(res, float(np.linalg.norm(g) / np.linalg.norm(g0)), int(its))


def varpro_inner_sweep(
    model: SingleLayer, u: np.ndarray, iterations=(1, 2, 5, 10, 20, 50), *, seed: int = 0, n: int = 14
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The observed Taylor order of the VarPro gradient against the number of inner CG iterations.

    :func:`varpro_gradient_check` with ``inner="cg"`` for each count in ``iterations``, and once with the
    direct inner solve. Far below the size of the inner problem the order is 1; with an accurate inner solve it
    is 2 (near the size of the inner problem, round-off in the inner solve can make it erratic).

    Parameters
    ----------
    model : SingleLayer
        With ``loss="squared"``.
    u : ndarray
        As in :func:`varpro_gradient_check`.
    iterations : sequence of int, length k
    seed, n : int
        As in :func:`varpro_gradient_check`.

    Returns
    -------
    orders : ndarray, shape (k,)
        Observed order of :math:`E_1` for each inner iteration count.
    inner_optimality : ndarray, shape (k,)
    direct_order : float
    direct_optimality : float

    Raises
    ------
    ValueError, TypeError
        As :func:`varpro_gradient_check`.

    References
    ----------
    Golub and Pereyra (1973); Newman, Ruthotto, Hart and van Bloemen Waanders (2021), Sec. 3.

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5, loss="squared", alpha=1e-3)
    >>> orders, _, direct, _ = varpro_inner_sweep(M, M.init_theta(0), iterations=(1, 50))
    >>> round(orders[0]), round(orders[-1]), round(direct)
    (1, 2, 2)
    """
    checks = [varpro_gradient_check(model, u, inner="cg", inner_maxiter=int(k), seed=seed, n=n) for k in iterations]
    direct = varpro_gradient_check(model, u, seed=seed, n=n)
    return (np.array([c.taylor.order for c in checks]), np.array([c.inner_optimality for c in checks]),
            float(direct.taylor.order), direct.inner_optimality)


@dataclass(frozen=True)
class VarProExperiment:
    """Result of :func:`varpro_experiment`.

    Attributes
    ----------
    check : VarProCheck
        The chosen inner solve.
    sweep : tuple of int
        Inner CG iteration counts of the sweep.
    orders, inner_optimality : ndarray, shape (len(sweep),)
        Observed Taylor order and inner optimality for each count (:func:`varpro_inner_sweep`).
    direct_order, direct_optimality : float
        The same with the direct inner solve.
    unknowns_per_class : int
        ``m + 1``: a column of ``W`` and an entry of ``c`` (CG on the inner problem ends after at most that many
        iterations in exact arithmetic).
    """

    check: VarProCheck
    sweep: tuple
    orders: np.ndarray
    inner_optimality: np.ndarray
    direct_order: float
    direct_optimality: float
    unknowns_per_class: int

    def summary(self) -> dict:
        """The headline numbers.

        Returns
        -------
        dict
            ``"E1 order"``, ``"inner optimality"``, ``"E1 order with the direct inner solve"`` and
            ``"E1 order with k inner CG iterations"`` for every ``k`` of the sweep.
        """
        return {"E1 order": self.check.taylor.order, "inner optimality": self.check.inner_optimality,
                "E1 order with the direct inner solve": self.direct_order,
                **{f"E1 order with {k} inner CG iterations": float(o) for k, o in zip(self.sweep, self.orders)}}


def varpro_experiment(
    n_train: int = 200,
    width: int = 10,
    *,
    activation: str = "tanh",
    alpha: float = 1e-3,
    inner: str = "cg",
    inner_iters: int = 2,
    seed: int = 0,
    sweep=(1, 2, 5, 10, 20, 50),
) -> VarProExperiment:
    """The VarPro gradient lesson: Taylor tests of the reduced gradient against the accuracy of the inner solve.

    A least-squares network on ``n_train`` points of peaks (:func:`train_validation_data`), ``u`` the hidden
    weights of ``init_theta(seed)``; :func:`varpro_gradient_check` with the chosen inner solve and
    :func:`varpro_inner_sweep` over ``sweep``.

    Parameters
    ----------
    n_train, width : int
    activation : str
    alpha : float
        Tikhonov weight (makes the inner problem well posed).
    inner : {"direct", "cg"}
    inner_iters : int
        Inner CG iterations (``inner="cg"``).
    seed : int
    sweep : sequence of int

    Returns
    -------
    VarProExperiment

    Raises
    ------
    ValueError
        For a bad ``n_train`` (:func:`train_validation_data`), a ``width``, ``activation`` or ``alpha`` that
        :class:`SingleLayer` rejects, or an unknown ``inner`` (:class:`VarPro`).

    References
    ----------
    Golub and Pereyra (1973).

    Examples
    --------
    >>> out = varpro_experiment(100, 5, inner="cg", inner_iters=2, sweep=(2,))
    >>> round(out.check.taylor.order), round(out.direct_order)
    (1, 2)
    """
    d = train_validation_data("peaks", n_train, seed=seed)
    model = SingleLayer(d.X, d.y, width, activation=activation, loss="squared", alpha=alpha, n_classes=d.n_classes)
    u = model.init_theta(seed)[: model.n_hidden_params]
    check = varpro_gradient_check(model, u, inner=inner, inner_maxiter=inner_iters, seed=seed)
    sweep = tuple(int(k) for k in sweep)
    return VarProExperiment(check, sweep, *varpro_inner_sweep(model, u, sweep, seed=seed), model.width + 1)
