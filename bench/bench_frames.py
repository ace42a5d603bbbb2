"""Benchmark: bytes per live frame and frames per second, measured on Streamlit's real websocket.

Run from the repository root:  python bench/bench_frames.py [--seconds 4] [--page least-squares] [--json FILE]

It starts the real server (``streamlit run app/main.py`` on a free port of 127.0.0.1; it talks to nothing else)
and, for every page of ``app/catalog.py`` and every section of it (the keys of the page's ``SECTIONS`` dict,
passed as the ``section`` URL parameter), opens a websocket to ``/_stcore/stream`` and speaks Streamlit's
protocol the way the browser does (``streamlit.proto`` messages):

- a ``BackMsg.rerun_script`` with the page's URL path (``page_name``) and query string renders the page; after
  that every rerun carries the page's ``page_script_hash`` (from the ``navigation`` message), the query string
  the page last wrote (``page_info_changed``) and the hashes of the big messages this client has cached
  (``cached_message_hashes``; the server then sends a small reference instead of an unchanged element);
- a section whose page shows a ``▶ Play`` button (a widget whose key ends in ``.play``) has a live run: the
  client clicks it (a rerun with the button's ``trigger_value``), and from then on answers each ``auto_rerun``
  message like the browser's timer: every ``interval`` seconds a ``rerun_script`` with that ``fragment_id`` and
  ``is_auto_rerun``; a full rerun (its ``new_session`` names no fragment) cancels the timers. A run that ends
  before the time is up (converged) is Reset and played again, as a student would.

A *live frame* is one fragment rerun: every websocket message from the end of the previous run to the
``script_finished`` of the fragment run, summed (the payload lengths; the page's own numbers and charts, the
status messages, everything the browser receives). The browser's timer does not wait for a frame to finish:
a tick that arrives while a frame is still running interrupts it (``FINISHED_EARLY_FOR_RERUN``), after it has
sent whatever it drew so far, and the next frame starts. Such frames are counted too (they are on the wire
and on the screen), and how many there were is reported. Per page/section: the frame size (median, max), the
split of the median frame by element (chart keys, and inside each chart its largest traces), frames per
second (fragment runs ended per second of playing, server side), KB per second while playing (what one
student's tab receives), the latency of a frame (from its first message, ``new_session``, to its last element,
as the client receives them; the ``script_finished`` that ends a playing frame comes an interval later, after the
frame has slept until the next is due and queued it, ``app.live.chain_next_frame``) and the bytes of the first
page load.

The latency is not the server's run time: Streamlit 1.67 binds its listening socket itself without
``IPPROTO_TCP``, so asyncio does not set ``TCP_NODELAY`` on the connections, and after the small ``new_session``
the rest of a frame waits for the client's delayed ACK (about 40 ms on Linux). Measured on a one-caption
fragment: 41 ms as shipped, 0.2 ms with ``TCP_NODELAY``; on the live pages 40-50 ms as shipped, 14-53 ms (the
real run time) with it. The bytes and frames/s do not change.

Also estimated: the frame size if ``server.enableWebsocketCompression`` were on (permessage-deflate as the
server would configure it: 4 KB window, memLevel 5, context kept across messages), by deflating the same
messages in the same order. The browser additionally resends every widget's value with each tick; this client
sends only the click (the server keeps the other widgets' values, so the page runs the same); what the client
sends is not counted.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import time
import zlib
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from app.catalog import available  # noqa: E402
from bench._common import HOST, StreamlitServer, md_table, page_sections  # noqa: E402

TARGET_KB = 20.0  # a live frame at default settings
TARGET_FPS = 10.0  # server side
PLAY, RESET = ".play", ".reset"
# The sections that have a live run today (README, "What is in it"). Sections are discovered, not taken from
# here; this only lets the report say when one of them shows no Play button any more (a renamed key, a broken
# page), instead of silently measuring nothing.
EXPECTED_LIVE = {("least-squares", "iterative"), ("least-squares", "deblur"), ("least-squares", "inpainting"),
                 ("linear-classification", "train"), ("linear-classification", "logistic"),
                 ("linear-classification", "sparse"), ("single-layer", "train"), ("single-layer", "crime"),
                 ("convolutional-networks", "cnn"), ("deep-networks", "train"),
                 ("residual-networks", "train"), ("optimal-control", "train"), ("optimal-control", "paths"),
                 ("intro-theory", "optimizers"), ("intro-theory", "autoencoder"), ("implicit-bias", "margin"),
                 ("dropout", "least-squares"), ("dropout", "factorization"), ("dropout", "mlp"),
                 ("landscapes", "overparameterized"), ("landscapes", "saddle"), ("sparse-coding", "ista-fista"),
                 ("sparse-coding", "lista"), ("adversarial", "targeted"), ("dynamical-systems", "msa"),
                 ("neural-odes", "adaptive"), ("information-bottleneck", "plane"),
                 ("information-bottleneck", "counterpoints"),
                 ("neural-tangent-kernel", "regression"),
                 ("generative-models", "vae"), ("generative-models", "gan"), ("generative-models", "wgan"),
                 ("generative-models", "flow")}
FRAGMENT_OK = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


def element_key(element_id: str) -> str:
    """The user key inside a Streamlit element id ``$$ID-<hash>-<key>`` ('' for elements without a key)."""
    if not element_id.startswith("$$ID-"):
        return ""
    parts = element_id.split("-", 2)
    return "" if len(parts) < 3 or parts[2] == "None" else parts[2]


def message_label(msg: ForwardMsg) -> str:
    """Which element a ForwardMsg carries: ``"plotly_chart lstsq.iter.conv"``, ``"markdown"``, ``"(new_session)"``."""
    kind = msg.WhichOneof("type")
    if kind != "delta":
        return f"({kind})"
    delta = msg.delta
    dkind = delta.WhichOneof("type")
    if dkind == "add_block":
        return "(layout blocks)"
    if dkind != "new_element":
        return f"({dkind})"
    etype = delta.new_element.WhichOneof("type")
    element = getattr(delta.new_element, etype)
    key = element_key(getattr(element, "id", "") or "")
    if key:
        return f"{etype} {key}"
    if etype == "plotly_chart":  # a chart without a key: name it by its place on the page
        return f"plotly_chart at {'.'.join(map(str, msg.metadata.delta_path))}"
    return etype


@dataclass
class Run:
    """The messages of one script run (full or fragment), as received."""

    nbytes: int = 0
    deflated: int = 0
    by_label: dict[str, int] = field(default_factory=dict)
    specs: dict[str, str] = field(default_factory=dict)  # plotly figure JSON by label
    fragment_ids: tuple[str, ...] = ()
    started: float | None = None  # client clock at its new_session
    drawn: float | None = None  # client clock at its last delta (its last element or block)
    finished: float | None = None
    status: int | None = None
    exceptions: list[str] = field(default_factory=list)

    def add(self, label: str, nbytes: int, deflated: int) -> None:
        self.nbytes += nbytes
        self.deflated += deflated
        self.by_label[label] = self.by_label.get(label, 0) + nbytes


@dataclass
class Frame:
    """One live frame: a fragment rerun, completed or interrupted by the next timer tick."""

    nbytes: int
    deflated: int
    by_label: dict[str, int]
    latency_ms: float  # new_session to the last delta, at the client
    finished: float
    completed: bool  # False: the next tick interrupted it (FINISHED_EARLY_FOR_RERUN) after it sent nbytes
    follows_frame: bool  # the previous run was a frame too (no full rerun in between)


class ProtocolError(RuntimeError):
    pass


class Session:
    """One browser tab: a websocket session on the running app, driven like Streamlit's frontend."""

    def __init__(self, port: int, url_path: str, query: str = "", timeout: float = 60.0, *,
                 headers: dict[str, str] | None = None, estimate_deflate: bool = True):
        self.url_path, self.query, self.timeout = url_path, query, timeout
        self.port = port
        self.ws = connect(f"ws://{HOST}:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                          compression=None, open_timeout=timeout, close_timeout=2, additional_headers=headers)
        self.page_hash = ""
        self.cache: dict[str, list] = {}  # hash -> [run count at last use, fragment id, label]
        self.run_count = 0
        self.max_age = 2
        self.seen_new_session = False
        self.timers: dict[str, list[float]] = {}  # fragment id -> [interval, next due]
        self.widgets: dict[str, str] = {}  # key -> element id (buttons)
        self.widget_fragment: dict[str, str] = {}  # key -> the fragment a button is drawn in ("" outside any)
        self.labels: dict[str, str] = {}  # key -> button label
        self.run = Run()
        self.runs: list[Run] = []  # completed runs, in order
        self.frames: list[Frame] = []
        self.sent = 0  # bytes sent to the server
        self._deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -12, 5) if estimate_deflate else None
        self._last_was_frame = False

    def __enter__(self) -> "Session":
        self.ws.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.ws.__exit__(*exc)

    def load(self) -> Run:
        """Open the page, as the browser does once connected: a rerun by URL path and query string."""
        self.rerun()
        return self.wait_full_run()

    # -- sending -------------------------------------------------------------------------------------------------
    def rerun(self, widgets: tuple[WidgetState, ...] = (), fragment_id: str = "", auto: bool = False) -> None:
        msg = BackMsg()
        r = msg.rerun_script
        r.query_string = self.query
        if self.page_hash:
            r.page_script_hash = self.page_hash
        else:  # first request, as the browser does before it knows the pages: the page by its URL path
            r.page_name = self.url_path
        r.widget_states.widgets.extend(widgets)
        if fragment_id:
            r.fragment_id = fragment_id
        r.is_auto_rerun = auto
        r.cached_message_hashes.extend(self.cache)
        ci = r.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = f"http://{HOST}:{self.port}/{self.url_path}" + (f"?{self.query}" if self.query else "")
        ci.color_scheme = "light"
        data = msg.SerializeToString()
        self.sent += len(data)
        self.seen_new_session = False
        self.ws.send(data)

    def click(self, key: str) -> bool:
        """Click the button with this key and wait for the run it causes to finish; False if it is not there. As
        the browser does, a button drawn in a fragment sends that fragment's id (its callback may rerun the page,
        the fragment or other fragments: the wait ends at the first run that finishes)."""
        wid = self.widgets.get(key)
        if wid is None:
            return False
        fragment = self.widget_fragment.get(key, "")
        self.rerun((WidgetState(id=wid, trigger_value=True),), fragment_id=fragment)
        if not fragment:
            self.wait_full_run()
            return True
        deadline = time.monotonic() + self.timeout
        while True:
            run = self._receive(deadline)
            if run is None:
                raise TimeoutError(f"the click on {key!r} caused no run within {self.timeout:.0f} s")
            if run.status != EARLY:
                return True

    # -- receiving -----------------------------------------------------------------------------------------------
    def _handle(self, data: bytes, now: float) -> Run | None:
        """Process one ForwardMsg; return the run it completed, if any."""
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        label = message_label(msg)
        if kind == "ref_hash":
            entry = self.cache.get(msg.ref_hash)
            if entry is None:
                raise ProtocolError(f"reference to a message this client never cached ({msg.ref_hash})")
            entry[0] = self.run_count
            label = f"{entry[2]} (cached reference)"
        deflated = (len(self._deflate.compress(data) + self._deflate.flush(zlib.Z_SYNC_FLUSH)) - 4
                    if self._deflate is not None else 0)
        self.run.add(label, len(data), deflated)
        if kind in ("delta", "ref_hash"):
            self.run.drawn = now

        if kind == "new_session":
            self.seen_new_session = True
            self.run.started = now
            self.run.fragment_ids = tuple(msg.metadata.run.fragment_ids)
            if not self.run.fragment_ids:  # a full rerun: the browser drops every auto-rerun timer
                self.timers.clear()
                if msg.new_session.config.max_cached_message_age > 0:
                    self.max_age = msg.new_session.config.max_cached_message_age
            if not self.page_hash:
                self.page_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            if msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            frag, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if frag and interval > 0 and self.timers.get(frag, [None])[0] != interval:
                self.timers[frag] = [interval, now + interval]
        elif kind == "stop_auto_rerun":
            for frag in msg.stop_auto_rerun.fragment_ids:
                self.timers.pop(frag, None)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            etype = element.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = [self.run_count, msg.delta.fragment_id, label]
            if etype == "button":
                key = element_key(element.button.id)
                if key:
                    self.widgets[key], self.labels[key] = element.button.id, element.button.label
                    self.widget_fragment[key] = msg.delta.fragment_id
            elif etype == "plotly_chart":
                self.run.specs[label] = element.plotly_chart.spec
            elif etype == "exception":
                self.run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "script_finished":
            run, self.run = self.run, Run()
            run.finished, run.status = now, msg.script_finished
            self.runs.append(run)
            if run.status != EARLY and self.seen_new_session:  # the browser's cache expiry (ForwardMsgCache)
                self.run_count += 1
                for h, (last, frag, _) in list(self.cache.items()):
                    if run.fragment_ids and frag not in run.fragment_ids:
                        continue
                    if self.run_count - last > self.max_age:
                        del self.cache[h]
            if run.fragment_ids:
                drawn = run.drawn or run.finished
                self.frames.append(Frame(run.nbytes, run.deflated, run.by_label,
                                         1e3 * (drawn - (run.started or drawn)), run.finished,
                                         run.status == FRAGMENT_OK, self._last_was_frame))
                self._last_was_frame = True
            elif run.status != EARLY:
                self._last_was_frame = False
            return run
        return None

    def _receive(self, until: float) -> Run | None:
        """Receive messages until ``until`` (client clock) or until a run completes; fire due timers."""
        while True:
            now = time.monotonic()
            for frag, timer in list(self.timers.items()):
                if timer[1] <= now:  # like setInterval: one tick now, the next one an interval later
                    self.rerun(fragment_id=frag, auto=True)
                    timer[1] = max(timer[1] + timer[0], now + 1e-3)
            if now >= until:
                return None
            wait = min([until] + [t[1] for t in self.timers.values()]) - now
            try:
                data = self.ws.recv(timeout=max(wait, 0.0))
            except TimeoutError:
                continue
            if isinstance(data, str):
                raise ProtocolError("the server sent a text frame")
            done = self._handle(data, time.monotonic())
            if done is not None:
                return done

    def wait_full_run(self) -> Run:
        """Receive (answering timers) until a full run (not a fragment run) completes."""
        deadline = time.monotonic() + self.timeout
        while True:
            run = self._receive(deadline)
            if run is None:
                raise TimeoutError(f"no full run finished within {self.timeout:.0f} s on /{self.url_path}")
            if not run.fragment_ids and run.status != EARLY:
                return run

    def play(self, run_key: str, seconds: float, max_restarts: int = 20) -> int:
        """Click ``run_key``'s Play and answer the auto-rerun timers for ``seconds``; return the number of restarts."""
        if not self.click(run_key + PLAY):
            raise ProtocolError(f"no button {run_key + PLAY!r} on /{self.url_path}?{self.query}")
        restarts = 0
        deadline = time.monotonic() + seconds
        frames_at_start = len(self.frames)
        while time.monotonic() < deadline:
            run = self._receive(deadline)
            if run is None:
                break
            if run.fragment_ids or run.status == EARLY or self.timers:
                continue
            # a full run left no timer: the live run ended (converged, diverged, limit). Start it over.
            if restarts >= max_restarts or len(self.frames) == frames_at_start:
                break
            frames_at_start = len(self.frames)
            if not (self.click(run_key + RESET) and self.click(run_key + PLAY)):
                break
            restarts += 1
        return restarts


