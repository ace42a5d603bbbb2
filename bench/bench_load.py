"""Load generator: N students open a page at once and press Play, over Streamlit's real websocket protocol.

Run from the repository root:

    python bench/bench_load.py                       # the report: classroom (2 replicas + nginx) vs defaults
    python bench/bench_load.py --url http://127.0.0.1:8501 --users 100 --seconds 20   # an app already running

Each simulated student is one ``bench.bench_frames.Session`` (the browser's side of ``/_stcore/stream``: a
``BackMsg.rerun_script`` to load the page, the Play button's trigger, then every ``auto_rerun`` tick answered like
the browser's timer, cached-message hashes and all) in its own thread. Through nginx a student first GETs the page
(as a browser does), keeps the sticky cookie nginx sets and sends it with the websocket handshake; the handshake's
``X-NumDL-Replica`` header says which replica it landed on. The students join spread evenly over ``--join-window``
seconds.

Reported per run: join latency (websocket open + first full page render, median / p95: what a student waits for
the page), tick latency p50 / p95 (from an ``auto_rerun`` tick sent to the end of the frame it caused), frames/s
per student while playing, KB per frame, errors (exceptions on the page, protocol errors, dropped connections,
students who got no frame), the replicas' memory (RSS, start -> end) and how the students spread over replicas.

It only talks to loopback (127.0.0.1 / localhost / ::1) unless ``--allow-remote`` is given: a load test against
somebody else's server is an attack.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import pathlib
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench.bench_frames as bf  # noqa: E402
from bench._common import md_table  # noqa: E402

CLASSROOM = ROOT / "deploy" / "classroom"


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q / 100 * (len(v) - 1)))))]


@dataclass
class Student:
    """What one simulated student saw."""

    index: int
    replica: str = ""
    join_s: float = float("nan")
    phases: tuple = ()  # (page GET [+ its files], websocket open, first message, page rendered), s from joining
    ticks_ms: list[float] = field(default_factory=list)
    gaps_ms: list[float] = field(default_factory=list)  # between consecutive frames, as the student sees them
    frames: int = 0
    frame_bytes: list[int] = field(default_factory=list)
    play_s: float = 0.0
    errors: list[str] = field(default_factory=list)


class LoadSession(bf.Session):
    """A Session that also times every auto-rerun tick to the end of the frame it caused."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.tick_sent: list[float] = []  # send times of ticks not yet answered by a finished frame
        self.ticks_ms: list[float] = []
        self.first_msg: float | None = None

    def rerun(self, widgets=(), fragment_id: str = "", auto: bool = False) -> None:
        if auto:
            self.tick_sent.append(time.monotonic())
        super().rerun(widgets, fragment_id, auto)

    def _handle(self, data: bytes, now: float):
        if self.first_msg is None:
            self.first_msg = now
        run = super()._handle(data, now)
        if run is not None and run.fragment_ids and self.tick_sent:
            # the frame answers the oldest pending tick; ticks it superseded (interrupted frames) count from then
            self.ticks_ms.append(1e3 * (now - self.tick_sent[0]))
            self.tick_sent.clear()
        return run


def cookie_for(host: str, port: int, path: str, timeout: float, assets: bool = False) -> tuple[dict[str, str], str]:
    """GET the page as a browser does; return the cookie header to send back and the replica that served it. With
    ``assets``, also GET the frontend files the page names (``./static/...``, as a browser with an empty cache
    does before it opens the websocket; the lazily loaded chunks, about half of a browser's ~115, are left out)."""
    req = urllib.request.Request(f"http://{host}:{port}/{path}")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        html = r.read().decode("utf-8", "replace")
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
        headers = {"Cookie": "; ".join(cookies)} if cookies else {}
        replica = r.headers.get("X-NumDL-Replica", "")
    if assets:
        fetch_assets(host, port, html, headers, timeout)
    return headers, replica


def fetch_assets(host: str, port: int, html: str, headers: dict[str, str], timeout: float) -> int:
    """GET every ``./static/...`` file ``html`` names over one keep-alive connection, gzip accepted (as a browser
    with an empty cache); returns the bytes received. An error status raises."""
    import http.client
    import re

    paths = sorted(set(re.findall(r'(?:src|href)="\./(static/[^"]+)"', html)))
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    total = 0
    try:
        for path in paths:
            conn.request("GET", "/" + path, headers={**headers, "Accept-Encoding": "gzip"})
            resp = conn.getresponse()
            total += len(resp.read())
            if resp.status != 200:
                raise RuntimeError(f"GET /{path}: HTTP {resp.status}")
    finally:
        conn.close()
    return total


