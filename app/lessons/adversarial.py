"""The vulnerability page's theory, its trained classifiers and the sections "fgsm-pgd" (accuracy against ε) and
"fooled" (one digit, its perturbation and the fooled image) of pages/adversarial.py.

The page lists the sections in its SECTIONS literal, adds :data:`EXPERIMENTS` to its presets, shows :data:`THEORY`
and calls :func:`curves_section` and :func:`fooled_section` (each returns ``(None, {}, extra)``). "fgsm-pgd" shows
softmax regression by default (trained in milliseconds) and all three classifiers with ``classifiers="all"``. The
classifiers are trained once per seed (cached, with a progress bar) with the options :data:`TRAIN`, which the
exported scripts receive as ``params["train"]``. Parameter names are keywords of ``numdl_core.theory.adversarial``
(``eps``, ``n_iter``, ``seed``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.theory_adversarial import attack_accuracy_figure, class_probabilities_figure, digit_attack_figure
from app.lesson import Experiment, Lesson, Param
from app.panels import self_check, show
from app.params import SEED
from numdl_core.checks import derivative_check
from numdl_core.classify import softmax
from numdl_core.theory import adversarial as adv

__all__ = ["THEORY", "EXPERIMENTS", "TRAIN", "SPLIT", "NAMES", "COMPARE", "trained", "models", "attack",
           "curves_section", "fooled_section"]

THEORY = (
    "Classifiers that are right on almost every test digit can be fooled by changes a person barely sees. "
    "Goodfellow, Shlens and Szegedy (2015) explain it by **linearity**: the loss changes by about ⟨∇ₓℓ, δ⟩, and over "
    "the ball ‖δ‖∞ ≤ ε this is largest for δ = ε·sign(∇ₓℓ), a change of ε‖∇ₓℓ‖₁, which grows with the number of "
    "pixels. The **fast gradient sign method** (FGSM) takes that one step; **projected gradient descent** (PGD, "
    "Madry et al. 2018) repeats smaller steps and projects back onto the ball and the pixel box [0, 1] each time, "
    "the strongest first-order attack. A random-sign perturbation of the same size hardly matters: the direction "
    "does. The gradient needed is the one training never computes, with respect to the **input**: backpropagation "
    "carried one layer further (checked by a Taylor test). **Rows are examples**: an image is a row of 64 pixels.\n\n"
    "A **targeted** attack is an optimization over the input: minimize the loss of a chosen class over the ball, by "
    "projected sign-gradient descent. Haber and Ruthotto (2017) view a ResNet as forward Euler for dY/dt = f(Y): "
    "with a **stable** architecture (parabolic −σ(YK + b)Kᵀ, antisymmetric K − Kᵀ − γI) and a small step h, "
    "perturbations of the input grow little (antisymmetric) or shrink (parabolic) through the layers, while a plain "
    "ResNet amplifies them; with a large h "
    "every architecture does (forward Euler leaves its stability region). Does a stable network also resist attacks "
    "better? The last section measures it.",
    [r"x_{\rm FGSM} = \Pi_{[0,1]}\big(x + \varepsilon\,\mathrm{sign}\,\nabla_x \ell(x, y)\big), \qquad "
     r"x^{k+1} = \Pi_{B_\infty(x,\varepsilon)\cap[0,1]^{64}}\big(x^k + \alpha\,\mathrm{sign}\,"
     r"\nabla_x\ell(x^k, y)\big)",
     r"\ell(x + \delta) \approx \ell(x) + \nabla_x\ell^\top\delta, \qquad \max_{\|\delta\|_\infty\le\varepsilon}"
     r"\nabla_x\ell^\top\delta = \varepsilon\,\|\nabla_x\ell\|_1",
     r"\text{targeted: } \min_{\|\delta\|_\infty\le\varepsilon,\ 0\le x+\delta\le 1} -\log\mathrm{softmax}"
     r"(o(x+\delta))_t"],
    "Goodfellow, Shlens and Szegedy (2015), Explaining and harnessing adversarial examples, ICLR, arXiv:1412.6572; "
    "Madry, Makelov, Schmidt, Tsipras and Vladu (2018), Towards deep learning models resistant to adversarial "
    "attacks, ICLR, arXiv:1706.06083; Szegedy et al. (2014), Intriguing properties of neural networks, ICLR, "
    "arXiv:1312.6199; Haber and Ruthotto (2017), Stable architectures for deep neural networks, Inverse Problems 34 "
    "(2018) 014004, arXiv:1705.03341.")

#: training options per classifier (full-batch Adam; the exported scripts get them as params["train"])
TRAIN = {"softmax": {"lr": 0.05, "maxiter": 200},
         "mlp": {"width": 32, "lr": 0.01, "maxiter": 200},
         "resnet": {"width": 16, "depth": 4, "T": 1.0, "lr": 0.01, "maxiter": 200}}
SPLIT = {"n_train": 1000, "n_test": 300}
NAMES = {"softmax": "softmax regression", "mlp": "MLP (1 × 32 tanh)", "resnet": "ResNet (16 wide, 4 layers, T = 1)"}
EPS_CHOICES = tuple(e for e in adv.EPS_GRID if e > 0)
ATTACKS = {"fgsm": "FGSM", "pgd": "PGD (10 steps)", "random": "random signs"}

SEED_P = SEED.but(hi=20, help="Seeds the split of the digits (1000 training, 300 test images) and the initial "
                              "weights: the same seed, the same classifiers.")
COMPARE = {"softmax": "softmax regression", "all": "all three (trains an MLP and a ResNet once per seed, ~1 s)"}
CURVES = [Param("classifiers", "Classifiers", "choice", "softmax", options=tuple(COMPARE), labels=COMPARE,
                widget="segmented", help="Softmax regression trains in a few milliseconds and shows every effect; "
                "'all three' adds the MLP and the ResNet (trained once per seed, then cached)."),
          Param("n_iter", "PGD steps K", "choice", 10, options=(1, 3, 10, 30), widget="segmented",
                help="PGD starts at the FGSM point and takes K sign steps of size 2.5ε/K (Madry's choice), keeping "
                     "each image's worst iterate."),
          Param("eps", "ε for the numbers", "choice", 0.1, options=EPS_CHOICES,
                help="The radius the table and the headline numbers quote (the curves show the whole grid)."),
          SEED_P]
FOOLED = [Param("kind", "Classifier", "choice", "mlp", options=adv.KINDS, labels=NAMES),
          Param("index", "Test image", "int", 1, lo=0, hi=SPLIT["n_test"] - 1,
                help="One of the 300 fixed test images (image 1 of seed 0 is a 7)."),
          Param("attack", "Attack", "choice", "fgsm", options=tuple(ATTACKS), labels=ATTACKS, widget="segmented"),
          Param("eps", "ε", "float", 0.1, lo=0.0, hi=0.3, step=0.01, help="‖δ‖∞ ≤ ε; pixels stay in [0, 1]."),
          SEED_P]


@st.cache_resource(max_entries=24, show_spinner=False)
def trained(kind: str, seed: int, options: tuple = ()) -> adv.TrainedModel:
    """A classifier trained on the digits (shared read-only between sessions: nothing mutates it)."""
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=seed)
    return adv.train_classifier(kind, data, seed=seed, **dict(options))


def models(seed: int, kinds=adv.KINDS) -> dict[str, adv.TrainedModel]:
    """The page's classifiers, training the missing ones under a progress bar."""
    bar = None
    out = {}
    for i, kind in enumerate(kinds):
        if bar is None:
            bar = st.progress(0.0, text="Training the classifiers on the digits (once per seed; a second or two) …")
        out[kind] = trained(kind, seed, tuple(TRAIN[kind].items()))
        bar.progress((i + 1) / len(kinds), text=f"Trained {NAMES[kind]}: test accuracy {out[kind].test_accuracy:.3f}")
    if bar is not None:
        bar.empty()
    return out