@dataclass
class LiveResult:
    """The measured live run of one page section."""

    page: str
    url_path: str
    section: str | None
    run_key: str
    seconds: float
    first_load: int  # bytes of the first full run of the page (what opening the URL costs)
    frames: list[Frame]
    restarts: int
    specs: dict[str, str]  # the plotly figures of the last frame
    previous_specs: dict[str, str]  # and of the frame before it
    errors: list[str]

    @property
    def n(self) -> int:
        return len(self.frames)

    @property
    def interrupted(self) -> int:
        """Frames cut short by the next timer tick (they still sent what they had drawn)."""
        return sum(not f.completed for f in self.frames)

    def _median_kb(self, values) -> float:
        return statistics.median(values) / 1024 if values else float("nan")

    @property
    def kb_median(self) -> float:
        return self._median_kb([f.nbytes for f in self.frames])

    @property
    def kb_max(self) -> float:
        return max(f.nbytes for f in self.frames) / 1024 if self.frames else float("nan")

    @property
    def deflate_kb_median(self) -> float:
        return self._median_kb([f.deflated for f in self.frames])

    def _playing(self) -> tuple[list[Frame], float]:
        """The frames that follow a frame, and the time they span (restarts left out)."""
        pairs = [(a, b) for a, b in zip(self.frames, self.frames[1:]) if b.follows_frame]
        return [b for _, b in pairs], sum(b.finished - a.finished for a, b in pairs)

    @property
    def fps(self) -> float:
        """Fragment runs ended per second of playing (the rate at which the page's live part updates)."""
        frames, span = self._playing()
        return len(frames) / span if span > 0 else float("nan")

    @property
    def kb_per_s(self) -> float:
        """KB received per second of playing: the load one student puts on the network."""
        frames, span = self._playing()
        return sum(f.nbytes for f in frames) / 1024 / span if span > 0 else float("nan")

    @property
    def latency_ms(self) -> float:
        return statistics.median(f.latency_ms for f in self.frames) if self.frames else float("nan")

    def breakdown(self) -> list[tuple[str, float]]:
        """(label, median bytes per frame) of every label seen in a frame, largest first."""
        labels = {k for f in self.frames for k in f.by_label}
        rows = [(k, statistics.median(f.by_label.get(k, 0) for f in self.frames)) for k in labels]
        return sorted(rows, key=lambda r: -r[1])

    def as_dict(self) -> dict:
        return {"page": self.page, "url_path": self.url_path, "section": self.section, "run": self.run_key,
                "frames": self.n, "interrupted": self.interrupted, "kb_median": self.kb_median,
                "kb_max": self.kb_max, "deflate_kb_median": self.deflate_kb_median, "fps": self.fps,
                "kb_per_s": self.kb_per_s, "latency_ms": self.latency_ms, "first_load_kb": self.first_load / 1024,
                "restarts": self.restarts, "seconds": self.seconds, "breakdown": self.breakdown(),
                "charts": {k: chart_anatomy(v, self.previous_specs.get(k)) for k, v in self.specs.items()}, "errors": self.errors}


