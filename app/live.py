"""The live-run kit: Play / Pause / Step / Reset for any iterative method of ``numdl_core``.

A run holds one or more *series* (e.g. steepest descent and CG side by side), each a generator of
``numdl_core.optim.Step``. Its state lives in ``st.session_state``; an ``st.fragment`` with ``run_every``
advances every series by ``speed`` iterations per frame and redraws, so the rest of the page stays responsive.
The browser's timer starts a playing run's frames; each frame then queues the next one from its own script thread
(:func:`chain_next_frame`). History is bounded (older points are thinned once a series holds ``max_points``).
The buttons are a fragment of their own: Play reruns only them and the live picture (``st.rerun`` with the two
fragments' keys), which then starts the browser's timer; Pause, Step and Reset rerun the page.

A series is usually a :class:`Solver`: a method of ``numdl_core`` looked up by name in the registry
``numdl_core.solvers.SOLVERS`` (or a generator function), its problem arguments, and keyword options; the keywords
it accepts are filled from the page's parameter dict by name. Changing a *tunable* parameter (a step size)
mid-run sends the new value into the running generator (``gen.send({"step": t})``, the protocol of
``numdl_core.iterate``), which keeps its state (momentum, Adam buffers, iteration count); a method that cannot take
the value mid-run restarts from its current iterate. Changing a *structural* parameter (data, problem size,
method) resets the run. A series whose loss becomes non-finite or explodes ends with "diverged at iteration k" and
the curve kept up to there.
"""
from __future__ import annotations

import contextlib
import inspect
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import streamlit as st

from app.load import BASE_INTERVAL, LOAD, RETIME_FACTOR
from app.panels import LIVE_FRAME_KEY
from app.params import SPEED, PageParams, Param
from app.tour import PLAY_SHORTCUT_KEY

__all__ = ["Solver", "Series", "Run", "SPEED", "live_run", "new_run", "advance", "step_once", "sync_params",
           "solver_starter", "freeze", "chain_next_frame"]
FRAME_INTERVAL = BASE_INTERVAL  # seconds between frames on an idle server; under load app.load.LOAD stretches it

Starter = Callable[[dict[str, np.ndarray] | None], dict[str, Iterator]]
Metrics = Callable[[str, Any], dict[str, float]]


