"""Every iterative method of ``numdl_core``, by name.

:data:`SOLVERS` maps a short name to a generator function that follows the iteration protocol of
:mod:`numdl_core.iterate`. Each takes its problem positionally, its options as keywords with the same name
for the same meaning everywhere, and lists in ``fn.tunables`` the keywords it takes mid-run through
``gen.send``:

===================================== =========================== ==================================================
name                                  problem (positional)        tunables
===================================== =========================== ==================================================
``gradient_descent``                  ``obj, theta0``             ``step``, ``line_search``
``newton_cg``                         ``obj, theta0``             ``cg_tol``, ``cg_maxiter``
``sgd``                               ``obj, theta0``             ``lr``, ``momentum``, ``batch_size``, ``decay``
``adam``                              ``obj, theta0``             ``lr``, ``batch_size``, ``decay``
``adagrad``                           ``obj, theta0``             ``lr``, ``batch_size``, ``decay``
``gauss_newton``                      ``obj, theta0``             ``damping``, ``cg_tol``, ``cg_maxiter``
``varpro``                            ``model, theta0``           ``damping``, ``cg_maxiter``, ``cg_tol``, ``step``
``generalized_gn``                    ``model, theta0``           ``damping``, ``cg_tol``, ``cg_maxiter``
``lstsq.steepest_descent``            ``A, b`` (x0 keyword)       ``step``
``lstsq.cgls``                        ``A, b`` (x0 keyword)       (none)
``proximal_gradient``                 ``obj, theta0``             ``step``
``theory.rmsprop``                    ``obj, theta0``             ``lr``, ``batch_size``, ``decay``
``dropout.monte_carlo``               ``X, y, w, p``              (none)
``dropout.sgd``                       ``X, y, p`` (x0 keyword)    ``lr``
``dropout.factorization``             ``Y, r, p``                 ``lr``
``dropout.training``                  ``net, theta0``             ``lr``
``landscapes.noisy_gd``               ``obj, theta0``             ``step``, ``noise``
``landscapes.plain_gd``               ``obj, theta0``             ``step``
``theory.sparse.ista``                ``A, b, lam`` (x0 keyword)  ``step``
``theory.sparse.fista``               ``A, b, lam`` (x0 keyword)  ``step``
``theory.sparse.dictionary_learning`` ``Y, n_atoms, alpha``       ``step``
``implicit_bias.logistic_gd``         ``X, y`` (x0 keyword)       ``step``
``implicit_bias.completion_gd``       ``observed, mask``          ``step``
``implicit_bias.svt``                 ``observed, mask``          (none)
``adversarial.targeted_attack``       ``model, theta, x, target`` ``step``
``dynamics.msa``                      ``Y0, C, K0, b0, h``        ``rho``, ``lr``
``dynamics.gradient_descent``         ``Y0, C, K0, b0, h``        ``step``
``neural_odes.training``              ``data, theta0``            ``lr``
``information.training``              ``net, theta0, X, y``       ``lr``
``ntk.gd``                            ``X, y`` (theta0 keyword)   ``step``
``generative.vae``                    ``X, model, theta0``        ``lr``
``generative.flow``                   ``X, model, theta0``        ``lr``
``generative.gan``                    ``X, model, theta0``        ``lr``, ``d_steps``, ``g_steps``
===================================== =========================== ==================================================

The start point is ``theta0`` (the second positional argument) or the keyword ``x0``; the other methods draw
theirs from ``seed`` (``dropout.factorization``, ``theory.sparse.dictionary_learning``,
``implicit_bias.completion_gd``), start at 0 (``implicit_bias.svt``), or have none (``dropout.monte_carlo``
estimates an expectation; ``adversarial.targeted_attack`` starts at the
image ``x`` it attacks, ``dynamics.*`` at the controls ``K0, b0``).

The ``dropout.*`` and ``implicit_bias.*`` entries are the modules' own ``SOLVERS`` dicts
(:data:`numdl_core.theory.dropout.SOLVERS`, :data:`numdl_core.theory.implicit_bias.SOLVERS`), merged here: one
source of truth for their names.

A program can look a method up and fill its keywords from a dict of parameters by name, e.g. with
:func:`inspect.signature`.

Examples
--------
>>> import inspect
>>> cgls = SOLVERS["lstsq.cgls"]
>>> [p for p in inspect.signature(cgls).parameters][:4], cgls.tunables
(['A', 'b', 'alpha', 'x0'], ())
"""
from __future__ import annotations

from types import MappingProxyType

from numdl_core import lstsq, optim, single_layer, sparse
from numdl_core.theory import adversarial, dropout, dynamics, generative, implicit_bias, information, intro, landscapes
from numdl_core.theory import neural_odes, ntk
from numdl_core.theory import sparse as theory_sparse

__all__ = ["SOLVERS"]

SOLVERS = MappingProxyType({
    "gradient_descent": optim.gradient_descent,
    "newton_cg": optim.newton_cg,
    "sgd": optim.sgd,
    "adam": optim.adam,
    "adagrad": optim.adagrad,
    "gauss_newton": optim.gauss_newton,
    "varpro": single_layer.varpro,
    "generalized_gn": single_layer.generalized_gauss_newton,
    "lstsq.steepest_descent": lstsq.steepest_descent,
    "lstsq.cgls": lstsq.cgls,
    "proximal_gradient": sparse.proximal_gradient,
    "theory.rmsprop": intro.rmsprop,
    **dropout.SOLVERS,
    "landscapes.noisy_gd": landscapes.noisy_gradient_descent,
    "landscapes.plain_gd": landscapes.plain_gradient_descent,
    "theory.sparse.ista": theory_sparse.ista,
    "theory.sparse.fista": theory_sparse.fista,
    "theory.sparse.dictionary_learning": theory_sparse.dictionary_learning,
    **implicit_bias.SOLVERS,
    "adversarial.targeted_attack": adversarial.targeted_attack,
    **dynamics.SOLVERS,
    **neural_odes.SOLVERS,
    **information.SOLVERS,
    "ntk.gd": ntk.ntk_gd,
    **generative.SOLVERS,
})
"""Read-only ``{name: generator function}`` of every iterative method (see the module docstring)."""
