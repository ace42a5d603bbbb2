"""The dynamical-systems page's theory, presets and sections (pages/dynamical_systems.py): training a ResNet with
the method of successive approximations against gradient descent (live), parareal forward propagation, and
architectures as time integrators (ResNet = Euler, LM-ResNet = a linear two-step method) with stability regions.

Parameter names are the keywords of ``numdl_core.theory.dynamics`` (``L``, ``h``, ``rho``, ``lr``, ``inner``,
``step``, ``N``, ``fine``, ``coarse``, ``k``) so the exported scripts replay them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.theory_dynamics import curves_figure, locus_figure, states_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, show
from app.params import SEED
from numdl_core import resnet
from numdl_core.checks import derivative_check
from numdl_core.theory import dynamics as dy

__all__ = ["THEORY", "EXPERIMENTS", "COMPARE", "compare_make", "msa_section", "parareal_section",
           "architectures_section", "rotation_rhs", "real_interval"]

THEORY = (
    "A ResNet Y_{j+1} = Y_j + h σ(Y_j K_j + b_j) is forward Euler for the ODE Ẏ = σ(Y K(t) + b(t)) (E 2017; Haber "
    "and Ruthotto 2017), so **training is optimal control**: choose the controls θ_j = (K_j, b_j) that steer every "
    "input (a **row**: rows are examples) to its target. Pontryagin's maximum principle gives the **method of "
    "successive approximations** (Li, Chen, Tai and E 2017): run the state forward, the **costate** P_j backward "
    "(P_j = −∂Φ/∂Y_j, exactly the adjoint of backpropagation on the ResNet page), then maximize each layer's "
    "Hamiltonian H_j separately. Plain MSA can overshoot (the frozen costate is only valid near the old controls); "
    "the extended MSA penalizes the change with ρ. The forward pass is sequential in the layers, but **parareal** "
    "(Lions, Maday and Turinici 2001; Parpas and Muir 2019; Günther et al. 2020) splits it into N slices: a cheap "
    "coarse propagator G runs sequentially and the expensive fine propagator F in parallel; iteration k is exact on "
    "the first k slices, so after at most N iterations it equals the fine solve (a useful speed-up needs far fewer). "
    "Other architectures are other integrators: the **LM-ResNet** (Lu, Zhong, Li and Dong 2018) is a linear two-step "
    "method, with its own stability region (boundary locus).",
    [r"Y_{j+1} = Y_j + h\,\sigma(Y_j K_j + \mathbf 1 b_j^\top),\qquad \Phi = \tfrac{1}{2n}\|Y_L - C\|_F^2",
     r"P_L = -\nabla\Phi(Y_L),\quad P_j = P_{j+1} + h\,(P_{j+1}\odot\sigma')K_j^\top,\quad "
     r"\theta_j \leftarrow \arg\max_\theta\, H_j(\theta) - \tfrac{\rho h}{2}\|\sigma(Y_jK+b) - \sigma_{old}\|^2,"
     r"\ H_j = \langle P_{j+1}, \sigma(Y_j K + \mathbf 1 b^\top)\rangle",
     r"U^{k+1}_{n+1} = G(U^{k+1}_n) + F(U^k_n) - G(U^k_n),\qquad U^k_n = U^{\text{fine}}_n\ \ (n \le k)",
     r"u_{j+1} = (1-k)\,u_j + k\,u_{j-1} + h f(u_j),\qquad z(\vartheta) = e^{i\vartheta} - (1-k) - k e^{-i\vartheta}"],
    "W. E (2017), A proposal on machine learning via dynamical systems, Commun. Math. Stat. 5; Q. Li, L. Chen, C. Tai "
    "and W. E (2018), Maximum principle based algorithms for deep learning, JMLR 18 (arXiv:1710.09513, 2017); E. Haber "
    "and L. Ruthotto (2017), Stable architectures for deep neural networks, Inverse Problems 34; J.-L. Lions, Y. Maday "
    "and G. Turinici (2001), C. R. Acad. Sci. Paris 332; P. Parpas and C. Muir (2019), Predict globally, correct "
    "locally: parallel-in-time optimal control of neural networks, arXiv:1902.02542; S. Günther, L. Ruthotto, J. B. "
    "Schroder, E. C. Cyr and N. R. Gauger (2020), Layer-parallel training of deep residual neural networks, SIAM J. "
    "Math. Data Sci. 2; Y. Lu, A. Zhong, Q. Li and B. Dong (2018), Beyond finite layer neural networks, ICML.")

PROBLEM = [Param("L", "Layers L", "int", 8, lo=2, hi=20), Param("h", "Step h", "float", 0.25, lo=0.05, hi=1.0,
                                                                   step=0.05), SEED.but(hi=20)]
TUNE = [Param("lr", "MSA: ascent step on H", "log", 2.0, options=(0.3, 1.0, 2.0, 5.0, 10.0, 20.0), role="tunable"),
        Param("rho", "MSA: penalty ρ", "float", 1.0, lo=0.0, hi=5.0, step=0.25, role="tunable",
              help="ρ = 0 is plain MSA; ρ > 0 keeps each layer's output near its old value (extended MSA)."),
        Param("inner", "MSA: ascent steps per layer", "int", 5, lo=1, hi=20),
        Param("step", "GD: step η", "log", 3.0, options=(0.3, 1.0, 3.0, 10.0, 30.0), role="tunable")]
COMPARE = [Param("method", "Method", "choice", "msa", options=("msa", "gd"), labels={"msa": "MSA", "gd": "GD"}),
           *(q.but(role="structure") for q in TUNE)]  # compare mode: method and every setting of both
COMPARE_ITER = 100  # compare mode: iterations of each configuration (100 MSA iterations take about 0.7 s)


def compare_make(p: dict) -> Solver:
    """One configuration of the compare panel: MSA or gradient descent (their settings from ``p``) on the page's
    control problem."""
    Y0, C, K0, b0 = dy.control_problem(12, 2, p["L"], seed=p["seed"])
    return Solver(dy.msa if p["method"] == "msa" else dy.gradient_descent, Y0, C, K0, b0, h=p["h"])


def msa_section(lesson: Lesson):
    st.subheader("MSA (maximize each layer's Hamiltonian) against gradient descent")
    p = lesson.controls(PROBLEM, columns=3)
    lesson.controls(TUNE, columns=4)
    Y0, C, K0, b0 = dy.control_problem(12, 2, p["L"], seed=p["seed"])
    h = p["h"]
    Y = resnet.forward(Y0, K0, b0, h)
    P = dy.costate(Y, K0, b0, h, C)
    adj = resnet.backward(Y, K0, b0, h, dy.terminal_loss(Y[-1], C)[1])[0]
    gap = float(np.max(np.abs(P[0] + adj)))

    def draw(run) -> None:
        c1, c2 = st.columns(2)
        curves = {n: (s.history["iteration"], s.history["loss"]) for n, s in run.series.items()}
        show(curves_figure(curves, title="Loss Φ vs iteration", y_title="Φ"), "dyn.fig.msa.loss", c1)
        x, n_K = run.series["MSA"].last.x, p["L"] * 4
        K, b = x[:n_K].reshape(p["L"], 2, 2), x[n_K:].reshape(p["L"], 2)
        show(states_figure(Y0, resnet.forward(Y0, K, b, h)[-1], C, title="MSA: outputs and targets"),
             "dyn.fig.msa.states", c2)
        live_table(pd.DataFrame([{"method": n, "iteration": s.iteration, "loss": f"{s.last.loss:.3e}",
                                  "status": s.status} for n, s in run.series.items()]))

    solvers = {"MSA": Solver(dy.msa, Y0, C, K0, b0, h=h), "GD": Solver(dy.gradient_descent, Y0, C, K0, b0, h=h)}
    run = lesson.live("run", solvers, draw, max_iter=2000, default_speed=5, max_points=400,
                      diverged_hint="the loss blew up: lower the step.")
    lesson.compare("methods", compare_make, COMPARE, {"method": "gd"}, max_iter=COMPARE_ITER, seconds=1.0,
                   value_label="final loss Φ", y_title="Φ", x="work",
                   note="An MSA iteration costs 2 + 2·(ascent steps) passes, a GD iteration 2: the plot is against "
                        "work.")
    st.caption(f"12 points on the unit circle (rows), targets rotated by 60° and halved; {p['L']} Euler layers, "
               f"T = Lh = {p['L'] * h:.3g}. Costate check: max |P₀ + ∂Φ/∂Y₀ (resnet.backward)| = {gap:.1e}: the "
               "costate is the adjoint of backpropagation.")
    theta0 = np.concatenate([K0.ravel(), b0.ravel()])
    lesson.check(derivative_check(lambda t: dy.control_loss(t, Y0, C, h, p["L"]), theta0),
                 what="gradient of Φ in the controls (h ∇H_j = −∇_θj Φ)")
    m, g = run.series["MSA"], run.series["GD"]
    lesson.numbers({"MSA iterations": m.iteration, "MSA loss": m.last.loss, "GD iterations": g.iteration,
                    "GD loss": g.last.loss, "costate vs adjoint gap": gap})
    return run, solvers, {}


def rotation_rhs(omega: float, damping: float):
    """The ODE of a one-layer-type network, f(t, y) = tanh(y K) + 0.5 sin t, K a damped rotation."""
    K = np.array([[-damping, -omega], [omega, -damping]])
    return lambda t, y: np.tanh(y @ K) + 0.5 * np.sin(t)


PARA = [Param("N", "Slices N", "int", 8, lo=2, hi=32), Param("fine", "Fine Euler steps per slice", "int", 20, lo=2,
                                                              hi=100),
        Param("coarse", "Coarse Euler steps per slice", "int", 1, lo=1, hi=5),
        Param("T", "Final time T", "float", 4.0, lo=0.5, hi=20.0, step=0.5),
        Param("omega", "Rotation ω", "float", 2.0, lo=0.0, hi=8.0, step=0.5)]


def parareal_section(lesson: Lesson):
    st.subheader("Parareal: layer-parallel forward propagation")
    p = lesson.controls(PARA, columns=5)
    f = rotation_rhs(p["omega"], 0.2)
    y0 = np.array([[1.0, 0.0], [0.0, 1.0], [-0.5, 0.5]])
    U = dy.parareal(f, y0, p["T"], p["N"], coarse=p["coarse"], fine=p["fine"])
    ref = dy.fine_solve(f, y0, p["T"], p["N"], p["fine"])
    err = np.array([np.max(np.abs(Uk - ref)) for Uk in U])
    ks = np.arange(len(err))
    reached = np.flatnonzero(err <= 1e-8)
    c1, c2 = st.columns(2)
    show(curves_figure({"max |Uᵏ − U_fine|": (ks, np.maximum(err, 1e-17))}, x_title="parareal iteration k",
                       title="Error vs parareal iteration (exact at k = N)", markers=True), "dyn.fig.para.err", c1)
    t = np.linspace(0, p["T"], p["N"] + 1)
    show(curves_figure({"fine (sequential)": (t, ref[:, 0, 0]), "coarse G (k = 0)": (t, U[0, :, 0, 0]),
                        "parareal k = 1": (t, U[min(1, p["N"]), :, 0, 0])}, x_title="t", log_y=False,
                       title="First sample, first coordinate", markers=True), "dyn.fig.para.traj", c2)
    if err[-1] <= 1e-12 * max(1.0, np.max(np.abs(ref))):
        st.success(f"After k = N = {p['N']} iterations parareal equals the fine solve (error {err[-1]:.1e}).")
    else:
        st.error(f"Parareal at k = N differs from the fine solve by {err[-1]:.1e}.")
    work = (reached[0] if reached.size else p["N"]) * p["fine"] + p["N"] * p["coarse"]
    st.caption(f"Three samples (rows). Sequential fine solve: {p['N'] * p['fine']} Euler steps; parareal to 1e-8 "
               f"with N processors: ≈ {work} sequential steps of wall-clock work. A large ωT/N makes the coarse "
               "Euler step unstable: the error grows before it collapses, and no speed-up remains.")
    lesson.numbers({"error at k = 0": err[0], "error at k = 1": err[min(1, len(err) - 1)], "error at k = N": err[-1],
                    "iterations to 1e-8": reached[0] if reached.size else np.nan})


LM = [Param("k", "LM-ResNet k", "float", -0.5, lo=-0.9, hi=0.9, step=0.1),
      Param("z", "z = hλ (real, the test equation)", "float", -2.5, lo=-4.0, hi=0.5, step=0.1),
      Param("L", "Layers L", "int", 30, lo=5, hi=100)]


def real_interval(k: float) -> float:
    """The left end of the LM-ResNet's stability interval on the negative real axis (scan on [-6, 0])."""
    z = np.linspace(-6.0, 0.0, 6001)
    ok = dy.lm_roots(z, k) <= 1.0 + 1e-12
    bad = np.flatnonzero(~ok)
    return float(z[bad[-1] + 1]) if bad.size else -6.0


