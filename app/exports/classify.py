"""Export scripts of the linear-classification page (pages/linear_classification.py), one per section.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records (``Lesson.numbers``); the live run is replayed for ``params["iterations"]``, each
optimizer with the tunables of the page (the keywords of the solver of the same name).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"train": """
import itertools
import numpy as np
from numdl_core.checks import derivative_check
from numdl_core.classify_problems import classification_problem, convergence_rate, iterate_report, reference_optimum
from numdl_core.softmax_checks import overflow_check
from numdl_core.solvers import SOLVERS

keys = ("data", "features", "n", "noise", "n_train", "alpha", "seed")
problem = classification_problem(**{k: params[k] for k in keys})
obj, last = problem.obj, {}
numbers = {"2/L": 2 / obj.lipschitz_bound(), "f*": reference_optimum(obj).loss}
for name, method in (("gradient descent", "gradient_descent"), ("Newton-CG", "newton_cg")):
    steps = SOLVERS[method](obj, np.zeros(obj.n_params), **{k: params[k] for k in SOLVERS[method].tunables})
    history = list(itertools.islice(steps, params["iterations"][name] + 1))  # up to the iterate the page shows
    last[name], rate = history[-1], convergence_rate([s.grad_norm for s in history])  # ‖g_k+1‖/‖g_k‖, last 3 steps
    numbers.update({f"{name}: last ‖∇f‖ ratio": rate.last_ratio, f"{name}: last order": rate.last_order})
    numbers.update({f"{name}: {k}": v for k, v in iterate_report(problem, last[name], numbers["f*"]).items()})
# the checks at the iterate the page checks: gradient descent's, or Newton-CG's if GD diverged or is not shown
name = "Newton-CG" if params["show"] == "ncg" or last["gradient descent"].info.get("diverged") else "gradient descent"
taylor = derivative_check(obj.value_and_grad, last[name].x, hess_vec=obj.hess_vec, seed=params["seed"], n=12)
numbers.update({"E1 order": taylor.order, "E2 order": taylor.order2,
                "loss at max |W| = 1e4": overflow_check(obj, last[name].x).loss})
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "logistic": """
import itertools
import numpy as np
from numdl_core.checks import derivative_check
from numdl_core.classify_problems import reference_optimum
from numdl_core.logistic import large_score_check, logistic_problem
from numdl_core.solvers import SOLVERS

problem = logistic_problem(**{k: params[k] for k in ("data", "features", "n", "noise", "seed", "alpha")})
obj, last = problem.obj, {}
numbers = {"2/L": 2 / obj.lipschitz_bound(), "f*": reference_optimum(obj).loss}
for name, method in (("gradient descent", "gradient_descent"), ("Newton-CG", "newton_cg")):
    tunables = {k: params[k] for k in SOLVERS[method].tunables if k in params}  # the page's GD step
    steps = SOLVERS[method](obj, np.zeros(obj.n_params), **tunables)
    last[name] = list(itertools.islice(steps, params["iterations"][name] + 1))[-1]  # the iterate the page shows
    numbers.update({f"{name}: loss": last[name].loss, f"{name}: grad norm": last[name].grad_norm,
                    f"{name}: training accuracy": obj.accuracy(last[name].x)})
# the checks at the iterate the page checks: the one shown, or Newton-CG's if gradient descent diverged
name = "Newton-CG" if params["show"] == "ncg" or last["gradient descent"].info.get("diverged") else "gradient descent"
taylor = derivative_check(obj.value_and_grad, last[name].x, hess_vec=obj.hess_vec, seed=params["seed"], n=12)
numbers.update({"E1 order": taylor.order, "E2 order": taylor.order2,
                "loss at max |z| = 1e4": large_score_check(obj, last[name].x).loss})
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "sparse": """
import itertools
import numpy as np
from numdl_core.classify_problems import classification_problem, reference_optimum
from numdl_core.solvers import SOLVERS
from numdl_core.sparse import l1_optimality, l1_path, sparsity

problem = classification_problem("digits", n_train=params["n_train"], seed=params["seed"], alpha=0.0)
obj = problem.obj  # f: the softmax cross-entropy without a Tikhonov term
mask = np.arange(obj.n_params) < obj.n_features * obj.n_classes  # the weights W are penalized, not the biases
ista = SOLVERS["proximal_gradient"](obj, np.zeros(obj.n_params), alpha=params["alpha"], step=params["step"],
                                    mask=mask)
last = list(itertools.islice(ista, params["iterations"]["ISTA (L1)"] + 1))[-1]  # the iterate the page shows
x = last.x if np.all(np.isfinite(last.x)) else np.zeros(obj.n_params)
tikhonov = classification_problem("digits", n_train=params["n_train"], seed=params["seed"], alpha=params["tikhonov"])
theta_tk = reference_optimum(tikhonov.obj).theta  # Newton-CG
numbers = {"1/L": 1 / obj.lipschitz_bound(), "ISTA (L1): F": last.loss,
           "ISTA (L1): optimality violation": l1_optimality(x, obj.value_and_grad(x)[1], params["alpha"], mask),
           "ISTA (L1): zero weights": sparsity(x, mask), "ISTA (L1): training accuracy": obj.accuracy(x),
           "ISTA (L1): test accuracy": problem.test_accuracy(x),
           "Tikhonov: test accuracy": tikhonov.test_accuracy(theta_tk),
           "Tikhonov: zero weights": sparsity(tikhonov.obj.unpack(theta_tk)[0])}
# the sweep over alpha: 300 ISTA iterations per alpha, warm-started from the largest
for r in l1_path(obj, (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2), mask=mask, maxiter=300):
    numbers.update({f"α = {r.alpha:g}: zero weights": r.sparsity,
                    f"α = {r.alpha:g}: test accuracy": problem.test_accuracy(r.theta)})
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "losses": """
from numdl_core.loss_convexity import compare_losses

r = compare_losses(params["data"], noise=params["noise"], w_max=params["w_max"], seed=params["seed"])
report({"smallest second difference, squared loss": r.curvature_squared,
        "smallest second difference, cross-entropy": r.curvature_cross_entropy})
""", "coding": """
from numdl_core.classify import coding_example, entropy_asymmetry, entropy_bits, prefix_code

ex = coding_example()  # p = (1/2, 1/4, 1/8, 1/8) and three codes
code = prefix_code(ex.p, [params[f"len_{s}"] for s in "abcd"])
asym = entropy_asymmetry()  # the course's Bob (1/2, 1/4, 1/8, 1/8) and Alice (1/8, 1/2, 1/4, 1/8)
report({**{f"{name} code (bits)": bits for name, bits in ex.bits.items()}, "entropy H(p) (bits)": entropy_bits(ex.p),
        "H(Alice, Bob) (bits)": asym.alice_with_bobs_code, "H(Bob, Alice) (bits)": asym.bob_with_alices_code,
        "Kraft sum": code.kraft_sum, "your average length (bits)": code.average_length})
"""}
