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