@st.cache_data(max_entries=24, show_spinner=False)
def _curve(kind: str, seed: int, n_iter: int) -> adv.AttackCurve:
    tm = trained(kind, seed, tuple(TRAIN[kind].items()))
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=seed)
    return adv.attack_curve(tm.model, tm.theta, data.X_test, data.y_test, adv.EPS_GRID, n_iter=n_iter, seed=seed)


def attack(tm: adv.TrainedModel, X: np.ndarray, y: np.ndarray, name: str, eps: float, seed: int) -> np.ndarray:
    """The attacked images of one of :data:`ATTACKS`."""
    if name == "fgsm":
        return adv.fgsm(tm.model, tm.theta, X, y, eps)
    if name == "pgd":
        return adv.pgd(tm.model, tm.theta, X, y, eps, n_iter=10)
    return adv.random_sign(X, eps, seed=seed)


def curves_section(lesson: Lesson):
    st.subheader("Accuracy against ε: FGSM, PGD and random signs")
    p = lesson.controls(CURVES, columns=4)
    kinds = adv.KINDS if p["classifiers"] == "all" else ("softmax",)
    ms = models(p["seed"], kinds)
    curves = {k: _curve(k, p["seed"], p["n_iter"]) for k in kinds}
    i = int(np.argmin(np.abs(np.asarray(adv.EPS_GRID) - p["eps"])))
    show(attack_accuracy_figure(adv.EPS_GRID, {NAMES[k]: {"FGSM": c.fgsm, "PGD": c.pgd, "random signs": c.random}
                                               for k, c in curves.items()}, marker=p["eps"],
                                title=f"Accuracy on 300 test digits (PGD: {p['n_iter']} steps)"), "adv.fig.curves")
    rows, numbers = [], {}
    for k, c in curves.items():
        rows.append({"classifier": NAMES[k], "clean": f"{c.fgsm[0]:.3f}", f"random signs, ε = {p['eps']:g}":
                     f"{c.random[i]:.3f}", "FGSM": f"{c.fgsm[i]:.3f}", "PGD": f"{c.pgd[i]:.3f}",
                     "PGD ≤ FGSM everywhere": "✔" if np.all(c.pgd <= c.fgsm) else "✘",
                     "both fall with ε": "✔" if np.all(np.diff(c.fgsm) <= 0) and np.all(np.diff(c.pgd) <= 0) else "✘"})
        numbers.update({f"{k} clean accuracy": c.fgsm[0], f"{k} random-sign accuracy": c.random[i],
                        f"{k} FGSM accuracy": c.fgsm[i], f"{k} PGD accuracy": c.pgd[i]})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"ε grid {', '.join(f'{e:g}' for e in adv.EPS_GRID)} (pixels in [0, 1]; one grey level of the "
               "original 0..16 scale is 0.0625). Training accuracy: " + ", ".join(
                   f"{NAMES[k]} {ms[k].train_accuracy:.3f}" for k in kinds) + ". PGD starts at the FGSM point and "
               "keeps each image's worst iterate, so it can only do better than FGSM." + (
                   "" if p["classifiers"] == "all" else " Choose 'all three' classifiers to compare with an MLP and "
                   "a ResNet: they are fooled just as easily."))
    self_check("At ε = 0.1 a random-sign perturbation leaves the accuracy almost unchanged, FGSM of the same size "
               "halves it. Why?", ["FGSM changes more pixels.", "The loss is nearly linear in x over the ball; "
               "only the direction aligned with ∇ₓℓ adds up over the 64 pixels, random signs cancel on average.",
               "Random signs are clipped by the pixel box."], 1,
               "Both change every pixel by ε. Along sign(∇ₓℓ) the first-order change is ε‖∇ₓℓ‖₁, the sum of 64 "
               "aligned terms; for random signs it is a sum of 64 terms of random sign: about ε‖∇ₓℓ‖₂, far smaller.",
               key="adv.curves.self")
    lesson.numbers(numbers)
    return None, {}, {"train": {k: TRAIN[k] for k in kinds}, "split": SPLIT}


