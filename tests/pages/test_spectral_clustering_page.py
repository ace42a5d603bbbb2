"""pages/spectral_clustering.py headless: every section, the main controls, the checks and numbers on the page,
invalid settings explained without exceptions, URL reproduction."""
from __future__ import annotations

import base64

import numpy as np
import pytest

from tests.pages.helpers import assert_clean, figures, page, render_section, texts

NAME = "spectral_clustering.py"
SECTIONS = ["clustering", "toy", "semi", "lambda2"]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def all_text(at) -> str:
    return " ".join(texts(at.success) + texts(at.info) + texts(at.warning) + texts(at.error) + texts(at.markdown)
                    + texts(at.caption))


def values(v) -> np.ndarray:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def wkey(name: str, scope: str = "clustering") -> str:
    return f"spectral.{scope}.{name}"


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_renders(section):
    at = render_section(NAME, section)
    assert not at.error, texts(at.error)  # no failed check on the default settings


def test_default_clustering_shows_the_checks_passing():
    at = page(NAME).run()
    assert_clean(at)
    ok = " ".join(texts(at.success))
    assert "Null vector: ‖L_sym D^½ 1‖" in ok
    assert "Positive semidefinite" in ok
    assert "Dense eigh and Lanczos eigsh agree" in ok
    diff = float(ok.split("max |λ_dense − λ_Lanczos| = **")[1].split("**")[0])
    assert diff < 1e-10
    assert "Zero eigenvalues: **1** = connected components: **1**" in ok
    m = metrics(at)
    assert m["components"] == "1" and m["zero eigenvalues"] == "1" and m["clusters used"] == "2"
    assert float(m["ARI spectral"]) > 0.9 > 0.5 > float(m["ARI k-means (raw)"])  # moons: spectral wins
    names = [f["layout"].get("title", {}).get("text", "") for f in figures(at)]
    assert any("Fiedler vector" in t for t in names) and any("smallest eigenvalues" in t for t in names)
    timing = next(f for f in figures(at) if f["data"][0]["type"] == "bar")
    assert list(timing["data"][0]["x"]) == ["dense eigh", "Lanczos eigsh"]
    # every control is in the URL
    for name, value in {"dataset": "moons", "n": "300", "sigma": "0.3", "graph": "knn", "k": "10",
                        "laplacian": "sym", "solver": "dense", "clusters": "classes"}.items():
        assert at.query_params[name] in (value, [value]), name


def test_circles_spectral_succeeds_where_kmeans_fails():
    at = page(NAME, {"dataset": "circles", "noise": "0.05"}).run()
    assert_clean(at)
    m = metrics(at)
    assert float(m["ARI spectral"]) >= 0.95
    assert float(m["ARI k-means (raw)"]) < 0.5
    assert m["components"] == "2" and m["zero eigenvalues"] == "2"
    # the eigengap heuristic finds the 2 circles
    at.selectbox(key=wkey("clusters")).set_value("eigengap").run()
    assert_clean(at)
    assert metrics(at)["clusters used"] == "2"


def test_graph_types_laplacians_and_solvers():
    at = page(NAME, {"dataset": "circles", "noise": "0.05", "n": "200"}).run()
    seen = set()
    for graph in ("full", "epsilon", "knn"):
        at.segmented_control(key=wkey("graph")).set_value(graph).run()
        for kind in ("unnormalized", "rw", "sym"):
            at.segmented_control(key=wkey("laplacian")).set_value(kind).run()
            assert_clean(at)
            ok = " ".join(texts(at.success))
            assert "Positive semidefinite" in ok and "Null vector" in ok, (graph, kind, texts(at.error))
            assert "Dense eigh and Lanczos eigsh agree" in ok, (graph, kind)
            seen.add(figures(at)[1]["layout"]["title"]["text"])
    assert len(seen) == 3  # the spectrum title names the Laplacian
    at.segmented_control(key=wkey("solver")).set_value("lanczos").run()
    assert_clean(at)
    assert "solver='lanczos'" in " ".join(texts(at.code))
    at.select_slider(key=wkey("sigma")).set_value(0.1).run()
    at.toggle(key=wkey("log_y")).set_value(True).run()
    assert_clean(at)
    spectrum = figures(at)[1]
    assert spectrum["layout"]["yaxis"]["type"] == "log"


