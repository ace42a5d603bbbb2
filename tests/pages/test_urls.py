"""Tampered links, page by page: bad URL values are clamped or ignored, with a note, never a traceback.

For every page and every section (the keys of the page's ``SECTIONS`` literal), each control the section declares
(``_declared(at)``, as in tests/pages/test_fuzz.py) is given, in one headless run per kind of tampering:

- ``high``: 1e9 (far above any maximum; not one of the choices), ``low``: -1e9 (far below any minimum, negative where
  positive; -1 for a log-scaled control), ``10kB``: a 10 kB string that starts with HTML and Markdown (a
  script tag, a link, an image, a heading on a new line, backticks), and ``malformed``: ``abc``, ``1e999``, ``nan``
  and ``inf`` in turn over the controls (each of the four on each kind of control, over the sections; one run
  instead of four keeps the file within its time budget); there, the first control is also given twice, a valid
  value then a malformed one (the last value counts). A first
run tampers with the link itself (unknown keys, a 10 kB unknown key, an unknown preset) and finds the section's
controls. Per page with sections, an unknown ``section`` (the HTML and Markdown string) falls back to the page's
default section.

Each run must show no exception and no traceback, each control must show the value the tampering should give
(the bound for an out-of-range number, the default for a malformed one), written back to the URL; a note must
name every control whose value was changed or ignored (and no other), stay short, and render nothing from the
URL but inside code spans; the page's headline numbers must be finite. Nothing is played (no training).
"""
from __future__ import annotations

import math
import re

import pytest

from bench._common import page_sections
from tests.pages.helpers import PAGES, page

NOTE_HEAD = "This link had values that could not be used"
INJECTION = ("<script>alert(1)</script><b>bold</b> **strong** [link](javascript:alert(1)) "
             "![img](http://127.0.0.1:9/x.png) `code` $x^2$ :red[red]\n# heading\n- item")
BIG = (INJECTION + "x" * 10240)[:10240]
KINDS = ("high", "low", "malformed", "10kB")  # "-0" (zero, written back as 0) is checked at kit level, in
# tests/kit/test_params.py; a run per section for it cost the suite ~10 s
MALFORMED = ("abc", "1e999", "nan", "inf")
TEXT_TYPES = ("markdown", "warning", "error", "info", "success", "caption", "text", "title", "header", "subheader")
WIDGET_TYPES = ("slider", "select_slider", "number_input", "toggle", "checkbox", "selectbox", "radio", "button_group")
# Markers of content taken from INJECTION that would show it was rendered as Markdown or HTML (outside code spans).
MARKERS = ("<script", "<b>", "**strong**", "](javascript", "![img]", "# heading", ":red[", "$x^2$")
MAX_NOTE = 4000  # characters: a note names what was wrong, it does not echo 10 kB values


def _cases():
    for path in PAGES:
        for section in page_sections(path) or [None]:
            yield pytest.param(path.name, section, id=f"{path.stem}-{section or 'page'}")


def _declared(at) -> dict[tuple[str, str], object]:
    """``{(page key, name): Param}`` of the controls the page drew in its last run (app.params.PageParams)."""
    out = {}
    for k in at.session_state.keys():
        if str(k).startswith("_declared."):
            out.update({(str(k).removeprefix("_declared."), n): p for n, p in at.session_state[k].items()})
    return out


def _widgets(at) -> dict[str, object]:
    """The value each keyed input widget of the page shows."""
    return {w.key: w.value for t in WIDGET_TYPES for w in at.get(t) if getattr(w, "key", None)}


def _shown(widgets: dict, key: str, name: str):
    """The value of the widget of control ``name`` of the page key ``key`` (``key.name`` or ``key.scope.name``)."""
    found = [v for k, v in widgets.items()
             if k.startswith(key + ".") and k.count(".") <= 2 and k.rsplit(".", 1)[-1] == name]
    assert len(found) == 1, f"control {name!r}: {len(found)} widgets, keys {sorted(widgets)}"
    return found[0]


def _raws(specs: dict, kind: str, section) -> dict[str, str]:
    """The tampered URL value of kind ``kind`` of each control of ``specs``.

    ``malformed``: the controls take ``abc``, ``1e999``, ``nan`` and ``inf`` in turn, from a place that depends on
    the section (every one of them lands on every kind of control somewhere; app.params.parse_value is tested
    with each on each kind of control in tests/kit/test_params.py).
    """
    start = sum(map(ord, str(section)))
    out = {}
    for j, ((_, n), p) in enumerate(specs.items()):
        if kind == "high":
            out[n] = "1e9"
        elif kind == "low":
            out[n] = "-1" if p.kind == "log" else "-1e9"
        elif kind == "malformed":
            out[n] = MALFORMED[(start + j) % len(MALFORMED)]
        else:
            out[n] = BIG if kind == "10kB" else kind
    return out


def _expect(p, kind: str):
    """``(value, noted)``: the value control ``p`` must take from its tampered value, and whether the note names it.

    Written from the rules (a number out of range goes to the nearest bound; a value that is not a finite number,
    a choice or on/off is ignored; -0 is zero), not by calling app.params.parse_value.
    """
    if kind in ("malformed", "10kB") or p.kind == "bool":
        return p.default, True
    if p.kind == "choice":
        num = {"high": 1e9, "low": -1e9, "-0": 0.0}[kind]
        match = [o for o in p.options if not isinstance(o, (bool, str)) and float(o) == num]
        return (match[0], False) if match else (p.default, True)
    if p.kind == "log":
        return (p.options[-1], p.options[-1] < 1e9) if kind == "high" else (p.options[0], True)
    num = {"high": 1e9, "low": -1e9, "-0": 0.0}[kind]
    v = min(max(num, p.lo), p.hi)
    v = int(round(v)) if p.kind == "int" else float(v)
    return v, v != num


