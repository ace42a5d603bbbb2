"""The CNN section of the convolutional-networks page (pages/convolutional_networks.py): a small convolutional
network trained live on the bundled 8 x 8 digits.

The page lists the section as ``"cnn"`` in its SECTIONS literal (this module has none of its own, so the export and
fuzz harnesses see it once), adds :data:`EXPERIMENTS` to its presets and :data:`SCRIPTS` to its export scripts, and
calls ``run, solvers = cnn_section(lesson)``, then ``lesson.export(SCRIPTS["cnn"], run=run)`` (the script needs
``params["iterations"]``, which ``export`` adds with a ``run``). The model is ``numdl_core.cnn`` (conv, ReLU, 2 x 2
pooling, conv, ReLU, pooling, linear softmax; the gradient by a hand-written reverse loop); the live run is SGD,
momentum, Nesterov or Adam from ``numdl_core.solvers.SOLVERS``, one epoch per iteration. Slides:
05-NumDNN-ConvNets.tex ("Convolutional Neural Networks", "The Width of a CNN", "Other Operators for Imaging Tasks").
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.exports.cnn import SCRIPTS
from app.figures.classify import confusion_figure
from app.figures.cnn import feature_maps_figure, kernels_figure, training_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import self_check, show
from app.params import SEED
from numdl_core import cnn

__all__ = ["N_TRAIN", "MAX_EPOCHS", "OPTIMIZERS", "SOLVER_OF", "STRUCTURE", "TUNE", "VIEW", "EXPERIMENTS",
           "SCRIPTS", "COMPARE", "COMPARE_TARGET", "cnn_compare", "cnn_section"]

N_TRAIN = 1000  # training images; the other 797 of the 1797 are the test set
MAX_EPOCHS = 50  # a run stops there (the curves flatten by epoch 30; it also bounds a frame at speed 200)
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD + momentum", "nesterov": "Nesterov", "adam": "Adam"}
# optimizer -> (solver of numdl_core.solvers.SOLVERS, fixed options)
SOLVER_OF = {"sgd": ("sgd", {"momentum": 0.0}), "momentum": ("sgd", {"momentum": 0.9}),
             "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}), "adam": ("adam", {})}
LRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)

STRUCTURE = [
    Param("c1", "Channels c₁ (conv 1)", "choice", 4, options=(2, 4, 6, 8),
          help="Output channels of the first convolution: that many kernels of size k x k on the digit."),
    Param("c2", "Channels c₂ (conv 2)", "choice", 8, options=(4, 8, 12, 16),
          help="Output channels of the second convolution, each with c₁ kernels (one per input channel)."),
    Param("kernel", "Kernel size k", "choice", 3, options=(3, 5), labels={3: "3 x 3", 5: "5 x 5"}),
    Param("pool", "Pooling", "choice", "max", options=cnn.POOLS, labels={"max": "max", "avg": "average"},
          help="2 x 2 windows: 8 x 8 maps become 4 x 4, then 2 x 2."),
    Param("optimizer", "Optimizer", "choice", "momentum", options=tuple(OPTIMIZERS), labels=OPTIMIZERS,
          help="Momentum and Nesterov use μ = 0.9 (γ in the notes). Switching restarts the run."),
    SEED.but(help="Seeds the train/test split, the initial weights and the batch order."),
]
TUNE = [
    Param("lr", "Learning rate η (μ in the notes)", "log", 0.02, options=LRS, role="tunable",
          help="Change it while the run plays: the optimizer keeps its state (momentum, Adam's averages)."),
    Param("batch_size", "Batch size", "choice", 32, options=(16, 32, 64, 128), role="tunable",
          help="Images per update; an epoch is 1000 / batch size updates."),
]
VIEW = Param("digit", "Test image shown", "int", 0, lo=0, hi=1797 - N_TRAIN - 1, role="view",
             help="Which of the 797 test images goes through the network in the feature-map picture.")

EXPERIMENTS = [
    Experiment("Momentum against plain SGD", "Switch the optimizer to plain SGD (η = 0.02, as the default momentum "
               "run) and play 30 epochs; then try plain SGD with η = 0.2.",
               "With μ = 0.9 the steps add up to about η/(1 − μ) = 10 η along a steady direction. Plain SGD at "
               "η = 0.02 reaches only 73% test accuracy after 10 epochs and 89% after 30, against 92% and 95% with "
               "momentum. Plain SGD at η = 0.2, the same effective step, catches up early (92% at 10 epochs) but "
               "ends noisier (93% at 30): momentum also averages the noise of the mini-batches.",
               {"section": "cnn", "optimizer": "sgd", "lr": 0.02}, name="momentum-vs-sgd"),
    Experiment("Adam", "Switch to Adam with η = 0.01 and compare the first epochs with the default momentum run.",
               "Adam scales each weight's step by a running RMS of its gradients, so kernels, biases and output "
               "weights move at similar speeds: 52% after one epoch (momentum: 41% at η = 0.02), 92% after 10 and "
               "94.5% after 30, about where momentum ends (95.4%). Its default step is forgiving; the final accuracy is no "
               "better.", {"section": "cnn", "optimizer": "adam", "lr": 0.01}, name="adam"),
    Experiment("Wider channels", "Use c₁ = 8, c₂ = 16 channels and 5 x 5 kernels (4074 weights instead of 666).",
               "The wider network is at 97% test accuracy after 10 epochs and 98.2% after 30 (the narrow default: "
               "92% and 95%). Each epoch costs three to four times as much (about 130 ms against 38 ms per frame), so fewer frames per second. A dense layer "
               "from the 64 pixels to as many outputs as conv 1 makes (8 x 64) would alone need 32,768 weights.",
               {"section": "cnn", "c1": 8, "c2": 16, "kernel": 5}, name="wider-channels"),
    Experiment("A step too large", "Set η = 0.5 with momentum (or raise η while the run plays) and watch the "
               "feature maps.", "After one epoch the loss is 5.8; from epoch 3 on it sits at about 2.34 ≈ log 10 "
               "and the test accuracy at chance (9-10%). The loss never overflows: the large steps push the "
               "biases so far down that the ReLUs are negative on every image (from epoch 3 on not one "
               "activation of the 797 test images is positive), all feature maps are black and the gradient of "
               "every kernel and bias is exactly 0 (dead ReLUs); only the output bias c still moves. Lower η does "
               "not revive them: press Reset.",
               {"section": "cnn", "optimizer": "momentum", "lr": 0.5}, name="step-too-large"),
]

# The set-up is shared, not copied per rerun: the live run's generator and the accuracy metric then hold the same
# model, whose memo of the last full evaluation gives the training accuracy for free (the model is otherwise
# read-only; the memo is one tuple, checked against theta before use).
shared = st.cache_resource(max_entries=8, show_spinner=False)


def _finite(x: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(x)))


COMPARE = [STRUCTURE[4], *TUNE]  # optimizer, η, batch size
COMPARE_TARGET = 0.2  # training loss: momentum (η = 0.02) needs 11 epochs, Adam (η = 0.01) 8, about 35 ms each


def cnn_compare(lesson: Lesson, d, optimizer: str) -> list | None:
    """The compare panel: A = the page's optimizer, B = Adam at η = 0.01 (momentum at η = 0.02 when the page has
    Adam), from the same start d.theta0 and batch order (the page's seed), until the training loss is at most 0.2."""
    from app.compare import Setup

    def make(q: dict) -> Setup:
        name, options = SOLVER_OF[q["optimizer"]]
        return Setup(Solver(name, d.model, d.theta0, **options))

    other = {"optimizer": "adam", "lr": 0.01} if optimizer != "adam" else {"optimizer": "momentum", "lr": 0.02}
    return lesson.compare("optimizers", make, COMPARE, other, max_iter=MAX_EPOCHS, target=COMPARE_TARGET,
                          value_label="final loss", y_title="training loss",
                          note="One iteration is one epoch over the 1000 training images (2 passes); at most "
                               f"{MAX_EPOCHS} epochs, as the live run.")

def cnn_section(lesson: Lesson):
    """The section: controls, the live run with its pictures, the Taylor test; returns ``(run, solvers)``."""
    st.subheader("A small CNN trained on the 8 x 8 digits")
    st.caption("Slides 05-NumDNN-ConvNets.tex: Convolutional Neural Networks (LeCun et al. 1990), The Width of a "
               "CNN, Other Operators for Imaging Tasks (pooling).")
    st.markdown(r"Each image $Y$ (8 x 8, one channel) goes through two convolution blocks and a linear classifier: "
                r"$Z_1 = \sigma(K_1 * Y + b_1)$, $P_1 = \mathrm{pool}(Z_1)$ (4 x 4), "
                r"$Z_2 = \sigma(K_2 * P_1 + b_2)$, $P_2 = \mathrm{pool}(Z_2)$ (2 x 2), and softmax on "
                r"$\mathrm{vec}(P_2)^\top W + c$; $\sigma$ = ReLU, $*$ a multi-channel convolution that keeps the "
                r"size (zero padding). Every output channel of conv 2 sums one kernel per input channel, the block "
                r"matrix of the slide *The Width of a CNN*. The gradient is the reverse loop: pooling and ReLU pass "
                r"the gradient back where they let the signal through, a convolution's transpose is the convolution "
                r"with the flipped kernel. 1000 images train, the other 797 test.")
    p = lesson.controls(STRUCTURE, columns=6)
    t = lesson.controls(TUNE + [VIEW], columns=3)
    d = shared(cnn.digits_cnn)(p["c1"], p["c2"], p["kernel"], pool=p["pool"], n_train=N_TRAIN, seed=p["seed"])
    M = d.model
    label = OPTIMIZERS[p["optimizer"]]
    name, options = SOLVER_OF[p["optimizer"]]
    solvers = {label: Solver(name, M, d.theta0, **options)}
    digit = int(t["digit"])
    x_digit, y_digit = d.X_test[digit], int(d.y_test[digit])

    def draw(run) -> None:
        s = run.series[label]
        h, theta = s.history, s.last.x
        show(training_figure(h["iteration"], h["loss"], h["train_acc"], h["test_acc"],
                             title=f"{label}: training loss and accuracy"), "cnn.fig.train")
        c1, c2 = st.columns([2, 3])
        if _finite(theta):
            fm = M.forward(theta, x_digit)
            pred = int(np.argmax(fm.logits[0]))
            show(kernels_figure(M.split(theta)["K1"], title=f"Kernels of conv 1, epoch {s.iteration}"),
                 "cnn.fig.kernels", c1)
            show(feature_maps_figure(fm.images[0, 0], fm.z1[0], fm.z2[0], label=f"true {y_digit}, predicted {pred}"),
                 "cnn.fig.maps", c2)
            if not run.running:
                show(confusion_figure(d.y_test, M.predict(theta, d.X_test), 10,
                                      title=f"Test confusion counts at epoch {s.iteration} (accuracy "
                                      f"{100 * h['test_acc'][-1]:.1f}%)", height=380), "cnn.fig.confusion")
        else:
            c1.warning("The weights are no longer finite: lower η and press Reset.")
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms (one epoch = {-(-N_TRAIN // t['batch_size'])} "
                   "updates, then the loss on all training images and both accuracies)."
                   + ("" if run.running else " The confusion counts are drawn while the run is paused."))

    run = lesson.live("run", solvers, draw, max_iter=MAX_EPOCHS, default_speed=1, max_points=150,
                      metrics=lambda n, s: dict(zip(("train_acc", "test_acc"), d.accuracies(s.x))),
                      diverged_hint=lambda r: f"η = {lesson.params['lr']:g} is too large: the loss overflowed. "
                      "Lower η; the run restarts.")
    cnn_compare(lesson, d, p["optimizer"])
    s = run.series[label]
    dense = 64 * 64 * p["c1"]
    st.caption(f"{M.n_params} weights: K₁ {p['c1']}×1×{p['kernel']}×{p['kernel']}, K₂ {p['c2']}×{p['c1']}×"
               f"{p['kernel']}×{p['kernel']}, biases, W {M.shapes['W'][0]}×10, c. A dense layer from the 64 pixels "
               f"to the {p['c1']}×64 outputs of conv 1 alone would need {dense:,} weights; conv 1 has "
               f"{p['c1'] * p['kernel'] ** 2}. Start: He-scaled kernels, biases 0.1 (with zero biases the blank "
               "background would sit exactly on the kink of the ReLU).")
    numbers = {"weights": M.n_params, "epochs": s.iteration}
    if _finite(s.last.x) and np.isfinite(s.last.loss):
        train, test = d.accuracies(s.last.x)
        numbers.update({"training loss": s.last.loss, "training accuracy": train, "test accuracy": test})
        st.markdown("**Check: Taylor test of the loss in all weights** at the current weights (16 training images, a "
                    "short random direction): E₀ = O(h), E₁ = O(h²) if the reverse loop is right.")
        taylor = cnn.taylor_check(M, s.last.x)
        lesson.check(taylor, what="gradient (reverse loop)")
        if np.isfinite(taylor.order):
            numbers["Taylor E1 order"] = taylor.order
    lesson.numbers(numbers)
    self_check("After a step that is too large the loss sits at about 2.30 and every feature map is black. Why does "
               "lowering η not help?", ["The optimizer has diverged to infinity", "Every ReLU is negative on every "
               "image, so the gradient of every kernel and bias is exactly 0", "The learning rate schedule has "
               "decayed to 0"], 1, "With all pre-activations below 0 the network outputs the constant c: the loss "
               "is the cross-entropy of a constant guess (log 10 ≈ 2.30 for ten balanced classes), and no gradient "
               "reaches the kernels or biases. Only a fresh start (Reset) revives the units.", key="cnn.quiz")
    return run, solvers
