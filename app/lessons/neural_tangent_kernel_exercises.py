"""Neural tangent kernel: exercises checked with ``numdl_core.theory.ntk`` (the analytic kernel on the page's
circle, the step-size limit from its largest eigenvalue, and the decay of one residual component under the
linearized dynamics): kernel computations, no training."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.theory import ntk

N_ROW = 12  # the kernel section's default points: K(x₀, x₆), x₆ opposite to x₀
N_STEP = 20  # the step exercise: 20 training points (the regression section's default is 10)
SPEC = {"n": 16, "m": 2048, "seed": 0, "i": 5, "factor": 1e-3}  # the spectral-bias section's defaults, v₅, 1e-3


def opposite_kernel() -> float:
    """K(x₀, x_{n/2}) of the analytic NTK (``ntk.relu_ntk``) on the n = 12 circle points (cos φ, sin φ, 1)/√2."""
    _, X = ntk.circle_inputs(N_ROW, bias=True)
    return float(ntk.relu_ntk(X[:1], X[N_ROW // 2:N_ROW // 2 + 1])[0, 0])


def _opposite_solution() -> str:
    _, X = ntk.circle_inputs(N_ROW, bias=True)
    dot = round(float(X[0] @ X[N_ROW // 2]), 12) + 0.0
    return (f"x₀ = (1, 0, 1)/√2 and x₆ = (−1, 0, 1)/√2 (φ = π): ‖x‖ = 1 and x₀·x₆ = {dot:g}, so the angle is "
            f"t = π/2. Then K = x·x′(π − t)/(2π) + ‖x‖‖x′‖(sin t + (π − t) cos t)/(2π) = 0 + (1 + 0)/(2π) = "
            f"1/(2π) = {opposite_kernel():.4f}. Orthogonal inputs still have a positive kernel: the gradients of the "
            "ReLU units active on both are correlated (the arc-cosine part).")


@lru_cache(maxsize=4)
def lam_max(n: int = N_STEP) -> float:
    """λ_max of the analytic NTK on n circle points."""
    _, X = ntk.circle_inputs(n, bias=True)
    return float(np.linalg.eigvalsh(ntk.relu_ntk(X, X))[-1])


def max_step() -> float:
    """The largest stable step of the linearized dynamics r ← (I − ηK) r: η = 2/λ_max(K)."""
    return 2.0 / lam_max()


def check_step(eta: float) -> Verdict:
    """Right within 3 % of 2/λ_max; says what the top residual component does with the student's η."""
    if eta <= 0:
        return Verdict("wrong", "A step must be positive.")
    v = close_to(max_step, rtol=0.03, fmt=".4g", hint="The top eigencomponent is multiplied by 1 − ηλ_max at "
                                                       "every step.")(eta)
    q = 1.0 - eta * lam_max()
    what = "grows" if abs(q) > 1 + 1e-9 else "does not shrink" if abs(q) > 1 - 1e-9 else "shrinks"
    return Verdict(v.status, f"{v.message} With η = {eta:.4g} the top component is multiplied by 1 − ηλ_max = "
                             f"{q:.3g} per step: it {what}.")


def _step_solution() -> str:
    lm = lam_max()
    return (f"Near the lazy regime the residual obeys r_(k+1) = (I − ηK) r_k, so along the eigenvector vᵢ it is "
            f"multiplied by 1 − ηλᵢ. All factors have modulus < 1 iff 0 < η < 2/λ_max. For the {N_STEP} circle "
            f"points the app computes λ_max(K) = {lm:.4f}, hence η < 2/λ_max = {2 / lm:.4f} (η · λ_max < 2 in "
            "the page's units: 1.9 still converges, 2.5 catapults).")


@lru_cache(maxsize=1)
def _spectrum() -> np.ndarray:
    """Eigenvalues (descending) of the empirical kernel K̂₀ of the spectral-bias section's network."""
    _, X = ntk.circle_inputs(SPEC["n"], bias=True)
    K0 = ntk.empirical_ntk(ntk.init_network(3, SPEC["m"], seed=SPEC["seed"]), X)
    return np.linalg.eigvalsh(K0)[::-1]


def decay_iterations() -> int:
    """The first t with (1 − ηλᵢ)^t ≤ factor, η = 1/λ₁ (the linearized prediction of the page)."""
    lam = _spectrum()
    q = 1.0 - lam[SPEC["i"] - 1] / lam[0]
    return int(np.ceil(np.log(SPEC["factor"]) / np.log(q)))


def _decay_solution() -> str:
    lam = _spectrum()
    i = SPEC["i"]
    q = 1.0 - lam[i - 1] / lam[0]
    return (f"The app computes the eigenvalues of K̂₀: λ₁ = {lam[0]:.4f}, λ{_sub(i)} = {lam[i - 1]:.4f}. With "
            f"η = 1/λ₁ the component along v{_sub(i)} is multiplied by 1 − λ{_sub(i)}/λ₁ = {q:.4f} per step, so it "
            f"falls by {SPEC['factor']:.0e} after t = ln({SPEC['factor']:.0e}) / ln({q:.4f}) ≈ "
            f"{np.log(SPEC['factor']) / np.log(q):.1f}, i.e. {decay_iterations()} iterations, while the top "
            "component is gone after one: the smooth modes are learned first (spectral bias).")


def _sub(i: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(i))


EXERCISES = ExerciseSet("neural-tangent-kernel", (
    Exercise("opposite", f"The analytic NTK on the kernel section's {N_ROW} circle points (cos φ, sin φ, 1)/√2: what "
             f"is K(x₀, x₆), the kernel between a point and the **opposite** point (φ = π)?",
             check=close_to(opposite_kernel, rtol=0.02, fmt=".4f",
                            hint="Find the angle t between the 3-D inputs (mind the bias coordinate) and use the "
                                 "formula of the theory box; read the kernel row plot at φ = π."),
             solution=_opposite_solution, label="K(x₀, x₆)", tolerance="within 2 %", section="kernel"),
    Exercise("max-step", f"Regression section with n = {N_STEP} training points: what is the **largest step η** for "
             "which gradient descent on the linearized (infinitely wide) network converges?", check=check_step,
             solution=_step_solution, label="η", lo=0.0, tolerance="within 3 %",
             hint="Compute λ_max of the analytic kernel K(X, X) (the page's caption shows η = 1/λ_max for "
                  "η · λ_max = 1).", section="regression"),
    Exercise("decay", f"Spectral-bias section, defaults (n = {SPEC['n']}, m = {SPEC['m']}, seed {SPEC['seed']}, "
             f"η = 1/λ₁ of K̂₀): by the linearized prediction, after how many iterations has the residual component "
             f"along the eigenvector v{_sub(SPEC['i'])} fallen by a factor {SPEC['factor']:.0e}?",
             check=close_to(decay_iterations, rtol=0.03, fmt=".0f",
                            hint="Each step multiplies it by 1 − ηλᵢ; read λ₁ and λᵢ off the eigenvalue plot."),
             solution=_decay_solution, kind="int", label="iterations", lo=0, hi=100_000, tolerance="within 3 %",
             section="spectral-bias"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"opposite": (0.159, 0.0), "max-step": (0.193, 0.0966), "decay": (146, 15)}