def chart_anatomy(spec: str, previous: str | None = None) -> dict:
    """Where the bytes of one plotly figure JSON are.

    Sizes are of compact JSON: each trace (largest first) and the layout (with its three largest entries);
    ``base64_arrays``: the ``bdata`` strings of typed arrays; ``images``: ``data:image`` URIs (layout images).
    With ``previous`` (the same chart one frame earlier): ``static``, the bytes of the traces (matched by position)
    and of the layout that did not change from one frame to the next: what a frame resends for nothing.
    """
    fig = json.loads(spec)
    size = lambda obj: len(json.dumps(obj, separators=(",", ":")))  # noqa: E731
    counts = {"bdata": 0, "images": 0}

    def walk(obj):
        if isinstance(obj, dict):
            if isinstance(obj.get("bdata"), str):
                counts["bdata"] += len(obj["bdata"])
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)
        elif isinstance(obj, str) and obj.startswith("data:image"):
            counts["images"] += len(obj)

    walk(fig)
    data, layout = fig.get("data", []), fig.get("layout", {})
    before = json.loads(previous) if previous else None
    old = before.get("data", []) if before else []
    traces = [(f"{t.get('name') or t.get('type', 'scatter')} ({t.get('type', 'scatter')})", size(t),
               i < len(old) and old[i] == t) for i, t in enumerate(data)]
    static = None
    if before is not None:
        static = sum(n for _, n, same in traces if same) + (size(layout) if before.get("layout") == layout else 0)
    parts = sorted(((k, size(v)) for k, v in layout.items()), key=lambda r: -r[1])[:3]
    return {"bytes": len(spec), "layout": size(layout), "layout_parts": parts, "base64_arrays": counts["bdata"],
            "images": counts["images"], "static": static, "traces": sorted(traces, key=lambda r: -r[1])}


