"""pages/spectral_clustering.py headless: every section, the main controls, the checks and numbers on the page,
invalid settings explained without exceptions, URL reproduction.

The numbers are read from what the page records for its export (``Lesson.numbers``) and from its widgets, tables
and check panels; the oracles are closed forms (toy spectrum {0, 1, 2, 4, 5}, iteration rates 6/7 and 1/2), the
course's reference values and the lessons' known outcomes (spectral beats k-means on circles and moons)."""
from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from app.lesson import EXPORT_KEY
from numdl_core.data import make_dataset
from tests.pages.helpers import assert_clean, figures, page, render_section, texts

NAME = "spectral_clustering.py"
SECTIONS = ["clustering", "toy", "semi", "lambda2"]


def numbers(at) -> dict[str, float]:
    return at.session_state[EXPORT_KEY]["spectral"]["numbers"]


def script(at) -> str:
    return at.session_state[EXPORT_KEY]["spectral"]["script"]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def values(v) -> np.ndarray:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def wkey(name: str, scope: str = "clustering") -> str:
    return f"spectral.{scope}.{name}"


def check(at, start: str) -> str:
    """The text of the passing check panel that starts with ``start`` (fails if it is missing or failing)."""
    ok = [t for t in texts(at.success) if t.removeprefix("✔ ").startswith(start)]
    assert ok, (start, texts(at.success), texts(at.error))
    return ok[0]


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_renders(section):
    at = render_section(NAME, section)
    assert not at.error, texts(at.error)  # no failed check on the default settings
    assert numbers(at), "the section records its headline numbers"


def test_theory_states_each_laplacian_null_vector():
    """Issue 8: L·1 = 0 holds for L = D − W and L_rw only; L_sym annihilates D^½·1."""
    at = page(NAME).run()
    theory = " ".join(texts(at.markdown))
    assert "L·1 = 0 and L_rw·1 = 0 but L_sym·D^½1 = 0 (not 1)" in theory
    assert not re.search(r"(every|each|all) (graph )?Laplacians? .{0,30}L·1 = 0", theory)


def test_default_clustering_shows_the_checks_passing():
    at = page(NAME).run()
    assert_clean(at)
    null = check(at, "L_sym·D^½1 = 0")
    assert float(re.search(r"‖ = ([-+.e\d]+)", null).group(1)) < 1e-12 and "not 1" in null
    lam1 = float(re.search(r"λ₁ = ([-+.e\d]+)", check(at, "Positive semidefinite")).group(1))
    assert abs(lam1) < 1e-12
    diff = check(at, "The 20 smallest eigenvalues by Lanczos eigsh")
    assert float(re.search(r"relative difference ([-+.e\d]+)", diff).group(1)) < 1e-10
    assert "1 zero eigenvalue = 1 connected component" in check(at, "Zero eigenvalues = connected components")
    n = numbers(at)
    assert n["components"] == 1 and n["zero eigenvalues"] == 1 and n["clusters used"] == 2
    assert 1e-4 < n["λ₂"] < 1e-2
    assert n["ARI spectral"] > 0.9 > 0.5 > n["ARI k-means (raw)"]  # moons: spectral wins
    assert metrics(at)["components"] == "1" and float(metrics(at)["ARI spectral"]) > 0.9
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
    n = numbers(at)
    assert n["ARI spectral"] >= 0.95 and n["ARI k-means (raw)"] < 0.5
    assert n["components"] == 2 and n["zero eigenvalues"] == 2
    assert abs(n["λ₂"]) < 1e-12  # disconnected: λ₂ = 0 up to round-off
    # the eigengap heuristic finds the 2 circles
    at.selectbox(key=wkey("clusters")).set_value("eigengap").run()
    assert_clean(at)
    assert numbers(at)["clusters used"] == 2


def test_mutual_knn_graph_choice_on_rings():
    """The preset's numbers: the mutual kNN graph keeps 1224 of the kNN graph's 1776 edges (oracle: a loop)."""
    at = page(NAME, {"dataset": "rings", "graph": "mutual_knn"}).run()
    assert_clean(at)
    n = numbers(at)
    X, y = make_dataset("rings", 300, 0.1, seed=0)
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1)) + np.diag(np.full(300, np.inf))
    near = np.zeros((300, 300), dtype=bool)
    near[np.repeat(np.arange(300), 10), np.argsort(d, axis=1)[:, :10].ravel()] = True
    assert n["edges"] == np.triu(near & near.T).sum() == 1224 and n["components"] == 2
    assert n["ARI spectral"] == pytest.approx(1.0)
    at.segmented_control(key=wkey("graph")).set_value("knn").run()
    assert numbers(at)["edges"] == np.triu(near | near.T).sum() == 1776
    assert numbers(at)["ARI spectral"] == pytest.approx(0.923, abs=1e-3)


