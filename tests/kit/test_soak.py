"""Long runs: 10,000 live iterations on every live section keep the memory growth under 50 MB.

For every section with a live run (``bench.bench_frames.EXPECTED_LIVE``), the real page is rendered headless once
(AppTest) and its live run is captured as the kit holds it: the :class:`app.live.Run` that ``live_run`` keeps in
``st.session_state`` and what the page passed to it (its solvers, ``metrics``, ``keep_path``, ``max_points``,
``max_iter``, ``per_step``, its ``draw``). That run is then played frame by frame at the fastest speed the page
offers (200 iterations per frame, ``app.params.SPEED``) through :func:`app.live.advance` with the page's options,
and the page's ``draw`` draws every other frame and the last one (outside a script run: the figures are built and
serialized, nothing is sent). A run that ends (converged, or the page's iteration limit) is Reset, as a student
would do (a new run as ``live_run``'s Reset button makes it), and played on until 10,000 iterations have been
played (the iteration counter of the status line, summed over the resets). After every frame each series holds at
most ``max_points`` history points (every column, and the path). At the end, the long run is put back into the
page and one frame is rendered through the real fragment (a playing one if the run is still going): no exception,
the history still bounded, and no session-state entry added but the record of the frame's chart sizes.

Memory: the process's resident set size (``/proc/self/statm``) after ``gc.collect()`` and glibc's
``malloc_trim(0)`` (freed memory is returned to the system, not counted; the reading is then stable to a few KB),
taken after a warm-up (one iteration and one draw: imports, plotly's validators, caches filled once), at half of
the iterations and at the end. Asserted under 50 MB: the growth, the peak (the RSS after each frame, without
collection, minus the baseline) and the growth at 10,000 iterations (equal to the growth when 10,000 were played;
see below otherwise). ``test_the_measure_sees_a_leak`` checks the instrument: a series that keeps 40 KB per
iteration is reported with its 76 MB in 2,000 iterations, 381 MB extrapolated to 10,000.

Within the file's budget (about 45 s on two workers):

- Sections whose iterations train a network, and a few other slow ones, are played with the smallest structural
  settings their page offers in the URL (``QUERY``: fewer samples, narrower and shallower networks, larger
  batches, a softmax model instead of the MLP); the run, the solvers, the kit's code path and the draw are the
  page's own.
- Sections whose iteration still costs about 0.3 ms or more at those settings (``FEWER``: the CNN, the deep,
  residual, single-layer and information-bottleneck networks, DTO/OTD training and the path-planning ODE network,
  the crime Gauss-Newton, the GAN and WGAN, the dropout MLP, the sparse logistic regression, MSA, the adaptive
  neural ODE, LISTA: 16 of the 33) are played for fewer iterations (130 to 2,100), past their page's iteration
  limit (a Reset happened) or past ``max_points`` iterations (the history was thinned), except the
  information-bottleneck counterpoints (250 epochs of two networks; its history, like the plane's with the same
  metrics, is thinned at 400). For them the growth at 10,000 iterations is extrapolated:
  the growth measured plus, for the iterations missing, a growth per iteration: the smaller of the whole run's
  and the second half's (a leak grows in both halves; one-time costs fall in the first, a stray allocation of
  the test process in one). That still overestimates (the history keeps filling up to ``max_points``) and is
  asserted under 50 MB, next to the bound on the history length, which is what keeps the memory bounded. The RSS
  readings are stable to a few KB, so the extrapolation (up to 100x for the CNN) does not amplify noise much: the
  largest extrapolated growth measured is 7-10 MB (counterpoints: 0.2-0.3 MB in 250 epochs, its two histories
  filling up), the others at most 2 MB.
- Implicit bias counts GD iterations, recorded at spacings of 5% (at most 100 apart): its 10,000 iterations are
  one frame of fewer than 200 recorded steps, and its history (``max_points`` 300) is not thinned (50,000
  iterations are still only ~250 steps; the thinning is the kit's, exercised by the other sections).

Run ``pytest -s tests/kit/test_soak.py`` to see the numbers of every section.
"""
from __future__ import annotations