def fooled_section(lesson: Lesson):
    st.subheader("One digit: the perturbation and the fooled image")
    p = lesson.controls(FOOLED, columns=5)
    tm = models(p["seed"], (p["kind"],))[p["kind"]]
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=p["seed"])
    x, y = data.X_test[p["index"]][None], data.y_test[p["index"]: p["index"] + 1]
    xa = attack(tm, x, y, p["attack"], p["eps"], p["seed"])
    pc, pa = (softmax(tm.model.logits(tm.theta, z))[0] for z in (x, xa))
    true, before, after = int(y[0]), int(np.argmax(pc)), int(np.argmax(pa))
    delta = xa - x
    c1, c2 = st.columns([3, 2])
    show(digit_attack_figure(x, delta, xa, p["eps"], labels=(
        f"clean<br>true {true}, read as {before}", f"δ = attacked − clean<br>‖δ‖∞ = {np.abs(delta).max():.3g}",
        f"attacked<br>read as {after}")), "adv.fig.digit", c1)
    show(class_probabilities_figure({"clean": pc, "attacked": pa}, true=true), "adv.fig.probs", c2)
    if p["eps"] == 0:
        st.info("ε = 0: no perturbation, the same prediction and the same probabilities.")
    elif after != true and before == true:
        st.error(f"Fooled: the {NAMES[p['kind']]} reads a {after} (p = {pa[after]:.2f}); every pixel moved by at most "
                 f"{p['eps']:g}.")
    else:
        st.success(f"Still read as {after}: p(true) {pc[true]:.3f} → {pa[true]:.3f}.")
    st.caption("Pixels in [0, 1], dark = ink; δ on [−ε, ε], red = ink added, blue = ink removed. Background pixels "
               "(0) cannot lose ink and full ones (1) cannot gain any: the box clips those moves.")
    e_star = adv.smallest_fooling_eps(tm.model, tm.theta, x[0], true, attack=p["attack"], seed=p["seed"])
    st.caption(f"Smallest ε that fools the {NAMES[p['kind']]} on this digit with {ATTACKS[p['attack']]} (grid 0, 0.01, "
               f"…, 0.5): **{e_star:g}**" + (" — none up to 0.5." if np.isnan(e_star) else "."))
    check = derivative_check(lambda z: adv.input_gradient(tm.model, tm.theta, z[None], y), x[0], seed=p["seed"], n=12)
    with st.expander(f"{'✔' if check.passed else '✘'} Taylor test of the input gradient ∇ₓℓ (the direction FGSM and "
                     "PGD follow), at this digit", expanded=False):
        lesson.check(check, what="input gradient")
    lesson.numbers({"perturbation size ‖δ‖∞": np.abs(delta).max(), "pixels changed": np.sum(np.abs(delta) > 0),
                    "input-gradient Taylor order": check.order,
                    "true-class probability, clean": pc[true], "true-class probability, attacked": pa[true],
                    "predicted class, clean": before, "predicted class, attacked": after,
                    **({} if np.isnan(e_star) else {"smallest fooling ε": e_star})})
    return None, {}, {"train": TRAIN[p["kind"]], "split": SPLIT}


