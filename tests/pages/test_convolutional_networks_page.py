"""pages/convolutional_networks.py headless: every section renders with its figures, and the numbers the page
records (Lesson.numbers) are pinned at the defaults and at a few presets / URL settings."""
from __future__ import annotations

import pytest

from app.lesson import EXPORT_KEY
from tests.pages.helpers import assert_clean, page, render_section, texts

NAME = "convolutional_networks.py"


def _numbers(at) -> dict:
    return at.session_state[EXPORT_KEY]["conv"]["numbers"]


def test_conv1d_fft_matches_the_dense_matrix_and_the_second_difference_is_real():
    at = render_section(NAME, "conv1d")
    n = _numbers(at)
    # measured: 6.8e-16, 1.6e-16, 1.9e-16 (n = 16, theta = (1, -2, 0.5))
    assert n["eigenvalues: FFT vs eigvals (relative)"] < 1e-14
    assert n["K y: FFT vs dense (relative)"] < 1e-14 and n["Kᵀy: conjugate FFT vs dense (relative)"] < 1e-14
    assert n["spectral radius"] == pytest.approx(3.5) and n["largest |imaginary part|"] == pytest.approx(0.5)
    at = page(NAME, {"preset": "second-difference-real"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["largest |imaginary part|"] < 1e-14 and n["spectral radius"] == pytest.approx(4.0)


def test_conv2d_checks_at_round_off_and_the_course_count():
    at = render_section(NAME, "conv2d")
    n = _numbers(at)
    for k in ("conv2d vs FFT (relative)", "conv2d vs sparse matrix (relative)",
              "periodic: FFT vs BCCB matrix (relative)", "adjoint relative gap", "linearity in θ: largest relative E1"):
        assert n[k] < 1e-12, k
    assert n["dense unknowns, 28 × 28 image"] == 614656 and n["unknowns of the family K(θ)"] == 3
    # Sobel: 6 nonzero taps; periodic 6 * 64 = 384 nonzeros, zero boundary fewer (taps falling off the image)
    assert (n["Toeplitz nonzeros"], n["BCCB nonzeros"]) == (308, 384)
    # the Sobel stencil is odd: its projection onto the isotropic family is 0 (relative residual 1)
    assert n["projection residual (relative)"] == pytest.approx(1.0)


def test_a_typed_stencil_is_used_and_never_evaluated():
    at = page(NAME, {"section": "conv2d", "stencil": "custom", "size": "3", "k21": "-1", "k23": "1", "k22": "0",
                     "basis": "full"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["projection residual (relative)"] < 1e-15 and n["unknowns of the family K(θ)"] == 9
    assert n["BCCB nonzeros"] == 2 * 64  # two nonzero taps
    labels = {s.label for s in at.number_input if s.key and ".k" in s.key}  # the centre 3 x 3 of the 5 x 5 grid
    assert labels == {f"row {i}, col {j}" for i in (1, 2, 3) for j in (1, 2, 3)}
    at = page(NAME, {"section": "conv2d", "stencil": "custom", "size": "5", "k22": "__import__('os')"}).run()
    assert_clean(at)  # a malformed value is ignored with a note, the default entry kept: the identity
    n = _numbers(at)
    assert n["BCCB nonzeros"] == 64 and n["conv2d vs sparse matrix (relative)"] == 0.0


def test_stencils_eigenvalues_and_the_penalty():
    at = render_section(NAME, "stencils")
    n = _numbers(at)
    assert n["smallest eigenvalue (1-D)"] == -1024.0 and n["smallest eigenvalue (2-D)"] == -2048.0
    assert n["eigenvalues 1-D: eigvals vs formula (relative)"] < 1e-12
    assert n["eigenvalues 2-D: eigvals vs formula (relative)"] < 1e-12
    # measured: kernel error 0.387 (alpha = 0) -> 0.132 (alpha = 0.1); roughness 0.157 -> 0.028 (truth 0.021)
    assert n["kernel error, chosen α (relative)"] < n["kernel error, α = 0 (relative)"] / 2
    assert n["roughness ½‖Lθ‖², chosen α"] < n["roughness ½‖Lθ‖², α = 0"] / 3
    at = page(NAME, {"preset": "rough-without-penalty"}).run()
    assert_clean(at)
    assert _numbers(at)["kernel error, chosen α (relative)"] == pytest.approx(0.3868, abs=1e-3)


def test_init_exploding_and_he_fixes_it():
    at = page(NAME, {"preset": "exploding-at-depth-30"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["variance at the last layer, naive"] > 1e40  # measured 9.2e49: x50 per layer
    assert n["variance at the last layer, Glorot"] < 1e-8  # halved per layer: 9.2e-11
    assert 0.01 < n["variance at the last layer, He"] < 10  # 0.099
    assert any("overflow" not in m.value for m in at.metric)
    at = render_section(NAME, "init")
    assert "Var(Y_j)" in texts(at.caption)[0] or at.metric