def test_graph_types_laplacians_and_solvers():
    at = page(NAME, {"dataset": "circles", "noise": "0.05", "n": "200"}).run()
    seen = set()
    for graph in ("full", "epsilon", "knn"):
        at.segmented_control(key=wkey("graph")).set_value(graph).run()
        for kind in ("unnormalized", "rw", "sym"):
            at.segmented_control(key=wkey("laplacian")).set_value(kind).run()
            assert_clean(at)
            assert not at.error, (graph, kind, texts(at.error))
            check(at, "Positive semidefinite")
            check(at, "The 20 smallest eigenvalues by Lanczos eigsh")
            assert any(t.removeprefix("✔ ").startswith("L") and "= 0:" in t for t in texts(at.success)), (graph, kind)
            seen.add(figures(at)[1]["layout"]["title"]["text"])
    assert len(seen) == 3  # the spectrum title names the Laplacian
    at.segmented_control(key=wkey("solver")).set_value("lanczos").run()
    assert_clean(at)
    assert "'solver': 'lanczos'" in script(at) and "'solver': 'lanczos'" in " ".join(texts(at.code))
    at.select_slider(key=wkey("sigma")).set_value(0.1).run()
    at.toggle(key=wkey("log_y")).set_value(True).run()
    assert_clean(at)
    spectrum = figures(at)[1]
    assert spectrum["layout"]["yaxis"]["type"] == "log"


def test_unnormalized_laplacian_on_blobs_is_a_lesson():
    at = page(NAME, {"dataset": "blobs", "noise": "0.05", "laplacian": "unnormalized"}).run()
    assert_clean(at)
    assert numbers(at)["ARI spectral"] < 0.2
    assert any("ratio cut" in t for t in texts(at.info))
    at.segmented_control(key=wkey("laplacian")).set_value("sym").run()
    assert numbers(at)["ARI spectral"] > 0.8


def test_sigma_too_small_numerically_disconnected():
    at = page(NAME, {"graph": "full", "sigma": "0.01", "solver": "lanczos"}).run()
    assert_clean(at)
    assert numbers(at)["zero eigenvalues"] == 20 and numbers(at)["components"] == 1
    assert any("numerically disconnected" in t and "20 eigenvalues are numerically zero" in t for t in texts(at.error))
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
    assert "accuracy (graph) %" not in metrics(at) and "accuracy (graph) %" not in numbers(at)
    at = page(NAME, {"section": "toy", "solver": "lanczos"}).run()
    assert_clean(at)
    assert not at.warning and any("only for the 2 eigenpairs" in t and "k ≪ n" in t for t in texts(at.info))
    table = at.dataframe[0].value
    assert np.allclose(table["λᵢ (Lanczos eigsh)"].to_numpy()[:2], [0, 1], atol=1e-10)
    assert np.isnan(table["λᵢ (Lanczos eigsh)"].to_numpy()[2:]).all()


def test_toy_graph_spectrum_on_screen():
    at = page(NAME, {"section": "toy"}).run()
    assert_clean(at)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["λᵢ (dense eigh)"].to_numpy(), [0, 1, 2, 4, 5], atol=1e-12)
    np.testing.assert_allclose(table["course"].to_numpy(), [0, 1, 2, 4, 5])
    course = check(at, "Spectrum of L = D − A")
    assert float(re.search(r"relative difference ([-+.e\d]+)", course).group(1)) < 1e-12
    n = numbers(at)
    np.testing.assert_allclose([n[f"λ{i}"] for i in range(1, 6)], [0, 1, 2, 4, 5], atol=1e-12)
    md = " ".join(texts(at.markdown))
    assert "Degrees d = (2, 4, 3, 2, 1)" in md and "½uᵀLu = **0.5000** = λ₂/2" in md
    heat = next(f for f in figures(at) if f["data"][0]["type"] == "heatmap")
    assert len(heat["data"]) == 3  # A, D, L
    at.toggle(key=wkey("cut", "toy")).set_value(True).run()
    assert_clean(at)
    assert "2 zero eigenvalues = 2 connected components" in check(at, "Zero eigenvalues = connected components")
    at.segmented_control(key=wkey("laplacian", "toy")).set_value("sym").run()
    assert_clean(at)
    assert "course" not in at.dataframe[0].value.columns


def test_fiedler_vector_by_power_and_inverse_iteration():
    """Rates against the closed forms on the toy spectrum {0, 1, 2, 4, 5}: power with c = 2 max d = 8 converges
    like (8 - 2)/(8 - 1) = 6/7, inverse iteration with s = 0 (the course's L†) like 1/2, with s = 0.9 like 1/11."""
    at = page(NAME, {"section": "toy"}).run()
    assert_clean(at)
    n = numbers(at)
    assert n["power rate (theory)"] == pytest.approx(6 / 7, rel=1e-12)
    assert n["inverse rate (theory)"] == pytest.approx(0.5, rel=1e-12)
    assert n["power rate (measured)"] == pytest.approx(6 / 7, rel=1e-6)
    assert n["inverse rate (measured)"] == pytest.approx(0.5, rel=1e-3)
    assert n["power: ρ"] == pytest.approx(1.0, abs=1e-10) and n["inverse: ρ"] == pytest.approx(1.0, abs=1e-10)
    curves = {t["name"]: values(t["y"]) for t in figures(at)[-1]["data"]}
    assert {"power, c = 8", "inverse, s = 0"} <= set(curves)
    assert curves["power, c = 8"].size > 3 * curves["inverse, s = 0"].size  # 140 against 33 iterations
    at.selectbox(key=wkey("shift", "toy")).set_value(0.9).run()
    n = numbers(at)
    assert n["inverse rate (theory)"] == pytest.approx(0.1 / 1.1, rel=1e-9) and n["inverse: ρ"] == pytest.approx(1.0)
    at.selectbox(key=wkey("shift", "toy")).set_value(1.6).run()
    assert numbers(at)["inverse: ρ"] == pytest.approx(2.0, abs=1e-10)  # nearer to λ₃ = 2: it finds u₃
    at.toggle(key=wkey("cut", "toy")).set_value(True).run()
    at.selectbox(key=wkey("shift", "toy")).set_value(0.0).run()
    assert_clean(at)
    assert any("s = 0 on a disconnected graph" in t for t in texts(at.info))
    assert "inverse: ρ" not in numbers(at) and numbers(at)["power: ρ"] == pytest.approx(0.0, abs=1e-12)


