"""Adaptive frame interval: a server process shares its one core among every student playing a live run.

Every live frame is a script run in this process, and Streamlit runs them all on one core (the GIL). At the base
interval (``BASE_INTERVAL``, 20 frames/s) one process keeps up with a handful of students; with a class on it, the
browsers' timers would ask for more frames than the core can run, and past that point Streamlit interrupts its
own frames and some students' runs stop updating altogether (seen with 30 students at 20 frames/s on one
process). So the interval follows the load: each run gets ``n * c / TARGET_BUSY`` seconds, for ``n`` runs
playing on this process and ``c`` the measured CPU cost of a frame (fewer frames per student, the same for
everyone, and never more than the core can serve); alone, a student gets the full 20 frames/s.

At most ``FRAME_SLOTS`` (1) live frame computes at once in a process (``FrameLoad.frame_slot``); the others
wait blocked. With 50 frame threads competing for the GIL, the event loop (every websocket of the process, and
the start of every script thread) waited for it too long: joining took 3.7-5.4 s at 100 students on 2 replicas,
1.1-1.6 s with 2 slots (1 slot: 2.0-2.1 s), and the frame rate went up (1.64 -> 1.75-1.83 frames/s). Since Play
stopped rerunning the page, 1 slot is better: tick p95 470-505 ms against 609-690 ms with 2 slots, same joins
(0.15-0.22 s) and frame rates (2.9-3.3 frames/s; 100 students, 3 runs each way, alternating).

Page runs come first: a student joining (or clicking) starts a full run of the page, and while one is in
progress a live frame waits before it starts (``FrameLoad.page_run`` around the page in ``app/main.py``,
``FrameLoad.yield_to_page_runs`` at the top of a frame), so joining does not queue behind the class's frames.
The controller also gives the frames only what the page runs leave: it measures the CPU of the page runs' own
threads, and the frames' share is ``TARGET_BUSY`` minus that (at least ``MIN_FRAME_SHARE``). While a class
joins, frames slow down and the joins get the core (A/B at 100 students on 2 replicas: join median 1.3-2.3 s ->
0.65-1.1 s); once nobody joins, the frames get it back, and the frame cost no longer counts the page runs'
CPU (frames 1.95-2.13 -> 2.40-2.49 frames/s per student).

The controller is per process (a replica of ``deploy/classroom`` adapts to its own students). A live run picks up
the interval when it starts, and gives its browser timer a new one when the interval has moved by more than
``RETIME_FACTOR`` (``app.live``). ``NUMDL_ADAPTIVE_FRAMES=0`` in the environment keeps the base interval (the
tests set it: their frames must not depend on the machine's load).
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Iterator

__all__ = ["BASE_INTERVAL", "MAX_INTERVAL", "TARGET_BUSY", "MIN_FRAME_SHARE", "RETIME_FACTOR", "PAGE_POLL", "FrameLoad",
           "LOAD"]

BASE_INTERVAL = 0.05  # seconds between frames of a live run on an idle server (20 frames/s)
MAX_INTERVAL = 2.0  # never slower than one frame every 2 s: the run still visibly moves
TARGET_BUSY = 0.9  # the share of the process's core live frames may use (the rest: page loads, clicks).
# 0.75 until issue 13's last stop: A/B at 100 students (chained frames, app.live.chain_next_frame), 0.75 gave
# 1.16-1.52 frames/s and joins of 2.1-2.3 s, 0.9 gave 1.73-2.08 frames/s and joins of 2.3-3.5 s (the replicas
# used 0.7 of a core each in both: frames wait for the GIL, not for the controller's share).
RETIME_FACTOR = 1.6  # a playing run re-registers its timer when the interval moved by more than this factor
UPDATE_EVERY = 1.0  # seconds between controller updates
ACTIVE_WINDOW = 0.5  # seconds (or three intervals, if longer): a live run with a frame this recent is playing
FRAME_SLOTS = 1  # live frames computing at once per process (NUMDL_FRAME_SLOTS overrides; 0: no limit)
PAGE_POLL = 0.005  # with a fake clock (tests): seconds between looks at the page runs in progress
MIN_FRAME_SHARE = 0.25  # while page runs take most of the core (a class joining), live frames still get this share
FRAME_COST = 0.02  # CPU seconds of a live frame, all of Streamlit's work included (measured: 12-22 ms), at start


class FrameLoad:
    """The process's frame-interval controller.

    Live runs report each frame they start (``update``) and complete (``frame_done``). Every ``UPDATE_EVERY``
    seconds the controller measures, over the last period, the busy fraction :math:`u` of the process (CPU seconds
    per second, ``time.process_time``: Streamlit's own work for the frames, page loads and clicks included), the
    share :math:`p` of it the page runs' threads used themselves (``page_run``, ``time.thread_time``) and the
    frames :math:`F` completed, and keeps a moving average of the cost of a frame,
    :math:`c = (u - p)\\,\\Delta T / F`. With :math:`n` live runs playing (a frame asked for in the last three
    intervals) the interval that fills what the page runs leave of the share :math:`u^*` of the core is

    .. math:: \\Delta t = \\mathrm{clip}\\left(\\frac{n\\,c}{\\max(u^* - p,\\ u_{min})},\\
              \\Delta t_0,\\ \\Delta t_{max}\\right),

    computed whenever it is asked for, so a run that starts while a class is playing gets its share at once (the
    browsers' timers never ask for more frames than the core runs: past that, Streamlit drops into interrupting
    its own frames and some students' runs stop updating). A run alone (:math:`n < 2`) gets :math:`\\Delta t_0`:
    nobody else wants the core. A cost sample is capped at twice the running average (the event loop's work for a
    page load in the period would otherwise count as one expensive frame).
    """

    def __init__(self, base: float = BASE_INTERVAL, max_interval: float = MAX_INTERVAL,
                 target: float = TARGET_BUSY, clock=time.monotonic, cpu=time.process_time,
                 frame_cost: float = FRAME_COST, sleep=None, thread_cpu=time.thread_time):
        self.base, self.max_interval, self.target = base, max_interval, target
        self._clock, self._cpu, self._sleep = clock, cpu, sleep  # sleep: a fake clock's (tests); else an Event
        self._thread_cpu = thread_cpu  # CPU seconds of the calling thread (a page run's own work)
        self._page_cpu = self._page_c = 0.0  # CPU seconds of the page runs so far, and at the last update
        self._no_page_runs = threading.Event()
        self._no_page_runs.set()
        slots = int(os.environ.get("NUMDL_FRAME_SLOTS", FRAME_SLOTS))
        self._frame_slots = threading.BoundedSemaphore(slots) if slots > 0 else None
        self._page_runs = 0  # full page runs in progress (joins, clicks): frames wait for them
        self._lock = threading.Lock()
        self._t, self._c = clock(), cpu()
        self._frames = 0
        self._interval = base
        self._last: dict = {}  # run id -> when it last asked for or completed a frame
        self.busy = 0.0  # the busy fraction measured at the last update
        self.page_share = 0.0  # the share of the core the page runs took over the last period
        self.frame_cost = frame_cost  # moving average of the CPU seconds per completed frame

    @staticmethod
    def enabled() -> bool:
        return os.environ.get("NUMDL_ADAPTIVE_FRAMES", "1") != "0"

    @property
    def runs(self) -> int:
        """Live runs playing: a frame asked for or completed within the last three intervals (at least
        ``ACTIVE_WINDOW`` seconds), so a closed tab stops counting soon."""
        now = self._clock()
        window = max(ACTIVE_WINDOW, 3 * self._interval)
        return sum(now - t <= window for t in list(self._last.values()))

    def interval(self) -> float:
        runs = self.runs
        if not self.enabled() or runs < 2:  # a student alone gets every frame the core can give
            self._interval = self.base
        else:
            share = max(MIN_FRAME_SHARE, self.target - self.page_share)
            self._interval = min(self.max_interval, max(self.base, runs * self.frame_cost / share))
        return self._interval

    @contextlib.contextmanager
    def page_run(self) -> Iterator[None]:
        """Mark a full run of the page (a student joining, or a click) for the length of the ``with`` block:
        live frames give it the core (:meth:`yield_to_page_runs`)."""
        with self._lock:
            self._page_runs += 1
            self._no_page_runs.clear()
        c0 = self._thread_cpu()
        try:
            yield
        finally:
            with self._lock:
                self._page_cpu += max(0.0, self._thread_cpu() - c0)
                self._page_runs -= 1
                if self._page_runs == 0:
                    self._no_page_runs.set()

    @contextlib.contextmanager
    def frame_slot(self) -> Iterator[None]:
        """At most ``FRAME_SLOTS`` live frames of this process compute at once; the others wait, blocked (no GIL),
        for a slot. Fewer threads competing for the GIL leave it to the server's event loop sooner (every
        websocket of the process, and the start of every script thread, waits for it)."""
        sem = self._frame_slots
        if sem is None or not self.enabled():
            yield
            return
        with sem:
            yield

    @property
    def page_runs(self) -> int:
        """Full page runs in progress in this process."""
        return self._page_runs

    def yield_to_page_runs(self, limit: float, poll: float = PAGE_POLL) -> float:
        """Wait (blocked, so without the GIL) while a page run is in progress, at most ``limit`` seconds;
        return the time waited. The wait ends when the last page run ends (an Event; ``poll`` is the step of
        a controller built with a fake ``sleep``, in the tests).

        Python gives every thread of the process the same share of the core, so without this a student who
        joins while 50 others play waits for ~50 frames' worth of work before the page appears. A frame waits
        instead: joining and clicking come first, live frames use the rest. ``limit`` (half the frame interval,
        from :mod:`app.live`) keeps a frame from being cut off by its own next tick."""
        if not self.enabled() or limit <= 0:
            return 0.0
        t0 = now = self._clock()
        if self._sleep is None:  # blocked on an Event: woken when the last page run ends, no polling
            if self._page_runs > 0:
                self._no_page_runs.wait(limit)
            return self._clock() - t0
        while self._page_runs > 0 and now - t0 < limit:
            self._sleep(min(poll, limit - (now - t0)))
            now = self._clock()
        return now - t0

    def frame_done(self, run_id: object) -> None:
        """A frame of the live run ``run_id`` was drawn completely."""
        with self._lock:
            self._frames += 1
            self._last[run_id] = self._clock()

    def update(self, run_id: object = None) -> float:
        """Note that the live run ``run_id`` (if given) is playing, measure the frame cost if ``UPDATE_EVERY`` has
        passed, and return the interval."""
        if not self.enabled():
            return self.base
        with self._lock:
            now = self._clock()
            if run_id is not None:
                self._last[run_id] = now
            dt = now - self._t
            if dt >= UPDATE_EVERY:
                cpu = self._cpu()
                self.busy = max(0.0, (cpu - self._c) / dt)
                pages = max(0.0, self._page_cpu - self._page_c)
                self.page_share = min(1.0, pages / dt)
                if self._frames:  # (page runs' own CPU aside; what else they cost is capped at twice the average)
                    cost = min(max(0.0, cpu - self._c - pages) / self._frames, 2 * self.frame_cost)
                    self.frame_cost = 0.5 * self.frame_cost + 0.5 * cost
                elif self.busy > self.target:  # busy and no frame completed: frames cost more than we thought
                    self.frame_cost *= 2
                self._t, self._c, self._frames, self._page_c = now, cpu, 0, self._page_cpu
                window = max(ACTIVE_WINDOW, 3 * self._interval)
                self._last = {k: t for k, t in self._last.items() if now - t <= window}
        return self.interval()


LOAD = FrameLoad()
"""The controller of this server process (shared by its sessions)."""
