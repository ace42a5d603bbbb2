"""Shared by the benchmark scripts in this folder (imported as ``bench._common``).

- :func:`best_time`: the best wall time of a few calls;
- :func:`page_sections`: the sections of a page, read from its ``SECTIONS`` dict (the values of the ``section``
  URL parameter), without importing the page;
- :class:`StreamlitServer`: the real app served on a free loopback port for the length of a ``with`` block;
- :func:`torch_one_thread`, :func:`torch_setup`, :func:`torch_columns`, :func:`torch_report`: the PyTorch
  comparisons (bench_control, bench_resnet, bench_torch).
"""
from __future__ import annotations

import ast
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # the benchmarks never talk to anything else


def best_time(fun, repeats: int):
    """Call ``fun()`` ``repeats`` times; return the best wall time in seconds and the last result."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fun()
        best = min(best, time.perf_counter() - t0)
    return best, out


def torch_one_thread():
    """PyTorch limited to one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def torch_setup(repeats: int, target: float, note: str = "") -> str:
    """The setup sentence of a PyTorch comparison (``note``: e.g. ``"tanh; "``)."""
    return (f"float64, one thread (threadpoolctl and torch.set_num_threads(1)), best of {repeats}; {note}"
            f"ratio = ours / PyTorch (target ≤ {target})")


def torch_columns(version) -> list[str]:
    """The PyTorch columns of a table: none when PyTorch is not installed (``version`` None)."""
    return ["PyTorch (ms)", "ratio"] if version is not None else []


def torch_report(version, setup: str, target: float, blocks: list[str], rows: list[list[str]]) -> str:
    """The report: the setup line (or "not installed"), the ``blocks``, and the worst ratio (last column of
    ``rows``) against ``target`` when PyTorch ran."""
    have = version is not None
    out = [f"PyTorch {version}; " + setup + "." if have else
           "PyTorch is not installed (`pip install -r bench/requirements.txt`): our times only.", "", *blocks]
    if have:
        ratios = [float(r[-1]) for r in rows]
        out += ["", f"Worst ratio {max(ratios):.2f} (target ≤ {target}): "
                f"{'met' if max(ratios) <= target else 'not met'} on these sizes."]
    return "\n".join(out)


def _arrays(out) -> list:
    """The arrays (and numbers) in a nested tuple, in order."""
    if isinstance(out, tuple):
        return [a for o in out for a in _arrays(o)]
    return [np.asarray(out, dtype=float)]


def torch_row(torch, head: list[str], ours, theirs, repeats: int, label, digits: int = 2) -> list[str]:
    """One table row: ``head``, the best time of ``ours()`` and, when ``torch`` is not None, of ``theirs()()``
    (``theirs`` builds the PyTorch callable) and the ratio; every array the two return agrees (relative 1e-10)."""
    t_ours, a = best_time(ours, repeats)
    row = [*head, f"{1e3 * t_ours:.{digits}f}"]
    if torch is not None:
        t_torch, b = best_time(theirs(), repeats)
        for x, y in zip(_arrays(a), _arrays(b), strict=True):
            assert np.linalg.norm(x - y) <= 1e-10 * np.linalg.norm(y), label
        row += [f"{1e3 * t_torch:.{digits}f}", f"{t_ours / t_torch:.2f}"]
    return row


def page_sections(path: pathlib.Path) -> list[str]:
    """The keys of the module-level ``SECTIONS = {...}`` dict literal of a page file, in order.

    A page that has no such dict has a single section, the page itself: the result is ``[]``. The page is parsed,
    not imported (importing a Streamlit page would run it).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "SECTIONS" for t in node.targets):
            if isinstance(node.value, ast.Dict):
                return [k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class StreamlitServer:
    """``streamlit run app/main.py`` from the repository root, bound to 127.0.0.1 on a free port.

    ``nodelay``: start it through ``bench/_nodelay.py`` (TCP_NODELAY on its connections; see there).

    Use as a context manager: entering waits until ``/_stcore/health`` answers (or raises with the end of the
    server's log), leaving terminates the process (and kills it if it does not stop within 10 s).
    """

    def __init__(self, port: int | None = None, start_timeout: float = 60.0, extra_args: tuple[str, ...] = (),
                 nodelay: bool = False):
        self.port = port or free_port()
        self.nodelay = nodelay  # start through bench/_nodelay.py (TCP_NODELAY on the connections)
        self.start_timeout = start_timeout
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, n: int = 2000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-n:]

    def __enter__(self) -> "StreamlitServer":
        self._log = tempfile.TemporaryFile()
        launcher = [str(ROOT / "bench" / "_nodelay.py")] if self.nodelay else ["-m", "streamlit"]
        cmd = [sys.executable, *launcher, "run", "app/main.py", "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", HOST, *self.extra_args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        tail = self.log_tail()
        self.__exit__(None, None, None)
        raise RuntimeError(f"the Streamlit server did not become healthy on port {self.port}:\n{tail}")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


def fmt(x, digits: int = 1) -> str:
    """A number for a table: fixed digits, '–' for a missing value (None or NaN)."""
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def md_table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (also readable as plain text); right-aligned columns for numbers."""
    cells = [[fmt(c) if not isinstance(c, str) else c for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    def is_number(c) -> bool:
        if not isinstance(c, str):
            return True
        try:
            float(c.replace(" ", "").split("(")[0])
            return True
        except ValueError:
            return c in ("–", "", "error")

    numeric = [bool(rows) and all(is_number(row[i]) for row in rows) for i in range(len(headers))]
    def line(vals):
        return "| " + " | ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric)) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2)) for w, num in zip(widths, numeric)) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in cells])
