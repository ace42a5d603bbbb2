"""Icons that render everywhere: Material Symbols in the menu and on Home, no emoji in the kit's labels.

Emoji pictographs show as empty boxes on machines without an emoji font (headless Chromium on Debian); the
Material Symbols font ships with Streamlit. The kit's source is scanned (nothing is imported from the pages).
"""
from __future__ import annotations

import ast
import pathlib
import re

import pytest
from streamlit.material_icon_names import ALL_MATERIAL_ICONS

from app.catalog import CATALOG
from app.lesson import display_title

ROOT = pathlib.Path(__file__).resolve().parents[2]
KIT = sorted((ROOT / "app").glob("*.py"))  # app/lessons/* and pages/* belong to their pages
MATERIAL = re.compile(r":material/([a-z0-9_]+):")
# Emoji pictographs, dingbats and miscellaneous symbols, the media symbols U+23E9-23FA (⏸ showed as an empty box in
# Debian's headless Chromium), the emoji variation selector; ✔ and ✘ are kept (check results), as are arrows, ▶
# and ‖ (in ordinary fonts).
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u23E9-\u23FA\uFE0F]")
ALLOWED = set("✔✘")


def emoji_in(text: str) -> list[str]:
    return [c for c in EMOJI.findall(text) if c not in ALLOWED]


def assert_material(icon: str, where: str) -> None:
    m = MATERIAL.fullmatch(icon)
    assert m, f"{where}: icon {icon!r} is not a ':material/name:' string"
    assert m.group(1) in ALL_MATERIAL_ICONS, f"{where}: {m.group(1)!r} is not a Material Symbol Streamlit knows"


def test_the_scan_sees_emoji():
    assert emoji_in("📐 Linear") == ["📐"] and emoji_in("⛰️") == ["⛰", "\ufe0f"] and emoji_in("⬇ Export") == ["⬇"]
    assert emoji_in("✔ ok ✘ ▶ → ‖ Pause ‖∇f‖ α λ₂") == [] and emoji_in("⏸ Pause") == ["⏸"]


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.file)
def test_catalog_icons_are_material_symbols(entry):
    assert_material(entry.icon, entry.file)


def _calls(path: pathlib.Path):
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)]


def test_menu_and_home_icons_are_material_symbols():
    icons = {}
    for call in _calls(ROOT / "app" / "main.py"):
        for kw in call.keywords:
            if kw.arg in ("icon", "page_icon") and isinstance(kw.value, ast.Constant):
                icons[f"main.py:{kw.value.lineno} {kw.arg}"] = kw.value.value
    assert len(icons) >= 2, icons  # the browser tab's icon and the Home page's
    for where, icon in icons.items():
        assert_material(icon, where)


def _docstrings(tree: ast.AST) -> set[int]:
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, scopes)]
    return {id(n.body[0].value) for n in nodes
            if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}


@pytest.mark.parametrize("path", KIT, ids=lambda p: p.name)
def test_no_emoji_in_kit_strings(path):
    """Every string the kit can draw (labels, titles, messages; docstrings aside) is free of emoji."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    bad = [(n.lineno, n.value) for n in ast.walk(tree)
           if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip and emoji_in(n.value)]
    assert not bad, f"{path.name}: emoji in {bad}"


def _lesson_titles() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "pages").glob("*.py")):
        for call in _calls(path):
            if isinstance(call.func, ast.Name) and call.func.id == "Lesson" and len(call.args) >= 2:
                title = call.args[1]
                if isinstance(title, ast.Constant) and isinstance(title.value, str):
                    out.append((path.name, title.value))
    return out


def test_page_titles_are_drawn_without_emoji():
    titles = _lesson_titles()
    assert len(titles) >= 15, titles
    for name, title in titles:
        shown = display_title(title)
        assert not emoji_in(shown), (name, title, shown)
        assert shown and shown[0].isalnum() and shown in title, (name, shown)
    assert display_title("📐 Linear least squares") == "Linear least squares"
    assert display_title("⛰️ Tractable landscapes") == "Tractable landscapes"
    assert display_title("Linear least squares") == "Linear least squares"
    assert display_title("(a) and (b)") == "(a) and (b)"
