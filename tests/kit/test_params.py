"""Unit tests of app/params.py: URL values are parsed, clamped or rejected with a note; roles; common params."""
from __future__ import annotations

import math

import pytest

from app.params import ALPHA, SEED, SPEED, STEP, Param, log_options, parse_value

INT = Param("n", "n", "int", 5, lo=1, hi=10)
FLOAT = Param("x", "x", "float", 0.5, lo=0.0, hi=1.0, step=0.1)
LOG = Param("t", "t", "log", 0.1, options=log_options(1e-3, 1.0, 4))
CHOICE = Param("m", "m", "choice", "qr", options=("normal", "qr", "svd"))
NUM_CHOICE = Param("a", "a", "choice", 1.0, options=(1.0, 1e-2, 1e-5))
BOOL = Param("b", "b", "bool", False)


@pytest.mark.parametrize("p,raw,value,note", [
    (INT, "7", 7, False), (INT, "7.6", 8, False), (INT, "99", 10, True), (INT, "-3", 1, True),
    (FLOAT, "0.25", 0.25, False), (FLOAT, "2", 1.0, True),
    (LOG, "0.1", 0.1, False), (LOG, "0.09", 0.1, False), (LOG, "50", 1.0, True), (LOG, "-1", 1e-3, True),
    (CHOICE, "svd", "svd", False), (NUM_CHOICE, "1e-2", 1e-2, False), (NUM_CHOICE, "0.010", 1e-2, False),
    (BOOL, "1", True, False), (BOOL, "off", False, False),
])
def test_parse_value(p, raw, value, note):
    v, n = parse_value(p, raw)
    assert v == value and (n is not None) == note
    if n:
        assert p.name in n


@pytest.mark.parametrize("p,raw", [(INT, "x"), (FLOAT, "nan"), (FLOAT, "inf"), (CHOICE, "lu"), (BOOL, "maybe"),
                                   (INT, "1e400"), (INT, "")])
def test_malformed_values_are_ignored_with_a_note(p, raw):
    v, n = parse_value(p, raw)
    assert v is None and n and "ignored" in n


def test_log_options_are_log_spaced_and_rounded():
    o = log_options(1e-4, 1.0, 2)
    assert o[0] == 1e-4 and o[-1] == 1.0 and len(o) == 9
    ratios = [b / a for a, b in zip(o, o[1:])]
    assert all(math.isclose(r, math.sqrt(10), rel_tol=2e-2) for r in ratios)


def test_roles_and_common_params():
    assert STEP.role == "tunable" and ALPHA.role == "tunable" and SPEED.role == "view" and SEED.role == "structure"
    assert SEED.but(hi=999).hi == 999 and SEED.hi == 99
    with pytest.raises(ValueError, match="role"):
        Param("z", "z", "int", 0, lo=0, hi=1, role="sometimes")
    assert STEP.to_url(0.1) == "0.1" and BOOL.to_url(True) == "1"


# --------------------------------------------------------------------- tampered links (issue 13)
INJECTION = "a`![img](http://127.0.0.1:9/x.png)` **b** <script>x</script>\n# heading"


def test_shown_quotes_url_text_safely_in_a_code_span():
    from app.params import shown

    assert shown("abc") == "abc"
    assert shown("a`b\nc\td\u200b") == "a'b\\nc\\td\\u200b"  # backticks, controls, invisible characters
    long = shown("x" * 10240)
    assert long == "x" * 40 + "… (10240 characters)"


@pytest.mark.parametrize("p", [INT, FLOAT, LOG, CHOICE, NUM_CHOICE, BOOL])
def test_notes_never_echo_markdown_or_10_kb_from_the_url(p):
    for raw in (INJECTION, INJECTION + "y" * 10240):
        v, n = parse_value(p, raw)
        assert v is None and n.count("`") == 2 and "\n" not in n, n  # the raw text stays inside one code span
        assert len(n) < 160, len(n)
        assert n.startswith(f"`{p.name}=a'![img](")


def test_minus_zero_is_zero():
    v, n = parse_value(FLOAT, "-0")
    assert v == 0.0 and math.copysign(1.0, v) == 1.0 and n is None and FLOAT.to_url(v) == "0"
    assert parse_value(INT, "-0") == (1, "`n=-0` is outside 1..10: clamped to 1.")


def _page_of_two_controls():
    from app.params import PageParams, Param

    pp = PageParams("k", presets={"small": {"n": 2}})
    pp.controls([Param("n", "n", "int", 5, lo=1, hi=10), Param("x", "x", "float", 0.5, lo=0.0, hi=1.0)])
    pp.sync_url()


def _run_tiny_page(query: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page_of_two_controls, default_timeout=30)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def test_a_repeated_name_uses_its_last_value_with_a_note_and_the_url_keeps_one():
    at = _run_tiny_page({"n": ["3", "7"], "x": ["0.2", "0.2"]})
    assert not at.exception
    assert at.slider(key="k.n").value == 7 and at.slider(key="k.x").value == 0.2
    note = at.warning[0].value
    assert "`n` is given 2 times: only the last value, `7`, is read." in note
    assert "`x` is given 2 times" in note
    assert at.query_params["n"] == "7" and at.query_params["x"] == "0.2"  # one value each, not a list


def test_unknown_names_of_a_link_are_quoted_short_and_safe():
    at = _run_tiny_page({"Q" * 10240: "1", INJECTION: "1", "preset": INJECTION, "hide": INJECTION, "n": "-0"})
    assert not at.exception
    note = at.warning[0].value
    assert "`" + "Q" * 40 + "… (10240 characters)` is not a control" in note
    assert "preset `a'![img](" in note and "`hide=a'![img](" in note
    assert len(note) < 1200 and note.count("\n") == 6  # the head, a blank line and five notes, one line each
    assert "- `n=-0` is outside 1..10: clamped to 1." in note
    assert set(at.query_params) == {"n", "x", "hide"} and at.query_params["n"] == "1"


def test_a_link_with_1800_unknown_names_gets_a_short_note():
    names = [f"u{i}" for i in range(900)]  # Streamlit drops a query string of more than 1000 parameters
    at = _run_tiny_page({**{n: "1" for n in names}, "hide": ",".join(names)})
    assert not at.exception
    note = at.warning[0].value
    assert note.count("\n- ") == 41 and note.endswith("- … and 1760 more.") and len(note) < 5000
    assert set(at.query_params) == {"n", "x", "hide"}


@pytest.mark.parametrize("raw", ["abc", "1e999", "nan", "inf", "-inf", "NaN", "Infinity", "0x10", "1,5", ""])
@pytest.mark.parametrize("p", [INT, FLOAT, LOG, CHOICE, NUM_CHOICE, BOOL], ids=lambda p: p.kind + "-" + p.name)
def test_every_malformed_value_is_ignored_on_every_kind_of_control(p, raw):
    # tests/pages/test_urls.py gives each page control one of abc / 1e999 / nan / inf; here every one on every kind
    v, n = parse_value(p, raw)
    assert v is None and n.startswith(f"`{p.name}={raw}` ") and n.endswith("ignored."), n
