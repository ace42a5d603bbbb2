"""Residual-networks page (pages/residual_networks.py), sections trajectories, integrators and reversible: the theory
panel, the presets, the controls and the section bodies. The numbers come from ``numdl_core.resnet_studies`` (the
exported scripts call the same functions); figures from app/figures/resnet.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.resnet import (convergence_figure_loglog, growth_figure, memory_figure, norms_figure,
                                reconstruction_figure, regions_figure, stability_region_figure, trajectories_figure)
from app.lesson import Experiment
from app.panels import show
from app.params import Param
from numdl_core import resnet, resnet_studies

THEORY = (
    "**Rows are examples** (the course stores examples as columns and writes K Y; here Y has one example per row and "
    "the layer reads Y K). A residual network Y_{j+1} = Y_j + h σ(Y_j K_j + b_j) is **forward Euler** for the ODE "
    "dY/dt = σ(Y K(t) + b(t)) on [0, T]: N layers are N time steps of size h = T/N, depth is time. The network is "
    "**stable** (a perturbation of the input does not grow through the layers) when every h·λ, λ an eigenvalue of "
    "the layer's Jacobian σ'·K, lies in the integrator's region of absolute stability |R(hλ)| ≤ 1: for Euler the "
    "disc |1 + hλ| ≤ 1. A stable ODE is not enough: Euler with too large h, or with purely imaginary eigenvalues "
    "(antisymmetric K − Kᵀ), is unstable for every h. The remedy is to change the ODE **and** the discretization: "
    "two-stage and RK4 schemes, the parabolic −Kᵀσ(KY + b) (a gradient flow), and the Hamiltonian / leapfrog network "
    "Y_{j+1} = 2Y_j − Y_{j−1} − h²σ(Y_j K_j + b_j)K_jᵀ, which is stable for h|λ| ≤ 2 and **reversible**: its states "
    "can be recomputed backwards instead of stored.",
    [r"\dot Y(t) = \sigma\big(Y(t) K(t) + \mathbf 1 b(t)^\top\big),\quad Y(0) = Y_0,\qquad "
     r"Y_{j+1} = Y_j + h\,\sigma(Y_j K_j + \mathbf 1 b_j^\top),\quad h = T/N",
     r"R_{\rm Euler}(z) = 1 + z,\quad R_{\rm Heun}(z) = R_{\rm mid}(z) = 1 + z + \tfrac{z^2}{2},\quad "
     r"R_{\rm RK4}(z) = \textstyle\sum_{k=0}^{4} z^k/k!,\qquad \text{stable} \iff |R(h\lambda)| \le 1",
     r"f_{\rm anti}(Y) = \sigma\big(Y(K - K^\top - \gamma I) + b\big),\quad f_{\rm par}(Y) = -\sigma(YK + b)K^\top,"
     r"\quad Y_{j+1} = 2Y_j - Y_{j-1} + h^2 f_j(Y_j)"],
    "Haber and Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018), arXiv 2017; He, "
    "Zhang, Ren and Sun, Deep residual learning, CVPR 2016; Chang, Meng, Haber, Ruthotto, Begert and Holtham, "
    "Reversible architectures for arbitrarily deep residual networks, AAAI 2018; Hairer, Nørsett and Wanner, Solving "
    "ODEs I (Springer 1993); the course's resnet/examples/EResNet_Forward.m")

SCHEME_LABELS = {"euler": "forward Euler (ResNet)", "heun": "Heun", "midpoint": "midpoint", "rk4": "RK4",
                 "leapfrog": "leapfrog (Verlet)"}
ARCH_LABELS = {"standard": "σ(YK + b)", "antisymmetric": "σ(Y(K − Kᵀ − γI) + b)", "parabolic": "−σ(YK + b)Kᵀ"}
ACT = Param("activation", "Activation σ", "choice", "tanh", options=("tanh", "identity"),
            labels={"identity": "identity (linear)"}, widget="segmented")
SCHEME = Param("scheme", "Integrator", "choice", "euler", options=resnet.SCHEMES, labels=SCHEME_LABELS,
               help="Leapfrog integrates the second-order equation d²Y/dt² = f(Y), dY/dt(0) = 0.")
H_OPTIONS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
TRAJ = [Param("a", "a (diagonal of K)", "float", -0.001, lo=-1.5, hi=0.2, step=0.001, fmt="%.3f",
              help="K = [[a, −0.2], [0.2, a]] (course's columns form): eigenvalues a ± 0.2i."),
        Param("h", "Step h", "log", 0.1, options=H_OPTIONS), Param("n_layers", "Layers N", "int", 1000, lo=10,
                                                                    hi=3000, step=10), SCHEME, ACT]
VIEW = Param("view", "Stability plot", "choice", "whole", options=("whole", "zoom"),
             labels={"whole": "whole region", "zoom": "zoom on hλ"}, widget="segmented", role="view")
INTEG = [Param("architecture", "Architecture f(Y)", "choice", "standard", options=resnet.ARCHITECTURES,
               labels=ARCH_LABELS), ACT, Param("shown", "Checks in detail", "choice", "euler", options=resnet.SCHEMES,
                                               labels=SCHEME_LABELS, role="view")]
ANTI = [Param("gamma", "γ (shift of K − Kᵀ − γI)", "choice", 0.0, options=(0.0, 0.001, 0.01, 0.1),
              labels={0.0: "0"}), Param("h", "Step h (numbers)", "log", 0.1, options=(0.02, 0.05, 0.1, 0.2, 0.5, 1.0)),
        ACT.but(name="anti_activation", default="identity")]
REV = [Param("n_layers", "Layers N", "int", 1000, lo=2, hi=5000, step=1),
       Param("h", "Step h", "log", 0.05, options=(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)),
       Param("width", "Width d", "int", 4, lo=2, hi=16), ACT, Param("seed", "Seed", "int", 0, lo=0, hi=99)]

cached = st.cache_data(max_entries=32, show_spinner=False)

EXPERIMENTS = [
    Experiment("The course's rotation", "K = [[−0.001, −0.2], [0.2, −0.001]], h = 0.1, 1000 tanh layers from ±(1, 1). "
               "Is the network stable? Zoom on hλ.",
               "No: |1 + hλ| = 1.0001 > 1, hλ = −0.0001 ± 0.02i lies just outside Euler's disc, and the points spiral "
               "slowly outwards: ‖Y_N‖/‖Y₀‖ = 1.102 (the course's numbers). The continuous ODE decays (Re λ < 0; "
               "solve_ivp gives ‖Y(100)‖/‖Y₀‖ = 0.909); Euler would need h < 0.05.", {"section": "trajectories"},
               name="course-rotation"),
    Experiment("h = 2 is unstable", "a = −1 (eigenvalues −1 ± 0.2i, a stable ODE), identity activation, h = 2. Then "
               "try h = 1.5.",
               "|1 + 2λ| = 1.077 > 1: the marks leave the disc and ‖Y_N‖/‖Y₀‖ = 1.077¹⁰⁰⁰ = 1.7e32. At h = 1.5 "
               "|1 + hλ| = 0.58 and the states vanish. Euler's largest stable step here is 2·1/1.04 = 1.92.",
               {"section": "trajectories", "a": -1.0, "h": 2.0, "activation": "identity"}, name="unstable-step"),
    Experiment("A better integrator at the same step", "The course's rotation with Heun (or RK4) instead of Euler.",
               "Heun's region bulges past the imaginary axis near 0: |R(hλ)| = 0.9999, the network is stable and the "
               "states shrink (‖Y_N‖/‖Y₀‖ = 0.909, as the ODE's: 0.909 by solve_ivp); Heun's largest stable step "
               "here is 1.74.",
               {"section": "trajectories", "scheme": "heun"}, name="heun-rotation"),
    Experiment("Leapfrog needs a Hamiltonian", "Choose leapfrog for the course's rotation.",
               "Leapfrog integrates d²Y/dt² = f(Y); its region is only the segment [−2i, 2i]. With f = σ(YK) and "
               "complex λ the points ±h√λ leave the segment: |R| = 1.032 per layer and the states explode (1856x). "
               "It is stable for the parabolic f = −σ(YK + b)Kᵀ (real λ ≤ 0): the Hamiltonian network.",
               {"section": "trajectories", "scheme": "leapfrog"}, name="leapfrog-rotation"),
    Experiment("Antisymmetric weights: Euler unstable for every h", "γ = 0: read |R| of each scheme against h.",
               "The eigenvalues of K − Kᵀ are ±i: |1 + ih| = √(1 + h²) > 1 for every h > 0, so Euler grows (2.70x "
               "over T = 20 at h = 0.1, more for larger h); Heun and midpoint grow only by √(1 + h⁴/4) per layer "
               "(1.0025x); RK4 is stable for h ≤ 2√2.", {"section": "integrators"}, name="antisymmetric-euler"),
    Experiment("A little damping: Heun and midpoint fix it", "γ = 0.01 and h = 0.2.",
               "Euler now needs h ≤ 2γ/(γ² + 1) = 0.02 and still grows at h = 0.2 (5.86x over T = 20), while Heun and "
               "midpoint are stable up to h = 0.444 and decay like the ODE (0.83, exact e^{−0.2} = 0.82).",
               {"section": "integrators", "gamma": 0.01, "h": 0.2}, name="antisymmetric-damped"),
    Experiment("Parabolic architecture", "Choose −σ(YK + b)Kᵀ: do the orders and checks change?",
               "No: the orders (1, 2, 2, 4, 2) belong to the integrators, and the backward pass of every one is the "
               "exact transpose of its linearization (adjoint gaps 1e-16 to 1e-14).",
               {"section": "integrators", "architecture": "parabolic"}, name="parabolic-checks"),
    Experiment("Reversing 1000 layers", "Reconstruct Y₀ from the last two states of the Hamiltonian network.",
               "Leapfrog gives Y₀ back to 1e-13 relative (round-off) and the gradient from the reconstructed states "
               "equals the stored one to 7e-13; running Euler backwards misses Y₀ by 36x its size. Memory: 2 states "
               "instead of 1001.", {"section": "reversible"}, name="reversible-1000"),
    Experiment("Reversibility needs stability", "Set h = 0.5.",
               "Exact in exact arithmetic, but every reversal step amplifies round-off like the forward pass amplifies "
               "perturbations: with layers drawn at random and h = 0.5 the states grow ~86x and the reconstruction "
               "error reaches 9.7 (relative); the gradient from reconstructed states is useless. Reversibility is only "
               "as good as the network's stability.",
               {"section": "reversible", "h": 0.5}, name="reversal-needs-stability"),
]


def _metrics(numbers: dict, fmt: str = "{:.5g}") -> None:
    cols = st.columns(len(numbers))
    for c, (k, v) in zip(cols, numbers.items()):
        c.metric(k, fmt.format(v))


def trajectories_section(lesson) -> None:
    st.subheader("Points flowing through the layers, and h·λ over the stability region")
    p = lesson.controls(TRAJ, columns=5)
    view = lesson.controls([VIEW])["view"]
    ex = cached(resnet_studies.rotation_example)(p["a"], p["h"], p["n_layers"], scheme=p["scheme"],
                                                 activation=p["activation"])
    stable = ex.amplification <= 1 + 1e-12
    (st.success if stable else st.error)(
        f"{'✔ Stable' if stable else '✘ Unstable'}: max |R(hλ)| = {ex.amplification:.6g} "
        f"{'≤' if stable else '>'} 1 for {SCHEME_LABELS[p['scheme']]} at h = {p['h']:g}; largest stable h for this "
        f"K: {ex.h_max:.4g}." + (f" The states overflowed at layer {ex.diverged_at}." if ex.diverged_at else ""))
    c1, c2 = st.columns(2)
    show(trajectories_figure(ex.states, title=f"{p['n_layers']} layers, h = {p['h']:g}"), "rn.fig.traj", c1)
    show(stability_region_figure(ex.z, lambda z: resnet.stability_function(z, p["scheme"]), scheme=p["scheme"],
                                 zoom=view == "zoom", title=f"h·λ and the region |R(z)| ≤ 1 ({p['scheme']})"),
         "rn.fig.region", c2)
    growth = "overflow" if ex.diverged_at else f"{ex.growth:.4g}"
    m = st.columns(4)
    m[0].metric("|R(hλ)| per layer" + (" = |1 + hλ|" if p["scheme"] == "euler" else ""), f"{ex.amplification:.5g}")
    m[1].metric("‖Y_N‖ / ‖Y₀‖", growth)
    m[2].metric("largest stable h", f"{ex.h_max:.4g}")
    m[3].metric("final time T = N·h", f"{p['n_layers'] * p['h']:g}")
    show(norms_figure(ex.states, title="‖Y_j‖ / ‖Y₀‖ through the layers"), "rn.fig.traj_norms")
    st.caption("The course's EResNet_Forward.m: K = [[a, −0.2], [0.2, a]] acting on columns; with rows as examples "
               "the layer is Y ↦ Y + hσ(Y Kᵀ). Eigenvalues a ± 0.2i; the linearization at 0 (σ' = 1) decides "
               "stability. Marks: h·λ (leapfrog: h·(±√λ), its first-order form), green inside the region, red outside.")
    lesson.numbers(ex.numbers)


def integrators_section(lesson) -> None:
    st.subheader("Convergence orders against scipy's solve_ivp")
    p = lesson.controls(INTEG, columns=3)
    conv = cached(resnet_studies.convergence_study)(architecture=p["architecture"], activation=p["activation"])
    show(convergence_figure_loglog(conv.hs, conv.errors, conv.orders, expected=resnet_studies.EXPECTED_ORDER,
                                   title="Error at T = 1 against h (dotted: slope p through the last point)"),
         "rn.fig.orders")
    st.caption("Equal layers (the autonomous ODE) from random Y₀ (4 × 3), K, b; reference: solve_ivp DOP853 at rtol = "
               "atol = 1e-13. Leapfrog against d²Y/dt² = f(Y), dY/dt(0) = 0. Order = median slope of the last pairs.")
    st.subheader("Derivative and adjoint checks of every backward pass")
    checks = cached(resnet_studies.integrator_checks)(architecture=p["architecture"], activation=p["activation"])
    st.dataframe(pd.DataFrame([{"integrator": SCHEME_LABELS[c.scheme],
                                "order (measured)": f"{conv.orders[c.scheme]:.2f}",
                                "order (theory)": resnet_studies.EXPECTED_ORDER[c.scheme],
                                "Taylor E1 order": f"{c.taylor.order:.2f}", "adjoint gap": f"{c.adjoint.rel_error:.1e}",
                                "checks": "✔" if c.taylor.passed and c.adjoint.passed else "✘"} for c in checks]),
                 hide_index=True)
    c = next(c for c in checks if c.scheme == p["shown"])
    st.markdown(f"**{SCHEME_LABELS[c.scheme]}**: loss ½‖Y_L − C‖² in (Y₀, K, b), 6 layers; then ⟨W, J v⟩ (the "
                "linearized network) against ⟨Jᵀ W, v⟩ (resnet.backward).")
    lesson.check(c.taylor, c.adjoint, key="rn.integrators.detail")
    st.subheader("Antisymmetric weights K − Kᵀ − γI: Euler against the two-stage schemes")
    q = lesson.controls(ANTI, columns=3)
    anti = cached(resnet_studies.antisymmetric_study)(q["h"], gamma=q["gamma"], activation=q["anti_activation"])
    c1, c2, c3 = st.columns(3)
    show(regions_figure(anti.z, {s: (lambda z, s=s: resnet.stability_function(z, s)) for s in anti.growth},
                        title=f"h·λ at h = {q['h']:g} and the regions' boundaries"), "rn.fig.anti_regions", c1)
    show(growth_figure(anti.hs_fine, anti.amplification, y_title="max |R(hλ)| per layer", h=q["h"],
                       title="Growth per layer"), "rn.fig.anti_amp", c2)
    show(growth_figure(anti.hs, anti.growth, y_title="‖Y(T)‖ / ‖Y₀‖", h=q["h"], title="Growth over T = 20"),
         "rn.fig.anti_growth", c3)
    _metrics({f"{s} growth (h = {q['h']:g})": anti.numbers[f"{s} growth"] for s in ("euler", "heun", "midpoint",
                                                                                    "rk4")}, "{:.4g}")
    st.caption(f"K = ½[[0, 1], [−1, 0]]: K − Kᵀ − γI has eigenvalues −γ ± i. Largest stable h: " + ", ".join(
        f"{s} {anti.h_max[s]:.3g}" for s in anti.h_max) + ". With γ = 0 Euler's |1 + ih| = √(1 + h²) > 1 for every "
        "h; Heun and midpoint miss 1 only by O(h⁴), and any damping γ > 0 makes them stable for a useful range of h.")
    lesson.numbers({**conv.numbers, **{f"{c.scheme} E1 order": c.taylor.order for c in checks},
                    **{f"{c.scheme} adjoint gap": c.adjoint.rel_error for c in checks}, **anti.numbers})


def reversible_section(lesson) -> None:
    st.subheader("Reversing the Hamiltonian (leapfrog) network")
    p = lesson.controls(REV, columns=5)
    s = cached(resnet_studies.reversibility_study)(p["n_layers"], p["h"], width=p["width"], activation=p["activation"],
                                                   seed=p["seed"])
    _metrics({"leapfrog: ‖Ỹ₀ − Y₀‖/‖Y₀‖": s.leapfrog_error[0], "Euler backwards: ‖Ỹ₀ − Y₀‖/‖Y₀‖": s.euler_error[0],
              "gradient from reconstructed states (rel. diff.)": s.gradient_difference}, "{:.2e}")
    c1, c2 = st.columns(2)
    show(reconstruction_figure({"leapfrog reversed": s.leapfrog_error, "Euler run backwards": s.euler_error},
                               title="Error of each reconstructed state"), "rn.fig.reverse", c1)
    show(memory_figure(s.Ns, {"all states stored: N + 1": s.stored_bytes, "reversible: 2 states": s.reversible_bytes},
                       title=f"Memory of backpropagation ({50} × {p['width']} states)"), "rn.fig.memory", c2)
    st.markdown(r"Leapfrog's step $Y_{j+1} = 2Y_j - Y_{j-1} - h^2\sigma(Y_jK_j + b_j)K_j^\top$ solved for $Y_{j-1}$ "
                r"is explicit: from $(Y_{N-1}, Y_N)$ every earlier state comes back, exactly up to round-off. Euler's "
                r"step $Y_{j+1} = Y_j + h f_j(Y_j)$ is not: going back needs an implicit solve, and the explicit guess "
                r"$Y_j \approx Y_{j+1} - h f_j(Y_{j+1})$ is off by $O(h^2)$ per layer, and these errors grow "
                "through the layers.")
    st.dataframe(pd.DataFrame({"depth N": s.Ns, "stored states: N + 1": s.Ns + 1,
                               "stored (KB)": np.round(s.stored_bytes / 1024, 1), "reversible: states held": 2,
                               "reversible (KB)": np.round(s.reversible_bytes / 1024, 2)}), hide_index=True)
    st.caption("Training needs every Y_j in the backward pass. Stored, that is O(N) memory; with a reversible "
               "network the backward pass recomputes Y_{j−1} from (Y_j, Y_{j+1}) as it goes: O(1) states, for about "
               "one more forward pass of work (the gradient above uses reconstructed states). 50 examples × d "
               "features, 8 bytes each.")
    lesson.numbers(s.numbers)
