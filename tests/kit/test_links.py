"""Instructor links (hide, lock, preset) through the URL, on the derivatives page (headless AppTest)."""
from __future__ import annotations

from app.lesson import EXPORT_KEY
from tests.pages.helpers import assert_clean, page

NAME = "derivatives.py"


def _params(at) -> str:
    return at.session_state[EXPORT_KEY]["derivatives"]["script"]


def test_locked_control_cannot_change_through_its_widget():
    at = page(NAME, {"lock": "n", "n": "20"}).run()
    assert_clean(at)
    w = at.slider(key="derivatives.n")
    assert w.disabled and w.value == 20
    try:  # AppTest refuses, as a browser does ...
        w.set_value(35).run()
    except Exception as err:
        assert "disabled" in str(err)
    at.session_state["derivatives.n"] = 35  # ... and a tampered client's widget state is overridden too
    at.run()
    assert at.slider(key="derivatives.n").value == 20
    assert at.query_params["n"] in ("20", ["20"])
    assert "'n': 20" in _params(at)


def test_locked_control_ignores_try_this_buttons():
    at = page(NAME, {"lock": "n_h"}).run()
    at.button(key="derivatives.try0").click().run()  # the experiment sets n_h = 25
    assert at.slider(key="derivatives.n_h").value == 20
    assert at.selectbox(key="derivatives.gradient").value == "scaled"  # the unlocked part still applies


def test_hidden_control_keeps_its_url_value():
    at = page(NAME, {"hide": "seed,n_h", "seed": "7", "n_h": "12"}).run()
    assert_clean(at)
    keys = {w.key for w in at.slider}
    assert "derivatives.seed" not in keys and "derivatives.n_h" not in keys
    assert at.query_params["seed"] in ("7", ["7"]) and at.query_params["n_h"] in ("12", ["12"])
    assert "'seed': 7" in _params(at) and "'n_h': 12" in _params(at)
    at.run()  # still there on the next run
    assert "'seed': 7" in _params(at)


def test_preset_starts_the_page_in_its_state():
    at = page(NAME, {"preset": "wrong-hessian"}).run()
    assert_clean(at)
    assert at.selectbox(key="derivatives.hessian").value == "missing_term"
    assert at.selectbox(key="derivatives.function").value == "rosenbrock"
    assert at.query_params["function"] in ("rosenbrock", ["rosenbrock"])
    assert not at.warning


def test_explicit_url_value_wins_over_the_preset():
    at = page(NAME, {"preset": "wrong-hessian", "function": "quadratic"}).run()
    assert at.selectbox(key="derivatives.function").value == "quadratic"
    assert at.selectbox(key="derivatives.hessian").value == "missing_term"


def test_unknown_names_give_a_note_not_an_error():
    at = page(NAME, {"preset": "nonsense", "hide": "bogus", "lock": "nothing"}).run()
    assert_clean(at)
    note = " ".join(w.value for w in at.warning)
    assert "preset `nonsense`" in note and "one-percent-off" in note
    assert "`hide=bogus`" in note and "`lock=nothing`" in note