def architectures_section(lesson: Lesson):
    st.subheader("Architectures as integrators: ResNet = Euler, LM-ResNet = a two-step method")
    p = lesson.controls(LM, columns=3)
    k, z, L = p["k"], p["z"], p["L"]
    loci = {"ResNet (Euler): |1 + z| = 1": dy.lm_boundary_locus(0.0), f"LM-ResNet, k = {k:g}": dy.lm_boundary_locus(k)}
    c1, c2 = st.columns(2)
    show(locus_figure(loci, {f"z = {z:g}": complex(z)}, title="Boundaries of the stability regions"),
         "dyn.fig.arch.locus", c1)
    one = np.ones((1, 1))
    K, b = np.full((L, 1, 1), z), np.zeros((L, 1))  # y' = λ y with h λ = z (h = 1)
    ures = np.abs(resnet.forward(one, K, b, 1.0, activation="identity")[:, 0, 0])
    ulm = np.abs(dy.lm_forward(one, K, b, 1.0, k, activation="identity")[:, 0, 0])
    show(curves_figure({"ResNet |u_j|": (np.arange(L + 1), ures), f"LM-ResNet k = {k:g} |u_j|": (np.arange(L + 1),
                                                                                             ulm)},
                       x_title="layer j", title="The linear test equation through the layers"),
         "dyn.fig.arch.growth", c2)
    left = real_interval(k)
    st.caption(f"Real stability interval: ResNet [−2, 0], LM-ResNet with k = {k:g}: [{left:.2f}, 0] "
               f"(both roots of ξ² − (1 − k + z)ξ − k inside the unit circle). k = 0 is the ResNet exactly; "
               "|k| → 1 puts the parasitic root −k on the unit circle.")
    lesson.numbers({"|u_L| ResNet": ures[-1], "|u_L| LM-ResNet": ulm[-1], "LM stability interval left end": left,
                    "max root modulus at z": float(dy.lm_roots(z, k))})


