"""Every page's exported script runs and prints the page's headline numbers.

For each page and section, at default settings and at the page's first ``MAX_PRESETS`` presets (the non-default
settings a lecturer links to; the suite's time budget keeps it to 5 of up to 22 per page), the page runs headless (AppTest; a live run is stepped a few times so its numbers are not
those of iteration 0), then the script the export panel offers is executed in a fresh Python process from the
repository root (the first case of each page; the other cases execute the script with ``exec`` in a fresh
namespace in the test's process, which saves the interpreter start and imports, ~0.5-1 s a case). Every number the page recorded (``Lesson.numbers``) must be printed by the script, equal to
round-off. Oracle: the page itself, run through Streamlit; the script runs only ``numdl_core``.
"""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from app.lesson import EXPORT_KEY
from tests.pages.helpers import PAGES, ROOT, assert_clean, page

STEPS = 2  # Step presses on a live run before exporting
MAX_PRESETS = 3  # presets per page (in declaration order; every section is also covered at its defaults)


def _cases():
    import ast

    for path in PAGES:
        # a page's declarations may live in app/lessons/<page>.py and app/lessons/<page>_<topic>.py
        companions = sorted((ROOT / "app" / "lessons").glob(f"{path.stem}*.py"))
        sections = presets = None
        # SECTIONS = {...} literals (merged over the files; ** entries skipped) and Experiment(..., name="...") calls
        for node in (n for f in [path, *companions] for n in ast.walk(ast.parse(f.read_text()))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SECTIONS" for t in node.targets):
                sections = (sections or []) + [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Experiment":
                for kw in node.keywords:
                    if kw.arg == "name":
                        presets = (presets or []) + [kw.value.value]
        for s in sections or [None]:
            yield pytest.param(path.name, {"section": s} if s else {}, id=f"{path.stem}-{s or 'page'}")
        for name in (presets or [])[:MAX_PRESETS]:
            yield pytest.param(path.name, {"preset": name}, id=f"{path.stem}-preset-{name}")


def _export_cases():
    """The cases of ``_cases`` (also used by test_frames.py) with a flag: the first case of each page runs its
    script in a fresh process."""
    seen = set()
    for c in _cases():
        name, query = c.values
        yield pytest.param(name, query, name not in seen, id=c.id)
        seen.add(name)


def _numbers(out: str) -> dict[str, float]:
    numbers = {}
    for line in out.splitlines():
        name, sep, value = line.rpartition(": ")
        if sep:
            try:
                numbers[name] = float(value)
            except ValueError:
                pass
    return numbers


def _run_script(script: str, fresh_process: bool) -> str:
    """The script's standard output: in a fresh Python process, or executed in a fresh namespace here."""
    if fresh_process:
        proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={"PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "PATH": ""})
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, "<exported script>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    return out.getvalue()


@pytest.mark.parametrize("name,query,fresh_process", list(_export_cases()))
def test_exported_script_reproduces_the_page(name, query, fresh_process):
    at = page(name, query).run()
    assert_clean(at)
    steps = [b for b in at.button if b.key and b.key.endswith(".step") and not b.disabled]
    if steps:
        key = steps[0].key
        for _ in range(STEPS):
            b = at.button(key=key)
            if b.disabled:
                break
            b.click().run()
        assert_clean(at)
    exports = at.session_state[EXPORT_KEY] if EXPORT_KEY in at.session_state else {}
    assert exports, f"{name} {query}: the page offers no export"
    export = next(iter(exports.values()))
    assert export["numbers"], f"{name} {query}: the page records no headline numbers"
    printed = _numbers(_run_script(export["script"], fresh_process))
    for k, v in export["numbers"].items():
        assert k in printed, f"the script does not print {k!r}; it printed {sorted(printed)}"
        assert printed[k] == pytest.approx(v, rel=1e-6, abs=1e-12), k
