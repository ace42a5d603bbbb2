"""Benchmark: first render of every page (AppTest, warm interpreter) and the live least-squares frames.

Run from the repository root:  python bench/bench_pages.py [--reps 5] [--browser]

- first render: a fresh AppTest session per repetition (so no session state), st.cache_data cleared, the
  interpreter warm (modules imported); the median time of ``at.run()``.
- live least squares (3x2 exercise, a = 1e-2, SD + CGLS): iterations per second of the core, and the server-side
  time of one frame (k iterations + status + both figures, including Streamlit's serialization of the figures),
  read from the live kit's own timers (``Run.frame_ms``, ``Run.draw_ms``).
- ``--browser``: visible chart updates per second in headless Chromium (needs /usr/bin/chromium and playwright).
"""
from __future__ import annotations

import argparse
import logging
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(1)

from streamlit import logger as _st_logger  # noqa: E402

_st_logger.set_log_level("error")
logging.disable(logging.WARNING)  # AppTest outside a server logs "No runtime found" and "missing ScriptRunContext"

from tests.pages.helpers import PAGES, page  # noqa: E402

SECTIONS = {
    "least_squares.py": ["polyfit", "iterative", "deblur", "conditioning", "digits"],
    "linear_classification.py": None,
    "single_layer.py": None,
    "spectral_clustering.py": None,
}


def _clear_data_caches() -> None:
    """Empty every st.cache_data cache. Outside a server, st.cache_data.clear() reaches a fresh storage manager
    and clears nothing, so this empties Streamlit's (private) registry of function caches directly."""
    from streamlit.runtime.caching.cache_data_api import _data_caches

    with _data_caches._caches_lock:
        _data_caches._function_caches.clear()


def first_render(name: str, query: dict | None, reps: int, *, clear: bool) -> float:
    """Median time of the first run of a fresh session; ``clear``: st.cache_data emptied before each one."""
    page(name, query).run()  # warm: imports, component scan, caches
    times = []
    for _ in range(reps):
        if clear:
            _clear_data_caches()
        at = page(name, query)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(f"{name} {query}: {at.exception[0].message}")
    return statistics.median(times)


def live_frames(speed: int, frames: int = 30) -> tuple[float, float, float]:
    at = page("least_squares.py", {"section": "iterative", "a": "0.01", "speed": str(speed)}).run()
    at.button(key="lstsq.iter.run.play").click().run()
    compute, draw = [], []
    for _ in range(frames):
        at.run()
        run = at.session_state["lstsq.iter.run"]
        compute.append(run.frame_ms)
        draw.append(run.draw_ms)
    return statistics.median(compute), statistics.median(draw), speed / (statistics.median(compute) / 1e3)


def browser_rate(seconds: float = 4.0) -> tuple[float, float]:
    """(chart updates per second, frames per second) in headless Chromium on the live least-squares run."""
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    from tests.browser.test_browser import COUNT_UPDATES_JS

    port = 8599
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium",
                                  args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            pg = b.new_page(viewport={"width": 1400, "height": 1000})
            pg.goto(f"http://127.0.0.1:{port}/least-squares?section=iterative&a=0.01&speed=1")
            pg.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
            pg.evaluate(COUNT_UPDATES_JS)
            pg.get_by_role("button", name="▶ Play", exact=True).click()
            pg.wait_for_timeout(1000)
            u0, f0 = pg.evaluate("[window.__updates, window.__frames]")
            pg.wait_for_timeout(seconds * 1000)
            u1, f1 = pg.evaluate("[window.__updates, window.__frames]")
            b.close()
        return (u1 - u0) / seconds, (f1 - f0) / seconds
    finally:
        proc.terminate()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--browser", action="store_true", help="also measure chart updates per second in Chromium")
    args = ap.parse_args()
    print(f"First render of a page in a fresh session (median of {args.reps}), seconds:")
    print("  warm = another session already filled st.cache_data (the usual case in class); cold = caches emptied")
    print(f"{'page':28s} {'section':14s} {'warm':>7s} {'cold':>7s}")
    for path in PAGES:
        sections = SECTIONS.get(path.name) or [None]
        for sec in sections:
            q = {"section": sec} if sec else None
            warm = first_render(path.name, q, args.reps, clear=False)
            cold = first_render(path.name, q, args.reps, clear=True)
            print(f"{path.name:28s} {sec or '-':14s} {warm:7.3f} {cold:7.3f}")
    print("\nLive least squares, 3x2 exercise a = 1e-2 (steepest descent + CGLS), server side")
    print(f"{'iterations/frame':>16s} {'compute ms':>11s} {'draw ms':>8s} {'frame ms':>9s} {'iterations/s':>13s}")
    for speed in (1, 20, 200):
        c, d, ips = live_frames(speed)
        print(f"{speed:16d} {c:11.2f} {d:8.2f} {c + d:9.2f} {ips:13.0f}")
    if args.browser:
        updates, fps = browser_rate()
        print(f"\nHeadless Chromium, live least squares (two charts): {updates:.1f} chart updates/s, {fps:.1f} frames/s")


if __name__ == "__main__":
    main()