@dataclass
class Target:
    page: str
    url_path: str
    section: str | None

    @property
    def query(self) -> str:
        return f"section={self.section}" if self.section else ""


def targets(pages: list[str] | None = None, only: set[tuple[str, str | None]] | None = None) -> list[Target]:
    """Every page of the catalog (or those whose URL path is in ``pages``) and every section of it; ``only``: just
    these (URL path, section) pairs."""
    out = []
    for e in available():
        if pages and e.url_path not in pages:
            continue
        for sec in page_sections(e.path) or [None]:
            if only is None or (e.url_path, sec) in only:
                out.append(Target(e.title, e.url_path, sec))
    return out


def measure_target(port: int, t: Target, seconds: float, timeout: float = 60.0) -> tuple[list[LiveResult], dict]:
    """Render one page section; play each of its live runs for ``seconds``. Returns (results, render info)."""
    with Session(port, t.url_path, t.query, timeout) as s:
        first = s.load()
        plays = [k for k in s.widgets if k.endswith(PLAY)]
        info = {"page": t.page, "url_path": t.url_path, "section": t.section, "first_load_kb": first.nbytes / 1024,
                "live_runs": [k[: -len(PLAY)] for k in plays], "errors": first.exceptions}
    results = []
    for key in plays:  # one fresh tab per live run
        with Session(port, t.url_path, t.query, timeout) as s:
            first = s.load()
            restarts = s.play(key[: -len(PLAY)], seconds)
            errors = sorted({e for r in s.runs for e in r.exceptions})
            fragment_runs = [r for r in s.runs if r.fragment_ids and r.specs]
            done = [r for r in fragment_runs if r.status == FRAGMENT_OK]
            last = (done or fragment_runs)[-1] if fragment_runs else None
            earlier = [r for r in fragment_runs if r is not last and (last is None or r.finished < last.finished)]
            specs = last.specs if last else {}
            previous = earlier[-1].specs if earlier else {}
            results.append(LiveResult(t.page, t.url_path, t.section, key[: -len(PLAY)], seconds, first.nbytes,
                                      list(s.frames), restarts, specs, previous, errors))
    return results, info


