"""Checking derivatives: the Taylor test and the adjoint test."""
from __future__ import annotations

import streamlit as st

from app.lesson import Experiment, Lesson, Param
from app.lessons.derivatives_exercises import EXERCISES
from app.panels import self_check
from app.params import SEED
from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.derivatives import FUNCTIONS, OPERATORS, make_function, make_operator, with_bug

FUNCTION_LABELS = {"quadratic": "quadratic ½xᵀAx − bᵀx", "rosenbrock": "Rosenbrock",
                   "logsumexp": "softmax loss (log-sum-exp)",
                   "tanh_layer": "tanh layer as a function of its input x: ½‖tanh(Kx+b) − y‖²"}
GRADIENT_LABELS = {"none": "correct", "scaled": "off by 1%", "sign": "last entry's sign flipped",
                   "missing_term": "a term forgotten (half of g₁)"}
HESSIAN_LABELS = {"none": "correct", "scaled": "off by 10%", "missing_term": "diagonal only", "skip": "not tested"}
OPERATOR_LABELS = {"convolution": "1-D convolution (FFT)", "difference": "finite differences",
                   "tanh_jacobian": "Jacobian of a tanh layer"}

PARAMS = [
    Param("function", "Function f", "choice", "tanh_layer", options=FUNCTIONS, labels=FUNCTION_LABELS),
    Param("gradient", "Gradient", "choice", "none", options=tuple(GRADIENT_LABELS), labels=GRADIENT_LABELS,
          help="Pick a deliberately wrong gradient to see the Taylor test catch it."),
    Param("hessian", "Hessian-vector product", "choice", "none", options=tuple(HESSIAN_LABELS), labels=HESSIAN_LABELS),
    Param("n", "Number of variables n", "int", 10, lo=2, hi=50),
    Param("n_h", "Number of step sizes h = 2⁻ᵏ", "int", 20, lo=5, hi=30,
          help="Smaller h shows the asymptotic order until E1 ≈ C·h² reaches round-off (eps·|f|, near h ≈ 1e-7)."),
    SEED.but(label="Seed (data and direction v)"),
]
ADJOINT_PARAMS = [
    Param("operator", "Operator J", "choice", "convolution", options=OPERATORS, labels=OPERATOR_LABELS),
    Param("wrong_transpose", "Use a wrong transpose", "bool", False,
          help="Convolution: kernel not flipped; differences: backward instead of transposed; tanh: σ' forgotten."),
]

EXPERIMENTS = [
    Experiment("A 1% error", "Is a gradient that is only 1% off caught? At which h does E1 stop falling like h²?",
               "Yes. For large h the h² term hides the error, but as h shrinks E1 bends to slope 1: the observed "
               "order drops to 1. A test with too few step sizes could miss it: try 8 step sizes.",
               {"gradient": "scaled", "n_h": 25}, name="one-percent-off"),
    Experiment("Round-off", "With the correct gradient and 30 step sizes, what happens to E1 for very small h?",
               "E1 falls like h² until the remainder C·h² reaches the round-off in evaluating f, about eps·|f| "
               "(≈ 4e-16 for the default tanh layer, near h ≈ 1e-7). For smaller h it does not grow: it stays on a "
               "noisy plateau near eps·|f|, because the rounding errors of f(x+hv) and f(x) do not shrink with h and "
               "E1 is not divided by h (the eps/h growth belongs to the quotient (f(x+hv) − f(x))/h). The order is "
               "read where the curve is straight.",
               {"gradient": "none", "n_h": 30}, name="round-off"),
    Experiment("A wrong Hessian", "Keep the gradient correct but use only the diagonal of the Hessian. Which curve shows it?",
               "E1 is still O(h²) (the gradient is right) but E2 also decays like h² instead of h³.",
               {"gradient": "none", "hessian": "missing_term", "function": "rosenbrock"}, name="wrong-hessian"),
    Experiment("A wrong transpose", "Back to correct derivatives; use the convolution with a kernel that is not flipped "
               "in its transpose. What does the adjoint test say?", "⟨w, Jv⟩ and ⟨Jᵀw, v⟩ differ in the first digit "
               "(relative gap about 0.5), far above round-off: the test catches it without forming a matrix. Flip the "
               "kernel (switch the wrong transpose off) and the gap falls to about 1e-16.",
               {"function": "tanh_layer", "hessian": "none", "operator": "convolution", "wrong_transpose": True},
               name="wrong-transpose"),
    Experiment("All correct", "The tanh layer with its correct gradient and Hessian, 20 step sizes. How do E0, E1 and "
               "E2 fall as h is halved? And the adjoint test of the convolution?",
               "Straight lines on the log-log plot with slopes 1, 2 and 3: halving h divides E0 by 2, E1 by 4 and E2 "
               "by 8, until E2 reaches round-off. The adjoint test agrees to about 1e-16.",
               {"function": "tanh_layer", "gradient": "none", "hessian": "none", "n_h": 20,
                "wrong_transpose": False}, name="all-correct"),
]
TOUR = ("all-correct", "one-percent-off", "round-off", "wrong-hessian", "wrong-transpose")
SCRIPT = """
from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.derivatives import make_function, make_operator, with_bug

hessian = "none" if params["hessian"] == "skip" else params["hessian"]
fun = with_bug(make_function(params["function"], params["n"], params["seed"]), params["gradient"], hessian)
res = derivative_check(fun.value_and_grad, fun.x0, hess_vec=None if params["hessian"] == "skip" else fun.hess_vec,
                       seed=params["seed"], n=params["n_h"])
op = make_operator(params["operator"], 64, wrong=params["wrong_transpose"], seed=params["seed"])
adj = adjoint_check(op.J, op.JT, op.shape_in, seed=params["seed"])
numbers = {"E0 order": res.order0, "E1 order": res.order, "Taylor test passed": res.passed,
           "adjoint relative gap": adj.rel_error}
if res.err2 is not None:
    numbers["E2 order"] = res.order2
report(numbers)
"""

