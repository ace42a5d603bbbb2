"""Your own data on the 2-D pages (app/owndata.py): an uploaded CSV replaces the page's points (the numbers shown
are those of the uploaded points), a bad file shows its message and no exception, points edited by clicks (state
injected: AppTest cannot click a plotly chart) are used too, and Reset brings the page's data back."""
from __future__ import annotations

import numpy as np
import pytest

from app.owndata import state_key
from app.owndata_parse import parse_points_csv
from tests.pages.helpers import assert_clean, lesson_numbers, page, texts

# 20 points on a 5 x 4 grid, class 1 right of x1 = 1.5
GOOD = b"x1,x2,label\r\n" + b"".join(f"{i % 5},{i // 5},{int(i % 5 >= 2)}\r\n".encode() for i in range(20))
BAD = b"x1,x2,label\n0,0,0\n1,abc,1\n"

PAGES = [  # page, URL query, editor key, lesson key, a caption that says the page computes on the 20 points
    ("linear_classification.py", {}, "lc.train", "lc", "20 samples, 2 features, 2 classes: 6 unknowns"),
    ("single_layer.py", {"section": "train"}, "sl.train", "sl", "W 30×2, c"),
    ("residual_networks.py", {"section": "train"}, "rn.train", "rn", "20 training and 20 validation points"),
    ("deep_networks.py", {"section": "train"}, "dn.train", "dn", "20 training points"),
    ("implicit_bias.py", {"section": "margin"}, "ib.margin", "ib", "20 points, no bias"),
    ("neural_odes.py", {"section": "adaptive"}, "no.adaptive", "no", "accuracy 0.650"),  # 13 of the 20 at θ₀
]


def _opened(name: str, query: dict, key: str):
    at = page(name, query)
    at.session_state[f"{state_key(key)}.open"] = True  # the editor open from the start (saves a rerun)
    return at.run()


@pytest.mark.parametrize("name,query,key,lesson_key,caption", PAGES)
def test_upload_good_then_bad_file(name, query, key, lesson_key, caption):
    at = _opened(name, query, key)
    assert_clean(at)
    assert not any(caption in c for c in texts(at.caption))
    upload = at.file_uploader(key=f"{state_key(key)}.upload")
    upload.set_value(("mine.csv", GOOD, "text/csv")).run()
    assert_clean(at)
    assert any(caption in c for c in texts(at.caption)), [c[:80] for c in texts(at.caption)]
    assert any("Using your data" in c and "20 points" in c for c in texts(at.caption))
    numbers = lesson_numbers(at, lesson_key)
    at.file_uploader(key=f"{state_key(key)}.upload").set_value(("bad.csv", BAD, "text/csv")).run()
    assert_clean(at)
    (err,) = texts(at.error)
    assert "This file was not used" in err and "line 3" in err and "not a number" in err
    assert any(caption in c for c in texts(at.caption))  # the uploaded points stay in use
    assert lesson_numbers(at, lesson_key) == numbers


