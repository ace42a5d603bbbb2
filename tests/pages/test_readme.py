"""The README's table of instructor presets lists exactly the presets the pages declare, on the right page."""
from __future__ import annotations

import re

import pytest

from tests.pages.helpers import PAGES, ROOT, declared_presets


def _readme_rows() -> dict[str, set[str]]:
    """``{url path: preset names}`` from the README's preset table (rows ``| Title (`path`) | `a`, `b` (...) |``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| Page (URL path) | Presets |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = line.split("|")
        path = re.search(r"\(`([a-z0-9-]+)`\)", cells[1]).group(1)
        rows[path] = set(re.findall(r"`([a-z0-9-]+)`", cells[2]))
    return rows


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_readme_lists_every_preset_of_the_page(path):
    declared = {n for names in declared_presets(path).values() for n in names}
    assert _readme_rows()[path.stem.replace("_", "-")] == declared
