r"""Variable projection: the output weights eliminated by an inner least-squares solve.

:class:`VarPro` is the reduced objective :math:`\varphi(u) = f(u, W^*(u), c^*(u))` over the hidden weights
:math:`u = (K, b)`; :func:`varpro` trains a least-squares network on it (Gauss-Newton with Kaufman's reduced
Jacobian, or gradient descent), following the iteration protocol of :mod:`numdl_core.iterate`.

References
----------
G. H. Golub and V. Pereyra, SIAM J. Numer. Anal. 10 (1973) 413-432; L. Kaufman, BIT 15 (1975) 49-57;
E. Newman, L. Ruthotto, J. Hart and B. van Bloemen Waanders, SIAM J. Math. Data Sci. 3 (2021) 1041-1066.
"""
from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np
import scipy.linalg

from numdl_core.iterate import BLOWUP, Step, _drive, check_count, check_positive, check_stop, record, tunable
from numdl_core._validate import check_nonneg
from numdl_core.optim import _line_search, _newton_step
from numdl_core.classify import log_softmax, softmax
from numdl_core.single_layer.model import SingleLayer, _act_inplace

__all__ = [
    "VarPro",
    "varpro",
]

INNER_SOLVERS = ("direct", "cg")
VARPRO_METHODS = ("gauss_newton", "gradient_descent")


