"""A class at once: the launcher (deploy/classroom) behind nginx, session isolation and a replica killed mid-class.

Real processes on loopback: Streamlit replicas, Debian's nginx, and simulated students speaking Streamlit's websocket
protocol (bench/bench_load.py). Skips where nginx is not installed (`.ci/run` installs it).
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from bench import bench_frames as bf
from bench.bench_load import LoadSession, cookie_for, run_load
from bench._common import StreamlitServer, free_port
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from tests.pages.helpers import ROOT

pytestmark = pytest.mark.xdist_group("deploy")  # one worker: these start servers and load them
CLASSROOM = ROOT / "deploy" / "classroom"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx not found; install it with: apt-get install -y nginx")
PAGE, RUN = "least-squares", "lstsq.iterative.run"


def _env() -> dict:
    env = dict(os.environ)
    env.pop("NUMDL_ADAPTIVE_FRAMES", None)  # the replicas adapt their frame interval, as shipped
    env.pop("NUMDL_MEASURE_FRAMES", None)
    return env


class Classroom:
    def __init__(self, replicas: int, warm: bool = False):
        self.port = free_port()
        res = subprocess.run([sys.executable, str(CLASSROOM), "start", "--replicas", str(replicas), "--port",
                              str(self.port)] + (["--warm", PAGE] if warm else ["--no-warm"]), capture_output=True,
                             text=True,
                             cwd=ROOT, env=_env(), timeout=120)
        assert res.returncode == 0, res.stderr
        self.url = res.stdout.strip()
        self.state = json.loads((pathlib.Path(tempfile.gettempdir()) / f"numdl-classroom-{self.port}"
                                 / "state.json").read_text())

    def replica_of_pid(self) -> dict[str, int]:
        return {f"127.0.0.1:{p}": pid for p, pid in zip(self.state["replica_ports"], self.state["replica_pids"])}

    def stop(self) -> None:
        subprocess.run([sys.executable, str(CLASSROOM), "stop", "--port", str(self.port)], capture_output=True,
                       timeout=60)


class TextSession(LoadSession):
    """A student's tab that also keeps the text (markdown, captions) of the last full run."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.texts: list[str] = []
        self._texts: list[str] = []

    def _handle(self, data: bytes, now: float):
        msg = ForwardMsg()
        msg.ParseFromString(data)
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "markdown":
                self._texts.append(el.markdown.body)
        run = super()._handle(data, now)
        if run is not None and not run.fragment_ids:
            self.texts, self._texts = self._texts, []
        return run

    def status(self) -> str:
        return next(t for t in self.texts if "iteration" in t and "loss" in t)


@needs_nginx
def test_launcher_serves_a_class_through_nginx_on_both_replicas():
    """20 students join within 4 s (each fetching the page's frontend files first, as a browser with an empty cache)
    and play for 6 s: every one gets frames, none errs, both replicas serve."""
    room = Classroom(2, warm=True)
    try:
        r = run_load(room.url, users=20, seconds=6, join_window=4.0, pids=room.state["replica_pids"], assets=True)
        frontend = _frontend_checks(room.url)
    finally:
        room.stop()
    assert all(frontend.values()), frontend
    assert r["errors"] == 0, r["error_examples"]
    assert r["students_with_frames"] == 20
    assert r["fps_min"] > 0.5
    assert sorted(r["replicas"]) == sorted(room.replica_of_pid()), r["replicas"]
    assert min(r["replicas"].values()) >= 2  # the sticky hash spreads them (20 random keys; 45:55 is typical)
    assert r["memory_mb"][2] < 2 * 600  # two replicas, bounded


def _frontend_checks(url: str) -> dict[str, bool]:
    """Streamlit's frontend files come from nginx (no replica header), byte for byte the installed package's, with
    a JavaScript type (browsers run module scripts only so), gzipped on request and cached for good; a path that
    is not there goes to a replica. A page's index.html comes from nginx too, the bytes a replica sends, with the
    sticky cookie and no caching."""
    import gzip
    import urllib.request

    from streamlit import file_util

    js = sorted((pathlib.Path(file_util.get_static_dir()) / "static" / "js").glob("index.*.js"))[0]

    def get(path: str, **headers) -> tuple[dict, bytes]:
        with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers), timeout=10) as resp:
            return {k.lower(): v for k, v in resp.headers.items()}, resp.read()

    h, body = get(f"/static/js/{js.name}")
    hz, zipped = get(f"/static/js/{js.name}", **{"Accept-Encoding": "gzip"})
    hm, _ = get("/static/js/not-a-file.js")
    hp, page = get("/least-squares?section=iterative")  # a page: nginx sends the index.html a replica would
    _, mine = get("/not-a-page")  # a replica's answer (every unknown path gets the frontend's index.html)
    return {"same bytes": body == js.read_bytes(), "javascript": h.get("content-type") == "application/javascript",
            "from nginx": "x-numdl-replica" not in h, "cached": "max-age=" in h.get("cache-control", ""),
            "gzip": hz.get("content-encoding") == "gzip" and gzip.decompress(zipped) == body,
            "missing -> replica": "x-numdl-replica" in hm,
            "page from nginx": "x-numdl-replica" not in hp and page == mine
            and "numdl_replica=" in hp.get("set-cookie", "") and hp.get("content-type") == "text/html; charset=utf-8"
            and hp.get("cache-control") == "no-cache"}


