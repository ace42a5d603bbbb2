"""The lecture tours of the pages (app/tour.py): ``?tour=1`` opens step 1, Next applies the step-2 preset."""
from __future__ import annotations

from tests.pages.helpers import assert_clean, page, texts


def _next(at):
    next(b for b in at.button if b.label == "Next").click().run()
    assert_clean(at)
    return at


def test_derivatives_tour():
    at = page("derivatives.py", {"tour": "1"})
    at.run()
    assert_clean(at)
    assert any("Lecture tour, step 1 of 5: All correct" in t for t in texts(at.markdown))
    _next(at)
    assert any("Lecture tour, step 2 of 5: A 1% error" in t for t in texts(at.markdown))
    assert at.query_params.get("tour") == "2" and at.query_params.get("gradient") == "scaled"
    assert at.query_params.get("n_h") == "25"
    assert any("The gradient and Hessian fail" in t for t in texts(at.error))


def test_linear_classification_tour():
    at = page("linear_classification.py", {"tour": "1"})
    at.run()
    assert_clean(at)
    assert any("Lecture tour, step 1 of 6: Linear vs superlinear" in t for t in texts(at.markdown))
    assert at.query_params.get("section") == "train"
    _next(at)
    assert any("Lecture tour, step 2 of 6: Too large a step" in t for t in texts(at.markdown))
    assert at.query_params.get("tour") == "2"
    assert at.query_params.get("step") == "1000" and at.query_params.get("alpha") == "0.01"


def test_single_layer_tour():
    at = page("single_layer.py", {"tour": "1"})
    at.run()
    assert_clean(at)
    assert any("Lecture tour, step 1 of 6: Work, not iterations" in t for t in texts(at.markdown))
    assert at.query_params.get("section") == "train"
    _next(at)
    assert any("Lecture tour, step 2 of 6: Too large a learning rate" in t for t in texts(at.markdown))
    assert at.query_params.get("tour") == "2" and float(at.query_params.get("lr")) == 1.0


def test_spectral_clustering_tour():
    at = page("spectral_clustering.py", {"tour": "1"})
    at.run()
    assert_clean(at)
    assert any("Lecture tour, step 1 of 6: k-means fails" in t for t in texts(at.markdown))
    assert at.query_params.get("section") == "clustering" and at.query_params.get("dataset") == "circles"
    _next(at)
    assert any("Lecture tour, step 2 of 6: σ too small" in t for t in texts(at.markdown))
    assert at.query_params.get("tour") == "2" and at.query_params.get("graph") == "full"
    assert float(at.query_params.get("sigma")) == 0.01
