"""Adversarial examples: exercises checked with ``numdl_core.theory.adversarial`` on the page's softmax regression
(seed 0: the same split of the digits and the same training options as the page, so the same classifier).

"fgsm-half" asks for the smallest ε of the page's grid at which FGSM halves the test accuracy (``fgsm``);
"easiest-digit" for the test image (of the first four) that the smallest FGSM perturbation fools
(``smallest_fooling_eps``); "targeted-eps" runs the targeted attack with the student's ε (``targeted_attack``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict
from numdl_core.theory import adversarial as adv

SEED = 0
SPLIT = {"n_train": 1000, "n_test": 300}  # = app.lessons.adversarial.SPLIT (a test checks it)
TRAIN = {"lr": 0.05, "maxiter": 200}  # = app.lessons.adversarial.TRAIN["softmax"]
EPS = tuple(e for e in adv.EPS_GRID if e > 0)  # the page's ε choices
HALF = 0.5  # fgsm-half: accuracy below 50 %
IMAGES = (0, 1, 2, 3)  # easiest-digit
IMAGE, TARGET, STEP, ITERS = 0, 8, 0.01, 100  # targeted-eps: test image 0 (a 1) to an 8, step 0.01, 100 iterations
GRID = 0.01  # targeted-eps: the resolution of ε


@lru_cache(maxsize=1)
def _setup() -> tuple[adv.DigitSplit, adv.TrainedModel]:
    """The page's split of the digits and its softmax regression (trained once; under a second)."""
    data = adv.digits_split(SPLIT["n_train"], SPLIT["n_test"], seed=SEED)
    return data, adv.train_classifier("softmax", data, seed=SEED, **TRAIN)


@lru_cache(maxsize=1)
def fgsm_accuracies() -> dict[float, float]:
    r"""Test accuracy of softmax regression under FGSM at each ε of the page's grid.

    .. math:: x_{\rm FGSM} = \Pi_{[0,1]}\big(x + \varepsilon\,\mathrm{sign}\,\nabla_x \ell(x, y)\big)

    Returns
    -------
    dict
        ε → accuracy on the 300 test digits.

    References
    ----------
    Goodfellow, Shlens and Szegedy (2015), ICLR.
    """
    data, tm = _setup()
    return {e: float(tm.model.accuracy(tm.theta, adv.fgsm(tm.model, tm.theta, data.X_test, data.y_test, e),
                                       data.y_test)) for e in EPS}


def _half_eps() -> float:
    acc = fgsm_accuracies()
    return min((e for e in EPS if acc[e] < HALF), default=EPS[-1])


def check_half(eps: float) -> Verdict:
    """Right for the smallest ε of the grid with FGSM accuracy below 50 %."""
    acc, best = fgsm_accuracies(), _half_eps()
    if eps == best:
        return Verdict("correct", f"FGSM accuracy {acc[best]:.3f} at ε = {best:g}.")
    if acc[eps] >= HALF:
        return Verdict("wrong", f"At ε = {eps:g} FGSM leaves an accuracy of {acc[eps]:.3f}: not yet below 50 %.")
    return Verdict("almost" if EPS.index(eps) == EPS.index(best) + 1 else "wrong",
                   f"At ε = {eps:g} the accuracy is {acc[eps]:.3f}, below 50 %, but a smaller ε of the grid is too.")


def _half_solution() -> str:
    data, tm = _setup()
    acc, best = fgsm_accuracies(), _half_eps()
    prev = EPS[EPS.index(best) - 1]
    pgd = tm.model.accuracy(tm.theta, adv.pgd(tm.model, tm.theta, data.X_test, data.y_test, prev, n_iter=10),
                            data.y_test)
    rnd = tm.model.accuracy(tm.theta, adv.random_sign(data.X_test, best, seed=SEED), data.y_test)
    return (f"Read the FGSM curve of softmax regression: {acc[prev]:.3f} at ε = {prev:g}, {acc[best]:.3f} at "
            f"ε = {best:g}: **{best:g}**. Careful: PGD (10 steps) is stronger ({pgd:.3f} at ε = {prev:g}), so its "
            f"curve crosses 50 % earlier. Random signs of size {best:g} leave {rnd:.3f}: the direction of δ matters, "
            "not its size.")


@lru_cache(maxsize=1)
def fooling_eps() -> dict[int, float]:
    r"""The smallest ε (grid 0, 0.01, …, 0.5) at which FGSM changes the prediction, for the first test images.

    .. math:: \varepsilon^* = \min\{\varepsilon : \arg\max_j o_j(x_{\rm FGSM}(\varepsilon)) \ne y\}

    Returns
    -------
    dict
        Test image index → ε* (nan: not fooled up to 0.5).

    References
    ----------
    Goodfellow et al. (2015); Madry et al. (2018).
    """
    data, tm = _setup()
    return {i: adv.smallest_fooling_eps(tm.model, tm.theta, data.X_test[i], int(data.y_test[i]), attack="fgsm",
                                        seed=SEED) for i in IMAGES}


def check_easiest(i: int) -> Verdict:
    """Right for the image with the smallest fooling ε."""
    eps = fooling_eps()
    best = min(eps, key=lambda j: np.inf if np.isnan(eps[j]) else eps[j])
    if i == best:
        return Verdict("correct", f"Test image {i} is fooled from ε = {eps[i]:g}.")
    return Verdict("wrong", f"Test image {i} needs ε = {eps[i]:g}; another one is fooled by less.")