EXPERIMENTS = [
    Experiment("FGSM against PGD", "Read the curves and the table at ε = 0.1. Which attack is stronger, and what "
               "does a random perturbation of the same size do?",
               "At ε = 0.1 FGSM leaves softmax regression 0.520 of its 0.960, the MLP 0.540 of 0.967, the ResNet 0.460 "
               "of 0.947; PGD (10 steps) is lower for each: 0.493, 0.460, 0.327. Random signs of the same size: "
               "0.953, 0.957, 0.933 — barely a change. Every curve falls with ε and PGD never lies above FGSM; at "
               "ε = 0.3 nothing is left.", {"section": "fgsm-pgd", "classifiers": "all"}, name="fgsm-vs-pgd"),
    Experiment("One PGD step", "Set K = 1 PGD step, then 30. How much do the extra steps add over FGSM?",
               "K = 1 is one step of 2.5ε from the FGSM point (projected back): the MLP's accuracy at ε = 0.1 goes "
               "0.540 (FGSM) → 0.473; K = 10 gives 0.460, K = 30 no more. For the linear softmax model the steps add "
               "little (0.520 → 0.497 → 0.493): its loss is nearly linear in x, and FGSM is already near optimal.",
               {"section": "fgsm-pgd", "classifiers": "all", "n_iter": 1}, name="pgd-one-step"),
    Experiment("Invisible changes", "Set ε = 0.04 (less than a grey level of the original 0..16 scale, 0.0625).",
               "About one test digit in ten flips: FGSM 0.860 / 0.867 / 0.837, PGD 0.853 / 0.853 / 0.823 (softmax, "
               "MLP, ResNet) against clean 0.960 / 0.967 / 0.947; random signs change nothing (0.960, 0.967, 0.943).",
               {"section": "fgsm-pgd", "classifiers": "all", "eps": 0.04}, name="small-eps"),
    Experiment("A fooled digit", "FGSM with ε = 0.1 on test image 1 (a 7) for the MLP. Look at δ: where does it put "
               "ink?", "The MLP reads the attacked 7 as a 9: p(7) falls from 0.998 to 0.461. δ moves every pixel that "
               "can move by exactly ε = 0.1 (‖δ‖∞ = 0.1); background pixels at 0 cannot lose ink and full pixels "
               "cannot gain any, so 39 of the 64 change. The smallest ε that fools it: 0.1 (ε = 0.09 does not).",
               {"section": "fooled", "kind": "mlp", "index": 1, "eps": 0.1, "attack": "fgsm"}, name="fooled-digit"),
    Experiment("Random signs barely hurt", "The same image, the same size ε = 0.1, random directions.",
               "Still a 7, p(7) 0.998 → 0.999 (42 pixels changed), and no random-sign δ up to ε = 0.5 changes the "
               "class: a random δ is nearly orthogonal to ∇ₓℓ. "
               "Image 0 (a 1) even survives FGSM at 0.1 (p(1) 0.999 → 0.862) and random signs hardly move it (0.997).",
               {"section": "fooled", "kind": "mlp", "index": 1, "eps": 0.1, "attack": "random"},
               name="random-signs"),
    Experiment("ε = 0 changes nothing", "Set ε = 0 with any attack.", "δ = 0, no pixel changed, the same "
               "probabilities: the attack is only as strong as its budget.", {"section": "fooled", "eps": 0.0},
               name="eps-zero"),
]
