"""Try-this experiments of the linear least-squares page (pages/least_squares.py).

Each :class:`~app.lesson.Experiment` sets the section and its parameters; the observe texts state what the page's
recorded numbers show (tests/pages/test_least_squares_page.py pins them).
"""
from __future__ import annotations

from app.lesson import Experiment

__all__ = ["EXPERIMENTS"]

EXPERIMENTS = [
    Experiment("Galileo's g", "Fit x = ½ g t² to the four observations. How close is g to 9.81 m/s²?", "g = 2·482.2/98 "
               "= 9.84 m/s²: one unknown, one normal equation, residuals of a few tenths of a metre.",
               {"section": "galileo", "quadratic": False}, name="galileo"),
    Experiment("More parameters, worse g", "Compare with the full quadratic a + bt + ct². Which fits the data better? "
               "Which gives the better g?", "The quadratic fits the four points more closely (residual 0.34 m against "
               "0.46 m) but its g = 2c = 9.55 is further from 9.81 than the law's 9.84: its extra parameters fit the "
               "measurement errors.", {"section": "galileo", "quadratic": True}, name="galileo-quadratic"),
    Experiment("Overfitting", "Raise the degree to 9 (10 coefficients for 10 points). What happens to the training and "
               "the test error?", "The training error drops to round-off (interpolation) while the curve oscillates "
               "wildly between the points: the test error grows. Degree 3-5 generalizes best.",
               {"section": "polyfit", "degree": 9, "method": "svd", "alpha": 0.0}, name="overfitting"),
    Experiment("Regularization tames it", "Keep degree 9 and set α = 1e-4. Does the fit improve?", "Yes: the Tikhonov "
               "term damps the large coefficients; the curve becomes smooth and the test error drops, at the price of a "
               "small training error.", {"section": "polyfit", "degree": 9, "alpha": 1e-4}, name="regularization-tames-it"),
    Experiment("The zig-zag", "With a = 1 and the exact line search, step through SD. What do successive steps look like?",
               "Each step is orthogonal to the previous one: a zig-zag across the valley. CG reaches x* in 2 steps (n = 2 "
               "unknowns).", {"section": "iterative", "a": 1.0, "line_search": "exact", "speed": 1}, name="zig-zag"),
    Experiment("Ill-conditioning", "Switch to a = 1e-2 and press Play. How many iterations does SD need compared to CG?",
               "SD's factor is 0.99997: thousands of iterations to gain a few digits. CG still needs 2.",
               {"section": "iterative", "a": 1e-2, "line_search": "exact", "speed": 50}, name="ill-conditioning"),
    Experiment("CG in floating point", "Switch to a = 1e-5 and press Play. After how many iterations does CG stop?",
               "After 3, not 2: in exact arithmetic CG ends after n = 2 steps, but with κ ≈ 6e10 round-off spoils the "
               "conjugacy of the second direction and a third step removes what is left (the page shows the measured "
               "count).", {"section": "iterative", "a": 1e-5, "line_search": "exact", "speed": 20}, name="cg-round-off"),
    Experiment("The floor at x_true", "At a = 1e-5 press Play and watch ‖xₖ − x_true‖, the error to the parameters that "
               "made the data. Does it reach 0?", "No: CG finds x* in 3 steps, yet ‖xₖ − x_true‖ levels off at "
               "‖x* − x_true‖ = 3.64e3. Noise of norm 0.067 in b is amplified by up to 1/σmin(A) = 1e5. At a = 1 the "
               "floor is 0.062: well-conditioned problems forgive noise, ill-conditioned ones do not.",
               {"section": "iterative", "a": 1e-5, "plot": "x_true", "line_search": "exact", "speed": 20},
               name="x-true-floor"),
    Experiment("Preconditioning", "With a = 1e-2, compare the preconditioners. Does scaling the columns help? What does "
               "the ideal preconditioner R do?", "Column scaling barely changes κ: the columns are nearly parallel, not "
               "badly scaled. With M = R from the QR factorization, A M⁻¹ = Q has orthonormal columns, κ = 1, and "
               "steepest descent converges in one step.",
               {"section": "iterative", "a": 1e-2, "precond": "qr", "line_search": "exact", "speed": 1}, name="preconditioning"),
    Experiment("Too large a step", "Use a fixed step t = 0.1 with a = 1 and press Play.", "1/λmax(AᵀA) ≈ 0.031 < 0.1: the "
               "error grows by |1 − 2tλmax| > 1 per step and the run diverges. Lower t to 0.0178 and press Play again: it "
               "converges.", {"section": "iterative", "a": 1.0, "line_search": "fixed", "step": 0.1, "speed": 5},
               name="step-too-large"),
    Experiment("Naive inversion", "Set α = 1e-8 and k = 128. What does the reconstruction look like?", "Noise amplified "
               "by 1/σᵢ dominates: the Picard plot shows |uᵢᵀb| levelling off at the noise while σᵢ keeps falling.",
               {"section": "deblur", "alpha": 1e-8, "k": 128}, name="naive-inversion"),
    Experiment("The L-curve corner", "Set α near the corner of the L-curve. Is the error close to the best?", "The corner "
               "balances the residual and the solution norm; its error is close to the smallest one.",
               {"section": "deblur", "alpha": 3.16e-4}, name="l-curve-corner"),
    Experiment("Semi-convergence", "Play CGLS with noise 0.01. When is the error smallest?", "After a few tens of "
               "iterations; later iterations fit the noise and the error grows again.",
               {"section": "deblur", "noise": 0.01, "speed": 2}, name="semi-convergence"),
    Experiment("Half the digits", "At cond(A) = 1e6, how many correct digits do the normal equations give? QR?", "About 4 "
               "(16 − 2·6) against about 10 (16 − 6): forming AᵀA squares the condition number.",
               {"section": "conditioning"}, name="half-the-digits"),
    Experiment("Validation or cross-validation?", "Choose the degree. Do the validation set and 5-fold cross-validation "
               "agree? Which choice has the smaller test error?", "Validation (10 points) picks degree 6, 5-fold "
               "cross-validation picks 5 with the smaller test RMS (0.075 against 0.139): one small validation set is a "
               "noisy judge, averaging over folds is steadier. Below, bias² + variance bottoms out at degree 3.",
               {"section": "validation", "choose": "degree"}, name="validation-degree"),
    Experiment("Stopping CGLS early", "On the digits, choose the number of CGLS iterations instead of α. When is the "
               "validation accuracy highest?", "About 82% after 10 iterations; it then drifts down to about 75% at 60 "
               "while the training accuracy stays at 99.5%: stopping early regularizes like α (α = 3.2 gives "
               "82.5%).", {"section": "validation", "digits_by": "iterations"}, name="validation-cgls"),
    Experiment("Too little regularization", "Set α = 1e-4 with 200 training images. Compare training and test accuracy.",
               "Training accuracy near 100%, test much lower, and large, noisy weights: overfitting.",
               {"section": "digits", "alpha": 1e-4, "n_train": 200}, name="too-little-regularization"),
    Experiment("Small weights", "Now α = 100. What happens to the weights?", "They get smaller: ‖W‖_F drops from "
               "about 17 at α = 1e-4 and 2.5 at α = 1 to about 1.0 at α = 100, and the pixel noise in the weight "
               "images fades; both accuracies drop a little if α is too large.",
               {"section": "digits", "alpha": 100.0}, name="small-weights"),
]

# The lecture tour (``?tour=1``): conditioning slows steepest descent, a fixed step beyond 1/λmax diverges,
# preconditioning repairs the conditioning, and on an ill-posed problem the iteration count regularizes.
TOUR = ("zig-zag", "ill-conditioning", "step-too-large", "preconditioning", "semi-convergence")
