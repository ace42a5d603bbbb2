"""The optimal-control page's sections "memory" (stored states vs checkpointing vs reversing, measured for growing
depth) and "paths" (the path-planning view: the circles moved by a ResNet until linearly separable, trained live).

Parameter names are the keywords of ``numdl_core.checkpointing.measure_memory`` and
``numdl_core.path_planning.path_problem`` (and ``lr`` of ``numdl_core.optim.adam``); the export scripts are in
app/exports/control_memory.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.control_memory import paths_figure, scaling_figure
from app.lesson import Experiment, Param, Solver
from app.owndata import own_data
from app.panels import live_table, show
from app.params import SEED
from numdl_core import checkpointing as ck
from numdl_core import path_planning as pp
from numdl_core.resnet_classifier import feature_projection

__all__ = ["EXPERIMENTS", "MEMORY", "PATHS", "TUNE", "TAYLOR", "CHECK_DEPTH", "depths", "memory_numbers",
           "snapshot_layers", "paths_numbers", "memory_section", "paths_section"]

REGIME_LABELS = {"stored": "stored states", "checkpoint": "checkpointing (ANODE)",
                 "reversible": "reversible (leapfrog)"}
MEMORY = [Param("max_depth", "Largest depth N", "choice", 128, options=(64, 128, 256, 512, 1024),
                help="Depths N = 8, 16, ... up to this, all at final time T = 2 (h = T/N, the Neural-ODE limit)."),
          Param("n", "Samples n (rows of Y)", "choice", 100, options=(50, 100, 200, 500),
                help="Each state Y_j holds n × 2 numbers; the more samples, the more the states dominate memory."),
          Param("block", "Checkpoint block B", "choice", 0, options=(0, 2, 4, 8, 16, 32, 64),
                labels={0: "√N (optimal)"}, help="One stored state per B layers; B = round(√N) minimizes N/B + B."),
          SEED]
PATHS = [Param("n_samples", "Training points", "int", 200, lo=50, hi=400, step=50),
         Param("noise", "Noise", "choice", 0.05, options=(0.0, 0.02, 0.05, 0.1)),
         Param("depth", "Layers N", "int", 10, lo=2, hi=60),
         Param("T", "Final time T", "log", 5.0, options=(1.0, 2.0, 3.0, 5.0, 10.0, 20.0)),
         Param("augment", "State space", "choice", 0, options=(0, 1),
               labels={0: "the plane (width 2, no lift)", 1: "augmented (width 3: one zero column)"}),
         Param("activation", "Activation σ", "choice", "tanh", options=("tanh", "relu"), widget="segmented"), SEED]
TAYLOR = Param("taylor", "Taylor test shown", "choice", "checkpoint", options=tuple(REGIME_LABELS),
               labels=REGIME_LABELS, widget="segmented", role="view")
CHECK_DEPTH = 16  # depth of the Taylor tests (small: ten loss evaluations per regime)
TUNE = [Param("lr", "Learning rate η (Adam, full batch)", "log", 0.05, options=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2),
              role="tunable")]
ALPHA = 1e-4  # Tikhonov weight of the path-planning objective (fixed; the export uses the same)

cached = st.cache_data(max_entries=8, show_spinner=False)


def depths(max_depth: int) -> tuple[int, ...]:
    """N = 8, 16, ..., max_depth (powers of two)."""
    return tuple(2 ** k for k in range(3, int(np.log2(max_depth)) + 1))


def memory_numbers(m: ck.MemoryStudy) -> dict[str, float]:
    """The deterministic headline numbers of a memory study at its largest depth (no timings, no traced bytes)."""
    i = -1
    out = {f"N = {m.N[i]}: states stored, {r}": float(m.states[r][i]) for r in ck.REGIMES}
    out.update({f"N = {m.N[i]}: layer evaluations, {r}": float(m.layer_evals[r][i]) for r in ck.REGIMES})
    out.update({f"N = {m.N[i]}: stored floats (states x n x d), {r}": float(m.states[r][i] * m.n * m.d)
                for r in ck.REGIMES})
    out["checkpoint block B"] = float(m.blocks[i])
    out["max |checkpointed - stored gradient|"] = float(np.max(m.max_diff_checkpoint))
    out["reversible = stored gradient to 1e-10 (1 = yes)"] = float(np.max(m.max_diff_reversible) <= 1e-10)
    return out


def snapshot_layers(depth: int) -> list[int]:
    """Layers j at t = 0, T/4, T/2, 3T/4, T (rounded), without repeats."""
    return sorted({int(round(k * depth / 4)) for k in range(5)})


def paths_numbers(problem: pp.PathProblem, theta: np.ndarray, loss: float) -> dict[str, float]:
    """Loss, accuracies and the best linear accuracy of the features at t = 0 and T, for ``theta``."""
    m = problem.model
    with np.errstate(all="ignore"):
        if not np.all(np.isfinite(theta)):
            return {"loss": loss} if np.isfinite(loss) else {}
        sep = pp.layer_separability(m, theta, layers=[0, m.depth])
        return {"loss": loss, "training accuracy": m.accuracy(theta),
                "test accuracy": m.accuracy(theta, problem.X_test, problem.y_test),
                "linear accuracy of the features at t = 0": sep[0], "linear accuracy of the features at T": sep[1]}


EXPERIMENTS = [
    Experiment("Checkpoint blocks", "Set B = 4 instead of √N. Compare the stored states and the layer evaluations "
               "at N = 128 with those of B = 11 ≈ √128.",
               "B = 4 keeps 32 checkpoints + 3 recomputed states = 35 (B = 11: 12 + 10 = 22) and evaluates "
               "2N − ⌈N/B⌉ = 224 layers (B = 11: 244). The total ⌈N/B⌉ + B − 1 is smallest near B = √N; the work "
               "stays below two forward passes for every B, and the gradient is the stored one exactly (difference "
               "0).", {"section": "memory", "block": 4}, name="checkpoint-blocks"),
    Experiment("Constant memory by reversing", "Raise the largest depth to 1024 and compare the three memory "
               "curves and the times.", "Stored states grow like N (1025 states = 205,000 floats at N = 1024, "
               "n = 100), checkpointing like √N (63 states, B = 32), the reversible network keeps 2 states for every "
               "depth. Measured on the development machine: peak 1.66 MiB stored, 0.16 MiB checkpointing, 0.07 MiB "
               "reversible; 16, 19 and 29 ms per gradient. The reversible peak still grows slowly: the weights and "
               "their gradients are O(N) in every regime (N·(d² + d) = 6 numbers per layer here, n·d = 200 per state).",
               {"section": "memory", "max_depth": 1024}, name="reversible-constant-memory"),
    Experiment("Moving the circles in the plane", "Play 100 epochs. Watch the inner circle leave the ring.",
               "With width 2 and no lift, 10 Euler layers (h = 0.5) move the inner points out through the gaps "
               "of the ring: after 100 epochs the loss is 0.0026 and training and test accuracy are 100% (92% at "
               "epoch 20). The best linear accuracy of the features at t = 0, T/4, T/2, 3T/4, T: 0.505, 0.525, 0.89, "
               "1, 1. A continuous flow of the plane could not do this for the solid disc (it is a homeomorphism); "
               "a finite sample and a finite step can.", {"section": "paths", "speed": 10}, name="paths-no-lift"),
    Experiment("One more dimension", "Choose the augmented state (width 3) and play 50 epochs.",
               "The zero column gives the flow room: the inner circle is lifted out of the plane (drawn in the plane "
               "of the classifier's direction and the features' main direction). At epoch 50 the training accuracy "
               "is 100% (test 99%), and the features are already 74% linearly separable at T/4 (Dupont et al. 2019, "
               "augmented Neural ODEs).", {"section": "paths", "augment": 1, "speed": 10}, name="paths-augmented"),
    Experiment("Small steps: closer to the ODE", "Set N = 50 layers (h = 0.1) and play 200 epochs.",
               "Each layer moves the points a little and training is slower: 98% at epoch 50, 100% training "
               "accuracy (98.5% test, loss 0.0082) at epoch 200, against epoch 50 with N = 10; an epoch costs five "
               "times the layers.", {"section": "paths", "depth": 50, "speed": 10}, name="paths-fine-steps"),
]


def memory_section(lesson) -> None:
    st.subheader("Memory of backpropagation: store every state, checkpoint, or reverse")
    st.markdown("The adjoint (backward) pass needs the state Y_j of every layer, in reverse order. **Stored**: keep "
                "all N + 1. **Checkpointing** (ANODE): keep one state per block of B layers and recompute the block "
                "in the backward pass. **Reversible**: a leapfrog (Hamiltonian) network, Y_{j+1} = 2Y_j − Y_{j−1} − "
                "h²σ(Y_j K_j + b_j)K_jᵀ, can be run backwards, so two states suffice. Rows of Y are examples.")
    p = lesson.controls(MEMORY, columns=4)
    block = None if p["block"] == 0 else int(p["block"])
    Ns = depths(p["max_depth"])
    with st.spinner("Measuring memory and time of one gradient per depth ..."):
        m = cached(ck.measure_memory)(Ns, n=int(p["n"]), d=2, T=2.0, block=block, repeats=3, seed=int(p["seed"]))
    names = {r: REGIME_LABELS[r] for r in ck.REGIMES}
    c1, c2 = st.columns(2)
    show(scaling_figure(m.N, {names[r]: m.peak_bytes[r] / 1024 for r in ck.REGIMES}, y_title="peak memory (KiB)",
                        title="Peak memory of one gradient (tracemalloc)", slopes={"∝ N": 1.0, "∝ √N": 0.5}),
         "oc.fig.memory.bytes", c1)
    show(scaling_figure(m.N, {names[r]: m.seconds[r] * 1e3 for r in ck.REGIMES}, y_title="time (ms)",
                        title="Time of one gradient", slopes={"∝ N": 1.0}), "oc.fig.memory.time", c2)
    rows = [{"N": int(N), "B": int(m.blocks[i]), **{f"states: {r}": int(m.states[r][i]) for r in ck.REGIMES},
             **{f"layer evals: {r}": int(m.layer_evals[r][i]) for r in ck.REGIMES},
             **{f"peak KiB: {r}": round(m.peak_bytes[r][i] / 1024, 1) for r in ck.REGIMES},
             **{f"ms: {r}": round(m.seconds[r][i] * 1e3, 2) for r in ck.REGIMES}} for i, N in enumerate(m.N)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    N, B = int(m.N[-1]), int(m.blocks[-1])
    st.caption(f"Formulas (counted by the implementation, equal): stored N + 1 states, N layer evaluations; "
               f"checkpointing ⌈N/B⌉ + max(1, B − 1) states, 2N − ⌈N/B⌉ evaluations (≤ two forward passes); "
               f"reversible 2 states, 2N − 1 evaluations. Peak memory includes the gradient itself, N·(d² + d) numbers "
               f"in every regime; timings depend on the machine (the fastest of 3 runs each, n = {m.n}, d = 2, T = 2).")
    c = st.columns(3)
    c[0].metric(f"max |checkpointed − stored| at N = {N}", f"{m.max_diff_checkpoint[-1]:.1e}",
                help="Every entry of dK, db, dY0 of the Euler ResNet: the same operations on the same states.")
    c[1].metric("max |reversed − stored| (leapfrog)", f"{m.max_diff_reversible[-1]:.1e}",
                help="The reconstructed states carry the round-off of running the network backwards.")
    c[2].metric(f"states at N = {N}: stored / B = {B} / reversible",
                f"{m.states['stored'][-1]} / {m.states['checkpoint'][-1]} / {m.states['reversible'][-1]}")
    checks = cached(ck.gradient_checks)(CHECK_DEPTH, n=20, d=2, T=2.0, block=block, seed=int(p["seed"]))
    st.markdown(f"**Taylor tests** of the three gradients in all weights and the input (N = {CHECK_DEPTH}, n = 20): "
                "a gradient that used a wrong state would show order 1. E1 orders: " + ", ".join(
                    f"{REGIME_LABELS[r]} {c.order:.2f}" for r, c in checks.items()) + ".")
    shown = lesson.controls([TAYLOR])["taylor"]
    lesson.check(checks[shown], key="oc.memory.taylor", what=f"{REGIME_LABELS[shown]} gradient")
    st.caption("Griewank and Walther's revolve nests checkpoints recursively (O(log N) states for O(N log N) work); "
               "Gholami, Keutzer and Biros (2019) checkpoint Neural ODEs (ANODE) so that the gradient is the discrete "
               "adjoint, exact; Chang et al. (2018) and Gomez et al. (2017) reverse the network instead.")
    lesson.numbers({**memory_numbers(m), **{f"Taylor E1 order, {r} (N = {CHECK_DEPTH})": c.order
                                            for r, c in checks.items()}})


def own_path_problem(X: np.ndarray, y: np.ndarray, depth: int, T: float, augment: int, activation: str,
                     seed: int) -> pp.PathProblem:
    """The path-planning problem on the student's points (:mod:`app.owndata`, labels 0/1), started as
    :func:`numdl_core.path_planning.path_problem` starts; no fresh test points: the test set is the training set."""
    model = pp.PathPlanning(X, y, 2, depth=depth, T=T, augment=augment, activation=activation, alpha=ALPHA)
    return pp.PathProblem(model, model.init_theta(seed), model.X, model.y)


def paths_section(lesson):
    st.subheader("Path planning: move the data until a line separates it")
    st.markdown("The ResNet is the control of ∂ₜY = σ(Y K(t) + b(t)) started at the data itself (rows are examples): "
                "training plans a path of the points such that, at the final time T, a linear softmax classifier "
                "separates them. Below: the points at t = 0, T/4, T/2, 3T/4 and T, the linear decision boundary at T.")
    p = lesson.controls(PATHS, columns=7)
    lesson.controls(TUNE)
    prob = cached(pp.path_problem)(p["n_samples"], p["noise"], p["depth"], p["T"], augment=p["augment"],
                                   activation=p["activation"], alpha=ALPHA, seed=p["seed"])
    X, y, source = own_data("oc.paths", prob.model.X, prob.model.y, classes=2, max_points=400)
    if source != "page":
        prob = cached(own_path_problem)(X, y, p["depth"], p["T"], p["augment"], p["activation"], p["seed"])
    M = prob.model

    def numbers(theta, loss) -> dict:  # your points: no test set (its accuracy would be the training accuracy)
        return {k: v for k, v in paths_numbers(prob, theta, loss).items() if source == "page" or "test" not in k}
    layers = snapshot_layers(M.depth)

    def draw(run) -> None:
        s = run.series["Adam"]
        theta = s.last.x
        with np.errstate(all="ignore"):
            ok = bool(np.all(np.isfinite(theta)))
            if ok:
                Y = M.states(theta)
                _, _, W, cc = M.split(theta)
                P = np.eye(2) if M.width == 2 else feature_projection(Y[-1], W)
                sep = pp.layer_separability(M, theta, layers=layers)
                panels = [(f"t = {j * M.h:.3g} (layer {j})<br>linear acc {100 * a:.0f}%", Y[j] @ P)
                          for j, a in zip(layers, sep)]
                show(paths_figure(panels, M.y, boundary=(P.T @ (W[:, 1] - W[:, 0]), float(cc[1] - cc[0])),
                                  title=f"Epoch {s.iteration}: the features along the path"
                                        + ("" if M.width == 2 else " (projected to 2-D)")), "oc.fig.paths.map")
        if not ok:
            st.warning("The weights are not finite: lower the learning rate and reset.")
        c1, c2 = st.columns([1, 2])
        show(convergence_figure({"Adam": (s.history["iteration"], s.history["loss"])}, x_title="epoch",
                                title="Training loss", height=280,
                                diverged={"Adam": s.iteration} if s.status == "diverged" else None),
             "oc.fig.paths.loss", c1)
        nums = numbers(theta, s.last.loss)
        with c2:
            live_table(pd.DataFrame([{"quantity": "epoch", "value": str(s.iteration)},
                                     {"quantity": "loss", "value": f"{s.last.loss:.4g}"},
                                     *({"quantity": k, "value": f"{100 * v:.1f}%"} for k, v in nums.items()
                                       if k != "loss"), {"quantity": "status", "value": s.status}]))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Linear accuracy: the best logistic regression on "
                   "the features of that layer (100% = linearly separable). " + (
                       "Width 3: drawn in the plane of the classifier's direction and the features' main direction."
                       if M.width == 3 else "Width 2: the features are drawn as they are."))

    solvers = {"Adam": Solver("adam", M, prob.theta0, batch_size=None)}
    run = lesson.live("run", solvers, draw, depends={"own_data": source}, max_iter=3000, default_speed=5,
                      max_points=300, diverged_hint="the loss blew up: lower the learning rate.")
    st.caption(f"{M.n_params} weights: {M.depth} layers K_j ({M.width}×{M.width}) and b_j, h = T/N = {M.h:.3g}, "
               f"then W ({M.width}×2), c; Tikhonov α = {ALPHA:g}; {M.n_samples} training points, " + (
                   "as many fresh test points." if source == "page" else "yours (no test set)."))
    s = run.series["Adam"]
    lesson.numbers({k: v for k, v in numbers(s.last.x, s.last.loss).items() if np.isfinite(v)})
    return run, solvers, {"alpha": ALPHA}
