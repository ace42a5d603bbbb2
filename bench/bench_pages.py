"""Benchmark: first render of every page section (AppTest, warm interpreter) and the live least-squares frames.

Run from the repository root:  python bench/bench_pages.py [--reps 5] [--page least_squares.py] [--browser]

- first render: for every page of ``pages/`` and every section of it (the keys of the page's ``SECTIONS`` dict,
  passed as the ``section`` URL parameter), a fresh AppTest session per repetition (so no session state), the
  interpreter warm (modules imported); the median time of ``at.run()``. *warm*: another session already filled
  the caches (the usual case in class); *cold*: ``st.cache_data.clear()`` and ``st.cache_resource.clear()``
  before each repetition (public API; outside a server they empty the process-wide registries of cached
  functions, so the next call computes again).
- live least squares (3x2 exercise, a = 1e-2, SD + CGLS): iterations per second of the core, and the server-side
  time of one frame (k iterations + status + both figures, including Streamlit's serialization of the figures),
  read from the live kit's own timers (``Run.frame_ms``, ``Run.draw_ms``).
- ``--browser``: visible chart updates per second in headless Chromium (needs /usr/bin/chromium and playwright).

Bytes per live frame and frames per second over the real websocket: ``bench/bench_frames.py``.
"""
from __future__ import annotations

import argparse
import logging
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(1)

import streamlit as st  # noqa: E402
from streamlit import logger as _st_logger  # noqa: E402

_st_logger.set_log_level("error")
logging.disable(logging.WARNING)  # AppTest outside a server logs "No runtime found" and "missing ScriptRunContext"

from app.catalog import CATALOG  # noqa: E402
from bench._common import StreamlitServer, md_table, page_sections  # noqa: E402
from tests.pages.helpers import PAGES, page  # noqa: E402

TARGET_S = 0.3  # first render of a page section
TITLES = {e.file: e.title for e in CATALOG}


def clear_caches() -> None:
    """Empty every Streamlit cache of this process (st.cache_data and st.cache_resource), through public API."""
    st.cache_data.clear()
    st.cache_resource.clear()


def first_render(name: str, query: dict | None, reps: int, *, clear: bool) -> float:
    """Median time of the first run of a fresh session; ``clear``: every cache emptied before each one."""
    page(name, query).run()  # warm: imports, component scan, caches
    times = []
    for _ in range(reps):
        if clear:
            clear_caches()
        at = page(name, query)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            raise RuntimeError(f"{name} {query}: {at.exception[0].message}")
    return statistics.median(times)


def first_render_rows(reps: int = 5, pages: list[str] | None = None, log=None) -> list[dict]:
    """One row per page section: page file, title, section ('' for a page without sections), warm, cold (s).

    A section that raises is reported with its error instead of times.
    """
    rows = []
    order = [e.file for e in CATALOG]
    for path in sorted(PAGES, key=lambda p: (order.index(p.name) if p.name in order else len(order), p.name)):
        if pages and path.name not in pages:
            continue
        for sec in page_sections(path) or [None]:
            q = {"section": sec} if sec else None
            row = {"file": path.name, "page": TITLES.get(path.name, path.stem), "section": sec or "",
                   "warm": float("nan"), "cold": float("nan"), "error": ""}
            try:
                row["warm"] = first_render(path.name, q, reps, clear=False)
                row["cold"] = first_render(path.name, q, reps, clear=True)
            except Exception as err:  # a broken section is a result to report, not a reason to stop the bench
                row["error"] = f"{type(err).__name__}: {err}"
            rows.append(row)
            if log:
                log(f"  {path.name} {sec or '-'}: warm {row['warm']:.3f} s, cold {row['cold']:.3f} s {row['error']}")
    return rows


def live_frames(speed: int, frames: int = 30) -> dict:
    """Median compute and draw time of a live least-squares frame at ``speed`` iterations per frame (AppTest).

    The run is found by its Play button (the widget key ending in ``.play``; the run's state is kept in
    ``st.session_state`` under the key without ``.play``), so renamed keys do not break the bench.
    """
    at = page("least_squares.py", {"section": "iterative", "a": "0.01", "speed": str(speed)}).run()
    if at.exception:
        raise RuntimeError(f"live least squares: {at.exception[0].message}")
    plays = [b.key for b in at.button if b.key and b.key.endswith(".play")]
    if len(plays) != 1:
        raise RuntimeError(f"expected one Play button on the least-squares 'iterative' section, found {plays}")
    at.button(key=plays[0]).click().run()
    compute, draw = [], []
    for _ in range(frames):
        at.run()
        if at.exception:
            raise RuntimeError(f"live least squares: {at.exception[0].message}")
        run = at.session_state[plays[0][: -len(".play")]]
        compute.append(run.frame_ms)
        draw.append(run.draw_ms)
    c, d = statistics.median(compute), statistics.median(draw)
    return {"speed": speed, "compute_ms": c, "draw_ms": d, "frame_ms": c + d,
            "iterations_per_s": speed / (c / 1e3) if c > 0 else float("nan")}


