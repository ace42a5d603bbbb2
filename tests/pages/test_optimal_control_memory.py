"""pages/optimal_control.py, sections "memory" and "paths", headless: the memory study shows the counted states
(N + 1, ~2√N, 2) and equal gradients; the presets change the block and the depth; the path-planning run trains
live, its frames are small, and the exported scripts print the page's numbers (also tests/pages/test_export.py).

Oracles: numdl_core.checkpointing.expected_counts (formulas) for the memory numbers; numdl_core.path_planning and
numdl_core.optim.adam replayed outside Streamlit for the live run's numbers.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.lesson import EXPORT_KEY
from numdl_core.checkpointing import expected_counts
from tests.pages.helpers import assert_clean, figures, page

NAME = "optimal_control.py"
RUN = "oc.paths.run"


def _numbers(at) -> dict:
    return at.session_state[EXPORT_KEY]["oc"]["numbers"]


@pytest.mark.parametrize("section", ["memory", "paths"])
def test_each_section_renders(section):
    at = page(NAME, {"section": section}).run()
    assert_clean(at)
    assert figures(at)


def test_memory_numbers_are_the_formulas_and_the_gradients_agree():
    at = page(NAME, {"section": "memory"}).run()
    assert_clean(at)
    nums = _numbers(at)
    N = 128  # default largest depth
    for regime in ("stored", "checkpoint", "reversible"):
        states, evals = expected_counts(N, regime)
        assert nums[f"N = {N}: states stored, {regime}"] == states
        assert nums[f"N = {N}: layer evaluations, {regime}"] == evals
    assert nums[f"N = {N}: states stored, stored"] == 129 and nums[f"N = {N}: states stored, checkpoint"] == 22
    assert nums["max |checkpointed - stored gradient|"] == 0.0
    assert nums["reversible = stored gradient to 1e-10 (1 = yes)"] == 1.0
    # two log-log figures: peak memory and time, one curve per regime (+ reference slopes)
    figs = figures(at)
    assert all(f["layout"]["xaxis"]["type"] == "log" and f["layout"]["yaxis"]["type"] == "log" for f in figs[:2])
    assert {"stored states", "checkpointing (ANODE)", "reversible (leapfrog)"} <= {t["name"] for t in figs[0]["data"]}


def test_checkpoint_blocks_preset():
    at = page(NAME, {"preset": "checkpoint-blocks"}).run()
    assert_clean(at)
    nums = _numbers(at)
    assert nums["checkpoint block B"] == 4
    assert nums["N = 128: states stored, checkpoint"] == 35 and nums["N = 128: layer evaluations, checkpoint"] == 224


def test_paths_train_live_and_separate():
    at = page(NAME, {"section": "paths", "speed": "50"}).run()
    assert_clean(at)
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(3):  # each run is one frame of 50 epochs
        at.run()
    at.button(key=f"{RUN}.play").click().run()  # pause
    assert_clean(at)
    k = at.session_state[RUN].series["Adam"].iteration
    assert k >= 100
    nums = _numbers(at)
    # oracle: the same problem and full-batch Adam outside the page
    from numdl_core.optim import adam
    from numdl_core.path_planning import layer_separability, path_problem

    p = path_problem(200, 0.05, 10, 5.0, augment=0, activation="tanh", alpha=1e-4, seed=0)
    *_, last = itertools.islice(adam(p.model, p.theta0, lr=0.05, batch_size=None, seed=0), k + 1)
    assert nums["loss"] == pytest.approx(last.loss, rel=1e-8)
    assert nums["training accuracy"] == p.model.accuracy(last.x) >= 0.99  # measured 1.0
    assert nums["linear accuracy of the features at t = 0"] < 0.6
    assert nums["linear accuracy of the features at T"] == layer_separability(p.model, last.x, layers=[10])[0] == 1.0
    fig = next(f for f in figures(at) if any(t.get("name") == "linear decision boundary at T" for t in f["data"]))
    assert len(fig["layout"]["annotations"]) == 5  # t = 0, T/4, T/2, 3T/4, T


def test_paths_augmented_and_fine_presets_render():
    for preset in ("paths-augmented", "paths-fine-steps", "paths-no-lift"):
        at = page(NAME, {"preset": preset}).run()
        assert_clean(at)
        at.button(key=f"{RUN}.step").click().run()
        assert_clean(at)


def test_diverging_learning_rate_is_not_a_traceback():
    at = page(NAME, {"section": "paths", "lr": "0.2", "T": "20", "depth": "2", "speed": "200"}).run()
    for _ in range(3):
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    assert np.isfinite(_numbers(at).get("loss", 0.0))
