"""Compare mode (app/compare.py, Lesson.compare): the stop rule and costs on known problems, divergence reported
not raised, and per integrated page an AppTest that presses "Run both" and reads the table.

Reference numbers: the 3x2 exercise at a = 1 (numdl_core.testproblems.exercise_3x2): CG (CGLS) ends after n = 2
iterations, steepest descent with the exact line search needs 1942 to reach the tolerance 1e-10 (factor
(κ−1)/(κ+1) = 0.988), and with the ideal preconditioner R from QR (κ = 1) it ends after 1; a fixed step
t = 0.1 > 1/λmax ≈ 0.031 diverges.
"""
from __future__ import annotations

import numpy as np
import pytest

from app.compare import STORE_KEY, TIME_CAP_ENV, run_config, run_to
from app.lessons.least_squares_compare import make
from numdl_core.iterate import Step
from tests.pages.helpers import assert_clean, figures, page


@pytest.fixture(autouse=True)
def no_time_cap(monkeypatch):
    """The numbers below must not depend on the machine's load: no time cap (the iteration caps still apply)."""
    monkeypatch.setenv(TIME_CAP_ENV, "0")


BASE = {"a": 1.0, "noise": 0.1, "seed": 0, "step": 0.01, "line_search": "exact", "precond": "none"}


def lstsq(**changes):
    (o,) = run_config("A", make, {**BASE, **changes}, max_iter=5000)
    return o


def test_cg_ends_in_two_iterations_and_sd_needs_many():
    cg, sd = lstsq(method="cg"), lstsq(method="sd")
    assert cg.status == "converged" and cg.iterations <= 3 and cg.final < 1e-12
    assert cg.work == 2 * cg.iterations  # one product with A and one with Aᵀ per CGLS iteration
    assert sd.status == "converged" and sd.iterations == 1942 and sd.final < 1e-9
    assert sd.work == 2 * sd.iterations and sd.seconds > 0
    assert sd.message == "converged at iteration 1942"


def test_qr_preconditioned_sd_converges_in_one_iteration():
    o = lstsq(method="sd", precond="qr")
    assert (o.status, o.iterations, o.work) == ("converged", 1, 2.0) and o.final < 1e-12


def test_diverging_step_is_reported_not_raised():
    o = lstsq(method="sd", line_search="fixed", step=0.1)
    assert o.status == "diverged" and o.message.startswith("diverged at iteration 10")
    assert o.curve[1][-1] > 1e5  # the error curve is kept up to the divergence


def test_caps_and_exceptions():
    o = lstsq(method="sd", a=1e-2)  # factor 0.99997: the cap, not convergence
    assert (o.status, o.iterations, o.message) == ("limit", 5000, "stopped at the iteration cap (5000)")

    def broken():
        yield Step(0, np.zeros(1), 1.0, 1.0, {"work": 0.0})
        raise FloatingPointError("overflow in the update")

    r = run_to(broken(), max_iter=10)
    assert r["status"] == "diverged" and r["message"] == "diverged at iteration 0 (overflow in the update)"

    def endless():
        k = 0
        while True:
            yield Step(k, np.zeros(1), 1.0 / (k + 1), 1.0, {"work": float(k)})
            k += 1

    assert run_to(endless(), max_iter=10**9, seconds=0.0)["status"] == "time"
    r = run_to(endless(), max_iter=100, target=0.01)
    assert (r["status"], r["iterations"], r["work"]) == ("target", 99, 99.0)


def run_both(name: str, query: dict, key: str):
    at = page(name, query).run()
    at.button(key=f"{key}.run").click().run()
    assert_clean(at)
    (table,) = [d.value for d in at.dataframe if "configuration" in d.value.columns]
    assert list(table["configuration"]) == ["A", "B"]
    numeric = table.select_dtypes("number")
    assert {"iterations", "seconds"} <= set(numeric.columns) and np.isfinite(numeric.to_numpy()).all()
    assert (table["seconds"] > 0).all() and (table["iterations"] > 0).all()
    return at, table


def test_least_squares_page_compares_and_caches():
    at, table = run_both("least_squares.py", {"section": "iterative", "a": "1"}, "lstsq.iterative.cmp.iter")
    assert list(table["iterations"]) == [1942, 1]  # A: the page's SD; B: SD with R from QR
    assert list(table["products with A or Aᵀ"]) == [3884.0, 2.0]
    seconds = list(table["seconds"])
    at.run()  # a rerun shows the stored result: the same seconds, nothing recomputed
    (again,) = [d.value for d in at.dataframe if "configuration" in d.value.columns]
    assert list(again["seconds"]) == seconds and len(at.session_state[STORE_KEY]["lstsq.iterative.cmp.iter"]) == 1


def test_sparse_coding_page_ista_against_fista():
    _, table = run_both("sparse_coding.py", {"section": "ista-fista"}, "sc.ista-fista.cmp.methods")
    assert list(table["settings"]) == ["Method = ISTA", "Method = FISTA"]
    # FISTA reaches F − F* ≤ 1e-6 at iteration 609; ISTA is still above it at the cap of 2000 (gap 3.9e-5)
    assert list(table["iterations"]) == [2000, 609]
    assert table["final gap"][0] == pytest.approx(3.93e-5, rel=1e-2) and table["final gap"][1] <= 1e-6
    assert list(table["status"]) == ["stopped at the iteration cap (2000)", "reached 1e-06 at iteration 609"]