def test_linear_classification_trains_on_the_uploaded_points():
    """f* on the page is the optimum of softmax regression on the 20 uploaded points (α = 1e-3), and a Step of the
    live run starts from them."""
    from numdl_core.classify import features, softmax_regression
    from numdl_core.classify_problems import reference_optimum

    at = _opened("linear_classification.py", {}, "lc.train")
    at.file_uploader(key="owndata.lc.train.upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    X, y = parse_points_csv(GOOD)
    f_star = reference_optimum(softmax_regression(features(X, "linear"), y, 2, 1e-3)).loss
    assert lesson_numbers(at, "lc")["f*"] == pytest.approx(f_star, rel=1e-10)
    at.button(key="lc.train.run.step").click().run()
    assert_clean(at)
    assert at.session_state["lc.train.run"].series["Newton-CG"].last.x.size == 6  # (2 + 1) x 2 classes


def test_points_edited_by_clicks_are_used_and_reset_restores_the_page():
    """Clicks store the edited points in session state (app.owndata.set_points); the page computes on them."""
    from numdl_core import spectral_lab as lab

    rng = np.random.default_rng(3)
    X = np.r_[0.2 * rng.normal(size=(15, 2)), [4.0, 0.0] + 0.2 * rng.normal(size=(15, 2))]
    y = np.repeat([0, 1], 15)
    at = page("spectral_clustering.py")
    at.session_state["owndata.spectral.clustering"] = {"X": X, "y": y, "source": "your clicks", "version": 3}
    at.run()
    assert_clean(at)
    numbers = lesson_numbers(at, "spectral")
    ref = lab.cluster_points(X, y)  # the page's default graph: kNN, k = 10, L_sym
    assert numbers["edges"] == ref.numbers["edges"] and numbers["ARI spectral"] == pytest.approx(1.0)
    assert numbers["components"] == 2  # two far blobs of 15 points: kNN with k = 10 never links them
    at.button(key="owndata.spectral.clustering.reset").click().run()
    assert_clean(at)
    page_numbers = lesson_numbers(at, "spectral")
    assert page_numbers["edges"] == lab.clustering_study().numbers["edges"] != numbers["edges"]
    assert not any("Using your data" in c for c in texts(at.caption))


def test_too_few_clicked_points_fall_back_to_the_page_data_with_a_warning():
    at = page("spectral_clustering.py")
    at.session_state["owndata.spectral.clustering"] = {"X": np.zeros((2, 2)), "y": np.zeros(2, int),
                                                       "source": "your clicks", "version": 1}
    at.run()
    assert_clean(at)
    assert any("at least 4 points" in w for w in texts(at.warning))
    assert lesson_numbers(at, "spectral")["edges"] == 1770  # the page's moons (n = 300, kNN k = 10)


def test_a_file_over_the_size_cap_is_refused_before_parsing():
    at = _opened("spectral_clustering.py", {}, "spectral.clustering")
    big = b"x1,x2,label\n" + b"0.123456789,0.123456789,0\n" * 10_000  # 260 kB > 200 kB
    at.file_uploader(key="owndata.spectral.clustering.upload").set_value(("big.csv", big, "text/csv")).run()
    assert_clean(at)
    (err,) = texts(at.error)
    assert "too large" in err and "260,012 bytes" in err
    assert lesson_numbers(at, "spectral")["edges"] == 1770  # still the page's moons


def _upload(at, key: str, name: str, data: bytes):
    at.file_uploader(key=f"{state_key(key)}.upload").set_value((name, data, "text/csv")).run()
    assert_clean(at)
    return at


def test_logistic_regression_trains_on_the_uploaded_points():
    """Binary logistic regression (section "logistic"): f* is the optimum on the 20 uploaded points (α = 1e-3); a
    bad file is refused and the uploaded points stay in use."""
    from numdl_core.classify import features
    from numdl_core.classify_problems import reference_optimum
    from numdl_core.logistic import binary_logistic

    at = _opened("linear_classification.py", {"section": "logistic"}, "lc.logistic")
    assert_clean(at)
    _upload(at, "lc.logistic", "mine.csv", GOOD)
    assert any("20 samples, 2 features: 3 unknowns" in c for c in texts(at.caption))
    X, c = parse_points_csv(GOOD)
    f_star = reference_optimum(binary_logistic(features(X, "linear"), c, 1e-3)).loss
    numbers = lesson_numbers(at, "lc")
    assert numbers["f*"] == pytest.approx(f_star, rel=1e-10)
    _upload(at, "lc.logistic", "bad.csv", BAD)
    (err,) = texts(at.error)
    assert "This file was not used" in err and "line 3" in err and "not a number" in err
    assert lesson_numbers(at, "lc")["f*"] == numbers["f*"]


def test_path_planning_moves_the_uploaded_points():
    """Optimal control, "paths": the ResNet starts on the 20 uploaded points (loss at θ₀ = that of an independent
    PathPlanning on them, with the page's defaults); no test accuracy (no test set); a bad file is refused."""
    from numdl_core import path_planning as pp

    at = _opened("optimal_control.py", {"section": "paths"}, "oc.paths")
    assert_clean(at)
    assert "test accuracy" in lesson_numbers(at, "oc")
    _upload(at, "oc.paths", "mine.csv", GOOD)
    X, y = parse_points_csv(GOOD)
    model = pp.PathPlanning(X, y, 2, depth=10, T=5.0, augment=0, activation="tanh", alpha=1e-4)
    numbers = lesson_numbers(at, "oc")
    assert numbers["loss"] == pytest.approx(model.value_and_grad(model.init_theta(0))[0], rel=1e-10)
    assert numbers["training accuracy"] == pytest.approx(model.accuracy(model.init_theta(0)))
    assert "test accuracy" not in numbers
    assert any("20 training points, yours (no test set)" in c for c in texts(at.caption))
    _upload(at, "oc.paths", "bad.csv", b"x1,x2,label\n0,0,0\n1,1,1\n2,2,2\n3,3,1\n")
    (err,) = texts(at.error)
    assert "line 4" in err and "label 2, but this page supports at most 2 classes" in err
    assert lesson_numbers(at, "oc") == numbers


ONE_CLASS = GOOD.replace(b",1\r\n", b",0\r\n")  # the same 20 points, unlabelled (label 0)


def test_generative_models_learn_the_uploaded_distribution():
    """Generative models: one editor for the four sections (one class, label 0). The VAE's numbers at its start are
    those of its initial weights on the 20 uploaded points; the GAN then counts no ring modes; a labelled file is
    refused with its message."""
    from app.lessons.generative_models import vae_numbers
    from numdl_core.theory import generative as gm

    at = _opened("generative_models.py", {"section": "vae"}, "t10.data")
    assert_clean(at)
    _upload(at, "t10.data", "labelled.csv", GOOD)
    (err,) = texts(at.error)
    assert "line 4" in err and "label 1, but this page takes unlabelled points" in err
    _upload(at, "t10.data", "mine.csv", ONE_CLASS)
    assert not at.error and any("Using your data" in c and "20 points" in c for c in texts(at.caption))
    X, _ = parse_points_csv(ONE_CLASS)
    model = gm.VAE(hidden=32, sigma_x=0.2)
    ref = vae_numbers(model, next(gm.vae_training(X, model, lr=0.01)).x, X)
    numbers = lesson_numbers(at, "t10")
    assert numbers["ELBO (mean over the data)"] == pytest.approx(ref["ELBO (mean over the data)"], rel=1e-10)
    at.query_params["section"] = "gan"  # the same points in the GAN section
    at.run()
    assert_clean(at)
    assert any("Using your data" in c and "20 points" in c for c in texts(at.caption))
    assert "modes covered (of 8)" not in lesson_numbers(at, "t10") and "G loss" in lesson_numbers(at, "t10")


def test_semi_supervised_labels_spread_over_the_uploaded_points():
    """Spectral clustering, "semi": 3 labels per class of the 20 uploaded points (6), the graph solve and the
    nearest-label baseline on them (against numdl_core directly: kNN k = 10, L = D − W, α = 1); a bad file is
    refused."""
    from numdl_core import spectral as S
    from numdl_core.semi_supervised import nearest_labelled, pick_labelled, unlabelled_accuracy

    at = _opened("spectral_clustering.py", {"section": "semi"}, "spectral.semi")
    assert_clean(at)
    assert lesson_numbers(at, "spectral")["labelled points"] == 9  # the page's three rings
    _upload(at, "spectral.semi", "mine.csv", GOOD)
    X, y = parse_points_csv(GOOD)
    idx = pick_labelled(y, 3, seed=0)
    L = S.graph_laplacian(S.similarity_graph(X, "knn", sigma=0.3, k=10, epsilon=0.5), "unnormalized")
    pred, _ = S.semi_supervised(L, idx, y[idx], 2, 1.0)
    numbers = lesson_numbers(at, "spectral")
    assert numbers["labelled points"] == 6
    assert numbers["accuracy (graph) %"] == pytest.approx(100 * unlabelled_accuracy(y, pred, idx))
    assert numbers["nearest labelled point %"] == pytest.approx(
        100 * unlabelled_accuracy(y, nearest_labelled(X, idx, y[idx]), idx))
    _upload(at, "spectral.semi", "bad.csv", BAD)
    (err,) = texts(at.error)
    assert "This file was not used" in err and "line 3" in err and "not a number" in err
    assert lesson_numbers(at, "spectral") == numbers
