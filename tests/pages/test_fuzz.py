"""No combination of control values or URL parameters produces a traceback, on any page.

For every page and every section, random combinations of each control's extreme, default and random values are
put in the URL; the page must render without an exception, and where it has a live run, Play and two frames
must run without one too. Reproducible: the random generator is seeded per page.
"""
from __future__ import annotations

import random

import pytest

from bench._common import page_sections
from tests.pages.helpers import PAGES, assert_clean, page

N_COMBOS = 2  # per section of a page with fewer than 3 sections, 1 per section otherwise: 3-9 per page; every
# control's bounds and malformed values are also tried one by one in tests/pages/test_urls.py
# Sections whose every run trains something sizeable (10-16 s for 2 combinations in the suite): one combination.
EXPENSIVE = {"single_layer-train": 1, "single_layer-crime": 1}


PAGES_BY_NAME = {p.name: p for p in PAGES}


def _declared(at) -> dict:
    """The specs of the controls the page drew in its last run (stored by app.params.PageParams)."""
    specs = {}
    for k in at.session_state.keys():
        if str(k).startswith("_declared."):
            specs.update(at.session_state[k])
    return specs


def _value(p, rng: random.Random):
    if p.kind == "bool":
        return rng.choice(["0", "1"])
    if p.kind == "choice" or p.kind == "log":
        return str(rng.choice(list(p.options)))
    lo, hi = p.lo, p.hi
    v = rng.choice([lo, hi, p.default, rng.uniform(lo, hi)])
    return str(int(round(v)) if p.kind == "int" else v)


def _sections(at) -> list:
    spec = _declared(at).get("section")
    return list(spec.options) if spec is not None else [None]


def _cases():
    """One case per page and section (the keys of the page's SECTIONS literal), so the cases spread over workers."""
    for path in PAGES:
        for section in page_sections(path) or [None]:
            yield pytest.param(path.name, section, id=f"{path.stem}-{section or 'page'}")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_the_cases_cover_every_declared_section(path):
    at = page(path.name).run()
    assert_clean(at)
    assert _sections(at) == (page_sections(path) or [None])


@pytest.mark.parametrize("name,section", list(_cases()))
def test_random_corners_never_crash(name, section):
    rng = random.Random(f"{name}:{section}")
    base = {"section": str(section)} if section is not None else {}
    at = page(name, base).run()
    assert_clean(at)
    specs = {k: v for k, v in _declared(at).items() if k != "section"}
    combos = N_COMBOS if len(page_sections(PAGES_BY_NAME[name]) or [None]) < 3 else 1
    for _ in range(EXPENSIVE.get(f"{name.removesuffix('.py')}-{section}", combos)):
        query = dict(base)
        query.update({k: _value(p, rng) for k, p in specs.items()})
        at = page(name, query).run()
        assert_clean(at)
        play = [b for b in at.button if b.key and b.key.endswith(".play") and not b.disabled]
        if play:
            play[0].click().run()
            at.run()
