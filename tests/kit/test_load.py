"""The adaptive frame interval (app/load.py) with a fake clock and CPU meter."""
from __future__ import annotations

import pytest

import app.load

from app.load import MAX_INTERVAL, FrameLoad
from app.live import Run, _retime


class Meter:
    def __init__(self):
        self.t = 0.0
        self.cpu = 0.0

    def tick(self, seconds: float, busy: float) -> None:
        self.t += seconds
        self.cpu += busy * seconds


@pytest.fixture(autouse=True)
def adaptive(monkeypatch):
    monkeypatch.setenv("NUMDL_ADAPTIVE_FRAMES", "1")  # tests/conftest.py turns it off for the page tests


def controller(m: Meter) -> FrameLoad:
    c = FrameLoad(base=0.05, max_interval=2.0, target=0.75, clock=lambda: m.t, cpu=lambda: m.cpu)
    c.update = lambda run_id="b", _u=c.update: (c._runs.add("a"), _u(run_id))[1]  # two students playing
    return c


def test_idle_or_light_load_keeps_the_base_interval():
    m = Meter()
    c = controller(m)
    for _ in range(10):
        m.tick(1.0, 0.3)
        assert c.update() == pytest.approx(0.05)
    assert c.busy == pytest.approx(0.3)


def test_saturated_core_doubles_until_the_load_fits_then_holds():
    """A class whose demand at 20 frames/s is 8 cores: the interval grows until demand <= 75% of one core."""
    m = Meter()
    c = controller(m)
    demand_at_base = 8.0  # CPU seconds per second the students would need at 0.05 s
    seen = []
    for _ in range(12):
        busy = min(1.0, demand_at_base * 0.05 / c.interval())
        m.tick(1.0, busy)
        seen.append(c.update())
    assert seen[:3] == pytest.approx([0.1, 0.2, 0.4])  # doubling while saturated
    final_busy = demand_at_base * 0.05 / seen[-1]
    assert 0.6 <= final_busy <= 0.95  # settled near the target, below saturation
    assert abs(seen[-1] - seen[-2]) / seen[-1] < 0.15  # and it holds


def test_interval_is_capped_and_comes_back_when_the_class_leaves():
    m = Meter()
    c = controller(m)
    for _ in range(10):
        m.tick(1.0, 1.0)
        c.update()
    assert c.interval() == MAX_INTERVAL
    for _ in range(40):
        m.tick(1.0, 0.01)
        c.update()
    assert c.interval() == pytest.approx(0.05)


def test_updates_at_most_once_a_second():
    m = Meter()
    c = controller(m)
    m.tick(0.5, 1.0)
    assert c.update() == pytest.approx(0.05)  # too soon: no measurement yet
    m.tick(0.6, 1.0)
    assert c.update() == pytest.approx(0.1)


def test_a_run_retimes_only_on_a_large_change_and_rarely():
    r = Run(structure=(), tunables=(), series={}, running=True, interval=0.05)
    assert not _retime(r, 0.07)  # within the factor
    assert _retime(r, 0.2)  # 4x: re-register
    r.interval = 0.2
    assert not _retime(r, 1.0)  # 5x, but the last re-registration was just now


def test_one_student_alone_is_never_slowed_down():
    m = Meter()
    c = FrameLoad(base=0.05, max_interval=2.0, target=0.75, clock=lambda: m.t, cpu=lambda: m.cpu)
    for _ in range(5):
        m.tick(1.0, 1.0)
        assert c.update("only") == pytest.approx(0.05)
    assert c.runs == 1


def test_the_environment_switch_keeps_the_base_interval(monkeypatch):
    monkeypatch.setenv("NUMDL_ADAPTIVE_FRAMES", "0")
    m = Meter()
    c = controller(m)
    m.tick(1.0, 1.0)
    assert c.update() == c.interval() == 0.05
    assert app.load.LOAD.interval() == app.load.BASE_INTERVAL