lesson = Lesson("derivatives", "Checking derivatives", presets=EXPERIMENTS,
                slides="03-NumDNN-LinearClassification.tex (Testing your Derivatives) and "
                       "04-NumDNN-SingleLayer.tex (adjoint test)", exercises=EXERCISES, tour=TOUR)
st.markdown("*Your derivatives are assumed to be wrong unless you prove otherwise.*")
lesson.theory(
    "Expand f along a random direction v. If g is the gradient, the first-order Taylor remainder E1 shrinks "
    "**quadratically** in h; if g is wrong it shrinks only **linearly**, like E0. Halving h divides a correct "
    "E1 by 4 and E2 by 8. In floating point E1 cannot fall below the round-off of f, about eps·|f|: for tiny h it "
    "levels off there (it does not grow like eps/h, since it is not divided by h). The adjoint (dot-product) "
    "test checks a transpose the same way, without forming a matrix.",
    [
        r"E_0(h) = |f(x+hv) - f(x)| = \mathcal O(h)",
        r"E_1(h) = |f(x+hv) - f(x) - h\,\nabla f(x)^\top v| = \mathcal O(h^2)",
        r"E_2(h) = \big|f(x+hv) - f(x) - h\,\nabla f(x)^\top v - \tfrac{h^2}{2} v^\top \nabla^2 f(x)\, v\big| = \mathcal O(h^3)",
        r"\langle w, J v\rangle = \langle J^\top w, v\rangle \quad (\text{to } \sim 10^{-15} \text{ relative})",
    ],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 0; Haber (2014), Computational Methods in "
    "Geophysical Electromagnetics, Sec. 2.4.",
)

st.header("The Taylor test")
p = lesson.controls(PARAMS, columns=3)
fun = with_bug(make_function(p["function"], p["n"], p["seed"]), p["gradient"],
               "none" if p["hessian"] == "skip" else p["hessian"])
st.latex(fun.formula)
res = derivative_check(fun.value_and_grad, fun.x0, hess_vec=None if p["hessian"] == "skip" else fun.hess_vec,
                       seed=p["seed"], n=p["n_h"])
lesson.check(res, key="derivatives.taylor", what="gradient" if p["hessian"] == "skip" else "gradient and Hessian")
if fun.bug:
    st.caption(f"Planted mistake: {fun.bug}.")

st.header("The adjoint test")
a = lesson.controls(ADJOINT_PARAMS, columns=2)
op = make_operator(a["operator"], 64, wrong=a["wrong_transpose"], seed=p["seed"])
adj = adjoint_check(op.J, op.JT, op.shape_in, seed=p["seed"])
st.caption(f"J: {op.description}; v and w random (seed {p['seed']}).")
lesson.check(adj, key="derivatives.adjoint")
numbers = {"E0 order": res.order0, "E1 order": res.order, "Taylor test passed": res.passed,
           "adjoint relative gap": adj.rel_error}
if res.err2 is not None:
    numbers["E2 order"] = res.order2
lesson.numbers(numbers)

lesson.try_this()
self_check("A correct gradient: halving h divides E1 by about…", ["2", "4", "8"], 1,
           "E1 = O(h²): halving h divides it by 4 (E0 by 2, E2 by 8).", key="derivatives.quiz")
lesson.export(SCRIPT)
lesson.finish()
