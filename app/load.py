"""Adaptive frame interval: a server process shares its one core among every student playing a live run.

Every live frame is a script run in this process, and Streamlit runs them all on one core (the GIL). At the base
interval (``BASE_INTERVAL``, 20 frames/s) one process keeps up with a handful of students; with a class on it, the
browsers' timers would ask for more frames than the core can run, every frame would be interrupted by the next
tick and nobody would see anything. So the interval follows the load: the process measures its own CPU time
(``time.process_time``: every thread, Streamlit's event loop and serialization included) over the last few
seconds, and when it is busier than ``TARGET_BUSY`` the interval grows in proportion (fewer frames per student,
the same for everyone); when the load drops it shrinks back. A class of 100 on one core gets ~1-2 frames/s each
instead of timeouts; alone, a student gets the full 20.

The controller is per process (a replica of ``deploy/classroom`` adapts to its own students) and only slows
down when at least two live runs shared the last period: a student alone on a busy page keeps every frame the
core can give. A live run picks up the interval when it starts, and re-registers its timer when the interval has
moved by more than ``RETIME_FACTOR`` (``app.live``). ``NUMDL_ADAPTIVE_FRAMES=0`` in the environment keeps the base
interval (the tests set it: their frames must not depend on the machine's load).
"""
from __future__ import annotations

import os
import threading
import time

__all__ = ["BASE_INTERVAL", "MAX_INTERVAL", "TARGET_BUSY", "RETIME_FACTOR", "FrameLoad", "LOAD"]

BASE_INTERVAL = 0.05  # seconds between frames of a live run on an idle server (20 frames/s)
MAX_INTERVAL = 2.0  # never slower than one frame every 2 s: the run still visibly moves
TARGET_BUSY = 0.75  # the share of the process's core live frames may use (the rest: page loads, clicks)
RETIME_FACTOR = 1.6  # a playing run re-registers its timer when the interval moved by more than this factor
UPDATE_EVERY = 1.0  # seconds between controller updates
SATURATED = 0.95  # a busy fraction this high means the core is full: the demand may be anything above it


class FrameLoad:
    """The process's frame-interval controller.

    ``interval()`` is the current interval; ``update()`` (called by every live frame, at most one update per
    ``UPDATE_EVERY`` seconds) measures the busy fraction :math:`u` of the last period from the process CPU time and
    sets :math:`\\Delta t \\leftarrow \\mathrm{clip}(\\Delta t \\cdot u / u^*, \\Delta t_0, \\Delta t_{max})`
    with the target :math:`u^* =` ``TARGET_BUSY``: the frames per second the process is asked for scale with
    :math:`1/\\Delta t`; the factor is damped by a square root (the measurement is noisy), and doubled outright
    when the core is saturated (:math:`u \\ge 0.95`), where the real demand is unknown.
    """

    def __init__(self, base: float = BASE_INTERVAL, max_interval: float = MAX_INTERVAL,
                 target: float = TARGET_BUSY, clock=time.monotonic, cpu=time.process_time):
        self.base, self.max_interval, self.target = base, max_interval, target
        self._clock, self._cpu = clock, cpu
        self._lock = threading.Lock()
        self._interval = base
        self._t, self._c = clock(), cpu()
        self.busy = 0.0  # the busy fraction measured at the last update
        self.runs = 0  # live runs that drew a frame in the last period
        self._runs: set = set()

    @staticmethod
    def enabled() -> bool:
        return os.environ.get("NUMDL_ADAPTIVE_FRAMES", "1") != "0"

    def interval(self) -> float:
        return self._interval if self.enabled() else self.base

    def update(self, run_id: object = None) -> float:
        """Note a frame of the live run ``run_id``; measure the load if ``UPDATE_EVERY`` has passed and adjust the
        interval; return the interval."""
        if not self.enabled():
            return self.base
        with self._lock:
            self._runs.add(run_id)
            now = self._clock()
            dt = now - self._t
            if dt < UPDATE_EVERY:
                return self._interval
            cpu = self._cpu()
            self.busy = max(0.0, (cpu - self._c) / dt)
            self.runs, self._runs = len(self._runs), set()
            self._t, self._c = now, cpu
            # saturated: the real demand is unknown (above one core), so double; else move by the square root
            ratio = 2.0 if self.busy >= SATURATED else (max(self.busy, 1e-3) / self.target) ** 0.5
            if self.runs < 2:  # one student alone is never slowed down for others
                ratio = min(ratio, 1.0)
            self._interval = min(self.max_interval, max(self.base, self._interval * ratio))
            return self._interval


LOAD = FrameLoad()
"""The controller of this server process (shared by its sessions)."""
