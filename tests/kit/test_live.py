"""Unit tests of the live-run kit (app/live.py) without a browser: runs, thinning, divergence, tunables.

Oracle: a plain loop of heavy-ball gradient descent on a 1-D quadratic, written out in the test.
"""
from __future__ import annotations

import numpy as np
import pytest

from app.live import Solver, advance, freeze, new_run, solver_starter, sync_params
from numdl_core.optim import Step


def heavy_ball(c: float, x0: float = 1.0, *, step: float = 0.1, momentum: float = 0.5, maxiter: int = 10**6):
    """Heavy ball on f(x) = c x^2 / 2; ``step`` may be sent mid-run (the velocity is kept)."""
    x, v = float(np.ravel(x0)[0]), 0.0
    sent = yield Step(0, np.array([x]), 0.5 * c * x * x, abs(c * x), {"work": 0.0})
    for k in range(1, maxiter + 1):
        if sent:
            step = float(sent.get("step", step))
        v = momentum * v - step * c * x
        x = x + v
        f = 0.5 * c * x * x
        info = {"work": 2.0 * k}
        if not np.isfinite(f) or abs(f) > 1e12:
            info.update(diverged=True, reason="loss blew up")
            yield Step(k, np.array([x]), f, abs(c * x), info)
            return
        sent = yield Step(k, np.array([x]), f, abs(c * x), info)


heavy_ball.tunables = ("step",)


def reference(c, steps, momentum=0.5, x=1.0):
    """The plain loop: iterates for a sequence of step sizes, one per iteration."""
    v, xs = 0.0, [x]
    for t in steps:
        v = momentum * v - t * c * x
        x = x + v
        xs.append(x)
    return np.array(xs)


def _run(params, solvers):
    return new_run(solver_starter(solvers, params), {"c": 1.0}, {"step": params["step"]}, solvers=solvers)


def test_run_records_iterations_and_matches_the_loop():
    solvers = {"hb": Solver(heavy_ball, 1.0)}
    run = _run({"step": 0.1}, solvers)
    advance(run, 10, budget_ms=None)
    s = run.series["hb"]
    assert s.iteration == 10 and s.history["iteration"] == list(range(11))
    assert s.last.x[0] == pytest.approx(reference(1.0, [0.1] * 10)[-1], rel=1e-14)


def test_tunable_is_sent_and_momentum_survives():
    solvers = {"hb": Solver(heavy_ball, 1.0)}
    params = {"step": 0.1}
    run = _run(params, solvers)
    advance(run, 5, budget_ms=None)
    params2 = {"step": 0.3}
    run2 = sync_params(run, solver_starter(solvers, params2), {"c": 1.0}, params2, solvers=solvers)
    assert run2 is run and run.events and "step 0.1 → 0.3" in run.events[0][1]
    advance(run, 5, budget_ms=None)
    # the look-ahead iteration 6 was computed with the old step; from iteration 7 on the new one, same velocity
    expected = reference(1.0, [0.1] * 6 + [0.3] * 4)
    assert run.series["hb"].iteration == 10
    assert run.series["hb"].last.x[0] == pytest.approx(expected[-1], rel=1e-14)
    assert run.series["hb"].offset == 0  # no restart


def test_method_without_send_restarts_from_its_iterate():
    def plain(c, x0=1.0, *, step=0.1):
        yield from heavy_ball(c, x0, step=step, momentum=0.0)

    solvers = {"gd": Solver(plain, 1.0)}
    run = _run({"step": 0.1}, solvers)
    advance(run, 4, budget_ms=None)
    x4 = run.series["gd"].last.x[0]
    sync_params(run, solver_starter(solvers, {"step": 0.2}), {"c": 1.0}, {"step": 0.2}, solvers=solvers)
    advance(run, 1, budget_ms=None)
    s = run.series["gd"]
    assert s.offset == 4 and s.iteration == 5
    assert s.last.x[0] == pytest.approx(x4 * (1 - 0.2), rel=1e-14)


def test_structure_change_starts_a_fresh_run():
    solvers = {"hb": Solver(heavy_ball, 1.0)}
    run = _run({"step": 0.1}, solvers)
    advance(run, 3, budget_ms=None)
    fresh = sync_params(run, solver_starter(solvers, {"step": 0.1}), {"c": 2.0}, {"step": 0.1}, solvers=solvers)
    assert fresh is not run and fresh.iteration == 0


def test_divergence_ends_the_series_with_its_reason_and_keeps_the_curve():
    solvers = {"hb": Solver(heavy_ball, 1.0)}
    run = _run({"step": 5.0}, solvers)
    advance(run, 100, budget_ms=None)
    s = run.series["hb"]
    assert s.status == "diverged" and s.message.startswith(f"diverged at iteration {s.iteration}")
    assert "loss blew up" in s.message
    assert len(s.history["loss"]) == s.iteration + 1 and not run.running


def test_history_is_thinned_to_its_bound():
    solvers = {"hb": Solver(heavy_ball, 1.0)}
    run = new_run(solver_starter(solvers, {"step": 0.01}), {}, {}, solvers=solvers, max_points=64)
    advance(run, 1000, budget_ms=None, max_points=64)
    s = run.series["hb"]
    assert len(s.history["iteration"]) <= 64 and s.stride > 1
    assert s.history["iteration"] == sorted(s.history["iteration"])


def test_registry_name_and_keywords_from_the_parameter_dict():
    from numdl_core import lstsq

    A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    b = np.array([1.0, 2.0, 3.0])
    sv = Solver(lstsq.cgls, A, b)
    gen = sv.start({"alpha": 0.5, "unrelated": 1})
    steps = list(gen)
    assert np.allclose(steps[-1].x, lstsq.solve(A, b, "svd", alpha=0.5), atol=1e-10)
    with pytest.raises(ValueError, match="unknown solver"):
        Solver("no-such-solver").function


def test_freeze_compares_values_exactly():
    assert freeze({"a": np.float64(0.1), "b": 1}) == freeze({"b": 1, "a": 0.1})
    assert freeze({"a": 0.1}) != freeze({"a": 0.1 + 1e-17 + 1e-16})
    assert freeze({"x": np.arange(3.0)}) == freeze({"x": np.arange(3.0)})


def test_a_playing_frame_computes_for_at_most_half_its_interval(monkeypatch):
    """The rest of the interval draws the frame: a frame computing longer was cut off by the next tick."""
    from app.live import _compute_budget

    monkeypatch.setenv("NUMDL_FRAME_BUDGET_MS", "250")
    assert _compute_budget(0.05) == 25.0  # alone: 20 frames/s, 25 ms of iterations
    assert _compute_budget(2.0) == 250.0  # a loaded server's long interval: the page's own cap
    assert _compute_budget(0.0) == 250.0
    monkeypatch.setenv("NUMDL_FRAME_BUDGET_MS", "0")  # the tests: exactly `speed` iterations
    assert _compute_budget(0.05) is None