class Solver:
    """One series of a live run: ``Solver(method, *args, **options)``.

    ``method`` is a name of ``numdl_core.solvers.SOLVERS`` (e.g. ``"lstsq.cgls"``) or a generator function;
    ``args`` are its positional arguments (the problem), ``options`` fixed keywords. :meth:`start` adds every
    keyword of the method's signature that the page's parameter dict has (same name, same meaning: ``step``,
    ``alpha``, ``lr``...), unless fixed in ``options``. ``x0`` (or ``theta0``) restarts it from a given point.
    """

    def __init__(self, method: str | Callable[..., Iterator], *args: Any, **options: Any):
        self.method = method
        self.args = args
        self.options = options

    @property
    def function(self) -> Callable[..., Iterator]:
        if callable(self.method):
            return self.method
        from numdl_core.solvers import SOLVERS

        if self.method not in SOLVERS:
            raise ValueError(f"unknown solver {self.method!r}; registered: {', '.join(sorted(SOLVERS))}")
        return SOLVERS[self.method]

    @property
    def keywords(self) -> frozenset:
        """The keyword arguments the method accepts."""
        sig = inspect.signature(self.function)
        return frozenset(n for n, p in sig.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))

    @property
    def tunables(self) -> frozenset:
        """The keywords the running method takes through ``gen.send`` (declared by ``numdl_core.iterate.tunable``)."""
        return frozenset(getattr(self.function, "tunables", ()))

    def kwargs(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The keywords :meth:`start` passes: those of ``params`` the method takes, then the fixed ``options``
        (e.g. to replay the series in an exported script: ``SOLVERS[method](*args, **kwargs)``)."""
        keywords = self.keywords
        return {**{k: v for k, v in params.items() if k in keywords and k not in self.options}, **self.options}

    def start(self, params: Mapping[str, Any], x0: np.ndarray | None = None) -> Iterator:
        kw = self.kwargs(params)
        args = self.args
        if x0 is not None:
            names = list(inspect.signature(self.function).parameters)
            start_kw = "x0" if "x0" in names else "theta0"
            if start_kw in names and names.index(start_kw) < len(args):  # the start point is a positional argument
                args = tuple(x0 if i == names.index(start_kw) else a for i, a in enumerate(args))
            else:
                kw[start_kw] = x0
        return self.function(*args, **kw)


def solver_starter(solvers: Mapping[str, Solver], params: Mapping[str, Any]) -> Starter:
    """A starter for :func:`new_run`: ``start(x0s)`` starts every solver with ``params`` (from ``x0s`` if given)."""
    def start(x0s: dict[str, np.ndarray] | None) -> dict[str, Iterator]:
        return {name: s.start(params, None if x0s is None else x0s.get(name)) for name, s in solvers.items()
                if x0s is None or name in x0s}
    return start


@dataclass
class Series:
    """One iterative method inside a run: its generator, bounded history and status."""

    name: str
    gen: Iterator | None
    history: dict[str, list] = field(default_factory=dict)
    path: list = field(default_factory=list)
    last: Any = None
    status: str = "running"  # running | converged | diverged | stalled | limit
    message: str = ""
    offset: int = 0  # iteration offset after a restart with new tunables
    stride: int = 1  # record every stride-th iteration (doubles when thinning)
    pending: Any = None  # the next Step, fetched one iteration ahead
    uses: frozenset | None = None  # the parameters this series' method takes (None: all, an old-style starter)
    accepts: frozenset = frozenset()  # those it takes mid-run through gen.send
    send: dict | None = None  # tunables to send with the next iteration

    @property
    def iteration(self) -> int:
        return 0 if self.last is None else self.offset + int(self.last.iteration)

    @property
    def done(self) -> bool:
        return self.status != "running"


@dataclass
class Run:
    """The state of a live run, kept in ``st.session_state``."""

    structure: tuple
    tunables: tuple
    series: dict[str, Series]
    running: bool = False
    frames: int = 0
    events: list = field(default_factory=list)  # (iteration, text) when tunables changed mid-run
    frame_ms: float = 0.0  # compute time of the last frame's iterations (all series), milliseconds
    draw_ms: float = 0.0  # time of the last frame's status line and charts, milliseconds
    interval: float = 0.0  # seconds between frames the browser's timer was given (app.load), 0 when not playing
    retimed: float = 0.0  # time.monotonic() when this run last re-registered its timer

    @property
    def done(self) -> bool:
        return all(s.done for s in self.series.values())

    @property
    def iteration(self) -> int:
        return max((s.iteration for s in self.series.values()), default=0)


def _plain(v: Any) -> Any:
    """A value as a plain, comparable Python value (numpy scalars and arrays included)."""
    if isinstance(v, np.ndarray):
        return ("array", v.shape, v.tobytes())
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return tuple(_plain(x) for x in v)
    if isinstance(v, dict):
        return freeze(v)
    return v


def freeze(d: Mapping[str, Any]) -> tuple:
    """The parameters ``d`` as a sorted tuple of ``(name, value)``: equal exactly when the values are equal."""
    return tuple(sorted(((str(k), _plain(v)) for k, v in d.items()), key=lambda kv: kv[0]))


_freeze = freeze


def _record(s: Series, step: Any, metrics: Metrics | None, keep_path: bool, max_points: int) -> None:
    it = s.offset + int(step.iteration)
    s.last = step
    if it % s.stride and not (step.info.get("diverged") if hasattr(step, "info") else False):
        return
    row = {"iteration": it, "loss": float(step.loss), "grad_norm": float(step.grad_norm)}
    if metrics is not None:
        row.update(metrics(s.name, step))
    for k, v in row.items():
        s.history.setdefault(k, []).append(v)
    if keep_path:
        s.path.append(np.array(step.x, copy=True))
    if len(s.history["iteration"]) > max_points:  # thin: keep every other point, double the stride
        for k in s.history:
            s.history[k] = s.history[k][::2]
        if keep_path:
            s.path = s.path[::2]
        s.stride *= 2


def new_run(start: Starter, structure: dict, tunables: dict, *, metrics: Metrics | None = None,
            keep_path: bool = False, max_points: int = 2000, solvers: Mapping[str, Solver] | None = None) -> Run:
    """A fresh run: every generator created and its iteration 0 recorded.

    With ``solvers`` (the :class:`Solver` of each series), a later change of a tunable is sent into the running
    generators that accept it; without, every series restarts from its current iterate.
    """
    run = Run(_freeze(structure), _freeze(tunables), {})
    for name, gen in start(None).items():
        s = Series(name, gen)
        if solvers is not None and name in solvers:
            s.uses, s.accepts = solvers[name].keywords, solvers[name].tunables
        run.series[name] = s
        _pull(s, 1, metrics, keep_path, max_points, max_iter=None)
    return run


def _finish(s: Series) -> None:
    info = getattr(s.last, "info", {}) or {}
    s.status = "stalled" if info.get("stalled") else "converged"
    s.message = (
        f"stopped at iteration {s.iteration}: the line search found no further decrease"
        if s.status == "stalled" else f"converged at iteration {s.iteration}"
    )
    s.gen = None


def _next(s: Series) -> Any:
    """The next Step of ``s`` (``None`` at the end of the generator); numerical errors end the series.

    Also the look-ahead of a fresh or restarted run (outside :func:`advance`) overflows silently: a diverging
    method reports it in its Step."""
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            if s.send:
                sent, s.send = s.send, None
                return s.gen.send(sent)
            return next(s.gen)
    except StopIteration:
        return None
    except (ValueError, FloatingPointError, np.linalg.LinAlgError, ZeroDivisionError, OverflowError) as err:
        s.status, s.message, s.gen = "diverged", f"stopped at iteration {s.iteration}: {err}", None
        return None


def _pull(s: Series, k: int, metrics, keep_path, max_points, max_iter) -> None:
    """Advance series ``s`` by up to ``k`` iterations.

    One step of look-ahead (``s.pending``) lets the series report "converged at iteration k" on the frame
    that shows iteration k, not one frame later.
    """
    for _ in range(k):
        if s.done or s.gen is None:
            return
        step = s.pending if s.pending is not None else _next(s)
        s.pending = None
        if step is None:
            if not s.done:
                _finish(s)
            return
        _record(s, step, metrics, keep_path, max_points)
        info = step.info if hasattr(step, "info") else {}
        if info.get("diverged") or not np.isfinite(step.loss):
            s.status = "diverged"
            reason = info.get("reason")
            s.message = f"diverged at iteration {s.iteration}" + (f" ({reason})" if reason else "")
            s.gen = None
            return
        if max_iter is not None and s.iteration >= max_iter:
            s.status, s.message, s.gen = "limit", f"stopped at the iteration limit ({max_iter})", None
            return
        s.pending = _next(s)
        if s.pending is None and not s.done:
            _finish(s)
            return


def frame_budget_ms() -> float | None:
    """How long one frame may compute before it stops early (default 250 ms), whatever the speed asks for.

    ``NUMDL_FRAME_BUDGET_MS=0`` switches the budget off, so that a frame always computes exactly ``speed``
    iterations: the tests do that (tests/conftest.py) to be independent of the machine's load.
    """
    value = float(os.environ.get("NUMDL_FRAME_BUDGET_MS", "250"))
    return value if value > 0 else None


def _compute_budget(interval: float) -> float | None:
    """The iterations of a playing frame stop after half the frame interval (at most :func:`frame_budget_ms`): the
    rest of the interval draws the frame. A frame that computed for longer than the interval was cut off by the
    next tick before its charts were sent (the implicit-bias margin: 32 of 35 frames at 20 frames/s)."""
    budget = frame_budget_ms()
    if budget is None or not interval:
        return budget
    return min(budget, 500.0 * interval)


def advance(run: Run, k: int, *, metrics: Metrics | None = None, keep_path: bool = False,
            max_points: int = 2000, max_iter: int | None = None, budget_ms: float | None = -1.0,
            per_step: Mapping[str, int] | None = None) -> None:
    """Advance every running series of ``run`` by up to ``k`` iterations (the work of one frame).

    Series advance in turns, one iteration each, so that with a time budget (``budget_ms``; default
    :func:`frame_budget_ms`, ``None`` for none) a slow method (Gauss-Newton) does not starve a fast one (SGD)
    and a frame never blocks the page for long. ``per_step`` (``{series name: n}``, default 1) lets a series make
    ``n`` iterations per turn, e.g. several cheap SGD epochs per Gauss-Newton step.
    """
    if budget_ms is not None and budget_ms < 0:
        budget_ms = frame_budget_ms()
    t0 = time.perf_counter()
    # A diverging method overflows on purpose (the protocol reports it): no numpy warnings in the server log.
    # np.errstate is thread-local, so concurrent sessions do not affect each other.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for i in range(k):
            for s in run.series.values():
                _pull(s, int((per_step or {}).get(s.name, 1)), metrics, keep_path, max_points, max_iter)
            if run.done or (budget_ms is not None and 1e3 * (time.perf_counter() - t0) > budget_ms):
                break
    run.frame_ms = 1e3 * (time.perf_counter() - t0)
    run.frames += 1
    if run.done:
        run.running = False


def step_once(run: Run, **kw) -> None:
    """One iteration of every series (the Step button)."""
    advance(run, 1, **kw)


def sync_params(run: Run, start: Starter, structure: dict, tunables: dict, *, metrics: Metrics | None = None,
                keep_path: bool = False, max_points: int = 2000, solvers: Mapping[str, Solver] | None = None) -> Run:
    """Bring ``run`` in line with the current controls.

    A structural change returns a fresh run. A tunable change is sent into every running series whose method
    takes it mid-run (its state kept: momentum, Adam buffers, iteration count); a series whose method takes the
    parameter only at its start restarts from its current iterate with the new value (history kept). Either way
    an event is recorded. A run in which a series had diverged starts over with the new values.
    """
    kw = dict(metrics=metrics, keep_path=keep_path, max_points=max_points, solvers=solvers)
    if run.structure != _freeze(structure):
        return new_run(start, structure, tunables, **kw)
    if run.tunables == _freeze(tunables):
        return run
    if any(s.status == "diverged" for s in run.series.values()):
        fresh = new_run(start, structure, tunables, **kw)
        fresh.running = run.running
        return fresh
    old = dict(run.tunables)
    changed = {k: v for k, v in tunables.items() if old.get(k, object()) != _plain(v)}
    run.events.append((run.iteration, ", ".join(f"{k} {_show(old.get(k))} → {_show(v)}" for k, v in changed.items())))
    restart = {}
    for name, s in run.series.items():
        used = set(changed) if s.uses is None else set(changed) & s.uses
        if not used or s.gen is None:
            continue
        if used <= s.accepts:
            s.send = {**(s.send or {}), **{k: changed[k] for k in used}}
        elif s.last is not None:
            restart[name] = np.array(s.last.x, copy=True)
    if restart:
        gens = start(restart)
        for name, s in run.series.items():
            if name not in gens or name not in restart:
                continue
            s.offset = s.iteration
            s.gen = gens[name]
            s.status, s.message, s.pending, s.send = "running", "", None, None
            if _next(s) is None and not s.done:  # iteration 0 of the restarted generator is the current iterate
                _finish(s)
            else:
                s.pending = _next(s)
                if s.pending is None and not s.done:
                    _finish(s)
    run.tunables = _freeze(tunables)
    return run


def _show(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _status_line(run: Run, hint: str | Callable[[Run], str] | None) -> None:
    parts = []
    for s in run.series.values():
        label = f"**{s.name}**: " if len(run.series) > 1 else ""
        if s.status == "running":
            parts.append(f"{label}iteration {s.iteration}, loss {s.last.loss:.4g}" if s.last is not None else label)
        else:
            parts.append(f"{label}{s.message}")
    text = " · ".join(parts)
    diverged = [s for s in run.series.values() if s.status == "diverged"]
    if diverged:
        why = hint(run) if callable(hint) else hint
        st.error(text + (f"\n\n**Why:** {why}" if why else ""), icon=":material/warning:")
    elif run.done:
        st.success(text)
    else:
        st.caption(("▶ running · " if run.running else "‖ paused · ") + text)


def _retime(r: Run, interval: float, min_gap: float = 2.0) -> bool:
    """Whether a playing run should give its timer a new interval: ``interval`` differs from the run's by more
    than ``RETIME_FACTOR`` and the last change is ``min_gap`` seconds old. If so, the run takes ``interval``."""
    if not r.interval or max(interval / r.interval, r.interval / interval) <= RETIME_FACTOR:
        return False
    now = time.monotonic()
    if now - r.retimed < min_gap:
        return False
    r.retimed, r.interval = now, interval
    return True


def _fragment_run_ids() -> list:
    """The fragments this script run reruns (empty in a full run of the page): Streamlit's script-run context,
    an internal guarded by tests/kit/test_private_apis.py."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return []
    ctx = get_script_run_ctx(suppress_warning=True)
    return list(getattr(ctx, "fragment_ids_this_run", None) or []) if ctx is not None else []


def _current_fragment_id() -> str | None:
    """The fragment this rerun is running now (None in a full run of the page). One rerun can run several fragments
    (Play reruns the buttons and the live picture); then Streamlit's thread state says which one is running, an
    internal guarded by tests/kit/test_private_apis.py (None where it is missing)."""
    ids = _fragment_run_ids()
    if len(ids) <= 1:
        return ids[0] if ids else None
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState
        fid = ThreadState.get().fragment_id
    except (ImportError, AttributeError, RuntimeError):
        return None
    return fid if fid in ids else None


def _retime_browser(interval: float) -> bool:
    """Send the browser a new interval for the timer of the fragment that is running (Streamlit's ``auto_rerun``
    message, as ``st.fragment(run_every=...)`` sends it at registration; the browser replaces a fragment's timer
    when the interval differs). Uses the script-run context, a Streamlit internal (guarded by
    tests/kit/test_private_apis.py); False where it is missing, and the caller reruns the page instead."""
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return False
    ctx = get_script_run_ctx(suppress_warning=True)
    fragment = _current_fragment_id()
    if not fragment or not hasattr(ctx, "enqueue"):
        return False
    msg = ForwardMsg()
    msg.auto_rerun.interval, msg.auto_rerun.fragment_id = interval, fragment
    ctx.enqueue(msg)
    return True


def _rerun_from_callback(*keys: str) -> None:
    """From a widget callback: rerun the fragments with these keys (``@st.fragment(key=...)``), or the page when no
    key is given, in place of the rerun the click would cause (a button in a fragment reruns only that fragment);
    ``st.rerun(scope=...)``. Where that is refused (a key unknown, a Streamlit without keyed reruns) nothing happens,
    and the click causes its own rerun."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.rerun(list(keys) if keys else "app")
    except (StreamlitAPIException, TypeError, ValueError):
        pass


def chain_next_frame(due: float, interval: float) -> bool:
    """End a playing frame by asking for the next one: sleep (without the GIL) until ``due`` (``time.monotonic``),
    then queue a rerun of this fragment, as the browser's timer tick would; False (nothing done) outside a
    fragment's rerun, where a Streamlit internal is missing, or when the browser's timer has not ticked within
    ``max(1.5, 4 * interval)`` seconds: a tab hidden for a while (Chromium then throttles its timers to about once
    a minute) or frozen gets its frames from its own ticks, as before. (A window of ``2 * interval + 0.1`` s, short
    enough to stop chaining for a tab just hidden, ticking once a second, cost the class 0.2-0.4 frames/s: under
    load the ticks of playing tabs arrive late too.)

    The script thread that drew this frame then runs the next one as soon as this run ends (Streamlit's script
    thread takes the next queued request before it exits). Left to the browser's timer, every frame was a new
    script thread, and for a class most of the server's waiting was there: each thread's start waits for the GIL
    on the event loop, which also serves every websocket (py-spy: 55 % of the loop's time, 100 students). The
    browser's own ticks still arrive; they join the queued request (a fragment's rerun does not preempt a run in
    progress). A click (Pause, a slider) queues a full rerun, which takes the queued frame's place: it waits at
    most for the sleep, one frame interval. Internals used (``ScriptRunContext.script_requests``,
    ``ScriptRequests.request_rerun``, ``RerunData``) are guarded by tests/kit/test_private_apis.py.
    """
    fragment = _current_fragment_id()
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    except ImportError:
        return False
    from app.serving import browser_ticking

    ctx = get_script_run_ctx(suppress_warning=True)
    requests = getattr(ctx, "script_requests", None)
    if not fragment or not callable(getattr(requests, "request_rerun", None)):
        return False
    if not browser_ticking(getattr(ctx, "session_id", ""), max(1.5, 4 * interval)):
        return False
    time.sleep(max(0.0, due - time.monotonic()))
    return bool(requests.request_rerun(RerunData(
        query_string=ctx.query_string, page_script_hash=ctx.page_script_hash, fragment_id=fragment, is_auto_rerun=True,
        cached_message_hashes=ctx.cached_message_hashes, context_info=ctx.context_info)))


def live_run(
    key: str,
    pp: PageParams,
    start: Starter | Mapping[str, Solver],
    draw: Callable[[Run], None],
    *,
    structure: dict,
    tunables: dict | None = None,
    scope: str | None = None,
    metrics: Metrics | None = None,
    diverged_hint: str | Callable[[Run], str] | None = None,
    keep_path: bool = False,
    max_points: int = 2000,
    max_iter: int | None = 100_000,
    default_speed: int | None = None,
    per_step: Mapping[str, int] | None = None,
) -> Run:
    """Draw the live-run controls and the live picture; return the run (for checks below the picture).

    Parameters
    ----------
    key : str
        Session-state key of this run (unique on the page).
    pp : PageParams
        The page's controls: the speed control is declared there, so it is mirrored in the URL too.
    start : dict of Solver, or callable
        ``{series name: Solver}``, started with the keywords they take from ``structure`` and ``tunables``;
        or a callable ``start(x0s)`` returning ``{series name: generator of Step}`` (``x0s`` is ``None`` for a
        fresh start or ``{name: current x}`` when tunables changed mid-run).
    draw : callable
        ``draw(run)`` draws the charts of the current state (called inside the fragment, each frame).
    structure, tunables : dict
        Parameters whose change resets the run, and those that take effect without a reset.
    metrics : callable, optional
        ``metrics(name, step) -> {column: float}``: extra columns recorded per iteration (e.g. the error).
    diverged_hint : str or callable, optional
        The reason shown when a series diverges (e.g. "step 0.3 > 2/L = 0.2").
    per_step : dict, optional
        ``{series name: n}``: iterations of that series per step of the run (default 1; see :func:`advance`).
    """
    tunables = tunables or {}
    solvers = None
    if isinstance(start, Mapping):
        solvers = dict(start)
        start = solver_starter(solvers, {**structure, **tunables})
    kw = dict(metrics=metrics, keep_path=keep_path, max_points=max_points, solvers=solvers)
    run: Run | None = st.session_state.get(key)
    if run is None:
        run = new_run(start, structure, tunables, **kw)
    else:
        run = sync_params(run, start, structure, tunables, **kw)
    st.session_state[key] = run

    speed_param = SPEED if default_speed is None else SPEED.but(default=default_speed)
    c_buttons, c_speed = st.columns([3, 2], vertical_alignment="bottom")
    speed = int(pp.controls([speed_param], c_speed, scope=scope)["speed"])
    controls_key, frame_key = f"{key}.controls", f"{key}.frame"

    # Callbacks are idempotent: a click can reach the server twice (once with a fragment tick that carries the
    # pending widget state, once with the full rerun), so each button says what it wants, not "toggle".
    def _set_running(on: bool) -> None:
        r = st.session_state[key]
        r.running = bool(on) and not r.done
        # Play reruns only the buttons and the live picture (a class presses it at once); Pause, Step and Reset
        # rerun the page: its numbers below the picture follow the run, and the browser's timer stops
        _rerun_from_callback(*((controls_key, frame_key) if r.running else ()))

    def _step(at_iteration: int) -> None:
        r = st.session_state[key]
        r.running = False
        if r.iteration == at_iteration:  # a repeated delivery of the same click finds the run already moved on
            step_once(r, max_iter=max_iter, metrics=metrics, keep_path=keep_path, max_points=max_points,
                      per_step=per_step)
        _rerun_from_callback()

    def _reset() -> None:
        st.session_state[key] = new_run(start, structure, tunables, **kw)
        _rerun_from_callback()

    if st.session_state.get(PLAY_SHORTCUT_KEY) is True:  # a lecture tour is on: the page's first live run takes Space
        st.session_state[PLAY_SHORTCUT_KEY] = key
    space = "Space" if st.session_state.get(PLAY_SHORTCUT_KEY) == key else None

    @st.fragment(key=controls_key)
    def _controls() -> None:
        r: Run = st.session_state[key]
        c_play, c_step, c_reset = st.columns(3, vertical_alignment="bottom")
        c_play.button("‖ Pause" if r.running else "▶ Play", key=f"{key}.play", on_click=_set_running,
                      args=(not r.running,), width="stretch", disabled=r.done and not r.running, type="primary",
                      shortcut=space)
        c_step.button("Step", key=f"{key}.step", on_click=_step, args=(r.iteration,), width="stretch",
                      disabled=r.done)
        c_reset.button("Reset", key=f"{key}.reset", on_click=_reset, width="stretch")

    with c_buttons:
        _controls()

    # The timer's interval follows this server process's load (app.load): 20 frames/s alone, fewer in a class.
    run.interval = LOAD.update(id(run)) if run.running else 0.0

    @st.fragment(run_every=run.interval or None, key=frame_key)
    def _frame() -> None:
        t_start = time.monotonic()
        r: Run = st.session_state[key]
        tick = r.running and bool(_fragment_run_ids())  # a timer tick, not the page's own run
        if tick:  # joins and clicks first
            LOAD.yield_to_page_runs(0.5 * r.interval)
        planned = LOAD.update(id(r)) if r.running else r.interval  # the controller's interval now (app.load)
        if tick and not r.interval:  # Play, which reran only this fragment: start the browser's timer
            r.interval, r.retimed = planned, time.monotonic()
            if not _retime_browser(planned):
                st.rerun()
        elif r.running and _retime(r, planned) and not _retime_browser(r.interval):
            st.rerun()  # the load moved the interval: rerun the page to give the browser's timer the new one
        was_running = r.running
        with LOAD.frame_slot() if tick and r.running else contextlib.nullcontext():
            if r.running:
                advance(r, speed, max_iter=max_iter, metrics=metrics, keep_path=keep_path, max_points=max_points,
                        per_step=per_step, budget_ms=_compute_budget(r.interval))
            t0 = time.perf_counter()
            _status_line(r, diverged_hint)
            st.session_state[LIVE_FRAME_KEY] = r.running  # charts of a playing run are drawn static (app.panels.show)
            try:
                draw(r)
            finally:
                st.session_state[LIVE_FRAME_KEY] = False
            r.draw_ms = 1e3 * (time.perf_counter() - t0)
        if was_running:
            LOAD.frame_done(id(r))
        if was_running and not r.running:
            st.rerun()  # the run ended: rerun the page so the timer stops and the buttons update
        if tick and r.running:  # the next frame, from this script thread (see chain_next_frame), at the planned
            # interval: the browser's timer keeps its own until the plan moves by RETIME_FACTOR (re-registering it
            # costs a message or a page run), and chained at the timer's interval the frames came up to 1.6x
            # slower than the controller planned for (a process's frame share stayed at 0.6-0.75 of the core)
            chain_next_frame(t_start + planned, max(planned, r.interval))

    _frame()
    return st.session_state[key]
