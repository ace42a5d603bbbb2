"""pages/derivatives.py headless: every function and planted bug, the verdicts, the adjoint test, URL state."""
from __future__ import annotations

import itertools

import pytest

from numdl_core.derivatives import FUNCTIONS, GRADIENT_BUGS, OPERATORS
from tests.pages.helpers import assert_clean, figures, page, texts

NAME = "derivatives.py"


def test_default_passes_and_shows_orders():
    at = page(NAME).run()
    assert_clean(at)
    ok = " ".join(texts(at.success))
    assert "passes" in ok or "pass:" in ok
    fig = figures(at)[0]
    names = [tr.get("name", "") for tr in fig["data"]]
    assert any(n.startswith("E0") for n in names) and any(n.startswith("E1") for n in names)
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["type"] == "log"


@pytest.mark.parametrize("function,bug", list(itertools.product(FUNCTIONS, GRADIENT_BUGS)))
def test_every_function_and_bug(function, bug):
    at = page(NAME, {"function": function, "gradient": bug, "hessian": "skip"}).run()
    assert_clean(at)
    verdict = " ".join(texts(at.success) + texts(at.error))
    if bug == "none":
        assert "The gradient passes" in verdict
    else:
        assert "The gradient fails" in verdict and "wrong" in verdict


def test_wrong_hessian_is_blamed_on_the_hessian():
    at = page(NAME, {"function": "rosenbrock", "gradient": "none", "hessian": "missing_term"}).run()
    assert_clean(at)
    assert any("the Hessian is wrong" in e for e in texts(at.error))


@pytest.mark.parametrize("operator", OPERATORS)
def test_adjoint_test_right_and_wrong(operator):
    at = page(NAME, {"operator": operator}).run()
    assert any("transpose of J" in s for s in texts(at.success))
    at.toggle(key="derivatives.wrong_transpose").set_value(True).run()
    assert_clean(at)
    assert any("not the transpose" in e for e in texts(at.error))


def test_widgets_drive_the_page():
    at = page(NAME).run()
    at.selectbox(key="derivatives.gradient").set_value("sign").run()
    assert any(" fail" in e for e in texts(at.error))
    at.slider(key="derivatives.n_h").set_value(5).run()
    at.slider(key="derivatives.n").set_value(2).run()
    assert_clean(at)
    assert at.query_params["gradient"] in ("sign", ["sign"])


def test_try_this_sets_the_controls():
    at = page(NAME).run()
    at.button(key="derivatives.try0").click().run()
    assert_clean(at)
    assert at.selectbox(key="derivatives.gradient").value == "scaled"
    assert any(" fail" in e for e in texts(at.error))


def test_url_reproduces_and_bad_values_are_explained():
    at = page(NAME, {"function": "logsumexp", "n": "999", "n_h": "abc", "seed": "7", "bogus": "1"}).run()
    assert_clean(at)
    assert at.selectbox(key="derivatives.function").value == "logsumexp"
    assert at.slider(key="derivatives.n").value == 50  # clamped
    assert at.slider(key="derivatives.n_h").value == 20  # malformed: default
    assert at.slider(key="derivatives.seed").value == 7
    note = " ".join(texts(at.warning))
    assert "clamped to 50" in note and "not a number" in note and "`bogus` is not a control" in note
    assert "bogus" not in at.query_params


def test_theory_names_the_slides_and_round_off_is_a_plateau():
    at = page(NAME).run()
    assert_clean(at)
    captions = " ".join(texts(at.caption))
    assert "slides: 03-NumDNN-LinearClassification.tex" in captions and "04-NumDNN-SingleLayer.tex" in captions
    assert "00-NumDNN-Introduction" not in captions
    shown = " ".join(texts(at.markdown)) + captions
    assert "noisy plateau near eps·|f|" in shown and "rises again" not in shown  # E1 levels off, it does not grow like eps/h
    assert at.selectbox(key="derivatives.function").format_func("tanh_layer").startswith(
        "tanh layer as a function of its input x")
