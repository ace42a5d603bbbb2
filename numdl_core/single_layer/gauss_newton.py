r"""Gauss-Newton for any loss of a single-layer network: the generalized Gauss-Newton matrix.

For the least-squares loss :func:`numdl_core.optim.gauss_newton` works on the residual, :math:`J_r^\top J_r`. The
softmax cross-entropy has no residual, but Gauss-Newton only needs the curvature of the *loss in the outputs*:
:func:`generalized_gauss_newton` solves

.. math:: \big(J^\top \nabla^2_O \ell\, J + \alpha R + \lambda I\big)\, p = -\nabla f

(:meth:`SingleLayer.gauss_newton_matvec`), the course's :math:`J^\top \nabla^2 E\, J` approximation of the Hessian.
:func:`gauss_newton_direction` is one such step solved to a tolerance (for checks).

References
----------
N. N. Schraudolph, Neural Computation 14 (2002) 1723-1738; L. Ruthotto and E. Haber, *Numerical Methods for
Deep Learning*, Module 4 (Newton-type methods for the cross-entropy of a single-layer network).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from numdl_core._validate import check_nonneg
from numdl_core.iterate import BLOWUP, Step, _drive, check_stop, tunable
from numdl_core.optim import _GN_TUNABLES, _gn_loop, conjugate_gradient
from numdl_core.single_layer.model import SingleLayer

__all__ = [
    "generalized_gauss_newton",
    "gauss_newton_direction",
]

_TUNABLES = _GN_TUNABLES  # damping, cg_tol, cg_maxiter: those of numdl_core.optim.gauss_newton


def gauss_newton_direction(model: SingleLayer, theta: np.ndarray, *, damping: float = 0.0, cg_tol: float = 1e-10,
                           cg_maxiter: int | None = None) -> np.ndarray:
    r"""The Gauss-Newton direction :math:`p` of ``model`` at ``theta``, solved by CG.

    .. math:: (G + \lambda I)\, p = -\nabla f(\theta), \qquad G = J^\top \nabla^2_O \ell\, J + \alpha R

    with :math:`G` from :meth:`SingleLayer.gauss_newton_matvec`. :math:`G` is positive semidefinite, so
    :math:`\nabla f^\top p = -p^\top (G + \lambda I) p \le 0`: a descent direction.

    Parameters
    ----------
    model : SingleLayer
        Either loss.
    theta : ndarray, shape (n_params,)
    damping : float
        :math:`\lambda \ge 0`.
    cg_tol : float
        Relative residual of CG.
    cg_maxiter : int, optional
        Default ``10 n_params`` (in floating point CG needs more than ``n_params`` iterations on an
        ill-conditioned :math:`G`).

    Returns
    -------
    p : ndarray, shape (n_params,)

    References
    ----------
    Nocedal and Wright, *Numerical Optimization*, 2nd ed., 2006, Sec. 10.3; Schraudolph (2002).

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 50, noise=0.0)
    >>> M = SingleLayer(X, y, 3, loss="softmax", alpha=1e-3)
    >>> theta = M.init_theta(0)
    >>> p = gauss_newton_direction(M, theta)
    >>> float(M.value_and_grad(theta)[1] @ p) < 0
    True
    """
    lam = check_nonneg("damping", damping)
    G = model.gauss_newton_matvec(theta)
    _, g = model.value_and_grad(theta)
    p, _, _ = conjugate_gradient(lambda v: G(v) + lam * v, -g, tol=cg_tol,
                                 maxiter=10 * model.n_params if cg_maxiter is None else int(cg_maxiter))
    return p


@tunable(*_TUNABLES)
def generalized_gauss_newton(model: SingleLayer, theta0: np.ndarray, *, damping: float = 0.0, cg_maxiter: int = 20,
                             cg_tol: float = 1e-2, tol: float = 1e-10, maxiter: int = 10**6,
                             blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Matrix-free (generalized) Gauss-Newton for a single-layer network with either loss.

    Each iteration solves

    .. math:: (J^\top \nabla^2_O \ell\, J + \alpha R + \lambda I)\, p = -\nabla f(\theta_k)

    by CG (``cg_tol`` relative residual, at most ``cg_maxiter`` iterations; :math:`J` the Jacobian of the outputs,
    :math:`\nabla^2_O\ell` the Hessian of the loss in the outputs, :math:`\frac1n(\mathrm{diag}(p_i) - p_i p_i^\top)`
    per sample for the softmax cross-entropy, :math:`\frac1n I` for least squares), then
    :math:`\theta_{k+1} = \theta_k + t_k p` with an Armijo line search on :math:`f` from :math:`t = 1`. The matrix
    is positive semidefinite, so :math:`p` is a descent direction; if CG returns nothing usable the step falls
    back to :math:`-\nabla f`. For ``loss="squared"`` the matrix is :math:`J_r^\top J_r` of
    :func:`numdl_core.optim.gauss_newton`. A non-finite product ends the run as diverged. The generator follows
    the protocol of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    model : SingleLayer
    theta0 : array_like, shape (n_params,)
    damping : float, optional
        Levenberg-Marquardt shift :math:`\lambda \ge 0`. Tunable.
    cg_maxiter : int, optional
        Most CG iterations per step. Tunable.
    cg_tol : float, optional
        Relative residual of CG. Tunable.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        ``info``: ``step``, ``cg_iterations``, ``backtracks``, ``fallback``, ``matvecs`` (products with
        :math:`J` or :math:`J^\top`) and ``work``: 2 data passes per CG iteration (one linearized forward, one
        adjoint pass) and 2 per trial step of the line search (value and gradient).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`SingleLayer`.
    ValueError
        For ``damping < 0``, ``cg_maxiter < 1``, ``cg_tol <= 0``, a bad ``tol``, ``maxiter`` or ``theta0``; or
        when a bad value is sent.

    References
    ----------
    Schraudolph (2002); Nocedal and Wright (2006), Sec. 10.3; Ruthotto and Haber, Module 4.

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5, loss="softmax", alpha=1e-3)
    >>> steps = list(generalized_gauss_newton(M, M.init_theta(0), maxiter=10))
    >>> steps[-1].loss < 0.7 * steps[0].loss
    True
    """
    if not isinstance(model, SingleLayer):
        raise TypeError("generalized_gauss_newton needs a SingleLayer model")
    params = {"damping": damping, "cg_maxiter": cg_maxiter, "cg_tol": cg_tol}
    params = {name: check(params[name]) for name, check in _TUNABLES.items()}
    tol, maxiter = check_stop(tol, maxiter)
    theta = model._check_theta(np.array(theta0, dtype=np.float64))
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    return (yield from _drive(_iterations(model, theta.copy(), blowup), params, _TUNABLES, tol=tol,
                              maxiter=maxiter))


def _iterations(model: SingleLayer, theta: np.ndarray, blowup: float):
    count = {"work": 0.0, "matvecs": 0}

    class _Counted:  # the objective of the line search, counted
        n_params = model.n_params

        @staticmethod
        def value_and_grad(th):
            count["work"] += 2.0
            with np.errstate(all="ignore"):
                return model.value_and_grad(th)

    def damped(th, lam):  # v -> (J^T H_O J + alpha R + lam I) v at th
        with np.errstate(all="ignore"):
            G = model.gauss_newton_matvec(th)

        def product(v):
            with np.errstate(all="ignore"):
                return G(v) + lam * v
        return product

    f, g = model.value_and_grad(theta)
    return (yield from _gn_loop(_Counted, theta, f, g, damped, count, 2.0, blowup,
                                "a Gauss-Newton product is not finite (nan or inf)"))