def test_unnormalized_laplacian_on_blobs_is_a_lesson():
    at = page(NAME, {"dataset": "blobs", "noise": "0.05", "laplacian": "unnormalized"}).run()
    assert_clean(at)
    assert float(metrics(at)["ARI spectral"]) < 0.2
    assert any("ratio cut" in t for t in texts(at.info))
    at.segmented_control(key=wkey("laplacian")).set_value("sym").run()
    assert float(metrics(at)["ARI spectral"]) > 0.8


def test_sigma_too_small_numerically_disconnected():
    at = page(NAME, {"graph": "full", "sigma": "0.01", "solver": "lanczos"}).run()
    assert_clean(at)
    assert metrics(at)["zero eigenvalues"] == "20+" and metrics(at)["components"] == "1"
    text = all_text(at)
    assert "numerically* disconnected" in text
    # Lanczos cannot resolve 20 zero eigenvalues: explained, and the dense result is shown instead
    assert any("Lanczos eigsh failed" in w and "did not converge" in w for w in texts(at.warning))


def test_invalid_settings_are_explained_not_crashing():
    at = page(NAME, {"graph": "epsilon", "epsilon": "0.01", "n": "20"}).run()
    assert_clean(at)
    assert any("The graph is empty" in w for w in texts(at.warning))
    at = page(NAME, {"n": "20", "k": "50"}).run()
    assert_clean(at)
    assert any("at most n − 1 neighbours" in w for w in texts(at.warning))
    at = page(NAME, {"graph": "epsilon", "epsilon": "0.02"}).run()  # many components, few clusters
    assert_clean(at)
    assert any("connected components but you ask for 2 clusters" in t for t in texts(at.info))
    at = page(NAME, {"section": "semi", "k": "3"}).run()
    assert_clean(at)
    assert any("hold no labelled point" in w and "no labelled node" in w for w in texts(at.warning))
    assert "accuracy (graph)" not in metrics(at)
    at = page(NAME, {"section": "toy", "solver": "lanczos"}).run()
    assert_clean(at)
    assert any("at most n - 2 = 3" in w for w in texts(at.warning))
    table = at.dataframe[0].value
    assert np.allclose(table["λᵢ (Lanczos eigsh)"].to_numpy()[:3], [0, 1, 2], atol=1e-10)


def test_toy_graph_spectrum_on_screen():
    at = page(NAME, {"section": "toy"}).run()
    assert_clean(at)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["λᵢ (dense eigh)"].to_numpy(), [0, 1, 2, 4, 5], atol=1e-12)
    np.testing.assert_allclose(table["course"].to_numpy(), [0, 1, 2, 4, 5])
    assert any("Spectrum {0, 1, 2, 4, 5} reproduced" in s for s in texts(at.success))
    md = " ".join(texts(at.markdown))
    assert "Degrees d = (2, 4, 3, 2, 1)" in md and "= λ₂/2" in md
    heat = next(f for f in figures(at) if f["data"][0]["type"] == "heatmap")
    assert len(heat["data"]) == 3  # A, D, L
    at.toggle(key=wkey("cut", "toy")).set_value(True).run()
    assert_clean(at)
    assert any("Zero eigenvalues: **2** = components: **2**" in s for s in texts(at.success))
    at.segmented_control(key=wkey("laplacian", "toy")).set_value("sym").run()
    assert_clean(at)
    assert "course" not in at.dataframe[0].value.columns


