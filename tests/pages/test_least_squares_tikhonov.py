"""pages/least_squares.py headless, sections "gtikhonov" and "inpainting" (app/lessons/least_squares_tikhonov.py):
they render, record their headline numbers, and the numbers show the lessons (derivative penalties give smoother,
more accurate solutions on a smooth signal; the Laplacian inpaints the smooth image better; CGLS reaches the direct
solve). Oracles: numdl_core.regularization.general_tikhonov (QR) and numdl_core.inpainting.inpaint (sparse LU),
recomputed here."""
from __future__ import annotations

import numpy as np
import pytest

from app.lesson import EXPORT_KEY
from numdl_core.inpainting import inpaint, inpainting_problem
from numdl_core.regularization import derivative_operator, general_tikhonov, relative_error, smooth_deblur_problem
from tests.pages.helpers import assert_clean, figures, render_section

NAME = "least_squares.py"
RUN = "lstsq.inpainting.run"


def numbers(at) -> dict:
    return at.session_state[EXPORT_KEY]["lstsq"]["numbers"]


def test_general_tikhonov_section_records_smoother_better_solutions():
    at = render_section(NAME, "gtikhonov")
    assert len(figures(at)) == 3
    n = numbers(at)
    # default: smooth signal, noise 0.01, alpha per G at the L-curve corner (measured 0.088, 0.015, 0.0062; roughness
    # 31.6, 2.5, 0.98)
    assert n["error (G = second)"] < n["error (G = first)"] < 0.2 * n["error (G = identity)"]
    assert n["roughness (G = second)"] < 1.5 < 10 < n["roughness (G = identity)"]
    A, b, x_true = smooth_deblur_problem(128, 0.03, 0.01, 0)
    x = general_tikhonov(A, b, n["α (G = second)"], derivative_operator(128, 2))
    assert n["error (G = second)"] == pytest.approx(relative_error(x, x_true), rel=1e-8)


def test_inpainting_section_live_cgls_reaches_the_direct_solve():
    at = render_section(NAME, "inpainting")
    n = numbers(at)
    prob = inpainting_problem("peaks", 64, 0.2, 0.0, 0)
    assert n["known pixels"] == prob.known.size == 819
    assert n["error, direct solve"] == pytest.approx(relative_error(inpaint(prob, 1e-2, "gradient"), prob.image),
                                                     rel=1e-10)  # measured 0.0808
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(40):  # speed 5 per frame: CGLS converges in about 100 iterations here
        at.run()
        if numbers(at)["CGLS gap to the direct solve"] < 1e-6:
            break
    assert_clean(at)
    n = numbers(at)
    assert n["CGLS gap to the direct solve"] < 1e-6, n
    assert n["CGLS error"] == pytest.approx(n["error, direct solve"], rel=1e-5)
    assert 30 < n["CGLS iterations"] < 200


def test_inpainting_laplacian_preset_beats_the_gradient_on_the_smooth_image():
    at = render_section(NAME, "inpainting")
    e_gradient = numbers(at)["error, direct solve"]
    from tests.pages.helpers import page

    at = page(NAME, {"preset": "inpaint-laplacian"}).run()
    assert_clean(at)
    e_laplacian = numbers(at)["error, direct solve"]
    assert e_laplacian < 0.1 * e_gradient  # measured 0.0057 vs 0.081
    assert np.isfinite(e_laplacian)
