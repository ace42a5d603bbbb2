"""Absurd settings stop with an explanation (issue 13, "faults and bad input"), for every iterative method.

Each method of :data:`numdl_core.solvers.SOLVERS` runs its small problem of ``tests/core/test_protocol.py`` for
at most 200 iterations under each absurd setting that applies to it (only keywords it accepts):

- ``step`` or ``lr`` = 1e6;
- ``h`` = 100 (the layer step of the controlled ResNets; for the Neural ODE ``T = 100 N``, so ``h = T / N = 100``);
- ``tol`` = 0 (only ``maxiter`` or a fault can end the run);
- the deepest network the app offers (depth 3 of the matrix-completion factorization, 20 layers of the
  control problem, 8 coupling layers of the flow, the 12-10-7-5-4-3-2 network of the information plane), alone
  and with the absurd step.

Every run must end within the 200 iterations or keep yielding finite Steps, under warnings turned into errors (no
bare numpy ``RuntimeWarning`` or exception): every Step before the last has a finite loss and iterate; a Step
with a non-finite loss is the last one and says ``diverged`` with a ``reason``; a run that ends early has
diverged with a reason, stalled, or met its ``tol`` test -- and that last one only at a loss no higher than its
start (a "convergence" above the start after an absurd step is an unexplained stop: saturated units, a vanished
gradient). A value a method refuses outright raises ValueError naming the keyword.

Oracle: the protocol of :mod:`numdl_core.iterate` (rule 3), checked Step by Step.
"""
from __future__ import annotations

import inspect
import itertools
import warnings
from typing import Callable

import numpy as np
import pytest

from numdl_core.theory import dynamics, generative, information
from tests.core.test_protocol import CASES, GEN_X, IB_DATA, NAMES

MAXITER = 200


def _deep_control(case) -> dict:
    Y0, C, K0, b0 = dynamics.control_problem(6, 2, 20, seed=0)  # the app's largest L = 20
    return {"Y0": Y0, "C": C, "K0": K0, "b0": b0}


def _deep_flow(case) -> dict:
    return {"model": generative.RealNVP(layers=8, hidden=8)}  # the app's most coupling layers


def _deep_ib(case) -> dict:
    net = information.IBNet(*IB_DATA)  # the default 12-10-7-5-4-3-2 network: the app's deepest
    return {"net": net, "theta0": net.init(0)}


DEEPEST: dict[str, Callable[[object], dict]] = {
    "numdl_core.theory.implicit_bias.completion_gd": lambda case: {"depth": 3},  # depths 1, 2, 3 in the app
    "numdl_core.theory.dynamics.msa": _deep_control,
    "numdl_core.theory.dynamics.gradient_descent": _deep_control,
    "numdl_core.theory.generative.flow_training": _deep_flow,
    "numdl_core.theory.information.ib_training": _deep_ib,
}
"""The methods with a depth (number of layers), and their problem at the largest depth the app offers."""


def _settings(name: str) -> list[tuple[str, Callable[[object], dict]]]:
    """``(id, overrides)`` of the absurd settings that apply to method ``name``."""
    params = inspect.signature(CASES[name].fn).parameters
    big = [(f"{k}=1e6", {k: 1e6}) for k in ("step", "lr") if k in params]
    if "h" in params:
        big.append(("h=100", {"h": 100.0}))
    if "T" in params and "N" in params:
        big.append(("h=100", {"T": 100.0 * CASES[name].kwargs.get("N", params["N"].default)}))
    out = [("tol=0", lambda case: {"tol": 0.0})]
    out += [(sid, lambda case, kw=kw: kw) for sid, kw in big]
    if name in DEEPEST:
        deep = DEEPEST[name]
        out.append(("deepest", deep))
        out += [(f"deepest,{sid}", lambda case, kw=kw, deep=deep: {**deep(case), **kw}) for sid, kw in big]
    return out


PARAMS = [pytest.param(name, sid, over, id=f"{name.removeprefix('numdl_core.')}[{sid}]")
          for name in NAMES for sid, over in _settings(name)]


