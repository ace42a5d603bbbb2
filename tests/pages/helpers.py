"""Helpers for headless page tests with streamlit.testing.v1.AppTest."""
from __future__ import annotations

import json
import pathlib

from streamlit.testing.v1 import AppTest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py"))


def page(name: str, query: dict | None = None, timeout: float = 60) -> AppTest:
    """An AppTest of ``pages/<name>`` (not yet run), with optional URL query parameters."""
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def app(timeout: float = 60) -> AppTest:
    """An AppTest of the whole app (navigation + Home)."""
    return AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=timeout)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def figures(at: AppTest) -> list[dict]:
    """The plotly figures on the page, as JSON dicts."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def assert_clean(at: AppTest) -> None:
    """No exception element on the page."""
    assert not at.exception, [e.message for e in at.exception]