def _note(at) -> str:
    return "\n".join(w.value for w in at.warning if NOTE_HEAD in w.value)


def _problems(at, where: str) -> list[str]:
    """What is wrong on any tampered page: exceptions, tracebacks, URL text rendered outside code spans, a note
    too long, headline numbers that are not finite."""
    from app.lesson import EXPORT_KEY

    out = [f"{where}: exception {e.message!r}" for e in at.exception]
    for t in TEXT_TYPES:
        for e in at.get(t):
            text = str(getattr(e, "value", "") or "")
            if "Traceback" in text or re.search(r"\b\w+(Error|Exception): ", text):
                out.append(f"{where}: {t} looks like a traceback: {text[:200]!r}")
            outside = re.sub(r"`[^`\n]*`", "", text)
            out += [f"{where}: {t} renders {m!r} from the URL outside a code span: {text[:300]!r}"
                    for m in MARKERS if m in outside]
            if t == "warning" and NOTE_HEAD in text and len(text) > MAX_NOTE:
                out.append(f"{where}: the note is {len(text)} characters long (echoes the URL)")
    exported = at.session_state[EXPORT_KEY] if EXPORT_KEY in at.session_state else {}
    for key, entry in exported.items():
        out += [f"{where}: number {k!r} = {v!r} is not finite" for k, v in entry["numbers"].items()
                if not math.isfinite(v)]
    for m in at.metric:
        if str(m.value).strip().lower() in ("nan", "inf", "-inf"):
            out.append(f"{where}: metric {m.label!r} shows {m.value!r}")
    return out


def _other(p):
    """A valid value of ``p`` other than its default."""
    values = [p.lo, p.hi] if p.kind in ("int", "float") else [not p.default] if p.kind == "bool" else p.options
    return next(v for v in values if v != p.default)


def _check_kind(name: str, section, specs: dict, kind: str) -> list[str]:
    """Open the page with every control of ``specs`` tampered as ``kind``; what is wrong, as messages.

    In the ``malformed`` run the first control is given twice, a valid value then a malformed one: the last value
    counts.
    """
    where = f"{name} section={section} kind={kind}"
    raws = _raws(specs, kind, section)
    query = dict({"section": section} if section is not None else {}, **raws)
    (_, first), p_first = next(iter(specs.items()))
    if kind == "malformed":
        query[first] = [p_first.to_url(_other(p_first)), raws[first]]
    at = page(name, query).run()
    out = _problems(at, where)
    if at.exception:
        return out
    widgets, note = _widgets(at), _note(at)
    declared = _declared(at)
    for (key, n), p0 in specs.items():
        p = declared.get((key, n), p0)  # this run's spec (a range may depend on another control)
        value, noted = _expect(p, kind)
        shown = _shown(widgets, key, n)
        if shown != value:
            out.append(f"{where}: {n!r} (given {raws[n][:12]!r}) shows {shown!r}, expected {value!r}")
        if at.query_params.get(n) != p.to_url(value):  # once: a list is a repeated key
            out.append(f"{where}: {n!r} (given {raws[n][:12]!r}): the URL says {at.query_params.get(n)!r}, "
                       f"expected {p.to_url(value)!r}")
        if noted != (f"`{n}=" in note):
            out.append(f"{where}: the note {'does not name' if noted else 'names'} {n!r} (given {raws[n][:12]!r}): "
                       f"{note[:300]!r}")
    if kind == "malformed" and f"`{first}` is given 2 times" not in note:
        out.append(f"{where}: the note does not say {first!r} was given twice: {note[:300]!r}")
    return out


def _check_link(name: str, section) -> tuple[dict, list[str]]:
    """Open the page with unknown keys (one of 10 kB) and an unknown preset: the declared controls (the page's
    default state) and what is wrong, as messages."""
    where = f"{name} section={section} kind=link"
    query = {"section": section} if section is not None else {}
    query.update({"bogus": "1", "Q" * 10240: "1", "preset": "no-such-preset"})
    at = page(name, query).run()
    out = _problems(at, where)
    if at.exception:
        return {}, out
    note = _note(at)
    expected = ("preset `no-such-preset` is not a preset", "`bogus` is not a control",
                "`" + "Q" * 40 + "… (10240 characters)` is not a control")
    out += [f"{where}: the note does not say {e!r}: {note[:300]!r}" for e in expected if e not in note]
    unknown = set(at.query_params) - {"section", *(m for _, m in _declared(at))}
    if unknown:
        out.append(f"{where}: unknown keys left in the URL: {sorted(k[:20] for k in unknown)}")
    return {k: p for k, p in _declared(at).items() if k[1] != "section"}, out


@pytest.mark.parametrize("name,section", list(_cases()))
def test_tampered_links_are_clamped_or_ignored_with_a_note(name, section):
    specs, problems = _check_link(name, section)
    assert specs or problems, f"{name} section={section}: no controls declared"
    if specs:
        problems += [m for kind in KINDS for m in _check_kind(name, section, specs, kind)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", [p for p in PAGES if page_sections(p)], ids=lambda p: p.stem)
def test_unknown_section_falls_back_to_the_default_section(path):
    at = page(path.name, {"section": INJECTION}).run()
    problems = _problems(at, f"{path.name} (unknown section)")
    spec = _declared(at)[next(k for k in _declared(at) if k[1] == "section")]
    assert spec.default in page_sections(path)
    assert _shown(_widgets(at), next(k for k, n in _declared(at) if n == "section"), "section") == spec.default
    assert at.query_params.get("section") == spec.default
    assert "`section=" in _note(at) and "is not one of" in _note(at), _note(at)[:500]
    assert not problems, "\n".join(problems)
