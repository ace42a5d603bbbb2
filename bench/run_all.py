"""Run every benchmark and write one report: ``python bench/run_all.py`` (from the repository root).

In order: ``bench_pages.py`` (first render of every page section; the live least-squares frame cost),
``bench_frames.py`` (live frames over the real websocket: bytes per frame and where they go, frames/s; then the
same live runs on a server with TCP_NODELAY for the server's own time per frame), ``bench_classify.py`` and
``bench_spectral.py`` (the numerical core against scikit-learn), ``bench_torch.py`` (backpropagation against
PyTorch CPU, if installed: ``pip install -r bench/requirements.txt``), ``bench_resnet.py`` (ResNet forward + backward
against PyTorch), ``bench_resnet_stability.py`` (the course's 101 x 101 stability grid), ``bench_control.py`` (the
Neural-ODE gradient through RK4 against PyTorch autograd), ``bench_load.py`` (a class of 100 and 200 simulated
students through ``deploy/classroom`` with 2 replicas, and 100 against one process with Streamlit's defaults).
Writes ``bench/RESULTS.md`` (machine, date, versions, every table, the targets and whether they are met) and the
raw numbers to ``bench/out/results.json``. About 9 minutes on 2 cores. Each script also runs alone.

The machine is shared: run it when it is quiet (the load average at the start and end is in the report).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time
import traceback
from importlib import metadata

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import (bench_classify, bench_control, bench_frames, bench_load, bench_pages, bench_resnet,  # noqa: E402
                   bench_resnet_stability, bench_spectral, bench_torch)
from bench._common import md_table  # noqa: E402

PACKAGES = ("streamlit", "numpy", "scipy", "plotly", "scikit-learn", "websockets", "protobuf")


def _read(path: str) -> str:
    try:
        return pathlib.Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem = next((int(line.split()[1]) / 2**20 for line in _read("/proc/meminfo").splitlines()
                if line.startswith("MemTotal")), float("nan"))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "app", "pages", "numdl_core", "bench"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "unknown", ""
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem, "os": platform.platform(),
            "python": platform.python_version(), "versions": versions, "commit": commit,
            "uncommitted": bool(dirty)}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(name: str, fun, log):
    """(result, seconds, error text): a failing benchmark is reported, the others still run."""
    log(f"{name} ...")
    t0 = time.perf_counter()
    try:
        out, err = fun(), ""
    except Exception:  # reported in RESULTS.md
        out, err = None, traceback.format_exc(limit=4)
    dt = time.perf_counter() - t0
    log(f"{name}: {dt:.0f} s" + (" (failed)" if err else ""))
    return out, dt, err


def summary(pages: list[dict] | None, live: list[dict] | None, renders: list[dict] | None) -> str:
    rows = []
    if pages is not None:
        ok = [r for r in pages if not r["error"]]
        worst = max(ok, key=lambda r: max(r["warm"], r["cold"]), default=None)
        met = bool(ok) and len(ok) == len(pages) and max(worst["warm"], worst["cold"]) <= bench_pages.TARGET_S
        rows.append([f"first render ≤ {bench_pages.TARGET_S} s per page section (warm and cold)",
                     (f"worst {max(worst['warm'], worst['cold']):.3f} s ({worst['page']} / {worst['section'] or '–'})"
                      if worst else "–") + (f"; {len(pages) - len(ok)} section(s) raised" if len(ok) < len(pages)
                                            else ""), "yes" if met else "no"])
    if live is not None:
        missing = bench_frames.missing_live(renders)
        rows.append(["every live section measured", "all " + str(len(bench_frames.EXPECTED_LIVE)) if not missing
                     else "no Play button on " + ", ".join(missing), "yes" if not missing else "no"])
        measured = [r for r in live if r["frames"] > 0]
        big = max(measured, key=lambda r: r["kb_median"], default=None)
        slow = min(measured, key=lambda r: r["fps"], default=None)
        n_over = sum(r["kb_median"] > bench_frames.TARGET_KB for r in measured)
        rows.append([f"live frame ≤ {bench_frames.TARGET_KB:.0f} KB (median, default settings)",
                     f"largest {big['kb_median']:.1f} KB ({big['page']} / {big['section'] or '–'}); "
                     f"{n_over} of {len(measured)} live sections over" if big else "no live frame measured",
                     "yes" if measured and n_over == 0 else "no"])
        rows.append([f"≥ {bench_frames.TARGET_FPS:.0f} frames/s server side",
                     f"slowest {slow['fps']:.1f} frames/s ({slow['page']} / {slow['section'] or '–'})" if slow else "–",
                     "yes" if slow and slow["fps"] >= bench_frames.TARGET_FPS else "no"])
    return md_table(["target", "measured", "met"], rows)


def breakdown_md(live: list[dict], top: int = 5) -> str:
    out = []
    for r in live:
        if not r["frames"]:
            continue
        total = r["kb_median"] * 1024
        out.append(f"**{r['page']} / {r['section'] or '–'}** ({r['kb_median']:.1f} KB median frame):\n")
        rows = [[f"{b / 1024:.1f}", f"{100 * b / total:.0f}%" if total else "–", label]
                for label, b in r["breakdown"][:top]]
        out.append(md_table(["KB", "share", "element"], rows))
        charts = sorted(r["charts"].items(), key=lambda kv: -kv[1]["bytes"])
        if charts:
            out.append("")
            for label, a in charts:
                out.append(f"- `{label.split(' ', 1)[-1]}`: " + bench_frames.describe_chart(a))
        out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5, help="repetitions per first render (median; default 5)")
    ap.add_argument("--seconds", type=float, default=4.0, help="seconds of play per live run (default 4)")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "bench" / "RESULTS.md", help="the report to write")
    args = ap.parse_args()
    log = lambda s: print(s, flush=True)  # noqa: E731

    started, load0, t0 = datetime.datetime.now().astimezone(), load(), time.perf_counter()
    info = machine()
    pages, t_pages, e_pages = _timed("bench_pages (first render)", lambda: bench_pages.first_render_rows(args.reps),
                                     log)
    lsq, t_lsq, e_lsq = _timed("bench_pages (live least squares)", bench_pages.live_frame_rows, log)
    frames, t_frames, e_frames = _timed("bench_frames", lambda: bench_frames.measure(args.seconds, log=log), log)
    live_pairs = {(r["url_path"], r["section"]) for r in (frames[0] if frames else [])}
    fast, t_fast, e_fast = _timed("bench_frames --nodelay (server time per frame)",
                                  lambda: bench_frames.measure(args.seconds / 2, nodelay=True, only=live_pairs,
                                                               log=log)[0] if live_pairs else [], log)
    classify, t_cls, e_cls = _timed("bench_classify", bench_classify.measure, log)
    spectral, t_spec, e_spec = _timed("bench_spectral",
                                      lambda: (bench_spectral.clustering(), bench_spectral.eigensolver_rows()), log)
    torch_res, t_torch, e_torch = _timed("bench_torch", bench_torch.measure, log)
    resnet_res, t_resnet, e_resnet = _timed("bench_resnet", bench_resnet.measure, log)
    grid_res, t_grid, e_grid = _timed("bench_resnet_stability", bench_resnet_stability.measure, log)
    control_res, t_control, e_control = _timed("bench_control", bench_control.measure, log)
    load_res, t_load, e_load = _timed("bench_load (a class: 100 and 200 students)",
                                      lambda: bench_load.report((100, 200), 20.0, log=log), log)
    total, load1 = time.perf_counter() - t0, load()
    live, renders = frames if frames else (None, None)

    md = [f"# Benchmark results\n",
          f"Written by `python bench/run_all.py` on {started:%Y-%m-%d %H:%M %Z} in {total / 60:.1f} minutes "
          f"(commit {info['commit']}{', with uncommitted changes' if info['uncommitted'] else ''}). "
          "Every number below comes from that one run; rerun the command to refresh them.\n",
          "## Machine\n",
          f"- {info['cpu']}, {info['cores']} cores, {info['memory_gb']:.0f} GB; {info['os']}",
          f"- load average (1, 5, 15 min) at the start {load0}, at the end {load1} (the machine is shared: "
          "other work slows every number here)",
          f"- Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
          "", "## Targets\n", summary(pages, live, renders), ""]

    md += ["## First render of every page section (`bench_pages.py`)\n",
           f"Script time of the first run of a fresh session (AppTest, warm interpreter), median of {args.reps}. "
           "*warm*: another session already filled the caches (the usual case in class); *cold*: "
           "`st.cache_data.clear()` and `st.cache_resource.clear()` before each run.\n"]
    md += [bench_pages.render_table(pages) if pages else f"Failed:\n```\n{e_pages}```", ""]
    md += ["### Live least squares, server side (`bench_pages.py`)\n",
           "3x2 exercise, a = 1e-2, steepest descent + CGLS side by side; the live kit's own timers over 30 frames "
           "(AppTest, median): the iterations of a frame, then its status line and both charts.\n"]
    md += [bench_pages.live_table(lsq) if lsq else f"Failed:\n```\n{e_lsq}```", ""]

    md += ["## Live frames over the websocket (`bench_frames.py`)\n",
           f"The real server; a client that speaks Streamlit's protocol like the browser opens each section with a "
           f"live run at its default settings, presses ▶ Play and answers the fragment's auto-rerun timer for "
           f"{args.seconds:g} s. A frame is one fragment rerun: every websocket message up to its "
           "`script_finished`. *interrupted*: frames cut short by the browser's next timer tick (the timer does "
           "not wait for a frame to finish); they still sent what they had drawn and are counted. *frames/s*: "
           "fragment runs per second of playing; *KB/s*: what one student's tab receives while playing; *latency "
           "ms*: from a frame's first message (`new_session`) to its last (`script_finished`) at the client, which "
           "on this Streamlit includes about 40 ms of TCP delayed-ACK wait (no `TCP_NODELAY` on its sockets; see "
           "the docstring of `bench_frames.py`), so it is not the server's run time; *deflate*: the frame size if "
           "`server.enableWebsocketCompression` were on (estimated by deflating the same messages); *page load*: "
           "the first full run of the page; *restarts*: the run ended and was Reset and played again.\n"]
    if live is not None:
        md += [bench_frames.format_table(live), "",
               f"Targets: at most {bench_frames.TARGET_KB:.0f} KB per frame, at least "
               f"{bench_frames.TARGET_FPS:.0f} frames/s (the browser's timer asks for 20/s).", ""]
        errs = [(r, e) for r in live for e in r["errors"]] + [(r, e) for r in renders for e in r["errors"]]
        if errs:
            md += ["Errors seen on the pages:\n"] + [f"- {r['page']} / {r['section'] or '–'}: {e}"
                                                     for r, e in errs] + [""]
        md += ["### Where the bytes of a frame go\n",
               "Median bytes per frame of each element (chart keys; `(new_session)`, `(layout blocks)` etc. are "
               "Streamlit's own messages), and inside each chart of the last frame its largest parts.\n",
               breakdown_md(live)]
        md += ["### Server time per frame\n",
               f"The same live runs ({args.seconds / 2:g} s each) on a server started with `TCP_NODELAY` "
               "(`bench/_nodelay.py`), so that the latency is the server's own time for a frame (the bytes are the "
               "same). The browser's timer asks for a frame every 50 ms: a frame that takes longer is interrupted "
               "by the next request.\n"]
        if fast:
            md += [md_table(["page", "section", "frames (interrupted)", "server ms per frame (median)", "frames/s",
                             "≤ 50 ms"],
                            [[r["page"], r["section"] or "–", f"{r['frames']} ({r['interrupted']})",
                              f"{r['latency_ms']:.1f}", f"{r['fps']:.1f}", "✓" if r["latency_ms"] <= 50 else "✗"]
                             for r in fast]), ""]
        else:
            md += [f"Failed:\n```\n{e_fast}```" if e_fast else "No live run to measure.", ""]
        quiet = [f"{r['page']} / {r['section'] or '–'}" for r in renders if not r["live_runs"]]
        md += [f"Sections without a live run: {', '.join(quiet) or 'none'}.", ""]
    else:
        md += [f"Failed:\n```\n{e_frames}```", ""]

    md += ["## Linear classification against scikit-learn (`bench_classify.py`)\n", bench_classify.SETUP + ".\n"]
    if classify:
        md += [bench_classify.table(classify[0]), "", "Building blocks of a Newton step (best of 50):\n",
               bench_classify.block_table(classify[1]), ""]
    else:
        md += [f"Failed:\n```\n{e_cls}```", ""]
    md += ["## Spectral clustering against scikit-learn (`bench_spectral.py`)\n", bench_spectral.SETUP + ".\n"]
    if spectral:
        md += [bench_spectral.table(*spectral[0]), "",
               f"10 smallest eigenpairs of L_sym, n = {bench_spectral.N}, best of 3:\n",
               bench_spectral.eigensolver_table(spectral[1]), ""]
    else:
        md += [f"Failed:\n```\n{e_spec}```", ""]
    md += ["## Backpropagation against PyTorch CPU (`bench_torch.py`)\n",
           bench_torch.tables(torch_res) if torch_res else f"Failed:\n```\n{e_torch}```", ""]
    md += ["## Residual networks against PyTorch CPU (`bench_resnet.py`)\n",
           bench_resnet.tables(resnet_res) if resnet_res else f"Failed:\n```\n{e_resnet}```", ""]
    md += ["## The stability grid (`bench_resnet_stability.py`)\n", bench_resnet_stability.SETUP + ".\n"]
    md += [grid_res["table"] + f"\n\nEvery grid under {grid_res['target_s']:g} s: "
           f"{'met' if grid_res['met'] else 'not met'} (all three: {grid_res['total_s']:.2f} s)." if grid_res
           else f"Failed:\n```\n{e_grid}```", ""]
    md += ["## Neural-ODE gradient against PyTorch autograd (`bench_control.py`)\n",
           control_res["table"] if control_res else f"Failed:\n```\n{e_control}```", ""]
    md += ["## A class at once (`bench_load.py`)\n", bench_load.SETUP + "\n",
           load_res[0] if load_res else f"Failed:\n```\n{e_load}```", ""]
    md += ["## Time taken\n", md_table(["benchmark", "seconds"], [
        ["bench_pages (first render)", f"{t_pages:.0f}"], ["bench_pages (live least squares)", f"{t_lsq:.0f}"],
        ["bench_frames", f"{t_frames:.0f}"], ["bench_frames --nodelay", f"{t_fast:.0f}"], ["bench_classify", f"{t_cls:.0f}"], ["bench_spectral", f"{t_spec:.0f}"],
        ["bench_torch", f"{t_torch:.0f}"], ["bench_resnet", f"{t_resnet:.0f}"],
        ["bench_resnet_stability", f"{t_grid:.0f}"], ["bench_control", f"{t_control:.0f}"],
        ["bench_load", f"{t_load:.0f}"], ["total", f"{total:.0f}"]]), ""]

    args.out.write_text("\n".join(md), encoding="utf-8")
    raw = ROOT / "bench" / "out" / "results.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps({"machine": info, "load": [load0, load1], "pages": pages, "live_least_squares": lsq,
                               "frames": live, "renders": renders, "frames_nodelay": fast, "classify": classify, "spectral": spectral, "torch": torch_res,
                               "resnet": resnet_res, "stability_grid": grid_res, "control": control_res,
                               "load": load_res[1] if load_res else None},
                              indent=1, default=str))
    log(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} and "
        f"{raw.relative_to(ROOT)} ({total:.0f} s)")


if __name__ == "__main__":
    main()