class VarPro:
    r"""The reduced (variable projection) objective of a single-layer network (least squares or cross-entropy).

    The output weights enter linearly, so for fixed hidden parameters :math:`u = (K, b)` the best
    :math:`(W, c)` solves a linear least-squares problem (the *inner* problem)

    .. math::
        (W^*(u), c^*(u)) = \arg\min_{W, c}\ \tfrac1{2n}\|Z(u) W + \mathbf 1 c^\top - Y\|_F^2 + \tfrac\alpha2 \|W\|_F^2 ,

    and the reduced objective is :math:`\phi(u) = f(u, W^*(u), c^*(u))` (``f`` the ``model`` objective,
    which includes :math:`\frac\alpha2\|K\|^2`). Since :math:`\nabla_{W,c} f = 0` at the inner solution,

    .. math:: \nabla \phi(u) = \nabla_u f(u, W^*(u), c^*(u))

    (Golub and Pereyra 1973): the reduced gradient is the partial gradient, *only if the inner problem is
    solved accurately*. With a sloppy inner solve (few CG iterations) the same formula is not the gradient
    of the function being minimized, and the Taylor test fails (order 1).

    With the softmax cross-entropy (``loss="softmax"``) the inner problem is the convex multinomial logistic
    regression on the features,

    .. math::
        \min_{W, c}\ -\frac1n \sum_i y_i^\top \log\mathrm{softmax}(W^\top z_i + c) + \tfrac\alpha2 \|W\|_F^2 ,

    solved by Newton's method with an Armijo line search from :math:`W = 0, c = 0` (the course's
    ``singleLayerNNVarProObjFun``): the Hessian
    :math:`\frac1n\sum_i (\mathrm{diag}(p_i) - p_i p_i^\top) \otimes a_i a_i^\top + \alpha I_W`,
    :math:`a_i = [z_i; 1]`, is formed and solved directly, with the class-mean direction (adding the same
    number to every class's output, a null direction of the loss) fixed to zero. It stops when the inner
    gradient is below ``inner_tol`` times its value at zero, after ``inner_maxiter`` Newton iterations, or when
    the line search cannot decrease the inner loss (round-off). The same identity gives the reduced gradient.

    Parameters
    ----------
    model : SingleLayer
        Either loss.
    inner : {"direct", "cg"}
        Least squares: ``"direct"``: SVD of the stacked matrix :math:`[Z, \mathbf 1;\ \sqrt{n\alpha} I, 0]/\sqrt n` (exact up to
        round-off; minimum norm if rank deficient). ``"cg"``: CGLS from zero, stopped when the inner gradient
        satisfies :math:`\|\nabla_{W,c} f\| \le` ``inner_tol`` :math:`\cdot \|\nabla_{W,c} f(0)\|` (per class column)
        or after ``inner_maxiter`` iterations. Cross-entropy: Newton's method (``"direct"`` only).
    inner_tol : float
        Relative tolerance of the inner CGLS or Newton iteration (``>= 0``).
    inner_maxiter : int
        Iteration limit of the inner CGLS or Newton iteration (``>= 1``). With the cross-entropy and
        :math:`\alpha = 0` the inner problem has no minimizer when the classes are separable in the features
        (the weights grow without bound): Newton then runs to this limit.

    Attributes
    ----------
    n_params : int
        ``d m + m``; ``u = concatenate([K.ravel(), b])`` (the first entries of the full ``theta``).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`SingleLayer`.
    ValueError
        If ``inner`` is unknown (or ``"cg"`` with the cross-entropy), ``inner_maxiter < 1`` or ``inner_tol < 0``.

    References
    ----------
    Golub and Pereyra (1973); O'Leary and Rust (2013); Newman, Ruthotto, Hart and van Bloemen Waanders (2021);
    Ruthotto and Haber, Module 4 (VarPro with the cross-entropy, the inner problem by Newton's method).
    """

    def __init__(self, model: SingleLayer, *, inner: str = "direct", inner_tol: float = 1e-12,
                 inner_maxiter: int = 500):
        if not isinstance(model, SingleLayer):
            raise TypeError("VarPro needs a SingleLayer model")
        if inner not in INNER_SOLVERS:
            raise ValueError(f"unknown inner solver {inner!r}; choose one of {', '.join(INNER_SOLVERS)}")
        if model.loss == "softmax" and inner != "direct":
            raise ValueError("with the cross-entropy the inner problem is solved by Newton's method: use "
                             "inner='direct' (inner_maxiter limits the Newton iterations)")
        if int(inner_maxiter) < 1:
            raise ValueError(f"inner_maxiter must be at least 1, got {inner_maxiter}")
        self.model = model
        self.inner = inner
        self.inner_tol = check_nonneg("inner_tol", inner_tol)
        self.inner_maxiter = int(inner_maxiter)
        self.n_params = model.n_hidden_params

    def _check_u(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64).ravel()
        if u.size == self.model.n_params:
            u = u[: self.n_params]
        if u.size != self.n_params:
            raise ValueError(f"u must have d*m + m = {self.n_params} entries (K and b), or be a full theta of "
                             f"{self.model.n_params} entries, got {u.size}")
        return u

    def _hidden(self, u):
        d, m = self.model.n_features, self.model.width
        return u[: d * m].reshape(d, m), u[d * m:]

    def _solve(self, u, start=None):
        """Inner solve. Returns ``(W, c, iterations, Q)``; ``Q`` an orthonormal basis of the range of the
        stacked inner matrix (direct least-squares solver only, else ``None``). ``start``: ``(W, c)`` to start the
        Newton iteration of the cross-entropy from (default zero)."""
        M = self.model
        n, m = M.n_samples, M.width
        K, b = self._hidden(u)
        Z = M._features(K, b, M.X)
        if M.loss == "softmax":
            return (*self._newton(Z, start), None)
        sn, sa = np.sqrt(n), np.sqrt(M.alpha)
        if self.inner == "direct":
            A = np.zeros((n + m, m + 1))
            A[:n, :m] = Z / sn
            A[:n, m] = 1.0 / sn
            A[n + np.arange(m), np.arange(m)] = sa
            U, s, Vt = np.linalg.svd(A, full_matrices=False)
            r = int(np.sum(s > max(A.shape) * np.finfo(float).eps * s[0])) if s[0] > 0 else 0
            Q = U[:, :r]
            Wa = Vt[:r].T @ ((Q[:n].T @ (M.Y / sn)) / s[:r, None])
            return Wa[:m], Wa[m], 1, Q

        def Amul(P):  # (m+1, C) -> (n+m, C)
            return np.vstack([(Z @ P[:m] + P[m]) / sn, sa * P[:m]])

        def ATmul(R):  # (n+m, C) -> (m+1, C)
            top = Z.T @ R[:n] / sn + sa * R[n:]
            return np.vstack([top, R[:n].sum(axis=0)[None] / sn])

        C = M.n_classes
        Xs = np.zeros((m + 1, C))
        R = np.vstack([M.Y / sn, np.zeros((m, C))])
        S = ATmul(R)
        P = S.copy()
        gamma = np.sum(S * S, axis=0)
        stop = self.inner_tol**2 * gamma
        its = 0
        for its in range(1, self.inner_maxiter + 1):
            active = gamma > stop
            if not np.any(active):
                its -= 1
                break
            Qm = Amul(P)
            delta = np.sum(Qm * Qm, axis=0)
            a = np.where(active & (delta > 0), gamma / np.where(delta > 0, delta, 1.0), 0.0)
            Xs += a * P
            R -= a * Qm
            S = ATmul(R)
            gnew = np.sum(S * S, axis=0)
            beta = np.where(active, gnew / np.where(gamma > 0, gamma, 1.0), 0.0)
            P = S + beta * P
            gamma = np.where(active, gnew, gamma)
        return Xs[:m], Xs[m], its, None

    def _newton(self, Z, start=None):
        """Newton's method for the inner cross-entropy problem in ``[W; c^T]`` (``(m + 1, C)``): ``(W, c, its)``."""
        M = self.model
        n, m, C, alpha = M.n_samples, M.width, M.n_classes, M.alpha
        A = np.empty((n, m + 1))
        A[:, :m] = Z
        A[:, m] = 1.0
        Y = M.Y
        reg = np.full((m + 1, 1), alpha)
        reg[m] = 0.0

        def loss(Wa):
            L = log_softmax(A @ Wa)
            return -float(np.sum(Y * L)) / n + 0.5 * alpha * float(np.sum(Wa[:m] ** 2)), np.exp(L)

        g0 = np.linalg.norm(A.T @ (1.0 / C - Y)) / n  # the inner gradient at zero
        Wa = np.zeros((m + 1, C)) if start is None else np.vstack([start[0], start[1][None]])
        f, P = loss(Wa)
        its = 0
        N = (m + 1) * C
        prev, tiny = np.inf, False
        for its in range(1, self.inner_maxiter + 1):
            G = A.T @ (P - Y) / n + reg * Wa
            gn = np.linalg.norm(G)
            if not np.isfinite(gn) or gn <= self.inner_tol * g0 or (tiny and gn >= prev):
                its -= 1  # converged, or full steps below the round-off of f no longer reduce the gradient
                break
            prev = gn
            B = (A[:, :, None] * P[:, None, :]).reshape(n, N)
            H = -(B.T @ B)
            H4 = H.reshape(m + 1, C, m + 1, C)
            for k in range(C):
                H4[:, k, :, k] += A.T @ (P[:, k, None] * A)
            H /= n
            H[np.diag_indices(N)] += np.repeat(reg[:, 0], C)
            scale = max(float(np.trace(H)) / N, np.finfo(float).tiny)
            j = np.arange(m + 1)
            H4[j, :, j, :] += scale / C  # fix the class-mean null direction: + scale (I (x) 1 1^T / C)
            try:
                p = -scipy.linalg.cho_solve(scipy.linalg.cho_factor(H, check_finite=False), G.ravel(),
                                            check_finite=False).reshape(m + 1, C)
            except (np.linalg.LinAlgError, ValueError):
                p = -G
            slope = float(np.vdot(G, p))
            if not slope < 0:
                p, slope = -G, -gn * gn
            tiny = -slope <= 1e-13 * max(1.0, abs(f))
            if tiny:  # the predicted decrease is below the round-off of f: take the full Newton step unchecked
                Wa = Wa + p
                f, P = loss(Wa)
                continue
            t = 1.0
            while t > 1e-10:
                f_new, P_new = loss(Wa + t * p)
                if f_new <= f + 1e-4 * t * slope and f_new < f:
                    break
                t *= 0.5
            else:  # no decrease: the inner problem is solved to round-off
                break
            Wa, f, P = Wa + t * p, f_new, P_new
        return Wa[:m], Wa[m], its

    def solve_inner(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """``(W, c, iterations)`` of the inner least-squares problem for ``u = (K, b)``.

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)
            ``concatenate([K.ravel(), b])``, or a full ``theta`` (its ``K, b`` part is used).

        Returns
        -------
        W : ndarray, shape (m, C)
        c : ndarray, shape (C,)
        iterations : int
            CGLS iterations (1 for the direct least-squares solver), or Newton iterations (cross-entropy).
        """
        W, c, its, _ = self._solve(self._check_u(u))
        return W, c, its

    def full_theta(self, u: np.ndarray) -> np.ndarray:
        """The full parameter vector ``[K, b, W*(u), c*(u)]`` of the network (for prediction).

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)

        Returns
        -------
        theta : ndarray, shape (model.n_params,)
        """
        u = self._check_u(u)
        W, c, _, _ = self._solve(u)
        return np.concatenate([u, W.ravel(), c])

    def value_and_grad(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        r"""``(phi(u), grad_u f(u, W*, c*))``: the reduced objective and the variable projection gradient
        :math:`\nabla\phi(u) = \nabla_u f(u, W^*(u), c^*(u))`.

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)

        Returns
        -------
        phi : float
        g : ndarray, shape (n_params,)

        References
        ----------
        Golub and Pereyra (1973).
        """
        u = self._check_u(u)
        W, c, _, _ = self._solve(u)
        f, g = self.model.value_and_grad(np.concatenate([u, W.ravel(), c]))
        return f, g[: self.n_params]

    def value(self, u: np.ndarray) -> float:
        """The reduced objective :math:`\\phi(u) = f(u, W^*(u), c^*(u))`.

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)

        Returns
        -------
        float
        """
        return self.model.value(self.full_theta(u))


def _varpro_tunables() -> dict:
    return {
        "damping": lambda v: check_nonneg("damping", v),
        "cg_maxiter": lambda v: check_count("cg_maxiter", v),
        "cg_tol": lambda v: check_positive("cg_tol", v),
        "step": lambda v: check_positive("step", v),
    }


@tunable("damping", "cg_maxiter", "cg_tol", "step")
def varpro(
    model: SingleLayer,
    theta0: np.ndarray,
    *,
    method: str = "gauss_newton",
    inner: str = "direct",
    inner_tol: float = 1e-12,
    inner_maxiter: int = 500,
    damping: float = 0.0,
    cg_maxiter: int = 20,
    cg_tol: float = 1e-2,
    step: float = 1.0,
    tol: float = 1e-10,
    maxiter: int = 10**6,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Train a single-layer network by variable projection (outer iteration in ``K, b`` only).

    Every evaluation of the reduced objective :math:`\phi(u)` (see :class:`VarPro`) solves the inner
    linear least-squares problem for the output weights, so every iterate is the best network for its
    hidden layer (iteration 0 is the ELM of the starting ``K, b``). Outer methods, both ending with
    :math:`u_{k+1} = u_k + t_k p_k` and an Armijo line search (:func:`numdl_core.optim.armijo`):

    - ``"gauss_newton"``: :math:`(J_r^\top J_r + \lambda I) p = -\nabla\phi` by CG, with Kaufman's (1975)
      approximation of the reduced Jacobian :math:`J_r = P^\perp J_u` (:math:`J_u` the Jacobian of the residual
      with respect to :math:`u`, :math:`P^\perp` the projector onto the orthogonal complement of the range of
      the inner least-squares matrix; with ``inner="cg"`` the projection is not available and :math:`J_u` is
      used), line search from ``t = 1``. With the cross-entropy the matrix is the generalized Gauss-Newton
      matrix in ``u`` at :math:`(u, W^*(u))`, :math:`J_u^\top \nabla^2_O \ell\, J_u + \alpha I_K`
      (:meth:`SingleLayer.gauss_newton_matvec` with ``block="hidden"``; the course's approximation, the output
      weights held fixed), and the inner Newton iteration starts from the previous inner solution;
    - ``"gradient_descent"``: :math:`p = -\nabla\phi`, line search from ``t = step``.

    A non-finite product with :math:`J_r` ends the run as diverged; an inner solve that fails (non-finite
    features at a trial point) rejects that trial step. The generator follows the protocol of
    :mod:`numdl_core.iterate`.

    Parameters
    ----------
    model : SingleLayer
        Either loss.
    theta0 : array_like
        A full parameter vector (its ``W, c`` are ignored) or ``u0 = [K.ravel(), b]``.
    method : {"gauss_newton", "gradient_descent"}, optional
        The outer method.
    inner : {"direct", "cg"}, optional
        The inner least-squares solver (see :class:`VarPro`).
    inner_tol : float, optional
        Relative tolerance of the inner CG solve.
    inner_maxiter : int, optional
        Most inner CG iterations.
    damping : float, optional
        Levenberg-Marquardt shift :math:`\lambda \ge 0` of the Gauss-Newton system. Tunable.
    cg_maxiter : int, optional
        Most CG iterations per Gauss-Newton step. Tunable.
    cg_tol : float, optional
        Relative residual of the Gauss-Newton CG solve. Tunable.
    step : float, optional
        First trial step of the line search of ``"gradient_descent"``. Tunable.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        ``x`` is the *full* ``theta = [K, b, W*, c*]`` (use it with ``model.predict``); ``grad_norm`` is
        :math:`\|\nabla\phi\|`. ``info``: ``u`` (the outer variable), ``step``, ``backtracks``,
        ``cg_iterations``, ``fallback``, ``inner_iterations`` (of the last inner solve), ``matvecs`` and
        ``work``. Cost: each reduced evaluation (one per trial step) counts 1 forward pass + the inner solve (1
        for ``"direct"``, one per inner CG iteration, 2 per inner Newton iteration of the cross-entropy) + 1
        adjoint pass; each CG iteration of Gauss-Newton one
        product with :math:`J_r` and one with :math:`J_r^\top` (2 passes).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`SingleLayer`.
    ValueError
        For an unknown ``method`` or ``inner`` (``"cg"`` with the cross-entropy), a step that is not a positive
        number, ``damping < 0``, ``cg_maxiter < 1``, ``cg_tol <= 0``, a bad ``tol``, ``maxiter`` or
        ``theta0``; or when a bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    Golub and Pereyra (1973); Kaufman (1975); O'Leary and Rust (2013), Sec. 2-3;
    Newman, Ruthotto, Hart and van Bloemen Waanders (2021).

    Examples
    --------
    >>> X, y = make_inverse_crime(200, width=4, n_classes=3, seed=0)[:2]    # data a width-4 network fits
    >>> M = SingleLayer(X, y, 4, loss="squared")
    >>> steps = list(varpro(M, M.init_theta(1), maxiter=10))
    >>> len(steps), steps[-1].loss < 1e-5 * steps[0].loss
    (11, True)
    """
    if method not in VARPRO_METHODS:
        raise ValueError(f"unknown outer method {method!r}; choose one of {', '.join(VARPRO_METHODS)}")
    vp = VarPro(model, inner=inner, inner_tol=inner_tol, inner_maxiter=inner_maxiter)
    tunables = _varpro_tunables()
    params = {"damping": damping, "cg_maxiter": cg_maxiter, "cg_tol": cg_tol, "step": step}
    params = {name: check(params[name]) for name, check in tunables.items()}
    tol, maxiter = check_stop(tol, maxiter)
    u = vp._check_u(theta0)
    if not np.all(np.isfinite(u)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    M = model
    n, d, m, C = M.n_samples, M.n_features, M.width, M.n_classes
    nu = vp.n_params
    soft = M.loss == "softmax"  # cross-entropy: the inner Newton iteration starts from the last inner solution
    count = {"work": 0.0, "matvecs": 0}
    last: dict = {}

    class _Reduced:
        n_params = nu

        @staticmethod
        def value_and_grad(uu):
            try:
                W, c, its, Q = vp._solve(uu, last.get("Wc") if soft else None)
            except np.linalg.LinAlgError:  # non-finite features: a rejected trial step
                count["work"] += 1.0
                return np.nan, np.full(nu, np.nan)
            theta = np.concatenate([uu, W.ravel(), c])
            f, g = M.value_and_grad(theta)
            count["work"] += 2.0 + its * (2.0 if soft else 1.0)
            if soft and np.all(np.isfinite(theta)):
                last["Wc"] = (W, c)
            last.update(u=uu, theta=theta, Q=Q, its=its)
            return f, g[:nu]

    def reduced_normal_matvec(theta, Q):
        r"""``v -> J_r^T J_r v`` with ``J_r = P^\perp J_u`` at ``theta`` (without the damping).

        The products with the model's Jacobian restricted to ``u = (K, b)``: in residual space only the data
        block and the W-regularization block (zero for a direction in ``u``) take part in the projection
        :math:`P^\perp = I - Q Q^\top` (per class column; applied for :math:`J_r` and again for :math:`J_r^\top`),
        and the K-regularization block :math:`\sqrt\alpha v_K` passes through unchanged. The same operations in
        the same order as the full products :meth:`SingleLayer.linearize` (the same numbers), without the parts
        that vanish for a direction in ``u``.
        """
        X = M.X
        K, b, W, _ = M._split(theta)
        W = W.copy()
        A = X @ K
        A += b
        _, dZ = _act_inplace(M.activation, A)
        sn, sa = np.sqrt(n), np.sqrt(M.alpha)
        scratch = np.empty((n, m))

        def matvec(v):
            vK = v[: d * m].reshape(d, m)
            dA = np.matmul(X, vK, out=scratch)
            dA += v[d * m:]
            dA *= dZ
            S = np.zeros((n + m, C))  # [data block; W-regularization block] of J_u v
            np.divide(dA @ W, sn, out=S[:n])
            if Q is not None:
                S -= Q @ (Q.T @ S)
                S -= Q @ (Q.T @ S)
            dA = np.matmul(S[:n] / sn, W.T, out=scratch)
            dA *= dZ
            gK = X.T @ dA
            gK += sa * (sa * vK)
            return np.concatenate([gK.ravel(), dA.sum(axis=0)])

        return matvec

    def iterations():
        last.update(u=u, theta=np.concatenate([u, np.full(M.n_params - nu, np.nan)]), Q=None, its=0)
        f, g = _Reduced.value_and_grad(u)
        f0 = float(f)
        work0 = count["work"]  # the evaluation of iteration 0 is not counted

        def finish(k, f, g, info, reason=None):
            info.update(u=last["u"].copy(), inner_iterations=last["its"], matvecs=count["matvecs"])
            return record(k, last["theta"], f, float(np.linalg.norm(g)), info, work=count["work"] - work0, loss0=f0,
                          blowup=blowup, reason=reason)

        params = yield finish(0, f, g, {"step": 0.0, "cg_iterations": 0})
        for k in itertools.count(1):
            state = dict(last)
            info: dict = {}
            # armijo accepts the last point it evaluated, so `last` then holds the new iterate and its inner solution
            if method == "gauss_newton":
                JrTJr = (M.gauss_newton_matvec(state["theta"], block="hidden") if soft else
                         reduced_normal_matvec(state["theta"], state["Q"]))
                lam = params["damping"]

                def matvec(v):
                    count["work"] += 2.0
                    count["matvecs"] += 2
                    return JrTJr(v) + lam * v

                _, f, g, _, nonfinite = _newton_step(_Reduced, state["u"], f, g, matvec, params["cg_tol"],
                                                     params["cg_maxiter"], info)
            else:
                info.update(cg_iterations=0, fallback=False)
                _, f, g, _ = _line_search(_Reduced, state["u"], f, g, -g, params["step"], info)
                nonfinite = False
            if info.get("stalled"):
                last.update(state)
            reason = "a product with the reduced Jacobian is not finite (nan or inf)" if nonfinite else None
            params = yield finish(k, f, g, info, reason)

    return (yield from _drive(iterations(), params, tunables, tol=tol, maxiter=maxiter))
