"""pages/adversarial.py headless: every section renders; the claims on the page (PGD <= FGSM at every eps and both
fall with eps, random signs barely hurt, eps = 0 changes nothing, FGSM moves the pixels by exactly eps, the targeted
attack reaches its target live, a large h makes every ResNet unstable); presets open their section; bad links are
no traceback."""
from __future__ import annotations

from functools import partial

import pytest

from tests.pages.helpers import assert_clean, figures, lesson_numbers, page, render_section, texts

NAME = "adversarial.py"
RUN = "adv.targeted.run"

_numbers = partial(lesson_numbers, key="adv")


@pytest.mark.parametrize("section", ["fgsm-pgd", "fooled", "targeted", "stable"])
def test_each_section_renders(section):
    at = render_section(NAME, section)
    assert len(figures(at)) >= (1 if section in ("fgsm-pgd", "stable") else 2)


def test_default_views_are_cheap():
    n = _numbers(page(NAME, {"section": "fgsm-pgd"}).run())  # softmax regression only by default
    assert set(n) == {f"softmax {w} accuracy" for w in ("clean", "random-sign", "FGSM", "PGD")}
    n = _numbers(page(NAME, {"section": "stable"}).run())  # the untrained networks: growth at the initial weights
    g = {a: n[f"{a} perturbation growth at initialization"] for a in ("standard", "antisymmetric", "parabolic")}
    assert g["parabolic"] < 0.5 < g["antisymmetric"] < 1 < g["standard"]  # measured 0.40, 0.9994, 1.013
    n = _numbers(page(NAME, {"section": "stable", "T": "8.0"}).run())
    assert n["antisymmetric perturbation growth at initialization"] > 3  # h = 1: forward Euler unstable (6.7)


def test_curves_show_pgd_below_fgsm_and_random_signs_harmless():
    at = page(NAME, {"section": "fgsm-pgd", "classifiers": "all"}).run()
    assert_clean(at)
    n = _numbers(at)
    for kind in ("softmax", "mlp", "resnet"):
        assert n[f"{kind} PGD accuracy"] <= n[f"{kind} FGSM accuracy"] < n[f"{kind} clean accuracy"] - 0.3
        assert n[f"{kind} random-sign accuracy"] >= n[f"{kind} clean accuracy"] - 0.03  # measured within 0.014
        assert n[f"{kind} clean accuracy"] > 0.9
    table = at.dataframe[0].value
    assert set(table["PGD ≤ FGSM everywhere"]) == {"✔"} and set(table["both fall with ε"]) == {"✔"}


def test_fooled_digit_and_its_perturbation():
    at = page(NAME, {"preset": "fooled-digit"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["perturbation size ‖δ‖∞"] == pytest.approx(0.1, abs=1e-12)
    assert n["predicted class, clean"] == 7 and n["predicted class, attacked"] == 9  # measured p(7) 0.998 -> 0.461
    assert any("Fooled" in e for e in texts(at.error))
    assert n["input-gradient Taylor order"] == pytest.approx(2.0, abs=0.15)  # measured 1.997
    assert any("input gradient passes" in m for m in texts(at.success))
    digit = figures(at)[0]
    assert [t["z"]["dtype"] for t in digit["data"]] == ["u1"] * 3  # quantized 8 x 8 panels


def test_random_signs_and_eps_zero_do_not_fool():
    n = _numbers(page(NAME, {"preset": "random-signs"}).run())
    assert n["predicted class, attacked"] == n["predicted class, clean"] == 7
    assert abs(n["true-class probability, attacked"] - n["true-class probability, clean"]) < 0.01
    at = page(NAME, {"preset": "eps-zero"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["pixels changed"] == 0 and n["true-class probability, attacked"] == n["true-class probability, clean"]
    assert any("no perturbation" in i for i in texts(at.info))


def test_targeted_attack_reaches_the_target_live():
    at = page(NAME, {"section": "targeted"}).run()
    assert_clean(at)
    for _ in range(15):
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    s = at.session_state[RUN].series["attack"]
    assert s.iteration == 15
    n = _numbers(at)
    assert n["predicted class"] == 8 and n["target probability"] > 0.9  # passes 0.5 at iteration 12
    assert n["perturbation size ‖δ‖∞"] <= 0.2 + 1e-12
    p = s.history["p_target"]
    assert p[-1] > p[0] and len(p) == len(s.history["iteration"])


def test_targeted_play_keeps_history_bounded():
    at = page(NAME, {"section": "targeted", "speed": "50"}).run()
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(8):
        at.run()
    assert_clean(at)
    s = at.session_state[RUN].series["attack"]
    assert s.iteration >= 300 or s.status != "running"
    assert len(s.history["iteration"]) <= 200


def test_small_eps_cannot_reach_the_target():
    at = page(NAME, {"preset": "targeted-eps-too-small"}).run()
    for _ in range(10):
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    n = _numbers(at)
    assert n["predicted class"] == 1 and n["target probability"] < 0.05


def test_stability_needs_a_small_step():
    small = _numbers(page(NAME, {"preset": "stable-small-h"}).run())
    assert small["parabolic perturbation growth"] < 1 < small["standard perturbation growth"]  # 0.89, 1.79
    assert small["antisymmetric perturbation growth"] < small["standard perturbation growth"]  # 1.17
    large = _numbers(page(NAME, {"preset": "large-h-unstable"}).run())
    for arch in ("standard", "antisymmetric", "parabolic"):
        assert large[f"{arch} perturbation growth"] > 3  # 6.7, 6.3, 5.8
        assert large[f"{arch} PGD accuracy"] < small[f"{arch} PGD accuracy"]


@pytest.mark.parametrize("preset,section", [("fgsm-vs-pgd", "fgsm-pgd"), ("pgd-one-step", "fgsm-pgd"),
                                            ("small-eps", "fgsm-pgd"), ("fooled-digit", "fooled"),
                                            ("random-signs", "fooled"), ("eps-zero", "fooled"),
                                            ("targeted-attack", "targeted"), ("targeted-eps-too-small", "targeted"),
                                            ("stable-small-h", "stable"), ("large-h-unstable", "stable")])
def test_presets_open_their_section(preset, section):
    at = page(NAME, {"preset": preset}).run()
    assert_clean(at)
    assert figures(at) and at.query_params["section"] in (section, [section], (section,))


@pytest.mark.parametrize("query", [{"section": "fooled", "eps": "abc", "index": "9999"},
                                   {"section": "targeted", "target": "-4", "eps": "7", "step": "nan"},
                                   {"section": "stable", "depth": "3", "T": "0"}, {"section": "nowhere"}])
def test_bad_links_are_not_a_traceback(query):
    at = page(NAME, query).run()
    assert_clean(at)
    assert figures(at)