def measure(seconds: float = 4.0, pages: list[str] | None = None, port: int | None = None,
            budget: float = 300.0, log=print, nodelay: bool = False,
            only: set[tuple[str, str | None]] | None = None) -> tuple[list[dict], list[dict]]:
    """Start the app and measure every live run. Returns (live rows, render rows of every page section).

    ``port``: measure an app that is already running there instead of starting one. ``budget``: seconds after
    which the remaining sections are skipped (reported as such), so a hung server cannot hold the bench.
    ``nodelay``: start the app with TCP_NODELAY (``bench/_nodelay.py``), so the latency is the server's time.
    ``only``: measure just these (URL path, section) pairs.
    """
    def run(p: int):
        live, renders = [], []
        stop = time.monotonic() + budget
        for t in targets(pages, only):
            if time.monotonic() > stop:
                renders.append({"page": t.page, "url_path": t.url_path, "section": t.section,
                                "first_load_kb": float("nan"), "live_runs": [],
                                "errors": [f"skipped: the {budget:.0f} s budget was spent"]})
                continue
            try:
                results, info = measure_target(p, t, seconds)
            except (TimeoutError, ConnectionClosed, ProtocolError, OSError) as err:
                renders.append({"page": t.page, "url_path": t.url_path, "section": t.section,
                                "first_load_kb": float("nan"), "live_runs": [],
                                "errors": [f"{type(err).__name__}: {err}"]})
                log(f"  {t.page} / {t.section or '-'}: {type(err).__name__}: {err}")
                continue
            renders.append(info)
            for r in results:
                live.append(r.as_dict())
                log(f"  {t.page} / {t.section or '-'} [{r.run_key}]: {r.n} frames, {r.kb_median:.1f} KB median, "
                    f"{r.kb_max:.1f} KB max, {r.fps:.1f} frames/s")
        return live, renders

    if port is not None:
        return run(port)
    with StreamlitServer(nodelay=nodelay) as server:
        return run(server.port)