def test_semi_supervised_accuracy_and_alpha():
    at = page(NAME, {"section": "semi"}).run()
    assert_clean(at)
    m = metrics(at)
    assert m["labelled points"] == "9"
    acc, base = float(m["accuracy (graph)"].rstrip("%")), float(m["nearest labelled point"].rstrip("%"))
    assert acc >= 95 and base < 80  # labels travel along the rings, not across them
    stars = [t for t in figures(at)[1]["data"] if t.get("name", "").startswith("labelled")]
    assert sum(values(t["x"]).size for t in stars) == 9
    at.select_slider(key=wkey("alpha", "semi")).set_value(100.0).run()
    at.segmented_control(key=wkey("laplacian", "semi")).set_value("rw").run()
    assert_clean(at)
    assert "accuracy (graph)" in metrics(at)
    at.segmented_control(key=wkey("graph", "semi")).set_value("full").run()
    at.select_slider(key=wkey("sigma", "semi")).set_value(1.0).run()
    assert_clean(at)
    assert float(metrics(at)["accuracy (graph)"].rstrip("%")) < 60  # σ too large: the rings are linked


def test_lambda2_reference_values():
    at = page(NAME, {"section": "lambda2"}).run()
    assert_clean(at)
    table = at.dataframe[0].value.set_index("graph")
    lam = {g: float(v) for g, v in table["computed λ₂"].items()}
    assert abs(lam["disconnected kNN"]) < 1e-12  # course: about 1e-15
    assert 3e-3 < lam["connected kNN"] < 3e-2  # course: 8.7e-3
    assert lam["fully connected"] == pytest.approx(0.40, abs=0.03)  # course: 0.40
    assert list(table["components"]) == [2, 1, 1]
    assert set(table["same order of magnitude"]) == {"✔"}
    bars = next(f for f in figures(at) if f["data"][0]["type"] == "bar")
    assert [t["name"] for t in bars["data"]] == ["course", "computed"]
    at.slider(key=wkey("k_disconnected", "lambda2")).set_value(14).run()
    assert_clean(at)
    assert any("is connected" in w for w in texts(at.warning))


def test_url_reproduces_the_experiment():
    query = {"dataset": "rings", "n": "250", "noise": "0.08", "seed": "3", "graph": "full", "sigma": "0.2",
             "laplacian": "rw", "solver": "lanczos", "clusters": "3"}
    at = page(NAME, query).run()
    assert_clean(at)
    assert at.segmented_control(key=wkey("dataset")).value == "rings"
    assert at.slider(key=wkey("n")).value == 250 and at.slider(key=wkey("seed")).value == 3
    assert at.select_slider(key=wkey("sigma")).value == 0.2
    assert at.segmented_control(key=wkey("laplacian")).value == "rw"
    assert at.selectbox(key=wkey("clusters")).value == 3
    for k, v in query.items():
        assert at.query_params[k] in (v, [v]), k
    first = metrics(at)
    again = page(NAME, {k: at.query_params[k] for k in at.query_params}).run()
    assert metrics(again) == first
    code = " ".join(texts(at.code))
    assert "make_dataset('rings', 250, noise=0.08, seed=3)" in code and "kind='rw', solver='lanczos'" in code


def test_bad_url_values_and_try_this():
    at = page(NAME, {"section": "clustering", "sigma": "abc", "graph": "nope", "n": "5"}).run()
    assert_clean(at)
    note = " ".join(texts(at.warning))
    assert "`sigma=abc` is not a number" in note and "`graph=nope` is not one of" in note
    assert at.slider(key=wkey("n")).value == 20 and "clamped to 20" in note
    at = page(NAME).run()
    at.button(key="spectral.try.clustering.try0").click().run()  # "k-means fails where spectral succeeds"
    assert_clean(at)
    assert at.segmented_control(key=wkey("dataset")).value == "circles"
    assert float(metrics(at)["ARI spectral"]) >= 0.95
