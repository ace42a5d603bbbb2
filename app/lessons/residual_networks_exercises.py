"""Residual networks: exercises checked with ``numdl_core.resnet`` and ``numdl_core.resnet_stability`` (the
course's stability set-up: the circulant K(θ), T = 10; and the antisymmetric weight of the integrators section)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, exact
from numdl_core import resnet
from numdl_core import resnet_stability as rs

THETA = (1.5, 0.5)  # a point of the course's grid [0.2, 2]² with complex eigenvalues
T = 10.0  # the final time of the stability experiment
GAMMA = 0.1  # the antisymmetric shift of the integrators section
RTOL = 0.02
STABLE = 1 + 1e-12  # |R| <= 1 counts as stable (as on the page)


def _anti_K() -> np.ndarray:
    """The integrators section's antisymmetric weight K = ½[[0, 1], [−1, 0]] (ω = 1)."""
    return 0.5 * np.array([[0.0, 1.0], [-1.0, 0.0]])


@lru_cache(maxsize=None)
def h_max_circulant(theta: tuple[float, float] = THETA) -> float:
    """Largest stable forward Euler step for the circulant K(θ) (``resnet.max_stable_step``)."""
    return resnet.max_stable_step(rs.circulant_K(*theta))


@lru_cache(maxsize=None)
def h_max_anti(scheme: str = "euler", gamma: float = GAMMA) -> float:
    """Largest stable step of ``scheme`` for the antisymmetric weight K − Kᵀ − γI."""
    return resnet.max_stable_step(_anti_K(), scheme=scheme, architecture="antisymmetric", gamma=gamma)


def _growth(K: np.ndarray, h: float, **kw) -> float:
    """max |R(hλ)| of one layer (``resnet.amplification_factors``)."""
    return float(np.max(np.abs(resnet.amplification_factors(K, h, **kw))))


def _step_check(target, K_of, kw: dict, hint: str):
    """Right within RTOL of the largest stable step; otherwise says whether the student's h is stable."""

    def check(h: float) -> Verdict:
        if h <= 0:
            return Verdict("wrong", "A step h must be positive.")
        t, g = target(), _growth(K_of(), h, **kw)
        rel = abs(h - t) / t
        if rel <= RTOL:
            return Verdict("correct", f"h = {h:.4g}: max |R(hλ)| = {g:.4f}; the largest stable step is {t:.4g}.")
        where = (f"unstable: max |R(hλ)| = {g:.4f} > 1" if g > STABLE else
                 f"stable (max |R(hλ)| = {g:.4f} ≤ 1), but a larger step is still stable")
        status = "almost" if rel <= 4 * RTOL else "wrong"
        return Verdict(status, f"h = {h:.4g} is {where}. {hint}".strip())

    return check


@lru_cache(maxsize=None)
def grid_worst_factor(N: int) -> float:
    """max over the course's 101 × 101 grid of θ of max_k |1 + hλ_k(θ)|, h = T/N."""
    g = np.linspace(*rs.THETA_RANGE, 101)
    lam = rs.circulant_eigenvalues(g[:, None], g[None, :])
    return float(np.max(np.abs(1 + (T / N) * lam)))


@lru_cache(maxsize=1)
def smallest_stable_N() -> int:
    """The smallest N with forward Euler stable at every θ of the grid."""
    return next(N for N in range(1, 10_000) if grid_worst_factor(N) <= STABLE)


def check_grid_N(N: int) -> Verdict:
    if N < 1:
        return Verdict("wrong", "N is a number of layers: at least 1.")
    base = exact(smallest_stable_N, hint="The worst θ is the one whose eigenvalue is farthest left.")(N)
    f = grid_worst_factor(N)
    if base.correct:
        return Verdict("correct", f"N = {N} (h = {T / N:.4g}): the largest |1 + hλ| on the grid is {f:.4f}.")
    state = f"unstable somewhere on the grid (largest |1 + hλ| = {f:.3f})" if f > STABLE else \
        f"stable everywhere (largest |1 + hλ| = {f:.3f}), but fewer layers also are"
    return Verdict(base.status, f"With N = {N} (h = {T / N:.4g}) the network is {state}. {base.message}")