FRAME_HEADERS = ["page", "section", "frames (interrupted)", "KB/frame median", "KB/frame max", "frames/s",
                 "KB/s", "latency ms", "deflate KB/frame (est.)", "page load KB", "restarts"]


def table_rows(live: list[dict]) -> list[list]:
    return [[r["page"], r["section"] or "–", f"{r['frames']} ({r['interrupted']})", r["kb_median"], r["kb_max"],
             r["fps"], r["kb_per_s"], r["latency_ms"], r["deflate_kb_median"], r["first_load_kb"], r["restarts"]]
            for r in live]


def missing_live(renders: list[dict]) -> list[str]:
    """The sections of EXPECTED_LIVE that showed no Play button (or could not be opened)."""
    found = {(r["url_path"], r["section"]) for r in renders if r["live_runs"]}
    return sorted(f"{u}?section={sec}" for u, sec in EXPECTED_LIVE - found)


def format_table(live: list[dict]) -> str:
    return md_table(FRAME_HEADERS, table_rows(live))


def describe_chart(a: dict) -> str:
    """One line about a chart_anatomy() result."""
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    text = f"{kb(a['bytes'])}"
    if a["static"] is not None:
        text += f", of which {kb(a['static'])} unchanged since the previous frame"
    text += f"; base64 arrays {kb(a['base64_arrays'])}"
    if a["images"]:
        text += f", images {kb(a['images'])}"
    parts = ", ".join(f"{k} {kb(n)}" for k, n in a["layout_parts"])
    traces = ", ".join(f"{name} {kb(n)}{' (unchanged)' if same else ''}" for name, n, same in a["traces"][:3])
    return text + f"; layout {kb(a['layout'])} ({parts}); largest traces: {traces}"