def _start(name: str, overrides: dict):
    """The case's run with ``overrides`` (positional arguments by name, keywords), at most MAXITER iterations."""
    case = CASES[name]
    sig = inspect.signature(case.fn)
    bound = sig.bind_partial(*case.args())
    args = dict(bound.arguments)
    kwargs = {**case.kwargs, "maxiter": MAXITER}
    for key, value in overrides.items():
        (args if key in args else kwargs)[key] = value
    positional = [args.pop(p) for p in list(sig.parameters) if p in args
                  and sig.parameters[p].kind is inspect.Parameter.POSITIONAL_ONLY]
    return case.fn(*positional, **args, **kwargs)


def test_every_method_gets_an_absurd_step_or_tol():
    assert len(NAMES) >= 33
    named = {p.values[0] for p in PARAMS if p.values[1] != "tol=0"}
    no_step = sorted(n for n in NAMES if n not in named)  # no step, lr or h to make absurd
    assert no_step == ["numdl_core.lstsq.cgls", "numdl_core.optim.gauss_newton",
                       "numdl_core.optim.newton_cg", "numdl_core.single_layer.generalized_gauss_newton",
                       "numdl_core.theory.dropout.monte_carlo", "numdl_core.theory.implicit_bias.svt"], no_step


@pytest.mark.parametrize("name, sid, overrides", PARAMS)
def test_absurd_setting_stops_with_an_explanation(name, sid, overrides):
    over = overrides(CASES[name])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a bare numpy RuntimeWarning (overflow, invalid value) fails the test
        try:
            steps = list(itertools.islice(_start(name, over), MAXITER + 2))
        except (ValueError, TypeError) as err:  # refused outright: the message names the keyword
            assert any(key in str(err) for key in over), (sid, str(err))
            return
    assert 1 <= len(steps) <= MAXITER + 1
    last = steps[-1]
    for s in steps[:-1]:
        assert np.isfinite(s.loss) and np.all(np.isfinite(s.x)), (s.iteration, s.loss)
        assert not s.info.get("diverged") and not s.info.get("stalled")
    assert np.isfinite(steps[0].loss)
    if last.info.get("diverged"):
        reason = last.info["reason"]
        assert isinstance(reason, str) and 10 < len(reason) < 120, reason
        return
    assert np.isfinite(last.loss) and np.all(np.isfinite(last.x)), "a non-finite Step must say diverged and why"
    assert np.isfinite(last.grad_norm)
    if len(steps) == MAXITER + 1 or last.info.get("stalled"):
        return
    tol = over.get("tol", CASES[name].kwargs.get("tol", 1e-10))
    assert last.grad_norm <= tol * max(1.0, steps[0].grad_norm), "an early stop without a reason"
    assert last.loss <= steps[0].loss + 1e-9 * max(1.0, abs(steps[0].loss)), (
        f"converged at a loss {last.loss:.4g} above the start {steps[0].loss:.4g}: say why in info['reason']")


@pytest.mark.parametrize("name, overrides, words", [
    ("numdl_core.theory.dynamics.msa", {"h": 100.0}, "gradient vanished"),  # was: "converged", loss 756 -> 8e4
    ("numdl_core.theory.dynamics.gradient_descent", {"h": 100.0}, "gradient vanished"),
    ("numdl_core.theory.generative.gan_training", {"lr": 1e6}, "discriminator saturated"),  # was: "converged"
    ("numdl_core.theory.generative.vae_training", {"lr": 1e6}, "not finite"),  # was: RuntimeWarning from exp
], ids=["msa", "dynamics-gd", "gan", "vae"])
def test_the_reasons_of_the_stops_that_were_silent(name, overrides, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = list(_start(name, overrides))
    assert len(steps) == 2 and steps[-1].info["diverged"] is True and words in steps[-1].info["reason"]


@pytest.mark.parametrize("h", [0.0, -1.0, np.nan])
@pytest.mark.parametrize("method", [dynamics.msa, dynamics.gradient_descent])
def test_control_methods_refuse_a_bad_h(method, h):
    with pytest.raises(ValueError, match="h must be a positive finite number"):
        next(method(*dynamics.control_problem(6, 2, 4, seed=0), h))
