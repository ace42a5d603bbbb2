"""Sections of the linear least-squares page (pages/least_squares.py) on general Tikhonov regularization: the
penalty ‖G x‖² with G = I or a difference operator on a 1-D deblurring problem, and image inpainting as a
regularized least-squares problem solved live by CGLS.

Each ``*_section(lesson)`` draws its controls, figures and numbers through the page's :class:`~app.lesson.Lesson`;
the numerics are in ``numdl_core.regularization`` and ``numdl_core.inpainting``; the exported scripts are in
``app/exports/lstsq_tikhonov.py``. Slides: 02-NumDNN-LinearLeastSquares.tex ("Ill-posedness and Regularization",
"Detour: Image Inpainting").
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.lstsq import signals_figure
from app.figures.lstsq_tikhonov import alpha_errors_figure, images_figure, l_curves_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import show
from app.params import SEED, log_options
from numdl_core.inpainting import IMAGES, INPAINT_OPERATORS, inpaint, inpainting_problem
from numdl_core.regularization import OPERATORS, compare_operators, relative_error, smooth_deblur_problem
from numdl_core.testproblems import deblur_problem

__all__ = ["GTIKHONOV", "INPAINTING", "EXPERIMENTS", "gtikhonov_section", "inpainting_section"]

# the page's SECTIONS literal holds these sections' keys and labels: "gtikhonov", "inpainting"
N_SIGNAL, BLUR_WIDTH, N_IMAGE = 128, 0.03, 64
RULES = {"corner": "L-curve corner (data only)", "best": "smallest error (needs x_true)", "fixed": "one fixed α"}
G_LABELS = {"identity": "G = I", "first": "G = D₁ (first differences)", "second": "G = D₂ (second differences)"}
GTIKHONOV = [
    Param("signal", "Signal", "choice", "smooth", options=("smooth", "piecewise"), widget="segmented",
          labels={"smooth": "smooth", "piecewise": "piecewise (box, hat, bump)"},
          help="Smooth: sin²(πt) + ½ t sin(3πt). Piecewise: the signal of the deblurring section."),
    Param("noise", "Noise level", "log", 0.01, options=log_options(1e-3, 1e-1, 2)),
    Param("rule", "α for each G", "choice", "corner", options=tuple(RULES), labels=RULES,
          help="Each G gets its own α: the scale of ‖Gx‖ differs from one G to the next, so one α is not a fair "
               "comparison."),
]
GT_ALPHA = Param("alpha", "Fixed α (λ in the notes)", "log", 1e-2, options=log_options(1e-8, 1e4, 2))
INPAINTING = [
    Param("image", "Image", "choice", "peaks", options=IMAGES, widget="segmented",
          labels={"peaks": "peaks (smooth)", "shapes": "disk and square (edges)"}),
    Param("fraction", "Known pixels", "choice", 0.2, options=(0.02, 0.05, 0.1, 0.2, 0.3, 0.5),
          labels={f: f"{100 * f:g}%" for f in (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)}),
    Param("kind", "Regularizer G", "choice", "gradient", options=INPAINT_OPERATORS, widget="segmented",
          labels={"gradient": "gradient ∇ₕ", "laplacian": "Laplacian Δₕ"}),
    Param("alpha", "α (λ in the notes)", "log", 1e-2, options=log_options(1e-4, 10.0, 1)),
    Param("noise", "Noise on the known pixels", "choice", 0.0, options=(0.0, 0.01, 0.05, 0.1),
          labels={0.0: "none", 0.01: "1%", 0.05: "5%", 0.1: "10%"}), SEED]

EXPERIMENTS = [
    Experiment("A smooth penalty for a smooth signal", "Choose α for each G by the smallest error. Which G "
               "reconstructs the smooth signal best, and how rough are the solutions?", "Second differences win: "
               "relative errors about 0.019 (G = I), 0.013 (D₁) and 0.006 (D₂), and the D₂ solution is as smooth "
               "as the truth (roughness ‖D₂x‖/‖D₂x_true‖ ≈ 1.0, against 3.2 for G = I). G = I pulls the solution "
               "toward 0; D₂ leaves straight lines free and damps only the wiggles.",
               {"section": "gtikhonov", "signal": "smooth", "rule": "best"}, name="smooth-penalty"),
    Experiment("Edges", "Switch to the piecewise signal (a box with jumps). Do difference operators still help?",
               "Hardly: all three errors are about 0.17 at their best α. A smoothness penalty cannot keep a jump: it "
               "rounds the box's edges off whatever G is (an L1 penalty such as total variation would).",
               {"section": "gtikhonov", "signal": "piecewise", "rule": "best"}, name="tikhonov-edges"),
    Experiment("A smoother regularizer", "Switch G to the Laplacian and press Play. How do the error and the "
               "iteration count change?", "On the smooth peaks image the error drops from about 0.08 (gradient) to "
               "0.006 (Laplacian: biharmonic instead of harmonic interpolation, no cone-shaped spikes at the known "
               "pixels), but CGLS needs about 290 iterations instead of 110: GᵀG = Δ² is worse conditioned than −Δ.",
               {"section": "inpainting", "kind": "laplacian", "speed": 10}, name="inpaint-laplacian"),
    Experiment("Noisy pixels", "Add 5% noise with the Laplacian and compare α = 0.01 with α = 1.", "With noise, "
               "fitting the known pixels exactly is wrong: the error falls from about 0.16 at α = 0.01 to 0.08 at "
               "α = 1, where the penalty averages the noise out.",
               {"section": "inpainting", "kind": "laplacian", "noise": 0.05, "alpha": 1.0, "speed": 10},
               name="inpaint-noise"),
]


@st.cache_data(max_entries=32, show_spinner=False)
def _operators(signal: str, noise: float, seed: int, alpha: float):
    problem = smooth_deblur_problem if signal == "smooth" else deblur_problem
    A, b, x_true = problem(N_SIGNAL, BLUR_WIDTH, noise, seed)
    return b, x_true, compare_operators(A, b, x_true, alpha=alpha)


def gtikhonov_section(lesson: Lesson) -> None:
    """min ‖Ax − b‖² + α‖Gx‖² with G = I, D₁, D₂ on a deblurring problem, α chosen per G."""
    st.subheader("General Tikhonov: min ‖Ax − b‖² + α‖Gx‖²")
    p = lesson.controls(GTIKHONOV, columns=3)
    p.update(lesson.controls([GT_ALPHA, SEED], columns=2, disabled=() if p["rule"] == "fixed" else ("alpha",)))
    b, x_true, r = _operators(p["signal"], p["noise"], p["seed"], p["alpha"])
    rule = p["rule"]
    st.markdown("The penalty ‖Gx‖² decides what a \"small\" solution is: G = I pulls every component toward 0, a "
                "difference operator D_p only the rough ones (polynomials of degree < p cost nothing). Solved by QR "
                "of the stacked matrix [A; √α G], i.e. (AᵀA + αGᵀG) x = Aᵀb (the course writes ½‖·‖² and λ: the "
                "same minimizer; slide \"Ill-posedness and Regularization\" of 02-NumDNN-LinearLeastSquares.tex). Blur "
                "width 0.03, n = 128.")
    tt = (np.arange(N_SIGNAL) + 0.5) / N_SIGNAL
    curves = {"x_true": x_true, "data b": b}
    curves.update({f"{G_LABELS[g]}, α = {r.chosen_alpha(g, rule):.3g}": r.solution(g, rule) for g in OPERATORS})
    c1, c2 = st.columns(2)
    show(signals_figure(tt, curves, title="Reconstructions"), "lstsq.gtik.signals", c1)
    chosen = {g: (r.chosen_alpha(g, rule), r.error(g, rule)) for g in OPERATORS}
    show(alpha_errors_figure(r.alphas, r.errors, chosen, fixed=p["alpha"] if rule == "fixed" else None),
         "lstsq.gtik.errors", c2)
    c3, c4 = st.columns(2)
    show(l_curves_figure(r.residual_norms, r.seminorms, r.corner), "lstsq.gtik.lcurves", c3)
    with c4:
        st.markdown(f"**α by {RULES[rule]}.** Relative error ‖x − x_true‖/‖x_true‖ and roughness "
                    "‖D₂x‖/‖D₂x_true‖ (1: as smooth as the truth):")
        st.table({"G": [G_LABELS[g] for g in OPERATORS], "α": [f"{chosen[g][0]:.3g}" for g in OPERATORS],
                  "error": [f"{chosen[g][1]:.3g}" for g in OPERATORS],
                  "roughness": [f"{r.roughness[g][rule]:.3g}" for g in OPERATORS]})
        best = min(OPERATORS, key=lambda g: chosen[g][1])
        st.caption(f"Here {G_LABELS[best]} has the smallest error. Each G gets its own α: with h = 1 the scales of "
                   "‖x‖, ‖D₁x‖ and ‖D₂x‖ differ, and one α would favour one of them. The circles on the left mark "
                   "the α of each G, the crosses on the L-curves their corners.")
    lesson.numbers(r.summary(rule))


@st.cache_data(max_entries=32, show_spinner=False)
def _inpainting(image: str, fraction: float, noise: float, seed: int, alpha: float, kind: str):
    prob = inpainting_problem(image, N_IMAGE, fraction, noise, seed)
    K, rhs = prob.stacked(alpha, kind)
    return prob, K, rhs, inpaint(prob, alpha, kind)


def inpainting_section(lesson: Lesson):
    """Fill in an image from a fraction of its pixels: min ½‖Px − d‖² + α/2‖Gx‖², live CGLS and a direct solve."""
    st.subheader("Image inpainting as regularized least squares")
    p = lesson.controls(INPAINTING, columns=3)
    prob, K, rhs, x_direct = _inpainting(p["image"], p["fraction"], p["noise"], p["seed"], p["alpha"], p["kind"])
    img, known = prob.image, np.zeros(prob.image.size, dtype=bool)
    known[prob.known] = True
    lo, hi = float(img.min()), float(img.max())
    e_direct = relative_error(x_direct, img)
    st.markdown(f"{prob.known.size} of {img.size} pixels of a {N_IMAGE}×{N_IMAGE} image are known: d = P x_true "
                "(+ noise), P the rows of I at the known pixels. Least squares alone leaves the other pixels free "
                "(PᵀP is singular); the penalty α/2‖Gx‖² fills them in smoothly. Normal equations "
                "(PᵀP + α GᵀG) x = Pᵀd; the direct solve (sparse LU) is the reference, CGLS on "
                "[P; √α G] x ≈ [d; 0] fills the image in iteration by iteration (slide \"Detour: Image Inpainting\" of "
                "02-NumDNN-LinearLeastSquares.tex).")
    data = np.full(img.size, np.nan)
    data[prob.known] = prob.d
    show(images_figure({"true image": img, "known pixels d": data.reshape(img.shape),
                        f"direct solve (error {e_direct:.3g})": x_direct}, lo=lo, hi=hi,
                       masks={"known pixels d": known.reshape(img.shape)}), "lstsq.inpaint.images")

    def draw(run) -> None:
        cg = run.series["CGLS"]
        d1, d2 = st.columns(2)
        show(images_figure({f"CGLS iterate k = {cg.iteration}": cg.last.x.reshape(img.shape)}, lo=lo, hi=hi),
             "lstsq.inpaint.iterate", d1)
        its = cg.history["iteration"]
        theory = {"direct solve": ([0, max(its[-1], 1)], [e_direct, e_direct])}
        show(convergence_figure({"CGLS": (its, cg.history["error"])}, theory=theory,
                                y_title="‖x_k − x_true‖ / ‖x_true‖", title="Error to the true image"),
             "lstsq.inpaint.conv", d2)

    run = lesson.live("run", {"CGLS": Solver("lstsq.cgls", K, rhs, alpha=0.0)}, draw,
                      metrics=lambda name, step: {"error": relative_error(step.x, img.ravel())},
                      max_iter=5000, default_speed=5)
    cg = run.series["CGLS"]
    gap = relative_error(cg.last.x, x_direct.ravel())
    lesson.numbers({"known pixels": prob.known.size, "error, direct solve": e_direct, "CGLS iterations": cg.iteration,
                    "CGLS error": relative_error(cg.last.x, img.ravel()), "CGLS gap to the direct solve": gap})
    if cg.status == "converged":
        st.success(f"CGLS converged after **{cg.iteration}** iterations (2 sparse products each); its iterate is "
                   f"{gap:.2g} (relative) from the direct solve, whose error to the true image is **{e_direct:.3g}**.")
    return run
