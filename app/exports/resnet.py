"""Export scripts of the residual-networks page (pages/residual_networks.py), sections trajectories, integrators and
reversible. Each calls the same ``numdl_core.resnet_studies`` function as the page with the page's ``params`` and
prints, with ``report``, the numbers the page records (``Lesson.numbers``).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"trajectories": """
from numdl_core.resnet_studies import rotation_example
# the course's EResNet_Forward.m: K = [[a, -0.2], [0.2, a]] (columns), points +-(1, 1), rows as examples
ex = rotation_example(params["a"], params["h"], params["n_layers"], scheme=params["scheme"],
                      activation=params["activation"])
print("h * eigenvalues:", ex.z)
report(ex.numbers)
""", "integrators": """
from numdl_core.resnet_studies import antisymmetric_study, convergence_study, integrator_checks
conv = convergence_study(architecture=params["architecture"], activation=params["activation"])
for scheme, errors in conv.errors.items():  # relative error at T = 1 against solve_ivp, per L
    print(scheme, dict(zip(conv.Ls.tolist(), errors.round(14).tolist())))
checks = integrator_checks(architecture=params["architecture"], activation=params["activation"])
anti = antisymmetric_study(params["h"], gamma=params["gamma"], activation=params["anti_activation"])
numbers = dict(conv.numbers)
numbers.update({f"{c.scheme} E1 order": c.taylor.order for c in checks})
numbers.update({f"{c.scheme} adjoint gap": c.adjoint.rel_error for c in checks})
numbers.update(anti.numbers)
report(numbers)
""", "reversible": """
from numdl_core.resnet_studies import reversibility_study
s = reversibility_study(params["n_layers"], params["h"], width=params["width"], activation=params["activation"],
                        seed=params["seed"])
print("memory (bytes) for N =", s.Ns.tolist(), "stored:", s.stored_bytes.tolist(), "reversible:",
      s.reversible_bytes.tolist())
report(s.numbers)
"""}