def test_stop_of_nothing_and_bad_arguments_are_clear():
    port = free_port()
    res = subprocess.run([sys.executable, str(CLASSROOM), "stop", "--port", str(port)], capture_output=True,
                         text=True)
    assert res.returncode == 0 and "Nothing runs" in res.stdout
    res = subprocess.run([sys.executable, str(CLASSROOM), "start", "--replicas", "-1"], capture_output=True,
                         text=True)
    assert res.returncode == 2 and "--replicas must be >= 1" in res.stderr


def test_load_generator_refuses_remote_targets():
    with pytest.raises(SystemExit, match="only loopback"):
        run_load("http://example.com:80", users=1, seconds=1)


def test_two_students_on_one_server_never_see_each_others_state():
    """Two tabs with different problems (conditioning a) step in turn; each ends exactly where it would alone."""
    steps = 6
    with StreamlitServer() as server:
        bf.HOST = "127.0.0.1"

        def session(a: str) -> TextSession:
            s = TextSession(server.port, PAGE, f"section=iterative&a={a}", 60, estimate_deflate=False)
            s.load()
            return s

        def alone(a: str) -> str:
            with session(a) as s:
                for _ in range(steps):
                    s.click(RUN + ".step")
                return s.status()

        expected = {a: alone(a) for a in ("1.0", "0.01")}
        assert expected["1.0"] != expected["0.01"]
        with session("1.0") as s1, session("0.01") as s2:
            for _ in range(steps):
                s1.click(RUN + ".step")
                s2.click(RUN + ".step")
            assert s1.status() == expected["1.0"]
            assert s2.status() == expected["0.01"]
            assert f"iteration {steps}" in s1.status()


@needs_nginx
def test_a_killed_replica_sends_its_students_to_the_other_with_their_url_state():
    room = Classroom(2)
    try:
        bf.HOST = "127.0.0.1"
        query = "section=iterative&a=0.01&speed=5"
        tabs = []
        for _ in range(40):  # until both replicas have students (the sticky keys are random)
            headers, _ = cookie_for("127.0.0.1", room.port, PAGE, 30)
            s = TextSession(room.port, PAGE, query, 60, headers=headers, estimate_deflate=False)
            s.cookie = headers
            s.replica = s.ws.response.headers.get("X-NumDL-Replica")
            s.load()
            tabs.append(s)
            if len({t.replica for t in tabs}) == 2 and len(tabs) >= 4:
                break
        replicas = room.replica_of_pid()
        assert {t.replica for t in tabs} == set(replicas)
        victim = tabs[0].replica
        os.kill(replicas[victim], signal.SIGKILL)
        survivors = [t for t in tabs if t.replica != victim]
        moved = [t for t in tabs if t.replica == victim]
        # The survivors keep playing on their replica.
        for t in survivors:
            t.play(RUN, 2.0)
            assert len(t.frames) > 3, "a student on the live replica stopped getting frames"
        # The moved students' browsers reconnect (same cookie, same URL) and land on the live replica, where the
        # page comes back in its URL state: two Steps give the numbers of a=0.01, not of the default a.
        def two_steps(q: str, headers: dict) -> str:
            with TextSession(room.port, PAGE, q, 60, headers=headers, estimate_deflate=False) as s:
                assert s.ws.response.headers.get("X-NumDL-Replica") != victim
                assert not s.load().exceptions
                s.click(RUN + ".step")
                s.click(RUN + ".step")
                return s.status()

        for t in moved:
            t.ws.close()
            back = two_steps(query, t.cookie)
            assert back == two_steps(query, {}) != two_steps("section=iterative", {})
            assert "iteration 2" in back
        for t in survivors:
            t.ws.close()
    finally:
        room.stop()
