"""Compare mode: two settings of a section, run side by side on the same seeded problem.

A page calls :meth:`app.lesson.Lesson.compare` with a factory ``make(params)`` that returns the configuration's
:class:`~app.live.Solver` (or ``{label: Solver}``, or a :class:`Setup` with the value to plot) and the controls
that differ between the two settings. The collapsed panel "Compare two settings" draws those controls twice,
**A** (starting at the page's current values) and **B** (A with the page's alternative), and a "Run both" button.
Each configuration then runs once, bounded, to its stop rule (:func:`run_to`): the method's own convergence test,
a target on the plotted value, the iteration cap, or a time cap. The panel shows one table (iterations, work,
seconds, final value, status) and one figure with both configurations' curves.

Work is ``Step.info["work"]`` (rule 4 of :mod:`numdl_core.iterate`): products with :math:`A` or :math:`A^\\top`
for linear least squares, passes over the data for the others. Results are kept in ``st.session_state`` per
(panel, base parameters, A, B): a rerun of the page redraws them without computing, and nothing is computed
until the button is pressed.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.live import Solver, freeze
from app.panels import panel_open, show
from app.params import Param

__all__ = ["Setup", "Outcome", "run_to", "run_config", "time_cap", "y_label", "compare_panel", "STORE_KEY", "SIDES"]

STORE_KEY = "_compare"  # session state: {panel key: {(base, A, B): [Outcome, ...]}} (read by the tests)
SIDES = ("A", "B")
KEEP = 4  # results kept per panel
TIME_CAP_ENV = "NUMDL_COMPARE_TIME_CAP"  # "0": no time cap (tests, to be independent of the machine's load)
NUMERICAL_ERRORS = (ValueError, FloatingPointError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError)


@dataclass
class Setup:
    """What ``make(params)`` returns when the plotted value is not the loss: the solver(s) and ``value(step)``
    (e.g. the error to the solution, or the gap ``loss − F*``)."""

    solvers: Solver | Mapping[str, Solver]
    value: Callable[[Any], float] | None = None


@dataclass
class Outcome:
    """One series of one configuration run to its stop rule."""

    config: str
    series: str
    iterations: int
    work: float  # Step.info["work"] of the last Step (nan when the method does not report it)
    seconds: float
    final: float  # value(last Step)
    status: str  # converged | target | diverged | stalled | limit | time | error
    message: str
    curve: tuple = field(default_factory=tuple)  # (iterations, values)
    settings: str = ""  # the controls in which A and B differ, as text
    works: Any = None  # the work at each Step of the curve

    def row(self) -> dict:
        return {"configuration": self.config, "settings": self.settings, "series": self.series,
                "iterations": self.iterations, "work": self.work, "seconds": self.seconds, "final": self.final,
                "best": self.best[1], "best at iteration": self.best[0], "status": self.message}

    @property
    def best(self) -> tuple[int, float]:
        """The smallest finite value of the curve and its iteration (e.g. where semi-convergence turns)."""
        its, vals = (np.asarray(c, float) for c in self.curve)
        ok = np.flatnonzero(np.isfinite(vals))
        if not ok.size:
            return -1, np.nan
        i = ok[np.argmin(vals[ok])]
        return int(its[i]), float(vals[i])


def run_to(gen: Any, *, max_iter: int, value: Callable[[Any], float] | None = None, target: float | None = None,
           seconds: float = 1.0) -> dict:
    """Run a generator of ``Step`` (the protocol of :mod:`numdl_core.iterate`) until it stops.

    It stops when the generator ends (converged, or stalled after a line search), at a Step flagged
    ``diverged`` or with a non-finite loss, when ``value(step) <= target``, after ``max_iter`` iterations or after
    ``seconds``. A numerical exception inside the generator ends the run as diverged, it is not raised.

    Returns
    -------
    dict
        ``iterations``, ``work`` (``info["work"]`` of the last Step, nan if absent), ``seconds``, ``final``
        (the value at the last Step), ``status``, ``message`` ("converged at iteration 2", "diverged at
        iteration 7 (the loss is not finite)"...), ``curve`` ``(iterations, values)``, ``works`` (the work at
        each Step).
    """
    value = value or (lambda s: float(s.loss))
    its, vals, works, last, status, reason = [], [], [], None, None, ""
    t0 = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        try:
            for step in gen:
                last = step
                its.append(int(step.iteration))
                vals.append(float(value(step)))
                info = step.info or {}
                works.append(float(info.get("work", np.nan)))
                if info.get("diverged") or not np.isfinite(step.loss):
                    status, reason = "diverged", info.get("reason") or "the loss is not finite"
                elif target is not None and vals[-1] <= target:
                    status = "target"
                elif step.iteration >= max_iter:
                    status = "limit"
                elif time.perf_counter() - t0 > seconds:
                    status = "time"
                if status:
                    break
            else:
                status = "stalled" if last is not None and (last.info or {}).get("stalled") else "converged"
        except NUMERICAL_ERRORS as err:
            status, reason = ("diverged" if last is not None else "error"), str(err)
    elapsed = time.perf_counter() - t0
    k = int(last.iteration) if last is not None else 0
    message = {"converged": f"converged at iteration {k}", "stalled": f"stalled at iteration {k} (no decrease)",
               "target": f"reached {target:.3g} at iteration {k}" if target is not None else "",
               "diverged": f"diverged at iteration {k}" + (f" ({reason})" if reason else ""),
               "limit": f"stopped at the iteration cap ({max_iter})",
               "time": f"stopped by the time cap ({seconds:g} s) at iteration {k}",
               "error": f"could not start: {reason}"}[status]
    work = float((last.info or {}).get("work", np.nan)) if last is not None else np.nan
    return {"iterations": k, "work": work, "seconds": elapsed, "final": vals[-1] if vals else np.nan,
            "status": status, "message": message, "curve": (np.asarray(its, float), np.asarray(vals, float)),
            "works": np.asarray(works, float)}


def time_cap(seconds: float) -> float:
    """The time cap of one configuration: ``seconds``, or none (inf) when ``NUMDL_COMPARE_TIME_CAP=0``."""
    return np.inf if os.environ.get(TIME_CAP_ENV) == "0" else seconds


def _setup(made: Any) -> Setup:
    if isinstance(made, Setup):
        return made
    if isinstance(made, (Solver, Mapping)):
        return Setup(made)
    raise TypeError(f"make(params) must return a Solver, a dict of Solver or a Setup, got {type(made).__name__}")


def run_config(config: str, make: Callable[[dict], Any], params: Mapping[str, Any], *, max_iter: int,
               target: float | None = None, seconds: float = 1.0) -> list[Outcome]:
    """Run every series of the configuration ``make(params)`` with :func:`run_to`, each timed on its own
    (``seconds`` is the time cap of the whole configuration, see :func:`time_cap`)."""
    try:
        setup, left = _setup(make(dict(params))), time_cap(seconds)
        solvers = {"": setup.solvers} if isinstance(setup.solvers, Solver) else dict(setup.solvers)
        gens = {name: solver.start(params) for name, solver in solvers.items()}  # generators: nothing runs yet
    except NUMERICAL_ERRORS + (TypeError,) as err:  # a setting the problem cannot be built with: a row says so
        return [Outcome(config, "", 0, np.nan, 0.0, np.nan, "error", f"could not start: {err}", (np.zeros(0),) * 2,
                        works=np.zeros(0))]
    out = []
    for name, gen in gens.items():
        r = run_to(gen, max_iter=max_iter, value=setup.value, target=target, seconds=max(left, 0.05))
        left -= r["seconds"]
        out.append(Outcome(config, name, r["iterations"], r["work"], r["seconds"], r["final"], r["status"],
                           r["message"], r["curve"], works=r["works"]))
    return out


def _initial(p: Param, value: Any) -> Any:
    """``value`` if it is a valid value of ``p``, else the default."""
    if p.kind in ("choice", "log") and value not in p.options:
        return p.default
    if p.kind in ("int", "float") and value is not None:
        return p.clamp(value)
    return p.default if value is None else value


def _controls(key: str, params: Sequence[Param], start: Mapping[str, Any], box: Any, widget: Callable) -> dict:
    """One side's controls. Each follows its starting value (the page's setting) until the reader moves it."""
    out = {}
    starts = st.session_state.setdefault(f"{key}._starts", {})
    for p in params:
        k, first = f"{key}.{p.name}", _initial(p, start.get(p.name, p.default))
        if k not in st.session_state or (st.session_state[k] == starts.get(p.name) and first != starts[p.name]):
            st.session_state[k] = first
        starts[p.name] = first
        out[p.name] = widget(box, p, k)
    return out


def _table(outcomes: Sequence[Outcome], work_label: str, value_label: str) -> pd.DataFrame:
    rows = [o.row() for o in outcomes]
    df = pd.DataFrame(rows)
    if all(not o.series for o in outcomes):
        df = df.drop(columns="series")
    return df.rename(columns={"work": work_label, "final": value_label, "best": f"smallest {y_label(value_label)}"})


def y_label(value_label: str) -> str:
    """"final error" -> "error": the name of the value, for the column of its smallest value."""
    return value_label.removeprefix("final ")


def compare_panel(key: str, make: Callable[[dict], Any], params: Sequence[Param], current: Mapping[str, Any],
                  alternative: Mapping[str, Any], *, widget: Callable, start: Mapping[str, Any] | None = None,
                  max_iter: int = 1000, target: float | None = None, seconds: float = 1.0,
                  value_label: str = "final loss", y_title: str | None = None,
                  work_label: str = "passes over the data", log_y: bool = True, x: str = "iteration",
                  note: str | None = None) -> list[Outcome] | None:
    """The collapsed panel "Compare two settings" (see the module docstring); returns the shown outcomes.

    Parameters
    ----------
    key : str
        Unique key of the panel (page, section, name).
    make : callable
        ``make(params) -> Solver | {label: Solver} | Setup`` for the parameter dict of one configuration: the
        page's values (``current``) updated with that side's controls.
    params : sequence of Param
        The controls drawn for A and for B. Their values reach the solvers as keywords of the same name
        (:meth:`~app.live.Solver.kwargs`): name a control after the keyword it sets, or with a name no solver takes
        (``regularizer``, not ``net``).
    current : dict
        The page's current parameter dict: the problem both sides share, and A's starting values.
    alternative : dict
        B's starting values (over ``current`` and ``start``): a meaningful other setting.
    start : dict, optional
        A's starting values for controls the page names otherwise (e.g. ``lr`` from the page's ``lr_sgd``).
    widget : callable
        ``widget(container, param, key) -> value`` draws one control (the kit's :class:`~app.params.PageParams`).
    max_iter, target, seconds
        The stop rule of :func:`run_to` (``seconds`` per configuration).
    x : {"iteration", "work"}
        The figure's x axis: iterations, or the work (``work_label``), for methods whose iterations cost differently.
    """
    store = st.session_state.setdefault(STORE_KEY, {}).setdefault(key, {})
    box = st.expander("Compare two settings", expanded=False, icon=":material/compare_arrows:", key=f"{key}.panel",
                      on_change="rerun")
    with box:
        if not panel_open(box):  # drawn when opened: a class's first page runs skip it
            return None
        st.caption(f"Both configurations run on the same seeded problem, each to its stop rule (convergence"
                   + (f", the value reaching {target:.3g}" if target is not None else "")
                   + f", at most {max_iter} iterations or {seconds:g} s).")
        cols = st.columns(2)
        values = {}
        a = {**current, **(start or {})}
        for side, col, first in zip(SIDES, cols, (a, {**a, **alternative})):
            col.markdown(f"**{side}**")
            values[side] = _controls(f"{key}.{side}", params, first, col, widget)
        base = {k: v for k, v in current.items() if k not in values["A"] and k != "speed"}
        ckey = (freeze(base), freeze(values["A"]), freeze(values["B"]))
        if st.button("Run both", key=f"{key}.run", type="primary") and ckey not in store:
            outcomes = []
            for side in SIDES:
                outcomes += run_config(side, make, {**base, **values[side]}, max_iter=max_iter, target=target,
                                       seconds=seconds)
            while len(store) >= KEEP:
                store.pop(next(iter(store)))
            for o in outcomes:
                o.settings = _differences(params, values, o.config)
            store[ckey] = outcomes
        outcomes = store.get(ckey)
        if outcomes is None:
            st.caption("Press **Run both** to run A and B.")
            return None
        _show(key, outcomes, work_label, value_label, y_title or value_label, log_y, x, note)
        return outcomes


def _differences(params: Sequence[Param], values: Mapping[str, dict], side: str) -> str:
    """The controls of ``side`` whose value differs between A and B, as ``label = value`` text."""
    def text(p: Param, v: Any) -> str:
        return str(p.labels.get(v, v)) if p.labels else (f"{v:g}" if isinstance(v, float) else str(v))
    return ", ".join(f"{p.label} = {text(p, values[side][p.name])}" for p in params
                     if values["A"][p.name] != values["B"][p.name]) or "same settings"


def _show(key: str, outcomes: Sequence[Outcome], work_label: str, value_label: str, y_title: str, log_y: bool,
          x: str, note: str | None) -> None:
    df = _table(outcomes, work_label, value_label)
    st.dataframe(df, hide_index=True, width="stretch",
                 column_config={"seconds": st.column_config.NumberColumn(format="%.3f"),
                                value_label: st.column_config.NumberColumn(format="%.3e"),
                                f"smallest {y_label(value_label)}": st.column_config.NumberColumn(format="%.3e")})
    missing = sorted({f"{o.config} {o.series}".strip() for o in outcomes if not np.isfinite(o.work)})
    st.caption(f"{work_label[:1].upper()}{work_label[1:]}: the work each method reports (Step.info['work']), "
               "cumulative." + (f" Not reported by {', '.join(missing)}." if missing else "")
               + " Seconds: wall-clock time on this server, including Python overhead." + (f" {note}" if note else ""))
    curves = {f"{o.config}: {o.series}" if o.series else o.config:
              (o.works if x == "work" else o.curve[0], o.curve[1]) for o in outcomes}
    diverged = {f"{o.config}: {o.series}" if o.series else o.config: True for o in outcomes if o.status == "diverged"}
    show(convergence_figure(curves, x=x, x_title=work_label if x == "work" else None, y_title=y_title, log_y=log_y,
                            diverged=diverged, title="A against B"),
         f"{key}.fig")
