"""Helpers for headless page tests with streamlit.testing.v1.AppTest."""
from __future__ import annotations

import json
import pathlib

from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))


_COMPONENTS = []


def _share_components(at: AppTest) -> AppTest:
    """Reuse one scan of installed Streamlit components across AppTests (the scan costs ~0.5 s per AppTest).

    Relies on AppTest's private ``_bidi_component_manager`` (streamlit is pinned in requirements.txt); if it
    is not there, nothing is shared and tests are only slower.
    """
    if hasattr(at, "_bidi_component_manager"):
        if _COMPONENTS:
            at._bidi_component_manager = _COMPONENTS[0]
        else:
            from streamlit.components.v2.component_manager import BidiComponentManager

            manager = BidiComponentManager()
            manager.discover_and_register_components(start_file_watching=False)
            _COMPONENTS.append(manager)
            at._bidi_component_manager = manager
    return at


def page(name: str, query: dict | None = None, timeout: float = 60) -> AppTest:
    """An AppTest of ``pages/<name>`` (not yet run), with optional URL query parameters."""
    at = _share_components(AppTest.from_file(str(ROOT / "pages" / name), default_timeout=timeout))
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def app(timeout: float = 60) -> AppTest:
    """An AppTest of the whole app (navigation + Home)."""
    return _share_components(AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=timeout))


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def figures(at: AppTest) -> list[dict]:
    """The plotly figures on the page, as JSON dicts."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def assert_clean(at: AppTest) -> None:
    """No exception element on the page."""
    assert not at.exception, [e.message for e in at.exception]


def render_section(name: str, section: str) -> AppTest:
    """Run ``pages/<name>`` on ``section`` (given in the URL) and check it: no exception, at least one figure,
    the section kept in the URL. Returns the AppTest for further checks."""
    at = page(name, {"section": section}).run()
    assert_clean(at)
    assert figures(at), f"{name}: section {section!r} shows no figure"
    assert at.query_params["section"] in (section, [section]), at.query_params["section"]
    return at


def cold_render(name: str, section: str) -> tuple[AppTest, float]:
    """Run ``pages/<name>`` on ``section`` once (warm interpreter), clear ``st.cache_data`` and time a second run:
    the first render with cold caches (bench/bench_pages.py's measure). Returns the checked AppTest and seconds."""
    import time

    import streamlit as st

    page(name, {"section": section}).run()
    st.cache_data.clear()
    t = time.perf_counter()
    at = page(name, {"section": section}).run()
    elapsed = time.perf_counter() - t
    assert_clean(at)
    return at, elapsed


def lesson_numbers(at: AppTest, key: str) -> dict:
    """The numbers the page recorded with ``lesson.numbers`` for the Lesson ``key`` (what the export prints)."""
    from app.lesson import EXPORT_KEY

    return at.session_state[EXPORT_KEY][key]["numbers"]


def frame_bytes(at: AppTest) -> dict[str, int]:
    """Bytes of figure JSON per chart in the last live frame that played (``app.panels.FRAME_BYTES_KEY``)."""
    from app.panels import FRAME_BYTES_KEY

    return dict(at.session_state[FRAME_BYTES_KEY]) if FRAME_BYTES_KEY in at.session_state else {}


def declared_presets(path: pathlib.Path) -> dict[str | None, list[str]]:
    """The preset names of a page by section: ``Experiment(..., {"section": s, ...}, name=...)`` literals in
    ``pages/<page>.py`` and its companions ``app/lessons/<page>*.py`` (parsed, not imported)."""
    import ast

    out: dict[str | None, list[str]] = {}
    for f in [path, *sorted((ROOT / "app" / "lessons").glob(f"{path.stem}*.py"))]:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Experiment":
                names = [kw.value.value for kw in node.keywords if kw.arg == "name"]
                section = next((v.value for a in node.args if isinstance(a, ast.Dict)
                                for k, v in zip(a.keys, a.values)
                                if isinstance(k, ast.Constant) and k.value == "section"), None)
                out.setdefault(section, []).extend(names)
    return out


def play(at: AppTest, run_key: str, ticks: int) -> AppTest:
    """Press the live run's Play button and let its fragment run ``ticks`` frames in all; no exception on the page."""
    at.button(key=f"{run_key}.play").click().run()
    for _ in range(ticks - 1):
        at.run()
    assert_clean(at)
    return at
