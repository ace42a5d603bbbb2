"""The app shell: navigation over every page, Home with the course map, presentation mode."""
from __future__ import annotations

import pytest

from app.catalog import CATALOG, available
from tests.pages.helpers import PAGES, app, assert_clean, page, texts


def test_catalog_lists_every_page_file():
    files = {p.name for p in PAGES}
    assert files == {e.file for e in available()}, "every file in pages/ must be in app/catalog.py and vice versa"
    assert {e.file for e in CATALOG} >= files


def test_home_renders_course_map():
    at = app().run()
    assert_clean(at)
    md = " ".join(texts(at.markdown))
    assert "NumDL Studio" in " ".join(texts(at.title))
    assert "Presentation mode" in md and "URL" in md
    links = [e.proto.label for e in at.get("page_link")]
    for e in available():
        assert any(e.title in label for label in links), f"Home does not link {e.title}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_page_renders_through_navigation(path):
    at = app().run()
    at.switch_page(f"../pages/{path.name}").run()
    assert_clean(at)
    assert at.get("plotly_chart"), f"{path.name} shows no chart"


def test_presentation_mode_toggle_and_url():
    at = app().run()
    at.sidebar.toggle(key="presentation_toggle").set_value(True).run()
    assert_clean(at)
    assert at.query_params.get("present") in ("1", ["1"])
    at.switch_page("../pages/derivatives.py").run()
    assert_clean(at)
    # figures are restyled for the projector: larger fonts
    import json
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] >= 20
    at.sidebar.toggle(key="presentation_toggle").set_value(False).run()  # off again: the URL loses present=1
    assert_clean(at)
    assert "present" not in at.query_params
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["font"]["size"] < 20


def test_presentation_from_url():
    at = page("derivatives.py", {"present": "1"}).run()
    assert_clean(at)


def test_every_page_has_its_own_lesson_key():
    """A Lesson's key prefixes its state (URL, tour, export): two pages with one key would share it."""
    import re

    sources = [e.path.read_text() for e in available()]
    keys = [re.search(r'Lesson\("([^"]+)"', t).group(1) for t in sources if 'Lesson("' in t]
    assert len(keys) >= 19 and len(keys) == len(set(keys)), sorted(keys)
