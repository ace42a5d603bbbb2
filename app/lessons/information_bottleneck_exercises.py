"""Information bottleneck: exercises checked with ``numdl_core.theory.information`` (the plug-in estimator on a
known channel, the bound that the bins put on I(X;T), and the binned information of the untrained network)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.theory import information as I

EPS = 0.2  # the channel exercise: a flip probability the page does not offer
BOUND_BINS = 5  # the bound exercise: 5 bins per unit, layer T5
LAYERS = ("T1", "T2", "T3", "T4", "T5")


def bsc_information(eps: float = EPS) -> float:
    """I(X;T) of the binary symmetric channel, X ~ Bernoulli(½): the plug-in estimate of ``I.mutual_information``
    on a sample with exactly the channel's joint frequencies (so the estimate is the exact value)."""
    n = 1000
    k = int(round(eps * n / 2))  # each flipped cell has probability ε/2
    x = np.repeat([0, 0, 1, 1], [n // 2 - k, k, k, n // 2 - k])
    t = np.repeat([0, 1, 0, 1], [n // 2 - k, k, k, n // 2 - k])
    return I.mutual_information(x, t)


def _bsc_solution() -> str:
    h2 = -EPS * np.log2(EPS) - (1 - EPS) * np.log2(1 - EPS)
    return (f"I(X;T) = H(T) − H(T | X). T is again a fair bit, so H(T) = 1 bit; given X, T is flipped with "
            f"probability ε, so H(T | X) = H₂(ε) = −ε log₂ ε − (1 − ε) log₂(1 − ε) = {h2:.4f} for ε = {EPS:g}. "
            f"Hence I = 1 − H₂({EPS:g}) = {1 - h2:.4f} bits; the app's plug-in estimator on a sample with exactly "
            f"these frequencies gives {bsc_information():.4f}.")


@lru_cache(maxsize=4)
def _untrained(activation: str, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(I(X;T_l), I(T_l;Y)) of the untrained network (seed 0) on all 4096 inputs, as on the page."""
    X, y = I.twelve_bit_task()
    net = I.IBNet(X, y, activation=activation)
    return I.layer_information(net, net.init(0), X, y, bins)


def bound_t5(bins: int = BOUND_BINS) -> float:
    """The most bits a binned layer T5 can carry about X: min(log₂ 4096, width · log₂ bins)."""
    return min(12.0, I.ARCHITECTURE[5] * np.log2(bins))


def check_bound(answer: float) -> Verdict:
    """Right within 2 % of the bound; the message compares with the untrained tanh network's value."""
    v = close_to(bound_t5, rtol=0.02, hint="Count the cells: how many distinct binned values can the layer "
                                           "take, and how many inputs are there?")(answer)
    if not v.correct:
        return v
    actual = _untrained("tanh", BOUND_BINS)[0][4]
    return Verdict("correct", f"{v.message} The untrained tanh network reaches {actual:.2f} bits of it.")


def _bound_solution() -> str:
    w = I.ARCHITECTURE[5]
    return (f"X is uniform over 4096 distinct inputs and the binned T5 is a function of X, so I(X;T5) = H(T5). T5 has "
            f"{w} units with {BOUND_BINS} bins each: at most {BOUND_BINS}^{w} = {BOUND_BINS ** w} cells, so H(T5) ≤ "
            f"{w} log₂ {BOUND_BINS} = {w * np.log2(BOUND_BINS):.3f} bits (and ≤ log₂ 4096 = 12). The bound is "
            f"{bound_t5():.3f} bits; the untrained tanh network uses {_untrained('tanh', BOUND_BINS)[0][4]:.2f} of "
            "them (most inputs fall into a few cells near 0).")


def dpi_violation() -> str:
    """The hidden layer T_l of the untrained ReLU network (30 bins) with I(X;T_l) < I(X;T_{l+1})."""
    ixt = _untrained("relu", 30)[0]
    bad = [LAYERS[l] for l in range(5) if ixt[l] < ixt[l + 1]]
    return bad[0]


def check_dpi(choice: str) -> Verdict:
    ixt = _untrained("relu", 30)[0]
    l = LAYERS.index(choice)
    a, b = ixt[l], ixt[l + 1]
    if choice == dpi_violation():
        return Verdict("correct", f"I(X;{choice}) = {a:.2f} bits < I(X;T{l + 2}) = {b:.2f} bits.")
    return Verdict("wrong", f"I(X;{choice}) = {a:.2f} bits ≥ I(X;T{l + 2}) = {b:.2f} bits: there the data-processing "
                            "inequality holds. Look at the other layers at epoch 0.")


def _dpi_solution() -> str:
    ixt = _untrained("relu", 30)[0]
    X, y = I.twelve_bit_task()
    net = I.IBNet(X, y, activation="relu")
    q = I.layer_information(net, net.init(0), X, y, 30, quantize=True)[0]
    row = ", ".join(f"T{l + 1}: {v:.2f}" for l, v in enumerate(ixt[:5]))
    return (f"At epoch 0 (seed 0, 30 bins on [0, max] per layer) the app computes I(X;T) = {row} bits: "
            f"{dpi_violation()} carries less than the layer after it. The data-processing inequality "
            "I(X;T_{l+1}) ≤ I(X;T_l) holds when T_{l+1} is a function of T_l, but the binned T_{l+1} is a function "
            "of the unbinned activations, not of the binned T_l: two inputs in the same cell of T_l can land in "
            "different cells of T_{l+1}. With the quantized forward pass (each layer computed from the binned "
            f"previous one) the values are {', '.join(f'{v:.2f}' for v in q[:5])}: non-increasing, as the "
            "inequality demands.")


EXERCISES = ExerciseSet("information-bottleneck", (
    Exercise("bsc", f"The binary symmetric channel of the estimator section with flip probability ε = {EPS:g} (not "
             "in the list): X ~ Bernoulli(½), T = X flipped with probability ε. What is I(X;T) in bits?",
             check=close_to(bsc_information, rtol=0.02, fmt=".4f",
                            hint="I(X;T) = H(T) − H(T | X); what is H(T | X) for a flip with probability ε?"),
             solution=_bsc_solution, label="I(X;T) [bits]", lo=0.0, hi=1.0, tolerance="within 2 %",
             section="estimator"),
    Exercise("bound", f"With {BOUND_BINS} bins per unit, what is the **largest** I(X;T5) (in bits) that the binned "
             f"layer T5 (width {I.ARCHITECTURE[5]}) of the 12-10-7-5-4-3-2 network can carry on the 4096 inputs, "
             "whatever the weights?", check=check_bound, solution=_bound_solution, label="bits", lo=0.0,
             tolerance="within 2 %", hint="I(X;T) = H(T) here; an entropy is at most log₂ of the number of values.",
             section="estimator"),
    Exercise("dpi", "Plane section, ReLU, 30 bins, **epoch 0** (before training, seed 0): which hidden layer T_l "
             "carries *less* binned information about X than the next layer T_{l+1}, against the data-processing "
             "inequality?", check=check_dpi, solution=_dpi_solution, kind="choice", options=LAYERS,
             tolerance="the layer the app computes", hint="Switch to ReLU and read the table of I(X;T) before you "
                                                           "press Play.", section="plane"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"bsc": (0.2781, 0.5310), "bound": (6.966, 12.0), "dpi": ("T4", "T5")}