import ctypes
import gc
import inspect
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pytest

import app.lesson
from app.catalog import available
from app.live import Run, Solver, advance, live_run, new_run, solver_starter
from app.panels import FRAME_BYTES_KEY
from app.params import SPEED
from bench.bench_frames import EXPECTED_LIVE
from tests.pages.helpers import assert_clean, page

ITERATIONS = 10_000
LIMIT_MB = 50.0
FRAME = max(SPEED.options)  # iterations per frame: the fastest the speed control offers (200)

# The smallest structural settings a page offers in the URL, for the sections whose iterations train a network.
QUERY: dict[tuple[str, str], dict[str, Any]] = {
    ("adversarial", "targeted"): {"kind": "softmax"},
    ("convolutional-networks", "cnn"): {"c1": 2, "c2": 4},
    ("deep-networks", "train"): {"n_train": 100, "depth": 1, "width": 2},
    ("dropout", "least-squares"): {"n": 5, "d": 2, "batch": 1},
    ("dropout", "mlp"): {"n_train": 5, "width": 5},
    ("dynamical-systems", "msa"): {"L": 2, "inner": 1},
    ("generative-models", "flow"): {"layers": 2, "hidden": 8},
    ("generative-models", "gan"): {"hidden": 8},
    ("generative-models", "vae"): {"hidden": 8},
    ("generative-models", "wgan"): {"hidden": 8},
    ("information-bottleneck", "counterpoints"): {"batch_size": 1024, "train_frac": 0.3},
    ("information-bottleneck", "plane"): {"batch_size": 1024, "train_frac": 0.3},
    ("intro-theory", "autoencoder"): {"n": 100, "hidden": 2},
    ("landscapes", "overparameterized"): {"m": 5, "n": 4, "d": 2},
    ("linear-classification", "sparse"): {"n_train": 200},
    ("neural-odes", "adaptive"): {"n": 10, "rtol": 0.01},
    ("optimal-control", "paths"): {"n_samples": 50, "depth": 2},
    ("optimal-control", "train"): {"rtol": 0.1, "atol": 0.1},
    ("residual-networks", "train"): {"n_train": 100, "width": 2, "depth": 1},
    ("single-layer", "crime"): {"n_samples": 100, "n_features": 2, "n_classes": 2, "neurons": 2},
    ("single-layer", "train"): {"n_train": 100, "width": 2},
    ("sparse-coding", "ista-fista"): {"n": 100},
    ("sparse-coding", "lista"): {"n_layers": 1, "n_train": 50},
}
# Sections played for fewer iterations (see the module docstring); the growth is extrapolated to ITERATIONS.
FEWER: dict[tuple[str, str], int] = {
    ("convolutional-networks", "cnn"): 100,
    ("deep-networks", "train"): 1_000,
    ("dropout", "mlp"): 2_000,
    ("dynamical-systems", "msa"): 2_100,
    ("generative-models", "gan"): 2_000,
    ("generative-models", "wgan"): 1_000,
    ("information-bottleneck", "counterpoints"): 250,
    ("information-bottleneck", "plane"): 420,
    ("linear-classification", "sparse"): 2_100,
    ("neural-odes", "adaptive"): 1_000,
    ("optimal-control", "paths"): 1_000,
    ("optimal-control", "train"): 130,
    ("residual-networks", "train"): 600,
    ("single-layer", "crime"): 1_000,
    ("single-layer", "train"): 1_000,
    ("sparse-coding", "lista"): 1_100,
}

FILES = {e.url_path: e.file for e in available()}
MB = 1024.0 * 1024.0
DEFAULTS = {n: p.default for n, p in inspect.signature(live_run).parameters.items()}  # max_points, max_iter, ...


def _libc_trim() -> Callable[[], Any]:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda *_: 0


_TRIM = _libc_trim()