EXPERIMENTS = [
    Experiment("MSA vs gradient descent", "Play. Which method reaches loss 1e-3 first, in iterations?",
               "Both solve the control problem: gradient descent (η = 3) reaches 1e-3 in about 12 iterations, MSA "
               "(ρ = 1, ascent step 2) in about 26. An MSA iteration does 5 ascent steps on every H_j, but the layers "
               "are independent given the state and costate (parallel over layers).",
               {"section": "msa", "speed": 10}, name="msa-vs-gd"),
    Experiment("Break it: plain MSA with a big step", "Set ρ = 0 and the ascent step to 20, then play.",
               "Maximizing every H_j far with the costate frozen overshoots: the loss of plain MSA oscillates and "
               "stalls at ~1e-2, where gradient descent keeps falling.", {"section": "msa", "rho": 0.0, "lr": 20.0,
                                                                          "speed": 10}, name="plain-msa-overshoots"),
    Experiment("Exact after N iterations", "Count the iterations until the error drops to round-off.",
               "Iteration k is exact on the first k slices: the error falls from 1.6 to 7e-6 by k = 6 and to "
               "round-off (6e-16) at k = N = 8.", {"section": "parareal"}, name="parareal-exact"),
    Experiment("Break it: unstable coarse propagator", "Set ω = 8 and T = 20.",
               "One coarse Euler step per slice (Δt = 2.5, ωΔt = 20) is far outside Euler's stability disc: the "
               "error grows from 10 to 16 and stays above 5 for 7 iterations; it is still exact at k = N = 8, but "
               "no speed-up is left.",
               {"section": "parareal", "omega": 8.0, "T": 20.0}, name="parareal-unstable-coarse"),
    Experiment("A stabler two-step method", "With z = −2.5 compare ResNet and LM-ResNet (k = −0.5).",
               "z = −2.5 is outside Euler's disc (|1 + z| = 1.5, the ResNet blows up) but inside the LM-ResNet's "
               "region, whose real interval is [−3, 0].", {"section": "architectures", "k": -0.5, "z": -2.5},
               name="lm-resnet-stabler"),
    Experiment("k = 0 is the ResNet", "Set k = 0.", "The two loci and the two curves coincide: the LM-ResNet with "
               "k = 0 is forward Euler, the unit circle around −1.", {"section": "architectures", "k": 0.0},
               name="lm-k-zero"),
]
