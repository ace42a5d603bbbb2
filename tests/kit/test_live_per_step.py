"""The live-run kit's per-series pace (``per_step``) and ``Solver.kwargs`` (the keywords a series is started with).

Oracle: the same generators run alone with ``itertools.islice`` (a plain loop), and the signature of the method.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.live import Solver, advance, new_run, solver_starter, step_once
from numdl_core.optim import FunctionObjective, gradient_descent, sgd
from numdl_core.single_layer import SingleLayer


def _quadratic():
    return FunctionObjective(lambda x: (0.5 * float(x @ x), x.copy()), 2)


def test_per_step_advances_one_series_several_iterations_per_turn():
    solvers = {"fast": Solver(gradient_descent, _quadratic(), np.array([4.0, 2.0]), step=0.1),
               "slow": Solver(gradient_descent, _quadratic(), np.array([4.0, 2.0]), step=0.1)}
    run = new_run(solver_starter(solvers, {}), {}, {}, solvers=solvers)
    advance(run, 3, budget_ms=None, per_step={"fast": 4})
    step_once(run, per_step={"fast": 4})
    fast, slow = run.series["fast"], run.series["slow"]
    assert (fast.iteration, slow.iteration) == (16, 4)
    assert fast.history["iteration"] == list(range(17))  # every iteration recorded, not every 4th
    plain = list(itertools.islice(gradient_descent(_quadratic(), np.array([4.0, 2.0]), step=0.1), 17))
    np.testing.assert_array_equal(fast.last.x, plain[-1].x)  # x_k = 0.9^k x_0
    assert fast.last.x == pytest.approx(0.9**16 * np.array([4.0, 2.0]), rel=1e-13)


def test_kwargs_are_the_page_parameters_the_method_takes_then_the_fixed_options():
    X = np.random.default_rng(0).standard_normal((20, 2))
    M = SingleLayer(X, np.arange(20) % 2, 3)
    s = Solver("sgd", M, M.init_theta(0), momentum=0.9)
    params = {"lr": 0.05, "batch_size": 8, "momentum": 0.0, "seed": 3, "width": 3, "data": "peaks"}
    kw = s.kwargs(params)
    assert kw == {"lr": 0.05, "batch_size": 8, "seed": 3, "momentum": 0.9}  # fixed momentum wins; width, data unknown
    replay = list(itertools.islice(sgd(M, M.init_theta(0), **kw), 4))
    started = list(itertools.islice(s.start(params), 4))
    np.testing.assert_array_equal(replay[-1].x, started[-1].x)