def test_semi_supervised_accuracy_and_alpha():
    at = page(NAME, {"section": "semi"}).run()
    assert_clean(at)
    n = numbers(at)
    assert n["labelled points"] == 9 and metrics(at)["labelled points"] == "9"
    assert n["accuracy (graph) %"] >= 95 and n["nearest labelled point %"] < 80  # along the rings, not across
    stars = [t for t in figures(at)[1]["data"] if t.get("name", "").startswith("labelled")]
    assert sum(values(t["x"]).size for t in stars) == 9
    at.select_slider(key=wkey("alpha", "semi")).set_value(100.0).run()
    at.segmented_control(key=wkey("laplacian", "semi")).set_value("rw").run()
    assert_clean(at)
    assert "accuracy (graph) %" in numbers(at)
    at.segmented_control(key=wkey("graph", "semi")).set_value("full").run()
    at.select_slider(key=wkey("sigma", "semi")).set_value(1.0).run()
    assert_clean(at)
    assert numbers(at)["accuracy (graph) %"] < 60  # σ too large: the rings are linked


def test_lambda2_reference_values():
    at = page(NAME, {"section": "lambda2"}).run()
    assert_clean(at)
    table = at.dataframe[0].value.set_index("graph")
    lam = {g: float(v) for g, v in table["computed λ₂"].items()}
    assert abs(lam["disconnected kNN"]) < 1e-12  # course: about 1.9e-15
    assert 3e-3 < lam["connected kNN"] < 3e-2  # course: 8.7e-3
    assert lam["fully connected"] == pytest.approx(0.40, abs=0.03)  # course: 0.40
    n = numbers(at)
    assert n["λ₂ connected_knn"] == pytest.approx(1.0e-2, rel=0.01) and n["λ₂ fully_connected"] == pytest.approx(
        0.405, abs=1e-3)
    assert list(table["components"]) == [2, 1, 1]
    assert set(table["same order of magnitude"]) == {"✔"}
    for g in ("disconnected kNN", "connected kNN", "fully connected"):
        check(at, f"λ₂ of the {g} graph")
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
    first = numbers(at)
    again = page(NAME, {k: at.query_params[k] for k in at.query_params}).run()
    assert numbers(again) == first and metrics(again) == metrics(at)
    for part in ("'dataset': 'rings'", "'n': 250", "'noise': 0.08", "'seed': 3", "'laplacian': 'rw'",
                 "'solver': 'lanczos'", "'clusters': 3"):
        assert part in script(at), part


def test_bad_url_values_and_try_this():
    at = page(NAME, {"section": "clustering", "sigma": "abc", "graph": "nope", "n": "5"}).run()
    assert_clean(at)
    note = " ".join(texts(at.warning))
    assert "`sigma=abc` is not a number" in note and "`graph=nope` is not one of" in note
    assert at.slider(key=wkey("n")).value == 20 and "clamped to 20" in note
    at = page(NAME).run()
    at.button(key="spectral.clustering.try0").click().run()  # "k-means fails where spectral succeeds"
    assert_clean(at)
    assert at.segmented_control(key=wkey("dataset")).value == "circles"
    assert numbers(at)["ARI spectral"] >= 0.95


@pytest.mark.parametrize("preset,section,expect", [
    ("sigma-too-small", "clustering", {"zero eigenvalues": 20}),
    ("mutual-knn", "clustering", {"edges": 1224, "components": 2, "ARI spectral": 1.0}),
    ("eigengap", "clustering", {"clusters used": 3}),
    ("cut-an-edge", "toy", {"components": 2, "zero eigenvalues": 2}),
    ("rings-semi-supervised", "semi", {"labelled points": 9}),
    ("disconnected-to-connected", "lambda2", {"components disconnected_knn": 1}),
])
def test_presets_open_their_lesson(preset, section, expect):
    at = page(NAME, {"preset": preset}).run()
    assert_clean(at)
    assert at.query_params["section"] in (section, [section])
    n = numbers(at)
    for k, v in expect.items():
        assert n[k] == v, (k, n)
