"""pages/implicit_bias.py headless: every section renders; the live GD run turns towards the SVM (angle falling,
numbers recorded); flipping a label breaks separability (a warning, no SVM numbers); GD from 0 lands on lstsq's
solution; deeper factorizations give lower effective rank; weights fade; bad rows of the points table are dropped."""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from tests.pages.helpers import assert_clean, lesson_numbers, page, render_section, texts

NAME = "implicit_bias.py"
RUN = "ib.margin.run"

_numbers = partial(lesson_numbers, key="ib")


@pytest.mark.parametrize("section", ["margin", "min-norm", "matrix-completion", "weighting"])
def test_each_section_renders(section):
    render_section(NAME, section)


def test_live_gd_turns_towards_the_svm():
    at = page(NAME, {"section": "margin", "speed": "200"}).run()
    assert_clean(at)
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(3):  # AppTest does not fire the timer: each run is one frame
        at.run()
    at.button(key=f"{RUN}.play").click().run()  # pause
    assert_clean(at)
    s = at.session_state[RUN].series["GD"]
    assert {"angle", "w_norm"} <= set(s.history)
    t, angles = np.array(s.history["iteration"]), np.array(s.history["angle"])
    assert s.iteration > 1000 and np.all(np.diff(angles[t >= 10]) <= 1e-12)  # after a short transient
    assert angles[-1] < 0.05  # measured 0.051 at t = 1000, 0.03 at 4000
    n = _numbers(at)
    assert n["GD iterations"] == s.iteration and n["angle to the SVM direction (rad)"] == pytest.approx(angles[-1])
    assert 0 < n["SVM margin"] < 2


def test_flipped_label_breaks_separability():
    at = page(NAME, {"preset": "non-separable"}).run()
    assert_clean(at)
    assert any("Not separable" in w for w in texts(at.warning))
    at.button(key=f"{RUN}.step").click().run()
    assert "angle to the SVM direction (rad)" not in _numbers(at) and "loss" in _numbers(at)


def test_min_norm_numbers_match_lstsq():
    at = page(NAME, {"preset": "min-norm-from-elsewhere"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["||x_GD(0) - x_lstsq||"] < 1e-10 and n["||x_GD(x0) - limit(x0)||"] < 1e-10
    assert n["||x_GD(x0) - x_lstsq||"] > 1 and n["||A x_GD(x0) - b||"] < 1e-10


def test_deeper_factorizations_lower_effective_rank_on_the_page():
    at = page(NAME, {"section": "matrix-completion"}).run()
    assert_clean(at)
    n = _numbers(at)
    e = [n[f"depth {d}: effective rank"] for d in (1, 2, 3)]
    assert e[2] < e[1] < e[0] and n["depth 3: test error"] < 0.05  # measured 12.9, 4.62, 2.86; 0.004
    assert n["depth 3 gradient: Taylor E1 order"] > 1.8 and any("passes the Taylor" in s or "passes" in s
                                                               for s in texts(at.success))


def test_weights_fade_on_the_page():
    at = page(NAME, {"section": "weighting"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["weighted GD: angle to the SVM (rad)"] < n["regularized weighted: angle to the SVM (rad)"]
    assert n["regularized: weighted vs unweighted (rad)"] > 0.05


def test_points_table_drops_bad_rows():
    from app.lessons.implicit_bias import added_points, make_data

    frame = pd.DataFrame({"x1": [1.0, "abc", 2.0, 50.0, None], "x2": [1.0, 1.0, 0.5, -50.0, 1.0],
                          "label": [1, 1, 0, -3, 1]})
    rows, dropped = added_points(frame)
    assert rows == ((1.0, 1.0, 1.0), (10.0, -10.0, -1.0)) and dropped == 3
    X, y = make_data(10, 0.3, 1.0, 0, 0, rows)
    assert X.shape == (12, 2) and list(y[-2:]) == [1.0, -1.0]
    assert added_points(None) == ((), 0)
