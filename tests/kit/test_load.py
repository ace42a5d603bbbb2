"""The adaptive frame interval (app/load.py), with a fake clock and CPU meter and a simulated class."""
from __future__ import annotations

import pytest

import app.load
from app.live import Run, _retime
from app.load import FrameLoad


@pytest.fixture(autouse=True)
def adaptive(monkeypatch):
    monkeypatch.setenv("NUMDL_ADAPTIVE_FRAMES", "1")  # tests/conftest.py turns it off for the page tests


class Machine:
    """One core; ``students`` live runs whose frames cost ``cost`` CPU seconds each, besides ``other`` load."""

    def __init__(self, students: int, cost: float, other: float = 0.0):
        self.t, self.cpu = 0.0, 0.0
        self.students, self.cost, self.other = students, cost, other
        self.c = FrameLoad(base=0.05, max_interval=2.0, target=0.75, clock=lambda: self.t, cpu=lambda: self.cpu)

    def second(self) -> tuple[float, float]:
        """One second: the students' timers ask for frames at the current interval, the core runs what it can.
        Returns (interval after the controller's update, frames/s per student)."""
        asked = self.students / self.c.interval()
        done = int(min(asked, (1.0 - self.other) / self.cost))
        self.t += 1.0
        self.cpu += done * self.cost + self.other
        for k in range(done):  # the core completes what it can ...
            self.c.frame_done(k % self.students)
        for k in range(self.students):  # ... and every playing run's next tick reaches the server
            self.c.update(k)
        return self.c.update(), done / max(self.students, 1)


def test_idle_or_light_load_keeps_the_base_interval():
    m = Machine(students=3, cost=0.002)  # 3 x 20 frames/s x 2 ms = 12% of the core
    for _ in range(10):
        interval, fps = m.second()
    assert interval == pytest.approx(0.05)
    assert fps == pytest.approx(20)


def test_a_class_gets_the_interval_that_fits_the_core_at_once():
    """50 students at 20 ms a frame want 50 x 20 x 0.02 = 20 cores; one core at 75% gives each 0.75 frames/s."""
    m = Machine(students=50, cost=0.02)
    seen = [m.second() for _ in range(8)]
    intervals = [s[0] for s in seen]
    assert intervals[0] == pytest.approx(50 * 0.02 / 0.75, rel=0.05)  # 1.33 s from the first measurement
    assert intervals[-1] == pytest.approx(intervals[1], rel=0.15)  # and it holds
    assert seen[-1][1] == pytest.approx(1 / intervals[-1], rel=0.1)  # every frame asked for is served
    assert m.c.busy == pytest.approx(0.75, abs=0.1)


def test_interval_is_capped_and_comes_back_when_the_class_leaves():
    m = Machine(students=200, cost=0.02)
    for _ in range(6):
        m.second()
    assert m.c.interval() == 2.0
    m.students = 1
    for _ in range(30):
        m.second()
    assert m.c.interval() == pytest.approx(0.05)


def test_one_student_alone_is_never_slowed_down():
    for cost in (0.01, 0.045):  # even a heavy page whose 20 frames/s take 90% of the core
        m = Machine(students=1, cost=cost)
        for _ in range(4):
            assert m.second()[0] == pytest.approx(0.05)
        assert m.c.runs == 1


def test_a_frame_cost_estimate_that_is_too_low_corrects_itself():
    m = Machine(students=40, cost=0.06)  # three times the initial guess
    for _ in range(10):
        interval, _ = m.second()
    assert interval == pytest.approx(2.0)  # 40 x 0.06 / 0.75 = 3.2 s, capped
    assert m.c.frame_cost == pytest.approx(0.06, rel=0.1)


def test_a_run_that_starts_in_a_busy_process_gets_its_share_at_once():
    m = Machine(students=30, cost=0.02)
    for k in range(30):  # thirty runs asked for a frame just now; no measurement yet
        m.c.update(k)
    assert m.c.update("new") == pytest.approx(31 * 0.02 / 0.75)


def test_the_environment_switch_keeps_the_base_interval(monkeypatch):
    monkeypatch.setenv("NUMDL_ADAPTIVE_FRAMES", "0")
    m = Machine(students=50, cost=0.02)
    for _ in range(3):
        assert m.second()[0] == 0.05
    assert app.load.LOAD.interval() == app.load.BASE_INTERVAL


def test_a_run_retimes_only_on_a_large_change_and_rarely():
    r = Run(structure=(), tunables=(), series={}, running=True, interval=0.05)
    assert not _retime(r, 0.07)  # within the factor
    assert _retime(r, 0.2) and r.interval == 0.2  # 4x: the run takes the new interval
    assert not _retime(r, 1.0)  # 5x, but the last change was just now


def test_a_closed_tab_stops_counting_within_three_intervals():
    m = Machine(students=2, cost=0.03)
    m.c.update("a")
    m.c.update("b")
    assert m.c.runs == 2 and m.c.interval() == pytest.approx(2 * 0.02 / 0.75)  # (the starting cost estimate)
    m.t += 0.6  # "a" closed its tab; "b" plays on alone
    assert m.c.update("b") == pytest.approx(0.05) and m.c.runs == 1


