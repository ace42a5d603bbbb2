"""Export scripts of the vulnerability page (pages/adversarial.py), one per section.

Each trains the page's classifiers with ``numdl_core.theory.adversarial.train_classifier`` (the options are in
``params["train"]``, the digits split in ``params["split"]``), redoes the section's attack from the page's ``params``
and prints, with ``report``, the numbers the page records; the live targeted attack is replayed for
``params["iterations"]``. "stable" trains only with ``params["trained"]`` (else: the growth at the initial weights).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

_DATA = """
import numpy as np
from numdl_core.classify import softmax
from numdl_core.theory import adversarial as adv
data = adv.digits_split(params["split"]["n_train"], params["split"]["n_test"], seed=params["seed"])
"""

SCRIPTS = {"fgsm-pgd": _DATA + """
i = int(np.argmin(np.abs(np.asarray(adv.EPS_GRID) - params["eps"])))  # the radius the numbers quote
numbers = {}
for kind, options in params["train"].items():  # softmax regression, the MLP, the ResNet
    tm = adv.train_classifier(kind, data, seed=params["seed"], **options)
    c = adv.attack_curve(tm.model, tm.theta, data.X_test, data.y_test, adv.EPS_GRID, n_iter=params["n_iter"],
                         seed=params["seed"])
    print(kind, "eps", c.eps, "\\n  FGSM", c.fgsm, "\\n  PGD ", c.pgd, "\\n  rand", c.random)
    numbers.update({f"{kind} clean accuracy": c.fgsm[0], f"{kind} random-sign accuracy": c.random[i],
                    f"{kind} FGSM accuracy": c.fgsm[i], f"{kind} PGD accuracy": c.pgd[i]})
report(numbers)
""", "fooled": _DATA + """
tm = adv.train_classifier(params["kind"], data, seed=params["seed"], **params["train"])
x, y = data.X_test[params["index"]][None], data.y_test[params["index"]:params["index"] + 1]
if params["attack"] == "fgsm":
    xa = adv.fgsm(tm.model, tm.theta, x, y, params["eps"])
elif params["attack"] == "pgd":
    xa = adv.pgd(tm.model, tm.theta, x, y, params["eps"], n_iter=10)
else:
    xa = adv.random_sign(x, params["eps"], seed=params["seed"])
pc, pa = (softmax(tm.model.logits(tm.theta, z))[0] for z in (x, xa))
true, delta = int(y[0]), xa - x
from numdl_core.checks import derivative_check  # the Taylor test of the input gradient at this digit
check = derivative_check(lambda z: adv.input_gradient(tm.model, tm.theta, z[None], y), x[0], seed=params["seed"], n=12)
print("Taylor test: E1 =", check.err1, "order", check.order, "passed", check.passed)
e_star = adv.smallest_fooling_eps(tm.model, tm.theta, x[0], true, attack=params["attack"], seed=params["seed"])
report({"perturbation size ‖δ‖∞": np.abs(delta).max(), "pixels changed": np.sum(np.abs(delta) > 0),
        "input-gradient Taylor order": check.order,
        "true-class probability, clean": pc[true], "true-class probability, attacked": pa[true],
        "predicted class, clean": np.argmax(pc), "predicted class, attacked": np.argmax(pa),
        **({} if np.isnan(e_star) else {"smallest fooling ε": e_star})})  # nan: no radius up to 0.5 fools it
""", "targeted": _DATA + """
tm = adv.train_classifier(params["kind"], data, seed=params["seed"], **params["train"])
x = data.X_test[params["index"]]
true, target = int(data.y_test[params["index"]]), params["target"]
k = params["iterations"]["attack"]  # the page's iterations
steps = list(adv.targeted_attack(tm.model, tm.theta, x, target, eps=params["eps"], step=params["step"], maxiter=k))
last = steps[-1]
p = last.info["probabilities"]
print("p(target) along the run:", np.round([s.info["p_target"] for s in steps], 4))
report({"target probability": p[target], "true-class probability": p[true], "predicted class": np.argmax(p),
        "perturbation size ‖δ‖∞": last.info["linf"]})
""", "stable": _DATA + """
i = int(np.argmin(np.abs(np.asarray(adv.EPS_GRID) - params["eps"])))
Delta = adv.random_sign(data.X_test, 0.05, seed=params["seed"]) - data.X_test  # for the growth through the layers
numbers = {}
if not params["trained"]:  # the page's default: the three architectures at their initial weights
    from numdl_core.resnet_classifier import ResNetClassifier
    for arch in ("standard", "antisymmetric", "parabolic"):
        model = ResNetClassifier(data.X, data.y, 10, width=params["train"]["width"], depth=params["depth"],
                                 T=params["T"], architecture=arch, gamma=params["train"]["gamma"])
        g = adv.perturbation_growth(model, model.init_theta(params["seed"]), data.X_test, Delta)
        numbers[f"{arch} perturbation growth at initialization"] = g[-1]
for arch in ("standard", "antisymmetric", "parabolic") if params["trained"] else ():  # the same N and T = N h
    tm = adv.train_classifier("resnet", data, depth=params["depth"], T=params["T"], architecture=arch,
                              seed=params["seed"], **params["train"])
    c = adv.attack_curve(tm.model, tm.theta, data.X_test, data.y_test, adv.EPS_GRID, seed=params["seed"])
    g = adv.perturbation_growth(tm.model, tm.theta, data.X_test, Delta)
    numbers.update({f"{arch} clean accuracy": tm.test_accuracy, f"{arch} FGSM accuracy": c.fgsm[i],
                    f"{arch} PGD accuracy": c.pgd[i], f"{arch} perturbation growth": g[-1]})
report(numbers)
"""}
