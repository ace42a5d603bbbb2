"""The lecture tours of the pages (app/tour.py): ``?tour=1`` opens step 1, Next applies the step-2 preset."""
from __future__ import annotations

import pytest

from tests.pages.helpers import assert_clean, page, texts

# page, steps, title of step 1, its URL values, title of step 2, the URL values after Next (floats as numbers)
TOURS = [
    ("derivatives.py", 5, "All correct", {}, "A 1% error", {"gradient": "scaled", "n_h": "25"}),
    ("linear_classification.py", 6, "Linear vs superlinear", {"section": "train"}, "Too large a step",
     {"step": "1000", "alpha": "0.01"}),
    ("single_layer.py", 6, "Work, not iterations", {"section": "train"}, "Too large a learning rate", {"lr": 1.0}),
    ("spectral_clustering.py", 6, "k-means fails", {"section": "clustering", "dataset": "circles"}, "σ too small",
     {"graph": "full", "sigma": 0.01}),
]


def _has(at, values: dict) -> None:
    for k, v in values.items():
        got = at.query_params.get(k)
        assert (float(got) == v) if isinstance(v, float) else (got == v), (k, got, v)


@pytest.mark.parametrize("name, n, first, before, second, after", TOURS, ids=[t[0] for t in TOURS])
def test_tour_opens_at_step_one_and_next_applies_step_two(name, n, first, before, second, after):
    at = page(name, {"tour": "1"})
    at.run()
    assert_clean(at)
    assert any(f"Lecture tour, step 1 of {n}: {first}" in t for t in texts(at.markdown))
    _has(at, before)
    next(b for b in at.button if b.label == "Next").click().run()
    assert_clean(at)
    assert any(f"Lecture tour, step 2 of {n}: {second}" in t for t in texts(at.markdown))
    assert at.query_params.get("tour") == "2"
    _has(at, after)
    if name == "derivatives.py":
        assert any("The gradient and Hessian fail" in t for t in texts(at.error))
