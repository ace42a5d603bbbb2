"""The information-bottleneck page's theory and its sections (pages/information_bottleneck.py): the information
plane of the 12-10-7-5-4-3-2 network over training (live), the binned estimator on known distributions, and the
counterpoints of Saxe et al. (ReLU against tanh, live; the number of bins).

The page lists the sections in its SECTIONS literal, adds :data:`EXPERIMENTS` to its presets, shows :data:`THEORY`
and calls a section function (returns ``(run, solvers, extra)``). Parameter names are the keywords of
``numdl_core.theory.information.ib_training`` (``lr``, ``optimizer``, ``batch_size``, ``bins``, ``seed``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.theory_information import bars_mi_figure, plane_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, self_check, show
from app.params import SEED
from numdl_core.theory import information as I

__all__ = ["THEORY", "EXPERIMENTS", "TRAIN", "plane_section", "estimator_section", "counterpoints_section"]

THEORY = (
    "Shwartz-Ziv and Tishby train a tanh network **12-10-7-5-4-3-2** on all 4096 inputs of a 12-bit task, bin every "
    "unit's output into 30 equal bins on [−1, 1], and follow each layer T in the **information plane** "
    "(I(X;T), I(T;Y)). Their claim: a short *fitting* phase (both grow) and a long *compression* phase (I(X;T) "
    "shrinks), the network forgetting what it does not need about X. With X uniform over distinct inputs and T a "
    "deterministic function of X, the binned estimates are exact: I(X;T) = H(T) ≤ 12 bits and I(T;Y) ≤ H(Y) ≈ 1 "
    "bit. Saxe et al. answer that the compression comes from the *saturation* of tanh seen through the bins: with "
    "ReLU they see none, and the picture changes with the number of bins (without bins a deterministic network "
    "keeps I(X;T) = 12 bits). Here ReLU has no fitting phase, but its binned I(X;T) still drifts down: the bins "
    "span [0, max] and a few growing activations stretch them; the bins decide what 'compression' means. "
    "The label is y = [‖Σᵢ xᵢuᵢ‖² > median], uᵢ the 12 vertices of the "
    "icosahedron (rotation-symmetric like the paper's rule, 49.7% ones); 85% of the inputs train. **Rows are "
    "examples** (the course writes the samples as columns).\n\n"
    "Break it: switch to ReLU, or bin with 2 or 100 bins; the 'compression' moves or vanishes.",
    [r"I(X;T) = \sum_{x,t} p(x,t)\log_2\frac{p(x,t)}{p(x)p(t)} = H(T) - H(T\mid X) = H(T)",
     r"I(T;Y) = H(T) + H(Y) - H(T,Y), \qquad I(X;T_{l+1}) \le I(X;T_l)\ \text{if } T_{l+1} = g(T_l)"],
    "R. Shwartz-Ziv and N. Tishby (2017), Opening the black box of deep neural networks via information, "
    "arXiv:1703.00810; A. M. Saxe, Y. Bansal, J. Dapello, M. Advani, A. Kolchinsky, B. D. Tracey and D. D. Cox "
    "(2019), On the information bottleneck theory of deep learning, ICLR; T. M. Cover and J. A. Thomas (2006), "
    "Elements of Information Theory, Wiley.")

ACT = Param("activation", "Activation", "choice", "tanh", options=("tanh", "relu"), widget="segmented")
BINS = Param("bins", "Bins per unit", "choice", 30, options=(2, 5, 10, 30, 100),
             help="Equal bins on [−1, 1] (tanh) or [0, max] (ReLU) per unit; the paper uses 30.")
TRAIN = [ACT, BINS, Param("optimizer", "Optimizer", "choice", "adam", options=("adam", "sgd"), widget="segmented"),
         Param("batch_size", "Minibatch", "choice", 256, options=(64, 256, 1024)),
         Param("train_frac", "Training fraction", "choice", 0.85, options=(0.3, 0.5, 0.85, 1.0)), SEED]
LR = Param("lr", "Learning rate η", "log", 0.003, options=(1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
           role="tunable", help="Change it while the run plays: the optimizer keeps its state.")
cached = st.cache_data(max_entries=16, show_spinner=False)


@cached
def _data(train_frac: float, seed: int):
    X, y = I.twelve_bit_task()
    idx = np.random.default_rng(seed).permutation(4096)[:int(round(train_frac * 4096))]
    return X, y, idx


def _layer_metrics(step) -> dict:
    out = {"accuracy": float(step.info["accuracy"])}
    for l, (a, b) in enumerate(zip(step.info["ixt"], step.info["ity"])):
        out[f"ixt{l + 1}"], out[f"ity{l + 1}"] = float(a), float(b)
    return out


def _plane(series) -> tuple:
    h = series.history
    L = len(I.ARCHITECTURE) - 1
    ixt = np.column_stack([np.asarray(h[f"ixt{l + 1}"], float) for l in range(L)])
    ity = np.column_stack([np.asarray(h[f"ity{l + 1}"], float) for l in range(L)])
    return np.asarray(h["iteration"], float), ixt, ity


def _numbers(prefix: str, series) -> dict:
    epochs, ixt, ity = _plane(series)
    s = series.last
    n = {f"{prefix}epochs": s.iteration, f"{prefix}training loss": s.loss, f"{prefix}accuracy (all 4096)":
         s.info["accuracy"]}
    for l in range(ixt.shape[1]):
        n[f"{prefix}I(X;T{l + 1})"], n[f"{prefix}I(T{l + 1};Y)"] = s.info["ixt"][l], s.info["ity"][l]
    with np.errstate(all="ignore"):
        n[f"{prefix}compression of T5 (max - last I(X;T5))"] = np.nanmax(ixt[:, 4]) - s.info["ixt"][4]
    return {k: float(v) for k, v in n.items() if np.isfinite(v)}


def _solver(activation, X, y, idx):
    net = I.IBNet(X[idx], y[idx], activation=activation)
    return Solver(I.ib_training, net, net.init(0), X, y)


def plane_section(lesson: Lesson):
    st.subheader("The information plane over training")
    p = lesson.controls(TRAIN, columns=6)
    lesson.controls([LR])
    X, y, idx = _data(p["train_frac"], p["seed"])
    hy = I.entropy(y)
    solvers = {"training": _solver(p["activation"], X, y, idx)}

    def draw(run) -> None:
        s = run.series["training"]
        epochs, ixt, ity = _plane(s)
        c1, c2 = st.columns([3, 2])
        show(plane_figure(epochs, ixt, ity, h_y=hy, title=f"{p['activation']}, {p['bins']} bins: layers T1…T6, "
                                                           "colour = epoch"), "infob.fig.plane", c1)
        show(convergence_figure({"training loss": (epochs, s.history["loss"])},
                                right={"training loss": (epochs, s.history["accuracy"])},
                                right_title="accuracy (right)",
                                x_title="epoch", y_title="cross-entropy", title="Fit",
                                diverged={"training loss": s.iteration} if s.status == "diverged" else None),
             "infob.fig.loss", c2)
        live_table(pd.DataFrame([{"layer": f"T{l + 1} (width {w})", "I(X;T)": f"{a:.3f}", "I(T;Y)": f"{b:.3f}"}
                                 for l, (w, a, b) in enumerate(zip(I.ARCHITECTURE[1:], s.last.info["ixt"],
                                                                   s.last.info["ity"]))]))
        st.caption(f"Epoch {s.iteration}, frame compute time {run.frame_ms:.0f} ms. I(X;T) ≤ 12 bits = H(X) and "
                   f"I(T;Y) ≤ H(Y) = {hy:.4f} bits; the information is measured on all 4096 inputs.")

    run = lesson.live("run", solvers, draw, max_iter=5000, default_speed=1, max_points=400, metrics=lambda n, s:
                      _layer_metrics(s), diverged_hint="The learning rate is too large: lower η.")
    lesson.numbers(_numbers("", run.series["training"]))
    self_check("The network is deterministic and the inputs are distinct. Without binning, what is I(X;T)?",
               ["12 bits for any layer that keeps the inputs apart, whatever the training.",
                "It shrinks during training: that is compression.", "0 bits."], 0,
               "Then H(T | X) = 0 and I(X;T) = H(T) = log₂ of the number of distinct outputs: 12 bits as soon as "
               "the 4096 inputs map to 4096 different activations (almost surely for continuous weights). The "
               "'compression' is a property of the bins (Saxe et al. 2019).", key="infob.plane.self")
    return run, solvers, {"solvers": {"training": "information.training"}}


def counterpoints_section(lesson: Lesson):
    st.subheader("Counterpoints: tanh against ReLU, with the same bins")
    p = lesson.controls([BINS, TRAIN[2], TRAIN[3], TRAIN[4], SEED], columns=5)
    lesson.controls([LR])
    X, y, idx = _data(p["train_frac"], p["seed"])
    hy = I.entropy(y)
    solvers = {"tanh": _solver("tanh", X, y, idx), "relu": _solver("relu", X, y, idx)}

    def draw(run) -> None:
        cols = st.columns(2)
        for c, name in zip(cols, ("tanh", "relu")):
            epochs, ixt, ity = _plane(run.series[name])
            show(plane_figure(epochs, ixt, ity, h_y=hy, title=f"{name}, {p['bins']} bins", height=360,
                              max_points=30),
                 f"infob.fig.cp.{name}", c)
        live_table(pd.DataFrame([{"series": n, "epoch": s.iteration, "I(X;T5)": f"{s.last.info['ixt'][4]:.3f}",
                                  "max I(X;T5) so far": f"{np.nanmax(s.history['ixt5']):.3f}",
                                  "accuracy": f"{s.last.info['accuracy']:.3f}", "status": s.status}
                                 for n, s in run.series.items()]))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Both start from the same kind of Gaussian weights; "
                   "ReLU is binned on [0, max of the layer].")

    run = lesson.live("run", solvers, draw, max_iter=5000, default_speed=1, max_points=400, metrics=lambda n, s:
                      _layer_metrics(s), diverged_hint="The learning rate is too large: lower η.")
    lesson.numbers({**_numbers("tanh: ", run.series["tanh"]), **_numbers("relu: ", run.series["relu"])})
    return run, solvers, {"solvers": {"tanh": "information.training", "relu": "information.training"}}


KNOWN = Param("flip", "Channel flip probability ε", "choice", 0.1, options=(0.0, 0.01, 0.1, 0.25, 0.5))
EST = [KNOWN, Param("n", "Samples n", "choice", 1000, options=(100, 1000, 10000, 100000)), SEED]
BIN_SWEEP = (2, 5, 10, 30, 100, 1000)


def _h2(e: float) -> float:
    return 0.0 if e in (0.0, 1.0) else float(-e * np.log2(e) - (1 - e) * np.log2(1 - e))


@cached
def _sweep(activation: str, seed: int):
    X, y = I.twelve_bit_task()
    net = I.IBNet(X, y, activation=activation)
    out = [I.layer_information(net, net.init(seed), X, y, b) for b in BIN_SWEEP]
    return np.array([o[0] for o in out]), np.array([o[1] for o in out])


def estimator_section(lesson: Lesson):
    st.subheader("The estimator on known distributions")
    p = lesson.controls(EST, columns=3)
    rng = np.random.default_rng(p["seed"])
    x = rng.integers(0, 2, p["n"])
    t = x ^ (rng.random(p["n"]) < p["flip"])
    est, exact = I.mutual_information(x, t), 1.0 - _h2(p["flip"])
    u = rng.integers(0, 8, p["n"])
    est8 = I.mutual_information(u, u % 4)  # H(U mod 4) = 2 bits
    st.markdown(f"**Binary symmetric channel** X ~ Bernoulli(½), T = X ⊕ noise(ε): I(X;T) = 1 − H₂(ε) = "
                f"{exact:.4f} bits; the plug-in estimate from n = {p['n']:,} samples is **{est:.4f}** "
                f"(bias ≈ 1/(2n ln 2) = {1 / (2 * p['n'] * np.log(2)):.2g} bits at ε = ½). "
                f"A deterministic map U ↦ U mod 4 of U uniform on 8 symbols: I = 2 bits, estimate {est8:.4f}.")
    ixt_t, ity_t = _sweep("tanh", p["seed"])
    ixt_r, _ = _sweep("relu", p["seed"])
    labels = [f"{b} bins" for b in BIN_SWEEP]
    c1, c2 = st.columns(2)
    show(bars_mi_figure({f"T{l}": ixt_t[:, l - 1] for l in (1, 3, 5)}, labels,
                        title="tanh at initialization: I(X;T) = H(T) vs the bins"), "infob.fig.bins.tanh", c1)
    show(bars_mi_figure({f"T{l}": ixt_r[:, l - 1] for l in (1, 3, 5)}, labels,
                        title="ReLU at initialization: I(X;T) = H(T) vs the bins"), "infob.fig.bins.relu", c2)
    st.caption("The same untrained network carries from almost nothing to all 12 bits about X, depending only on "
               "the bins: the binned quantity measures the geometry of the bins, not a property of the map.")
    lesson.numbers({"BSC: I(X;T) closed form": exact, "BSC: plug-in estimate": est,
                    "BSC: |estimate - closed form|": abs(est - exact), "U mod 4: estimate (2 bits)": est8,
                    **{f"tanh init: I(X;T5) with {b} bins": v for b, v in zip(BIN_SWEEP, ixt_t[:, 4])},
                    **{f"relu init: I(X;T5) with {b} bins": v for b, v in zip(BIN_SWEEP, ixt_r[:, 4])}})
    return None, {}, {}


EXPERIMENTS = [
    Experiment("Fitting, then compression (tanh, 30 bins)",
               "Press Play and follow the deep layer T5 in the plane for 500 epochs. When does it move left?",
               "Fitting: I(X;T5) rises from 8.5 bits (epoch 10) to its maximum 9.37 at epoch 20 while I(T5;Y) climbs "
               "from 0.36 to 1.0 bit. Compression: by epoch 200 I(X;T5) is 3.88 bits, by epoch 500 2.95, with "
               "I(T5;Y) = 0.999 and all 4096 inputs classified right (loss 1e-5). T1 and T2 stay at 12 bits (no bin "
               "merges two inputs); T6 ends at 1.01 bits, its label.",
               {"section": "plane"}, name="tanh-compression"),
    Experiment("ReLU: no fitting phase",
               "Switch to ReLU and play for 500 epochs. Does I(X;T5) rise first?",
               "No: I(X;T5) is largest at initialization (7.05 bits) and falls to 4.24 (epoch 50) and 3.82 "
               "(epoch 500), while T4 goes from 7.0 to 5.8 bits; accuracy 0.999. The drop comes from the bins "
               "[0, max]: as a few activations grow, the others crowd into the lowest bins.",
               {"section": "plane", "activation": "relu"}, name="relu-plane"),
    Experiment("Two bins per unit", "Set 2 bins and play. Compare I(T;Y) of the hidden layers with the output.",
               "With 2 bins T1 carries only 5.75 bits about X and I(T1;Y) = 0.39 bit at epoch 500, while T5 and T6 "
               "carry 0.997 bit about Y: the binned quantities need not decrease along the layers (the binned T5 "
               "is not a function of the binned T1), so the data-processing picture is an artefact of the bins.",
               {"section": "plane", "bins": 2}, name="two-bins"),
    Experiment("tanh against ReLU", "Press Play: both networks, same data, same 30 bins, 500 epochs.",
               "tanh: I(X;T5) up from 8.5 to 9.37 bits by epoch 20, then down to 2.95 by epoch 500. ReLU: never "
               "up, 7.05 → 3.82 bits. Both fit (accuracy 1.000 and 0.999).",
               {"section": "counterpoints"}, name="tanh-vs-relu"),
    Experiment("Fine bins", "Set 100 bins and play for 500 epochs.",
               "Finer bins move every layer right: tanh's T5 peaks at 11.56 bits (epoch 20) and ends at 4.36; ReLU's "
               "starts at 9.05 and ends at 4.95. T3 and T4 stay near 12 bits for tanh: with fine enough bins the "
               "network keeps all of X.",
               {"section": "counterpoints", "bins": 100}, name="fine-bins"),
    Experiment("The plug-in estimator on a channel",
               "Compare the estimate with 1 − H₂(ε) as n grows (100, 1000, 100000).",
               "ε = 0.1: I = 0.5310 bits; estimates 0.5269 (n = 100), 0.5144 (n = 1000), 0.5295 (n = 100000). The "
               "untrained tanh network's T5 carries 0.41, 2.47, 3.90, 7.27, 11.03 and 12.0 bits with 2, 5, 10, 30, 100 "
               "and 1000 bins: the same map, any value you like.",
               {"section": "estimator"}, name="channel-estimate"),
    Experiment("Independent variables",
               "Set ε = ½: T is independent of X. Is the estimate 0?",
               "Almost: 1.2e-6 bits for n = 1000 (1.3e-5 for n = 100000). The plug-in estimate is never negative "
               "and is biased upwards, by about (k−1)(m−1)/(2n ln 2) on average for k × m symbols.",
               {"section": "estimator", "flip": 0.5, "n": 1000}, name="independent"),
]
