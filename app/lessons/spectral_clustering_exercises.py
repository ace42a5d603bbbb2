"""Spectral clustering: exercises checked with ``numdl_core`` (the page's toy graph and rings, seed 0), and the
lecture tour of the page (its presets live in pages/spectral_clustering.py)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, exact
from numdl_core import spectral as S
from numdl_core import spectral_lab as lab
from numdl_core.data import make_dataset
from numdl_core.eigensolvers import fiedler_iteration, iteration_rate

# The lecture tour: spectral clustering works, a too narrow σ breaks it, so does L = D − W on blobs; L_sym and the
# eigengap fix it; then the toy graph: a cut edge, and a shift that speeds up inverse iteration.
TOUR = ("circles-knn-graph", "sigma-too-small", "unnormalized-on-blobs", "eigengap", "cut-an-edge",
        "shift-near-lambda2")

SHIFT_BUDGET = 12  # the shift exercise: inverse iteration reaches the Fiedler vector within 12 iterations
MUTUAL_K = 7  # the zero-eigenvalue exercise: mutual kNN graph with k = 7 on the rings (300 points, noise 0.1)


@lru_cache(maxsize=64)
def inverse_run(shift: float) -> tuple[float, int] | None:
    """(Rayleigh quotient reached, iterations) of inverse iteration with ``shift`` on the toy graph's L = D − A;
    ``None`` when L − sI is singular."""
    _, A = S.toy_graph()
    try:
        it = fiedler_iteration(A, kind="unnormalized", method="inverse", shift=shift)
    except ValueError:
        return None
    return float(it.rayleigh[-1]), int(it.residual.size - 1)


def _toy_spectrum() -> np.ndarray:
    _, A = S.toy_graph()
    return S.laplacian_eigenpairs(A, 5, kind="unnormalized")[0]


def check_shift(s: float) -> Verdict:
    """Right when inverse iteration with shift ``s`` converges to λ₂ (the Fiedler vector) within the budget."""
    lam = _toy_spectrum()
    out = inverse_run(float(s))
    if out is None:
        return Verdict("wrong", f"s = {s:g} is an eigenvalue: L − sI is singular and cannot be factored. Move s a "
                                "little away from it.")
    rho, k = out
    rate = iteration_rate(lam, method="inverse", shift=float(s))
    if abs(rho - lam[1]) > 1e-6:
        return Verdict("wrong", f"With s = {s:g} inverse iteration converges to the eigenvalue {rho:.4g}, not to "
                                f"λ₂ = {lam[1]:.4g}: the shift is nearer to another eigenvalue.")
    if k <= SHIFT_BUDGET:
        return Verdict("correct", f"s = {s:g}: {k} iterations to λ₂, rate |λ₂ − s| / |λ₃ − s| = {rate:.3g}.")
    return Verdict("almost" if k <= 2 * SHIFT_BUDGET else "wrong",
                   f"s = {s:g} finds the Fiedler vector, but takes {k} iterations (rate {rate:.3g} per iteration).")


def _shift_solution() -> str:
    lam = _toy_spectrum()
    rows = ", ".join(f"s = {s:g}: {inverse_run(s)[1]}" for s in (0.0, 0.5, 0.9, 0.95, 1.05))
    return (f"On z⊥ inverse iteration multiplies the eigencomponent of λᵢ by 1/(λᵢ − s): the one nearest to s wins, "
            f"at the rate |λ₂ − s| / min over the others of |λᵢ − s|. The spectrum is {{{', '.join(f'{v:.3g}' for v in lam)}}}, "
            f"so shifts close to λ₂ = 1 (but not equal to it: L − I is singular) converge fast, e.g. s = 0.9 with rate "
            f"0.1/1.1 = {iteration_rate(lam, method='inverse', shift=0.9):.3g}. Iterations to the tolerance: {rows}. "
            "Past 1.5 the shift is nearer to λ₃ = 2 and the iteration finds u₃ instead.")


@lru_cache(maxsize=1)
def mutual_zero_eigenvalues() -> tuple[int, int]:
    """(zero eigenvalues of L_sym, connected components) of the mutual kNN graph, k = 7, on the rings."""
    X, _ = make_dataset("rings", 300, 0.1, seed=0)
    W = S.similarity_graph(X, "mutual_knn", sigma=0.3, k=MUTUAL_K)
    lam, _ = S.laplacian_eigenpairs(W, lab.N_EIG, kind="sym")
    return S.n_zero_eigenvalues(lam), S.connected_components(W)[0]


def _mutual_solution() -> str:
    zero, comp = mutual_zero_eigenvalues()
    return (f"The multiplicity of the eigenvalue 0 of a graph Laplacian is the number of connected components (each "
            f"component's indicator, times D^½ for L_sym, is a null vector). The mutual kNN graph keeps an edge only "
            f"if both points are among each other's {MUTUAL_K} nearest neighbours: it has {comp} components here, so "
            f"**{zero}** eigenvalues are zero (up to round-off); with k = 10 it is 2, with k = 5 it is 19.")


@lru_cache(maxsize=1)
def smallest_solvable_k() -> int:
    """The smallest k of the kNN graph on the rings (page defaults) whose components all hold a label."""
    return next(k for k in range(1, 51) if lab.ring_study(k=k).error is None)


def _semi_solution() -> str:
    k = smallest_solvable_k()
    comps = [lab.ring_study(k=j).numbers["components"] for j in range(max(k - 2, 1), k + 1)]
    return (f"(PᵀP + αL) f = Pᵀc is singular when a component holds no labelled point: on it Pf = 0 and Lf = 0 for "
            f"its indicator, so its scores are undetermined. The kNN graph on the rings has "
            + ", ".join(f"{c} components at k = {j}" for j, c in zip(range(max(k - 2, 1), k + 1), comps))
            + f": from k = {k} on, every component holds a label and the system has a unique solution.")


EXERCISES = ExerciseSet("spectral-clustering", (
    Exercise("inverse-shift", f"The 5-node toy graph, L = D − W. Choose a shift s for inverse iteration "
             f"u ← (L − sI)⁻¹u so that it reaches the **Fiedler vector** within {SHIFT_BUDGET} iterations (the "
             f"page's tolerance).", check=check_shift, solution=_shift_solution, label="s",
             tolerance=f"any s whose run reaches λ₂ within {SHIFT_BUDGET} iterations (the app runs it)",
             hint="The rate is |λ₂ − s| / |λ₃ − s|: put s near λ₂, but not on it.", section="toy"),
    Exercise("mutual-zeros", f"Rings (300 points, noise 0.1, seed 0), **mutual kNN** graph with k = {MUTUAL_K}, "
             "L_sym: how many eigenvalues are zero (up to round-off)?",
             check=exact(lambda: mutual_zero_eigenvalues()[0], hint="What does the multiplicity of 0 count?"),
             solution=_mutual_solution, kind="int", label="zero eigenvalues", lo=0, hi=20,
             tolerance="the exact count", hint="Count the connected components; the log axis shows the zeros.",
             section="clustering"),
    Exercise("semi-k", "Semi-supervised rings (page defaults: 300 points, 3 labels per ring, kNN graph): what is the "
             "**smallest** k for which the graph method gives an answer (every component holds a labelled point)?",
             check=exact(smallest_solvable_k, hint="Lower k on the page until it colours the components instead."),
             solution=_semi_solution, kind="int", label="k", lo=1, hi=50, tolerance="the exact value",
             hint="A component without a label makes PᵀP + αL singular.", section="semi"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"inverse-shift": (0.9, 1.6), "mutual-zeros": (4, 2), "semi-k": (4, 10)}
