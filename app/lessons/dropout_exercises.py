"""Dropout: exercises checked with ``numdl_core.theory.dropout`` (the page's default problems, seed 0).

"expected-loss" asks for the closed-form expected dropout loss at least squares for another keep probability
(``expected_dropout_loss``); "optimal-rank" and "column-product" ask for the rank and the equalized column product
‖M‖_*/r of the global minimizer of the dropout factorization (``factorization_optimum``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, close_to, exact
from numdl_core.theory import dropout as D

P_LOSS = 0.2  # expected-loss: the keep probability asked about (the page's default is 0.5)
P_RANK = 0.1  # optimal-rank
P_PRODUCT = 0.3  # column-product
SHAPE, RANK, R = (20, 15), 3, 6  # the factorization section's defaults: Y 20 x 15 of rank 3, r = 6 factor columns


@lru_cache(maxsize=1)
def _least_squares() -> tuple[D.LeastSquaresProblem, np.ndarray]:
    """The least-squares section's default problem (n = 40, d = 8, σ = 0.5, seed 0) and w_LS."""
    P = D.least_squares_problem(40, 8, noise=0.5, seed=0)
    return P, D.dropout_ridge_solution(P.X, P.y, 1.0)


def expected_loss(p: float) -> float:
    r"""The expected dropout loss at least squares on the page's default problem.

    .. math:: \mathbb E_m\|y - X(m\odot w)/p\|^2 = \|y - Xw\|^2 + \tfrac{1-p}{p}\textstyle\sum_j w_j^2\|X_{:,j}\|^2,
        \quad w = w_{LS}

    Parameters
    ----------
    p : float
        The keep probability, in (0, 1].

    Returns
    -------
    float

    References
    ----------
    Srivastava et al. (2014), JMLR 15; Wager, Wang and Liang (2013), NeurIPS.
    """
    P, wls = _least_squares()
    return D.expected_dropout_loss(P.X, P.y, wls, p)


def _loss_solution() -> str:
    P, wls = _least_squares()
    fit = float(np.sum((P.y - P.X @ wls) ** 2))
    pen = float(np.sum(wls ** 2 * np.sum(P.X ** 2, axis=0)))
    lam = (1 - P_LOSS) / P_LOSS
    return (f"The closed form is the data fit plus λ Σ_j w_j²‖X_j‖² with λ = (1 − p)/p. At p = 0.5 (λ = 1) the page "
            f"shows the data fit {fit:.2f} and the penalty {pen:.1f}, so Σ_j w_j²‖X_j‖² = {pen:.1f}. At "
            f"p = {P_LOSS:g}, λ = {lam:g}: {fit:.2f} + {lam:g} × {pen:.1f} = "
            f"**{expected_loss(P_LOSS):.1f}**. Check it on the page with p = {P_LOSS:g}: the Monte Carlo "
            "mean converges to it.")


@lru_cache(maxsize=8)
def optimum(p: float) -> tuple[float, ...]:
    r"""The singular values of the global minimizer of the expected dropout factorization loss on the page's
    default matrix (20 × 15, rank 3, noise 0.1, seed 0; r = 6).

    .. math:: \min_M \|Y - M\|_F^2 + \tfrac{\lambda}{r}\|M\|_*^2,\quad \sigma_i = s_i - \tfrac{\lambda}{r}
        \frac{s_1 + \dots + s_k}{1 + k\lambda/r}\ (i \le k),\quad \lambda = \tfrac{1-p}{p}

    Parameters
    ----------
    p : float
        The keep probability, in (0, 1].

    Returns
    -------
    tuple of float
        Largest first, zeros beyond the optimal rank.

    References
    ----------
    Mianjy, Arora and Vidal (2018), ICML, Theorem 2; Cavazza et al. (2018), AISTATS.
    """
    Y = D.low_rank_matrix(*SHAPE, RANK, noise=0.1, seed=0)
    return tuple(float(v) for v in D.factorization_optimum(Y, R, p))


def _rank_solution() -> str:
    lam = (1 - P_RANK) / P_RANK
    s = optimum(1.0)
    sig = optimum(P_RANK)
    k = int(np.count_nonzero(sig))
    return (f"λ = (1 − p)/p = {lam:g}. The optimum shrinks the top k singular values of Y by the same amount "
            f"(λ/r)·S_k/(1 + kλ/r), S_k = s₁ + … + s_k, and keeps the largest k for which the k-th stays positive. "
            f"Y has s = {', '.join(f'{v:.2f}' for v in s[:4])}, …: k = 3 would give σ₃ < 0, k = {k} gives σ = "
            f"{', '.join(f'{v:.3f}' for v in sig[:k])}: rank **{k}**. The third component of the truth is shrunk away.")


def _product_solution() -> str:
    sig = optimum(P_PRODUCT)
    return (f"At the optimum the factors are equalized: every ‖u_i‖‖v_i‖ = ‖M‖_*/r. At p = {P_PRODUCT:g} the optimum "
            f"has σ = {', '.join(f'{v:.3f}' for v in sig if v > 0)}, so ‖M‖_* = {sum(sig):.3f} and the product is "
            f"{sum(sig):.3f}/{R} = **{sum(sig) / R:.4f}**; the expected-loss GD run of the page reaches it.")


EXERCISES = ExerciseSet("dropout", (
    Exercise("expected-loss", "Least squares, defaults (n = 40, d = 8, σ = 0.5, seed 0). At w_LS and p = 0.5 the page "
             "shows the data fit ‖y − Xw_LS‖² = 8.47 and a penalty of 143.3. Predict the expected dropout loss at "
             f"w_LS for p = {P_LOSS:g}.", check=close_to(lambda: expected_loss(P_LOSS), rtol=0.02, fmt=".4g",
                                                         hint="Only λ = (1 − p)/p changes with p."),
             solution=_loss_solution, label="E‖y − X(m∘w)/p‖²", lo=0.0, tolerance="within 2 %",
             hint="The penalty is λ Σ_j w_j²‖X_j‖² with λ = (1 − p)/p.", section="least-squares"),
    Exercise("optimal-rank", f"Matrix factorization, defaults (Y 20 × 15 of rank 3 plus noise, r = 6 columns) but "
             f"p = {P_RANK:g}. What is the rank of the global minimizer of the expected dropout loss?",
             check=exact(lambda: np.count_nonzero(optimum(P_RANK)),
                         hint="Shrink the top k singular values by (λ/r)·S_k/(1 + kλ/r) and keep the largest k with "
                              "σ_k > 0."),
             solution=_rank_solution, kind="int", label="rank", lo=0, hi=6, tolerance="the exact rank",
             hint="λ = (1 − p)/p is large: the squared nuclear norm penalty removes the small components.",
             section="factorization"),
    Exercise("column-product", f"Matrix factorization, defaults but p = {P_PRODUCT:g}. At the global optimum every "
             "column product ‖u_i‖‖v_i‖ is the same. What is it?",
             check=close_to(lambda: sum(optimum(P_PRODUCT)) / R, rtol=0.03, fmt=".4g",
                            hint="The products are equal and add up to the nuclear norm of M = UVᵀ."),
             solution=_product_solution, label="‖u_i‖‖v_i‖", lo=0.0, tolerance="within 3 %",
             hint="Equalized factors: ‖u_i‖‖v_i‖ = ‖M‖_*/r, and the caption lists the optimum's singular values.",
             section="factorization"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"expected-loss": (581.8, 151.8), "optimal-rank": (2, 4), "column-product": (0.975, 1.41)}