def format_breakdown(live: list[dict], top: int = 6) -> str:
    lines = []
    for r in live:
        total = r["kb_median"] * 1024
        lines.append(f"{r['page']} / {r['section'] or '-'} ({r['kb_median']:.1f} KB per frame):")
        for label, b in r["breakdown"][:top]:
            lines.append(f"  {b / 1024:7.1f} KB  {100 * b / total if total else 0:4.0f}%  {label}")
        for label, a in r["charts"].items():
            lines.append(f"    {label}: {describe_chart(a)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=4.0, help="how long to play each live run (default 4)")
    ap.add_argument("--page", action="append", help="URL path of a page to measure (repeatable; default all)")
    ap.add_argument("--port", type=int, help="measure an app already running on 127.0.0.1:PORT")
    ap.add_argument("--json", type=pathlib.Path, help="also write the raw results as JSON")
    ap.add_argument("--nodelay", action="store_true",
                    help="start the app with TCP_NODELAY (bench/_nodelay.py): the latency is then the server's time")
    args = ap.parse_args()
    live, renders = measure(args.seconds, args.page, args.port, nodelay=args.nodelay)
    print(f"\nLive frames over the websocket (target: at most {TARGET_KB:.0f} KB per frame, at least "
          f"{TARGET_FPS:.0f} frames/s server side); 'deflate' = estimated KB with websocket compression on:")
    print(format_table(live))
    print("\nWhere the bytes of a median frame go:")
    print(format_breakdown(live))
    without = [f"{r['page']} / {r['section'] or '-'}" for r in renders if not r["live_runs"]]
    print("\nSections without a live run:", ", ".join(without) or "none")
    missing = missing_live(renders) if not args.page else []
    if missing:
        print("Expected a live run but found no Play button on:", ", ".join(missing))
    if args.json:
        args.json.write_text(json.dumps({"live": live, "renders": renders}, indent=1, default=str))


if __name__ == "__main__":
    main()