def _circulant_solution() -> str:
    lam = rs.circulant_eigenvalues(*THETA)[1]
    a, b = lam.real, abs(lam.imag)
    return (f"λ₁,₂ = −3/2(θ₁ + θ₂) ± i√3/2(θ₁ − θ₂) = {a:.4g} ± {b:.4g}i (and λ₀ = 0, factor 1 for every h). "
            f"|1 + hλ|² = 1 + 2h Re λ + h²|λ|² ≤ 1 ⟺ h ≤ −2 Re λ/|λ|² = {-2 * a:.4g}/{abs(lam) ** 2:.4g} = "
            f"{h_max_circulant():.4g}. With T = 10 that is N ≥ {T / h_max_circulant():.2f} layers.")


def _grid_solution() -> str:
    N = smallest_stable_N()
    return (f"h_max(θ) = −2 Re λ/|λ|² is smallest where λ is farthest left: θ = (2, 2), λ = −6 (real), so "
            f"h ≤ 2/6 = 1/3 and N = T/h ≥ 30. The app scans the 101 × 101 grid: N = {N} gives max |1 + hλ| = "
            f"{grid_worst_factor(N):.4f} (exactly 1 at θ = (2, 2): marginally stable), N = {N - 1} gives "
            f"{grid_worst_factor(N - 1):.4f}.")


def _anti_solution() -> str:
    return (f"K − Kᵀ − γI has the eigenvalues −γ ± iω = {-GAMMA:g} ± 1i. Forward Euler: |1 + hλ|² = 1 − 2hγ + "
            f"h²(γ² + ω²) ≤ 1 ⟺ h ≤ 2γ/(γ² + ω²) = {2 * GAMMA / (GAMMA ** 2 + 1):.4g} (the app: "
            f"{h_max_anti():.4g}). Heun allows {h_max_anti('heun'):.4g} and RK4 {h_max_anti('rk4'):.4g}: their "
            "regions reach past the imaginary axis.")


EXERCISES = ExerciseSet("residual-networks", (
    Exercise("largest-h", f"The stability experiment's weight K(θ) at θ = ({THETA[0]:g}, {THETA[1]:g}) (the circulant "
             "above the plots). Find the **largest step h** for which the forward Euler ResNet "
             "Y_{j+1} = Y_j + h σ(Y_j K(θ)ᵀ) is stable (linearized: |1 + hλ| ≤ 1 for every eigenvalue λ of K(θ)).",
             check=_step_check(h_max_circulant, lambda: rs.circulant_K(*THETA), {},
                               "Compute the eigenvalues of the circulant (the DFT of its first row), then "
                               "|1 + hλ|² = 1 + 2h Re λ + h²|λ|²."),
             solution=_circulant_solution, label="h", lo=0.0, tolerance="within 2 %", section="stability",
             hint="λ = −3/2(θ₁ + θ₂) ± i√3/2(θ₁ − θ₂); stability needs h ≤ −2 Re λ/|λ|²."),
    Exercise("grid-layers", "With T = 10, how many layers N (h = 10/N) does the network need at least so that forward "
             "Euler is stable at **every** θ of the course's grid [0.2, 2]² (|1 + hλ| ≤ 1 counts as stable)?",
             check=check_grid_N, solution=_grid_solution, kind="int", label="N", lo=1, hi=10_000,
             tolerance="the exact N", section="stability",
             hint="The diagonal plot: on θ₁ = θ₂ = t the eigenvalues are 0 and −3t."),
    Exercise("antisymmetric-euler", f"The integrators section's antisymmetric layer σ(Y(K − Kᵀ − γI)) with "
             f"γ = {GAMMA:g} (ω = 1). Find the largest step h for which **forward Euler** is stable.",
             check=_step_check(h_max_anti, _anti_K, {"architecture": "antisymmetric", "gamma": GAMMA},
                               "The eigenvalues are −γ ± i: a short distance from the imaginary axis."),
             solution=_anti_solution, label="h", lo=0.0, tolerance="within 2 %", section="integrators",
             hint="|1 + h(−γ + i)|² ≤ 1 gives a bound in γ only."),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"largest-h": (0.615, 0.9), "grid-layers": (30, 5), "antisymmetric-euler": (0.198, 1.0)}