def student(i: int, host: str, port: int, path: str, query: str, run_key: str, start_at: float, seconds: float,
            out: Student, timeout: float, assets: bool = False) -> None:
    while time.monotonic() < start_at:
        time.sleep(min(0.05, start_at - time.monotonic()))
    t0 = time.monotonic()
    try:
        headers, out.replica = cookie_for(host, port, path, timeout, assets)
        t_get = time.monotonic()
        with LoadSession(port, path, query, timeout, headers=headers, estimate_deflate=False) as s:
            t_ws = time.monotonic()
            replica = s.ws.response.headers.get("X-NumDL-Replica") if s.ws.response else None
            out.replica = replica or out.replica or f"{host}:{port}"
            first = s.load()
            out.join_s = time.monotonic() - t0
            out.phases = (t_get - t0, t_ws - t0, (s.first_msg or t0) - t0, out.join_s)
            out.errors += first.exceptions
            t_play = time.monotonic()
            n_runs = len(s.runs)
            s.play(run_key, seconds)
            out.play_s = time.monotonic() - t_play
            out.ticks_ms = s.ticks_ms
            out.frames = len(s.frames)
            out.frame_bytes = [f.nbytes for f in s.frames]
            out.gaps_ms = [1e3 * (b.finished - a.finished) for a, b in zip(s.frames, s.frames[1:]) if b.follows_frame]
            out.errors += sorted({e for r in s.runs for e in r.exceptions})
            if not s.frames:
                after = [("frame" if r.fragment_ids else "page", r.status) for r in s.runs[n_runs:n_runs + 4]]
                out.errors.append(f"no frame received (runs after Play: {after}, timers {len(s.timers)})")
    except Exception as err:  # a dropped connection, a timeout, a protocol error: counted, reported
        out.errors.append(f"{type(err).__name__}: {err}")
    if out.frames == 0 and not out.errors:
        out.errors.append("no frame received")


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes (MB), from /proc."""
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_load(url: str, users: int, seconds: float, page: str = "least-squares", section: str = "iterative",
             run_key: str = "lstsq.iterative.run", join_window: float = 5.0, pids: list[int] | None = None,
             timeout: float = 60.0, allow_remote: bool = False, assets: bool = False) -> dict:
    """``users`` students join ``url`` within ``join_window`` seconds, open ``page`` and play for ``seconds``
    (``assets``: each also fetches the frontend files the page names first, see :func:`cookie_for`)."""
    u = urllib.parse.urlparse(url)
    host, port = u.hostname or "", u.port or 80
    if not allow_remote and not is_loopback(host):
        raise SystemExit(f"refusing to load {host}: only loopback targets unless --allow-remote is given")
    host = "127.0.0.1" if host == "localhost" else host
    bf.HOST = host
    students = [Student(i) for i in range(users)]
    t0 = time.monotonic() + 0.5
    mem0 = rss_mb(pids or [])
    threads = [threading.Thread(target=student, daemon=True,
                                args=(i, host, port, page, f"section={section}", run_key,
                                      t0 + join_window * i / max(users, 1), seconds, students[i], timeout, assets))
               for i in range(users)]
    for t in threads:
        t.start()
    mem_peak = mem0
    while any(t.is_alive() for t in threads):
        mem_peak = max(mem_peak, rss_mb(pids or []))
        time.sleep(0.5)
        if time.monotonic() > t0 + join_window + seconds + timeout + 30:
            break
    mem1 = rss_mb(pids or [])
    return summarize(students, url, users, seconds, page, section, mem0, mem_peak, mem1)


def summarize(students: list[Student], url: str, users: int, seconds: float, page: str, section: str,
              mem0: float, mem_peak: float, mem1: float) -> dict:
    joins = [s.join_s for s in students if s.join_s == s.join_s]
    ticks = [t for s in students for t in s.ticks_ms]
    gaps = [g for s in students for g in s.gaps_ms]
    fps = [s.frames / s.play_s for s in students if s.play_s > 0]
    kb = [b / 1024 for s in students for b in s.frame_bytes]
    errors = [e for s in students for e in s.errors]
    spread: dict[str, int] = {}
    for s in students:
        spread[s.replica or "?"] = spread.get(s.replica or "?", 0) + 1
    return {"url": url, "users": users, "seconds": seconds, "page": page, "section": section,
            "join_median_s": statistics.median(joins) if joins else float("nan"),
            "join_p95_s": percentile(joins, 95), "tick_p50_ms": percentile(ticks, 50),
            "tick_p95_ms": percentile(ticks, 95), "gap_p50_ms": percentile(gaps, 50),
            "gap_p95_ms": percentile(gaps, 95), "fps_median": statistics.median(fps) if fps else 0.0,
            "fps_min": min(fps) if fps else 0.0, "kb_per_frame_median": statistics.median(kb) if kb else float("nan"),
            "students_with_frames": sum(s.frames > 0 for s in students), "errors": len(errors),
            "error_examples": sorted(set(errors))[:5], "replicas": spread,
            "memory_mb": [round(mem0), round(mem_peak), round(mem1)],
            "join_phases_median_s": [round(statistics.median(p[i] for p in ph), 3) for i in range(4)]
            if (ph := [s.phases for s in students if s.phases]) else []}


# -- the report: the classroom launcher against one process with Streamlit's defaults ------------------------------
def classroom(port: int, replicas: int):
    """Context manager: ``deploy/classroom start`` ... ``stop``; yields (url, replica pids)."""
    import contextlib

    @contextlib.contextmanager
    def cm():
        res = subprocess.run([sys.executable, str(CLASSROOM), "start", "--replicas", str(replicas), "--port",
                              str(port)], capture_output=True, text=True, cwd=ROOT)
        if res.returncode != 0:
            raise RuntimeError(f"deploy/classroom start failed: {res.stderr}")
        state = json.loads((pathlib.Path(__import__("tempfile").gettempdir()) / f"numdl-classroom-{port}"
                            / "state.json").read_text())
        try:
            yield res.stdout.strip(), state["replica_pids"]
        finally:
            subprocess.run([sys.executable, str(CLASSROOM), "stop", "--port", str(port)], capture_output=True)
    return cm()


DEFAULTS_ARGS = ("--runner.postScriptGC", "true", "--server.fileWatcherType", "auto")


def defaults_server():
    """One Streamlit process with Streamlit's default settings (the shipped config's changes undone)."""
    return bf.StreamlitServer(extra_args=DEFAULTS_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = ("Simulated students (Streamlit's websocket protocol, one thread each, on the same machine as the servers) "
         "join within 5 s, open Linear least squares / iterative and press Play for 20 s. The classroom is "
         "`deploy/classroom start --replicas 2` (nginx, sticky cookie, shipped settings, adaptive frame interval); "
         "the comparison is one Streamlit process started with Streamlit's defaults for `runner.postScriptGC` and "
         "`server.fileWatcherType`. Join: websocket open to the first page rendered. Tick: a timer tick sent to the "
         "end of the frame that followed it. Frame gap: the time between two frames a student receives (each "
         "frame queues the next, app.live.chain_next_frame). Targets (issue 13): >= 2 frames/s per student, "
         "tick p95 <= 500 ms, 0 errors at 100 students; join median <= 0.1 s.")

HEADERS = ["setup", "students", "join median s", "join p95 s", "tick p50 ms", "tick p95 ms", "frame gap p50 ms",
           "frame gap p95 ms", "frames/s per student "
           "(median, min)", "KB/frame", "errors", "students with frames", "replicas (students)", "memory MB (start, "
           "peak, end)"]


def row(name: str, r: dict) -> list:
    return [name, r["users"], r["join_median_s"], r["join_p95_s"], r["tick_p50_ms"], r["tick_p95_ms"],
            r["gap_p50_ms"], r["gap_p95_ms"],
            f"{r['fps_median']:.2f}, {r['fps_min']:.2f}", r["kb_per_frame_median"], r["errors"],
            r["students_with_frames"], ", ".join(str(v) for v in sorted(r["replicas"].values())),
            ", ".join(str(m) for m in r["memory_mb"])]


def report(users: tuple[int, ...] = (100, 200), seconds: float = 20.0, replicas: int = 2, log=print) -> tuple[str, list]:
    rows, raw = [], []
    port = free_port()
    with classroom(port, replicas) as (url, pids):
        for n in users:
            log(f"  classroom ({replicas} replicas + nginx), {n} students ...")
            r = run_load(url, n, seconds, pids=pids)
            rows.append(row(f"classroom: {replicas} replicas + nginx, shipped settings", r))
            raw.append(r)
            log(f"    {json.dumps({k: r[k] for k in ('fps_median', 'tick_p95_ms', 'gap_p95_ms', 'join_median_s', 'errors')})}")
    with defaults_server() as server:
        n = users[0]
        log(f"  one process, Streamlit's defaults, {n} students ...")
        r = run_load(server.url, n, seconds, pids=[server.proc.pid])
        rows.append(row("one process, Streamlit's default settings", r))
        raw.append(r)
        log(f"    {json.dumps({k: r[k] for k in ('fps_median', 'tick_p95_ms', 'join_median_s', 'errors')})}")
    return md_table(HEADERS, rows), raw


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="load an app already running there (default: start the classroom and a "
                                  "default-settings process and compare them)")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20.0, help="how long each student plays")
    ap.add_argument("--join-window", type=float, default=5.0, help="students join spread over this many seconds")
    ap.add_argument("--page", default="least-squares")
    ap.add_argument("--section", default="iterative")
    ap.add_argument("--run-key", default="lstsq.iterative.run", help="the live run's key (its Play button)")
    ap.add_argument("--pid", type=int, action="append", help="server process id(s) whose memory to report")
    ap.add_argument("--allow-remote", action="store_true", help="allow a target that is not loopback")
    ap.add_argument("--json", type=pathlib.Path, help="write the raw results as JSON")
    ap.add_argument("--assets", action="store_true", help="with --url: each student also GETs the frontend files "
                    "the page names (a browser with an empty cache) before its websocket; part of the join time")
    args = ap.parse_args()
    if args.url:
        r = run_load(args.url, args.users, args.seconds, args.page, args.section, args.run_key, args.join_window,
                     args.pid, allow_remote=args.allow_remote, assets=args.assets)
        print(md_table(HEADERS, [row(args.url, r)]))
        for e in r["error_examples"]:
            print(f"error: {e}")
        raw = [r]
    else:
        table, raw = report((args.users, 2 * args.users), args.seconds)
        print(table)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))


if __name__ == "__main__":
    main()
