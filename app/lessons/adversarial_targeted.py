"""The vulnerability page's sections "targeted" (a live targeted attack: projected sign-gradient descent on the loss
of a chosen class) and "stable" (plain against stable residual networks under attack), of pages/adversarial.py.

:func:`targeted_section` returns ``(run, solvers, extra)`` for the export; the attack is the generator
``numdl_core.theory.adversarial.targeted_attack`` (keywords ``eps``, ``step``), run by the live kit.
:func:`stable_section` shows by default the three architectures (standard, antisymmetric, parabolic; the same depth
``N`` and final time ``T``) at their initial weights (instant); with ``trained`` on it trains them (cached, with a
progress bar) and attacks them. It returns ``(None, {}, extra)``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.theory_adversarial import (attack_accuracy_figure, class_probabilities_figure, digit_attack_figure,
                                            perturbation_growth_figure, target_probability_figure)
from app.lesson import Experiment, Lesson, Param, Solver
from app.lessons.adversarial import NAMES, SEED_P, SPLIT, TRAIN, models
from app.panels import live_table, show
from app.params import log_options
from numdl_core.classify import softmax
from numdl_core.theory import adversarial as adv

__all__ = ["EXPERIMENTS", "TARGETED", "STABLE", "ARCHITECTURES", "MAX_ITER", "initial_growth", "targeted_section",
           "stable_section"]

MAX_ITER = 300
TARGETED = [Param("kind", "Classifier", "choice", "mlp", options=adv.KINDS, labels=NAMES),
            Param("index", "Test image", "int", 0, lo=0, hi=SPLIT["n_test"] - 1),
            Param("target", "Target class t", "int", 8, lo=0, hi=9,
                  help="The class the attack wants (the true class itself: the attack makes the digit more typical)."),
            Param("eps", "ε", "float", 0.2, lo=0.0, hi=0.5, step=0.01, help="‖δ‖∞ ≤ ε; pixels stay in [0, 1]."),
            SEED_P]
STEP = Param("step", "Step α", "log", 0.01, options=log_options(1e-3, 1.0, 3), role="tunable",
             help="Each iteration moves every pixel by α against the sign of the target's loss gradient, then "
                  "projects onto the ball and the box. Change it while the attack runs.")

ARCHITECTURES = {"standard": "plain ResNet σ(YK + b)", "antisymmetric": "antisymmetric K − Kᵀ − γI",
                 "parabolic": "parabolic −σ(YK + b)Kᵀ"}
STABLE = [Param("depth", "Layers N", "choice", 8, options=(4, 8, 16), widget="segmented"),
          Param("T", "Final time T (h = T/N)", "choice", 1.0, options=(0.5, 1.0, 2.0, 4.0, 8.0, 16.0),
                help="The same T and N for the three networks: the step h = T/N decides "
                                         "whether forward Euler is stable."),
          Param("eps", "ε for the numbers", "choice", 0.06, options=tuple(e for e in adv.EPS_GRID if e > 0)),
          SEED_P,
          Param("trained", "Train and attack the three networks", "bool", False,
                help="Off: the three architectures at their initial weights (instant): how a perturbation grows "
                     "through the layers. On: train each on the 1000 digits (200 Adam steps, about 2 s once per "
                     "setting, then cached) and attack them with FGSM and PGD.")]
GAMMA = 0.1
STABLE_TRAIN = {"width": 16, "lr": 0.01, "maxiter": 200, "gamma": GAMMA}


def targeted_section(lesson: Lesson):
    st.subheader("A targeted attack: optimizing the input (live)")
    p = lesson.controls(TARGETED, columns=5)
    lesson.controls([STEP])
    tm = models(p["seed"], (p["kind"],))[p["kind"]]
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=p["seed"])
    x, true = data.X_test[p["index"]], int(data.y_test[p["index"]])
    p_clean = softmax(tm.model.logits(tm.theta, x[None]))[0]
    target = p["target"]

    def metrics(name, step) -> dict:
        return {"p_target": step.info.get("p_target", np.nan),
                "p_true": float(step.info["probabilities"][true]) if "probabilities" in step.info else np.nan}

    def draw(run) -> None:
        s = run.series["attack"]
        xk = x if s.last is None or not np.all(np.isfinite(s.last.x)) else s.last.x
        pk = s.last.info.get("probabilities", p_clean) if s.last is not None else p_clean
        c1, c2 = st.columns([3, 2])
        show(digit_attack_figure(x, xk - x, xk, p["eps"], labels=(
            f"clean<br>true {true}", f"δ<br>‖δ‖∞ = {np.abs(xk - x).max():.3g} ≤ ε = {p['eps']:g}",
            f"iteration {s.iteration}<br>read as {int(np.argmax(pk))}")), "adv.fig.target.digit", c1)
        show(class_probabilities_figure({"clean": p_clean, f"iteration {s.iteration}": pk}, true=true, target=target),
             "adv.fig.target.probs", c2)
        h = s.history
        show(target_probability_figure(h.get("iteration", []), h.get("p_target", []), h.get("p_true", []),
                                       title=f"p(target {target}) and p(true {true}) against the iterations"),
             "adv.fig.target.curve")
        live_table(pd.DataFrame([{"iteration": s.iteration, "p(target)": f"{pk[target]:.4f}",
                                  "p(true)": f"{pk[true]:.4f}", "predicted": int(np.argmax(pk)),
                                  "reached": "✔" if int(np.argmax(pk)) == target else "not yet", "status": s.status}]))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Each iteration: one forward and one backward pass "
                   "through the classifier to the input, a signed step, a projection (clip).")

    solvers = {"attack": Solver(adv.targeted_attack, tm.model, tm.theta, x, target=target, eps=p["eps"])}
    run = lesson.live("run", solvers, draw, metrics=metrics, max_iter=MAX_ITER, default_speed=1, max_points=200)
    s = run.series["attack"]
    pk = s.last.info.get("probabilities", p_clean) if s.last is not None else p_clean
    if target == true:
        st.info(f"The target is the true class {true}: the attack makes the digit *more* typical.")
    lesson.numbers({"target probability": pk[target], "true-class probability": pk[true],
                    "predicted class": int(np.argmax(pk)), "perturbation size ‖δ‖∞": s.last.info["linf"]
                    if s.last is not None else 0.0})
    return run, solvers, {"train": TRAIN[p["kind"]], "split": SPLIT}


@st.cache_resource(max_entries=24, show_spinner=False)
def _resnet(architecture: str, depth: int, T: float, seed: int) -> adv.TrainedModel:
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=seed)
    return adv.train_classifier("resnet", data, depth=depth, T=T, architecture=architecture, seed=seed,
                                **STABLE_TRAIN)


@st.cache_data(max_entries=24, show_spinner=False)
def _study(architecture: str, depth: int, T: float, seed: int):
    tm = _resnet(architecture, depth, T, seed)
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=seed)
    curve = adv.attack_curve(tm.model, tm.theta, data.X_test, data.y_test, adv.EPS_GRID, seed=seed)
    Delta = adv.random_sign(data.X_test, 0.05, seed=seed) - data.X_test
    return curve, adv.perturbation_growth(tm.model, tm.theta, data.X_test, Delta), tm.test_accuracy


def initial_growth(data: adv.DigitSplit, depth: int, T: float, seed: int) -> dict[str, np.ndarray]:
    """The growth of a random ±0.05 perturbation of the test digits through the layers of each architecture at its
    initial weights (the ones ``train_classifier`` starts from)."""
    from numdl_core.resnet_classifier import ResNetClassifier

    Delta = adv.random_sign(data.X_test, 0.05, seed=seed) - data.X_test
    out = {}
    for arch in ARCHITECTURES:
        model = ResNetClassifier(data.X, data.y, 10, width=STABLE_TRAIN["width"], depth=depth, T=T, architecture=arch,
                                 gamma=STABLE_TRAIN["gamma"])
        out[arch] = adv.perturbation_growth(model, model.init_theta(seed), data.X_test, Delta)
    return out


def _untrained(lesson: Lesson, p: dict):
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=p["seed"])
    growth = initial_growth(data, p["depth"], p["T"], p["seed"])
    h = p["T"] / p["depth"]
    show(perturbation_growth_figure({ARCHITECTURES[a]: g for a, g in growth.items()},
                                    title=f"At the initial weights, N = {p['depth']}, h = {h:g}: growth of a random "
                                          "±0.05 input perturbation through the layers"), "adv.fig.stable.growth")
    st.info("Stability is a property of the forward pass, visible before any training: at the initial (small) "
            "weights the parabolic network damps a perturbation and the antisymmetric one keeps its size if h is "
            "small (try T = 8: forward Euler leaves its stability region). Switch on **Train and attack the three "
            "networks** to train them on the digits (about 2 s, once per setting): training makes the plain one "
            "amplify perturbations, and the table measures whether the stable ones also resist FGSM and PGD better.")
    lesson.numbers({f"{a} perturbation growth at initialization": g[-1] for a, g in growth.items()})
    return None, {}, {"train": STABLE_TRAIN, "split": SPLIT}


def stable_section(lesson: Lesson):
    st.subheader("Plain against stable residual networks under attack")
    p = lesson.controls(STABLE, columns=5)
    if not p["trained"]:
        return _untrained(lesson, p)
    bar = st.progress(0.0, text="Training three ResNets on the digits (cached; a few seconds) …")
    out = {}
    for i, arch in enumerate(ARCHITECTURES):
        out[arch] = _study(arch, p["depth"], p["T"], p["seed"])
        bar.progress((i + 1) / len(ARCHITECTURES), text=f"Trained the {ARCHITECTURES[arch]} network")
    bar.empty()
    i = int(np.argmin(np.abs(np.asarray(adv.EPS_GRID) - p["eps"])))
    h = p["T"] / p["depth"]
    c1, c2 = st.columns(2)
    show(attack_accuracy_figure(adv.EPS_GRID, {ARCHITECTURES[a]: {"FGSM": c.fgsm, "PGD": c.pgd}
                                               for a, (c, _, _) in out.items()}, marker=p["eps"],
                                title=f"Accuracy under attack, N = {p['depth']}, h = {h:g}"), "adv.fig.stable.acc", c1)
    show(perturbation_growth_figure({ARCHITECTURES[a]: g for a, (_, g, _) in out.items()},
                                    title="Growth of a random ±0.05 input perturbation through the layers"),
         "adv.fig.stable.growth", c2)
    rows, numbers = [], {}
    for a, (c, g, acc) in out.items():
        rows.append({"network": ARCHITECTURES[a], "clean": f"{acc:.3f}", f"FGSM, ε = {p['eps']:g}": f"{c.fgsm[i]:.3f}",
                     "PGD": f"{c.pgd[i]:.3f}", "growth ‖ΔY_N‖/‖ΔY_0‖": f"{g[-1]:.2f}"})
        numbers.update({f"{a} clean accuracy": acc, f"{a} FGSM accuracy": c.fgsm[i], f"{a} PGD accuracy": c.pgd[i],
                        f"{a} perturbation growth": g[-1]})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"Width 16, tanh, forward Euler, γ = {GAMMA} (antisymmetric), full-batch Adam (200 steps); the "
               "opening layer 64 → 16 is the same kind in all three. Growth: the features' change after the last "
               "layer over that after the opening layer, for a random-sign perturbation of size 0.05 of the 300 "
               "test digits. Stability is a property of the forward pass: it bounds how far a perturbation is "
               "carried, not how close the input is to the decision boundary.")
    lesson.numbers(numbers)
    return None, {}, {"train": STABLE_TRAIN, "split": SPLIT}


EXPERIMENTS = [
    Experiment("Push a 1 to an 8", "Test image 0 is a 1; the target is 8, ε = 0.2, step 0.01. Press Play and watch "
               "p(8).", "p(8) starts at 0.001, passes 0.5 at about iteration 12 (the prediction flips to 8) and "
               "settles at 0.998 after 20 iterations, when every pixel has used its budget ε = 0.2 (the iterate "
               "sits on a corner of the box ∩ ball). δ adds ink where an 8 has loops.", {"section": "targeted"},
               name="targeted-attack"),
    Experiment("ε too small", "Set ε = 0.03 and play 300 iterations.", "The attack converges to the best point in "
               "the small ball, p(8) = 0.004: the digit stays a 1 (p(1) = 0.995). Optimization cannot beat the "
               "constraint; targets 0 and 9 are out of reach even at ε = 0.2.", {"section": "targeted", "eps": 0.03},
               name="targeted-eps-too-small"),
    Experiment("Stable with a small step", "N = 8, T = 1 (h = 0.125): compare the growth of a perturbation and the "
               "accuracy under PGD at ε = 0.06.", "The parabolic network damps the perturbation (growth 0.89), the "
               "antisymmetric one keeps it (1.17), the plain one amplifies it (1.79). Under PGD at ε = 0.06: 0.697 "
               "(plain), 0.747 (antisymmetric), 0.727 (parabolic), all from about 0.97 clean.",
               {"section": "stable", "depth": 8, "T": 1.0, "trained": True}, name="stable-small-h"),
    Experiment("A large step breaks stability", "N = 8, T = 8 (h = 1).", "Forward Euler is unstable for every "
               "architecture now: growth 6.7 (plain), 6.3 (antisymmetric), 5.8 (parabolic, stable only for small h). "
               "PGD at ε = 0.06 leaves 0.517, 0.570 and 0.460: the parabolic net has lost its advantage with its "
               "stability. The architecture alone does not make a network stable: the step must fit.",
               {"section": "stable", "depth": 8, "T": 8.0, "trained": True}, name="large-h-unstable"),
]