def rss(collect: bool = True) -> float:
    """Resident set size of this process in bytes; with ``collect``, after garbage collection and malloc_trim."""
    if collect:
        gc.collect()
        _TRIM(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Live:
    """A page's live run as the kit holds it: the run, its key, and what ``live_run`` was called with."""

    key: str
    run: Run
    start: Mapping[str, Solver] | Callable
    draw: Callable[[Run], None]
    options: dict
    draw_cpu: float = 0.0

    def fresh(self) -> Run:
        """A new run, as the page's Reset button makes it (``app.live.live_run``)."""
        o = self.options
        structure, tunables = o["structure"], o.get("tunables") or {}
        solvers = dict(self.start) if isinstance(self.start, Mapping) else None
        start = solver_starter(solvers, {**structure, **tunables}) if solvers is not None else self.start
        return new_run(start, structure, tunables, metrics=self.opt("metrics"), keep_path=self.opt("keep_path"),
                       max_points=self.max_points, solvers=solvers)

    def opt(self, name: str) -> Any:
        """An option of ``live_run`` as the page passed it, or its default."""
        return self.options.get(name, DEFAULTS[name])

    @property
    def max_points(self) -> int:
        return self.opt("max_points")

    def frame(self, run: Run, iterations: int = FRAME, draw: bool = True) -> None:
        """One playing frame: ``advance`` with the page's options (as ``live_run``'s fragment), then ``draw``."""
        advance(run, iterations, metrics=self.opt("metrics"), keep_path=self.opt("keep_path"),
                max_points=self.max_points, max_iter=self.opt("max_iter"), budget_ms=None,
                per_step=self.opt("per_step"))
        if draw:
            c = time.process_time()
            self.draw(run)
            self.draw_cpu += time.process_time() - c


def capture(monkeypatch, url: str, section: str, query: Mapping[str, Any]):
    """Render the page headless once and capture its live run (the last ``live_run`` call of the script)."""
    calls = []
    real = app.lesson.live_run

    def spy(key, pp, start, draw, **options):
        run = real(key, pp, start, draw, **options)
        calls.append(Live(key, run, start, draw, options))
        return run

    monkeypatch.setattr(app.lesson, "live_run", spy)
    at = page(FILES[url], {"section": section, **{k: str(v) for k, v in query.items()}}).run()
    assert_clean(at)
    assert calls, f"{url}?section={section}: no live run"
    live = calls[-1]
    assert at.button(key=f"{live.key}.play"), "the page shows no Play button for the captured run"
    used = {k: live.options["structure"].get(k) for k in query}
    assert used == dict(query), f"the page did not take the URL's settings: {used}"
    return at, live


def check_bounded(run: Run, max_points: int) -> None:
    for s in run.series.values():
        lengths = {k: len(v) for k, v in s.history.items()}
        assert max(lengths.values()) <= max_points, (s.name, lengths, max_points)
        assert len(s.path) <= max_points, (s.name, len(s.path), max_points)


def soak(live: Live, target: int) -> dict:
    """Play ``live``'s run for ``target`` iterations (Reset when it ends); its memory and history numbers.

    The RSS is taken (collected) after a warm-up, at half of ``target`` and at the end: ``growth_mb`` is the whole
    growth, ``late_mb`` that of the second half (after one-time costs: the history filling up, caches filling).
    """
    run = live.run
    live.frame(run, 1)  # warm-up: one iteration and the first draw (imports, figure templates)
    base = rss()
    played, resets, frames, peak, longest, history, mid, at_mid = 0, 0, 0, 0.0, 0, 0, None, 0
    t0, c0 = time.perf_counter(), time.process_time()
    while played < target:
        if run.done:
            run, resets = live.fresh(), resets + 1
        if mid is None and played >= target // 2:
            mid, at_mid = rss(), played
        before, k = run.iteration, min(FRAME, (target // 2 if mid is None else target) - played)
        live.frame(run, k, draw=frames % 2 == 1 or played + k >= target)
        frames += 1
        played += run.iteration - before
        check_bounded(run, live.max_points)
        longest = max(longest, run.iteration)
        history = max(history, *(len(v) for s in run.series.values() for v in s.history.values()))
        peak = max(peak, rss(collect=False))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    end = rss()
    if mid is None:  # a counter that jumps past half of the target in one frame
        mid = base
    return {"run": run, "played": played, "resets": resets, "frames": frames, "seconds": seconds, "cpu": cpu,
            "growth_mb": (end - base) / MB, "late_mb": (end - mid) / MB, "late_iterations": played - at_mid,
            "peak_mb": max(peak - base, 0.0) / MB, "longest": longest, "history": history}


def extrapolated(r: dict) -> float:
    """The growth at ITERATIONS: the growth so far plus a growth per iteration for the rest, the smaller of the whole
    run's and the second half's (a leak grows in both; one-time costs fall in the first half, a stray allocation
    in one of them)."""
    rate = min(r["growth_mb"] / max(r["played"], 1), r["late_mb"] / max(r["late_iterations"], 1))
    return r["growth_mb"] + max(rate, 0.0) * max(ITERATIONS - r["played"], 0)


@pytest.mark.parametrize("url,section", sorted(EXPECTED_LIVE), ids=lambda v: v)
def test_long_run_memory_is_bounded(monkeypatch, url, section):
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("needs /proc/self/statm (Linux) for the resident set size")
    at, live = capture(monkeypatch, url, section, QUERY.get((url, section), {}))
    target = FEWER.get((url, section), ITERATIONS)
    r = soak(live, target)
    at_10k = extrapolated(r)
    text = (
        f"{r['played']} it ({r['resets']} resets, longest run {r['longest']}), {r['seconds']:.1f} s ({r['cpu']:.1f} s "
        f"CPU, draw {live.draw_cpu:.1f}): growth {r['growth_mb']:+.2f} MB (2nd half {r['late_mb']:+.2f}), at 10,000 "
        f"{at_10k:+.2f} MB, peak {r['peak_mb']:.2f} MB, history {r['history']} <= {live.max_points}")
    print(f"\nsoak {url}/{section}: {text}", file=sys.stderr)
    assert r["played"] >= target
    assert r["growth_mb"] < LIMIT_MB and at_10k < LIMIT_MB and r["peak_mb"] < LIMIT_MB, text

    # The page draws the long run: put it back and render a frame through the real fragment (a playing one if the
    # run is still going); a frame adds no session-state entry but the record of its chart sizes.
    keys = set(at.session_state.keys())
    at.session_state[live.key] = r["run"]
    if r["run"].done:
        at.run()
    else:
        at.button(key=f"{live.key}.play").click().run()
    assert_clean(at)
    assert set(at.session_state.keys()) - keys <= {FRAME_BYTES_KEY}
    assert at.session_state[live.key].iteration >= r["run"].iteration
    check_bounded(at.session_state[live.key], live.max_points)


def _leaky(n_bytes: int):
    """A method that keeps ``n_bytes`` per iteration alive (a leak the soak has to see)."""
    from numdl_core.optim import Step

    kept = []
    for k in range(10**9):
        kept.append(np.ones(n_bytes // 8))
        yield Step(k, np.zeros(2), 1.0 / (k + 1), 1.0, {})


def test_the_measure_sees_a_leak():
    solvers = {"leak": Solver(_leaky, 40_000)}
    run = new_run(solver_starter(solvers, {}), {}, {}, solvers=solvers, max_points=100)
    live = Live("leak", run, solvers, lambda r: None, {"structure": {}, "max_points": 100})
    r = soak(live, 2_000)
    expected = 2_000 * 40_000 / MB  # 76 MB
    assert r["growth_mb"] == pytest.approx(expected, rel=0.15)
    assert extrapolated(r) == pytest.approx(ITERATIONS * 40_000 / MB, rel=0.15)  # 381 MB
    assert r["history"] <= 100