def _margins() -> dict[int, float]:
    """The clean log-odds margin ln p_y − max_{j≠y} ln p_j of the first test images."""
    data, tm = _setup()
    out = {}
    for i in IMAGES:
        o = tm.model.logits(tm.theta, data.X_test[i][None])[0]
        y = int(data.y_test[i])
        out[i] = float(o[y] - np.max(np.delete(o, y)))
    return out


def _easiest_solution() -> str:
    data, _ = _setup()
    eps, margin = fooling_eps(), _margins()
    best = min(eps, key=lambda j: np.inf if np.isnan(eps[j]) else eps[j])
    digit = {i: f"{'an' if int(data.y_test[i]) == 8 else 'a'} {int(data.y_test[i])}" for i in IMAGES}
    return ("In 'A fooled digit' choose softmax regression and FGSM and read the smallest fooling ε under the figure "
            "for each image: " + ", ".join(f"image {i} ({digit[i]}): {eps[i]:g}" for i in IMAGES) +
            f". Image **{best}** is the easiest. Its clean log-odds margin o_y − max_(j≠y) o_j is " +
            ", ".join(f"{margin[i]:.2f}" for i in IMAGES) + " for images " + ", ".join(map(str, IMAGES)) +
            ": the logits are linear in x, so FGSM shrinks the margin about in proportion to ε, and the smallest "
            "margin goes first.")


def _targeted(eps: float) -> tuple[int, float]:
    """(predicted class, p(target)) after the targeted attack's ITERS iterations with radius ``eps``."""
    data, tm = _setup()
    last = None
    for s in adv.targeted_attack(tm.model, tm.theta, data.X_test[IMAGE], TARGET, eps=eps, step=STEP, maxiter=ITERS):
        last = s
    return int(last.info["predicted"]), float(last.info["p_target"])


@lru_cache(maxsize=1)
def targeted_eps() -> float:
    """The smallest ε on the grid 0.01, 0.02, … at which the targeted attack makes test image 0 read as an 8."""
    for k in range(1, 51):
        if _targeted(k * GRID)[0] == TARGET:
            return round(k * GRID, 10)
    return float("nan")


def check_targeted(eps: float) -> Verdict:
    """Right when the attack with radius ``eps`` succeeds and ``eps`` is within 0.005 of the smallest such ε."""
    if eps < 0:
        return Verdict("wrong", "ε is a radius: it cannot be negative.")
    if eps > 1:
        return Verdict("wrong", "Pixels lie in [0, 1]: ε above 1 allows any image.")
    pred, p_t = _targeted(eps)
    best = targeted_eps()
    if pred != TARGET:
        near = eps >= best - 2 * GRID
        return Verdict("almost" if near else "wrong", f"With ε = {eps:g} the attack ends with p({TARGET}) = {p_t:.3f}: "
                       f"the digit is read as a {pred}." + (" Just a little more." if near else ""))
    if eps <= best + GRID / 2:
        return Verdict("correct", f"With ε = {eps:g} the digit is read as an {TARGET} (p = {p_t:.3f}); at ε = "
                                  f"{best - GRID:g} it is not.")
    return Verdict("almost" if eps <= best + 3 * GRID else "wrong",
                   f"ε = {eps:g} works (p({TARGET}) = {p_t:.3f}), but a smaller radius does too.")


def _targeted_solution() -> str:
    best = targeted_eps()
    below, at = _targeted(best - GRID), _targeted(best)
    return (f"Softmax regression's targeted loss −log p_{TARGET} is convex in x, and the attack converges to its "
            f"minimizer over the ball ∩ box within {ITERS} steps. Raising ε by 0.01 at a time: at ε = {best - GRID:g} "
            f"p({TARGET}) = {below[1]:.3f} (read as a {below[0]}), at ε = **{best:g}** p({TARGET}) = {at[1]:.3f}: read "
            f"as an {TARGET}. Every pixel moves by at most {best:g}, {best / 0.0625:.1f} grey levels of the original "
            "0..16 scale.")


EXERCISES = ExerciseSet("adversarial", (
    Exercise("fgsm-half", "Accuracy against ε, softmax regression (seed 0). What is the smallest ε of the grid at "
             "which **FGSM** brings the test accuracy below 50 %?", check=check_half, solution=_half_solution,
             kind="choice", options=EPS, labels={e: f"{e:g}" for e in EPS}, label="ε",
             tolerance="the smallest ε of the grid", hint="Read the FGSM curve, not the PGD one.",
             section="fgsm-pgd"),
    Exercise("easiest-digit", "A fooled digit, softmax regression, FGSM (seed 0). Which of the test images 0, 1, 2 and "
             "3 is fooled by the smallest ε?", check=check_easiest, solution=_easiest_solution, kind="choice",
             options=IMAGES, labels={i: f"image {i}" for i in IMAGES}, label="test image",
             tolerance="the image with the smallest fooling ε", hint="The caption under the figure gives the "
             "smallest fooling ε of the image shown.", section="fooled"),
    Exercise("targeted-eps", f"Targeted attack on softmax regression: test image {IMAGE} (a 1), target {TARGET}, step "
             f"{STEP:g}, {ITERS} iterations. Find the smallest ε (to {GRID:g}) for which the digit ends up read as an "
             f"{TARGET}.", check=check_targeted, solution=_targeted_solution, label="ε", lo=0.0, hi=1.0,
             tolerance=f"an ε that succeeds and is at most {GRID / 2:g} above the smallest on the {GRID:g} grid "
                       "(the app runs the attack)",
             hint="Choose softmax regression, play, and lower ε until the prediction stays a 1.", section="targeted"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"fgsm-half": (0.15, 0.1), "easiest-digit": (2, 0), "targeted-eps": (0.1, 0.05)}