def test_intro_theory_zoo_sgd_against_adam():
    _, table = run_both("intro_theory.py", {"section": "optimizers"}, "t0.optimizers.cmp.optimizers")
    assert list(table["settings"]) == ["Optimizer = SGD, Step size η = 0.002", "Optimizer = Adam, Step size η = 0.1"]
    # Rosenbrock: Adam (η = 0.1) reaches f − f* ≤ 1e-8 at iteration 1358; gradient descent is at 5.5e-5 after 5000
    assert list(table["iterations"]) == [5000, 1358] and list(table["passes over the data"]) == [10000.0, 2716.0]
    assert table["final f − f*"][0] == pytest.approx(5.48e-5, rel=1e-2)


def test_landscapes_saddle_gd_against_noisy_gd():
    _, table = run_both("landscapes.py", {"section": "saddle"}, "ls.saddle.cmp.methods")
    assert list(table["settings"]) == ["Method = GD", "Method = noisy GD"]
    # from the stable manifold (0, 1.5): GD ends at the saddle (f − f* = 1 − λ₂² = 0.75) and runs to the cap;
    # noisy GD (σ = 0.1, η = 0.05) reaches f − f* ≤ 1e-3 at iteration 79
    assert list(table["iterations"]) == [2000, 79]
    assert table["final f − f*"][0] == pytest.approx(0.75, abs=1e-9) and table["final f − f*"][1] <= 1e-3


def test_dynamical_systems_msa_against_gd_per_work():
    at, table = run_both("dynamical_systems.py", {"section": "msa"}, "dyn.msa.cmp.methods")
    assert list(table["settings"]) == ["Method = MSA", "Method = GD"]
    assert list(table["iterations"]) == [100, 100]  # the iteration cap of both
    # an MSA iteration: forward, costate and 5 ascent steps per layer = 12 passes; a GD iteration 2
    assert list(table["passes over the data"]) == [1200.0, 200.0]
    fig = [f for f in figures(at) if f["layout"]["title"]["text"] == "A against B"][0]
    assert fig["layout"]["xaxis"]["title"]["text"] == "passes over the data"


def test_controls_follow_the_page_until_moved():
    at = page("least_squares.py", {"section": "iterative", "a": "1"}).run()
    A, B = "lstsq.iterative.cmp.iter.A", "lstsq.iterative.cmp.iter.B"
    assert (at.selectbox(key=f"{A}.precond").value, at.selectbox(key=f"{B}.precond").value) == ("none", "qr")
    at.segmented_control(key="lstsq.iterative.precond").set_value("jacobi").run()
    assert at.selectbox(key=f"{A}.precond").value == "jacobi"  # A follows the page's setting
    at.selectbox(key=f"{A}.precond").set_value("qr").run()  # the reader moves A ...
    at.segmented_control(key="lstsq.iterative.precond").set_value("none").run()
    assert at.selectbox(key=f"{A}.precond").value == "qr"  # ... and it stays where the reader put it
    assert_clean(at)


def test_least_squares_deblur_semi_convergence():
    _, table = run_both("least_squares.py", {"section": "deblur"}, "lstsq.deblur.cmp.deblur")
    assert list(table["settings"]) == ["Method = CGLS", "Method = steepest descent"]
    assert list(table["iterations"]) == [100, 100] and list(table["products with A or Aᵀ"]) == [200.0, 200.0]
    # CGLS: smallest error 0.168 at iteration 20, then it fits the noise (1.75 at 100); SD still falls (0.171)
    assert list(table["best at iteration"]) == [20, 100]
    assert table["smallest error"][0] == pytest.approx(0.1683, abs=1e-3)
    assert table["final error"][0] == pytest.approx(1.751, abs=1e-2) and table["final error"][1] < 0.18


def test_a_setting_that_cannot_be_built_is_a_row_not_an_exception():
    def make_bad(p):
        raise ValueError("noise must be >= 0, got -1")

    (o,) = run_config("B", make_bad, {}, max_iter=10)
    assert (o.status, o.message, o.iterations) == ("error", "could not start: noise must be >= 0, got -1", 0)
    assert np.isnan(o.best[1])


def test_dropout_against_weight_decay_on_test_error():
    _, table = run_both("dropout.py", {"section": "mlp"}, "do.mlp.cmp.nets")
    assert list(table["settings"]) == ["Regularizer = dropout", "Regularizer = weight decay"]
    assert list(table["iterations"]) == [500, 500] and list(table["passes over the data"]) == [1000.0, 1000.0]
    # 500 Adam steps on 20 points: dropout (p = 0.5) has its smallest test MSE 0.161 at step 352 and ends at 0.185;
    # weight decay (α = 1e-3) is still falling at 0.136
    assert list(table["best at iteration"]) == [352, 500]
    assert list(table["final test MSE"]) == pytest.approx([0.1855, 0.1361], abs=1e-3)


def test_a_diverging_side_on_the_page_is_a_row_and_a_cross():
    at = page("least_squares.py", {"section": "iterative", "a": "1"}).run()
    at.selectbox(key="lstsq.iterative.cmp.iter.A.line_search").set_value("fixed").run()
    at.select_slider(key="lstsq.iterative.cmp.iter.A.step").set_value(0.1).run()  # > 1/λmax ≈ 0.031
    at.button(key="lstsq.iterative.cmp.iter.run").click().run()
    assert_clean(at)
    (table,) = [d.value for d in at.dataframe if "configuration" in d.value.columns]
    assert table["status"][0].startswith("diverged at iteration 10")
    assert table["status"][1] == "converged at iteration 1"
    fig = [f for f in figures(at) if f["layout"]["title"]["text"] == "A against B"][0]
    assert [t.get("text") for t in fig["data"]][-1] == ["diverged"]