class Clock:
    """A fake monotonic clock; ``sleep`` advances it (and can end a page run at a given time)."""

    def __init__(self):
        self.t = 0.0
        self.at: tuple[float, object] | None = None

    def sleep(self, dt: float) -> None:
        self.t += dt
        if self.at and self.t >= self.at[0]:
            self.at[1].__exit__(None, None, None)
            self.at = None


def test_frames_wait_for_page_runs_up_to_their_limit():
    c = Clock()
    load = FrameLoad(clock=lambda: c.t, cpu=lambda: 0.0, sleep=c.sleep)
    assert load.yield_to_page_runs(0.2) == 0.0  # nobody joining: no wait
    with load.page_run():
        assert load.page_runs == 1
        assert load.yield_to_page_runs(0.2) == pytest.approx(0.2)  # a long page run: the frame goes at its limit
    assert load.page_runs == 0
    run = load.page_run()
    run.__enter__()
    c.at = (c.t + 0.032, run)  # the page run ends 32 ms from now
    assert load.yield_to_page_runs(0.2) == pytest.approx(0.035)  # the frame goes at the next look (5 ms polls)
    assert load.page_runs == 0


def test_a_failing_page_run_is_no_longer_counted():
    load = FrameLoad()
    with pytest.raises(RuntimeError):
        with load.page_run():
            raise RuntimeError("the page raised (or Streamlit stopped it for a rerun)")
    assert load.page_runs == 0


def test_no_wait_when_adaptive_frames_are_off(monkeypatch):
    monkeypatch.setenv("NUMDL_ADAPTIVE_FRAMES", "0")
    c = Clock()
    load = FrameLoad(clock=lambda: c.t, cpu=lambda: 0.0, sleep=c.sleep)
    with load.page_run():
        assert load.yield_to_page_runs(0.2) == 0.0


def test_a_waiting_frame_goes_when_the_last_page_run_ends():
    """The real controller blocks on an Event: woken by the end of the page run, long before its limit."""
    import threading
    import time

    load = FrameLoad()
    entered = threading.Event()

    def page():
        with load.page_run():
            entered.set()
            time.sleep(0.05)

    t = threading.Thread(target=page)
    t.start()
    entered.wait(5)
    waited = load.yield_to_page_runs(5.0)
    t.join()
    assert 0.02 < waited < 2.0  # (the run took 50 ms; the limit was 5 s)
    assert load.yield_to_page_runs(5.0) < 0.05  # nobody joining: no wait


def test_at_most_frame_slots_frames_compute_at_once(monkeypatch):
    """The others wait blocked (no GIL) for a slot: the event loop gets the GIL sooner."""
    import threading
    import time

    monkeypatch.delenv("NUMDL_FRAME_SLOTS", raising=False)
    assert app.load.FRAME_SLOTS == 1
    monkeypatch.setattr(app.load, "FRAME_SLOTS", 2)
    load = FrameLoad()
    inside, most, lock = [0], [0], threading.Lock()

    def frame():
        with load.frame_slot():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=frame) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 2


def test_page_runs_take_the_core_first_and_frames_get_the_rest():
    """A class joining: page runs take 0.5 of the core (their threads' own CPU), 30 runs play at 10 ms a frame.
    Frames get 0.9 - 0.5 = 0.4 of the core (interval 30 x 0.01 / 0.4 = 0.75 s), not 0.9 (0.33 s), and the frame
    cost leaves the page runs' CPU out; once nobody joins, the frames get their 0.9 again."""
    t, cpu, thread = [0.0], [0.0], [0.0]
    load = FrameLoad(target=0.9, clock=lambda: t[0], cpu=lambda: cpu[0], thread_cpu=lambda: thread[0], frame_cost=0.01)
    for second in range(4):
        for k in range(30):
            load.update(k)
        if second < 3:  # 0.5 s of page runs in this second
            with load.page_run():
                thread[0] += 0.5
            cpu[0] += 0.5
        cpu[0] += 40 * 0.01  # 40 frames of 10 ms
        for k in range(40):
            load.frame_done(k % 30)
        t[0] += 1.0
        interval = load.update()
        if second < 3:
            assert load.page_share == pytest.approx(0.5)
            assert interval == pytest.approx(30 * 0.01 / 0.4)
        assert load.frame_cost == pytest.approx(0.01)
    assert load.page_share == 0.0 and interval == pytest.approx(30 * 0.01 / 0.9)
    with load.page_run():  # page runs past the target leave frames their minimum share
        thread[0] += 1.0
    cpu[0] += 1.0 + 30 * 0.01
    t[0] += 1.0
    for k in range(30):
        load.frame_done(k)
    assert load.update() == pytest.approx(30 * 0.01 / app.load.MIN_FRAME_SHARE, rel=0.01)