def live_frame_rows(speeds=(1, 20, 200), frames: int = 30) -> list[dict]:
    """One row per speed; a page that raises gives a row with its error instead of times."""
    rows = []
    for s in speeds:
        try:
            rows.append(live_frames(s, frames))
        except Exception as err:  # reported, not fatal
            rows.append({"speed": s, "error": f"{type(err).__name__}: {err}"})
    return rows


def browser_rate(seconds: float = 4.0) -> tuple[float, float]:
    """(chart updates per second, frames per second) in headless Chromium on the live least-squares run."""
    from playwright.sync_api import sync_playwright

    from tests.browser.test_browser import COUNT_UPDATES_JS

    with StreamlitServer() as server, sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            pg = b.new_page(viewport={"width": 1400, "height": 1000})
            pg.goto(f"{server.url}/least-squares?section=iterative&a=0.01&speed=1")
            pg.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
            pg.evaluate(COUNT_UPDATES_JS)
            pg.get_by_role("button", name="▶ Play", exact=True).click()
            pg.wait_for_timeout(1000)
            u0, f0 = pg.evaluate("[window.__updates, window.__frames]")
            pg.wait_for_timeout(seconds * 1000)
            u1, f1 = pg.evaluate("[window.__updates, window.__frames]")
        finally:
            b.close()
    return (u1 - u0) / seconds, (f1 - f0) / seconds


RENDER_HEADERS = ["page", "section", "warm (s)", "cold (s)", f"≤ {TARGET_S} s"]
LIVE_HEADERS = ["iterations/frame", "compute (ms)", "status + charts (ms)", "frame (ms)", "iterations/s"]


def render_table(rows: list[dict]) -> str:
    """The first-render table; sections that raised are marked and their errors listed below it."""
    out, errors = [], []
    for r in rows:
        if r["error"]:
            errors.append(f"- {r['page']} / {r['section'] or '–'}: {r['error']}")
            out.append([r["page"], r["section"] or "–", "error", "error", "✗"])
        else:
            ok = max(r["warm"], r["cold"]) <= TARGET_S
            out.append([r["page"], r["section"] or "–", f"{r['warm']:.3f}", f"{r['cold']:.3f}", "✓" if ok else "✗"])
    return md_table(RENDER_HEADERS, out) + ("\n\nErrors:\n" + "\n".join(errors) if errors else "")


def live_table(rows: list[dict]) -> str:
    errors = sorted({r["error"] for r in rows if "error" in r})
    table = md_table(LIVE_HEADERS, [[r["speed"], f"{r['compute_ms']:.2f}", f"{r['draw_ms']:.1f}",
                                     f"{r['frame_ms']:.1f}", f"{r['iterations_per_s']:.0f}"]
                                    if "error" not in r else [r["speed"], "error", "", "", ""] for r in rows])
    return table + ("\n\nErrors:\n" + "\n".join(f"- {e}" for e in errors) if errors else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--page", action="append", help="a page file name in pages/ (repeatable; default all)")
    ap.add_argument("--browser", action="store_true", help="also measure chart updates per second in Chromium")
    args = ap.parse_args()
    rows = first_render_rows(args.reps, args.page)
    print(f"First render of a page section in a fresh session (median of {args.reps}), seconds "
          f"(target: at most {TARGET_S} s):")
    print("  warm = another session already filled the caches (the usual case in class); cold = caches emptied")
    print(render_table(rows))
    print("\nLive least squares, 3x2 exercise a = 1e-2 (steepest descent + CGLS), server side (AppTest)")
    print(live_table(live_frame_rows()))
    if args.browser:
        updates, fps = browser_rate()
        print(f"\nHeadless Chromium, live least squares (two charts): {updates:.1f} chart updates/s, {fps:.1f} frames/s")


if __name__ == "__main__":
    main()
