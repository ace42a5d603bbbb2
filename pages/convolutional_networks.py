"""Convolutional networks: convolutions as structured matrices (circulant, Toeplitz, BCCB) diagonalized by the FFT,
parametric kernels K(θ) = mat(Qθ), stencils as differential operators with PDE regularization, and the variance of
activations through depth for the usual initializations."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.exports.conv import SCRIPTS
from app.figures.conv import (alpha_sweep_figure, eigen_compare_figure, eigenvalues_figure, images_figure,
                              matrix_figure, signals_figure, sparsity_figure, stencil_action_figure,
                              variance_depth_figure)
from app.lesson import Lesson
from app.lessons import convolutional_networks_cnn as cnn_lesson
from app.lessons.convolutional_networks import (ACT_LABELS, CONV1D, CONV2D, EXPERIMENTS, INIT, STENCILS, centre3,
                                                entries, kernel_of)
from app.lessons.convolutional_networks_exercises import EXERCISES
from app.panels import self_check, show
from numdl_core import conv
from numdl_core.checks import Agreement
from numdl_core.data import load_digits

SECTIONS = {"conv1d": "1-D periodic convolution", "conv2d": "2-D convolution of a digit",
            "stencils": "Stencils and PDE regularization", "init": "Initialization through depth",
            "cnn": "A small CNN on digits (live)"}

lesson = Lesson("conv", "Convolutional networks", presets=EXPERIMENTS + cnn_lesson.EXPERIMENTS,
                slides="05-NumDNN-ConvNets.tex", exercises=EXERCISES)
lesson.theory(
    "A dense layer on an image has one weight per pair of pixels: for a 28 × 28 image and as many outputs as "
    "inputs, 614,656 unknowns. A **convolution** reuses one small stencil θ at every pixel: 9 unknowns for a 3 × 3 "
    "stencil. As a matrix it is **structured**: with zero boundary conditions a (block) Toeplitz matrix, constant "
    "along diagonals; with periodic ones a circulant (in 2-D: block circulant with circulant blocks, BCCB) matrix, "
    "which the discrete Fourier transform diagonalizes: its eigenvalues are the FFT of its first column, so K y, Kᵀy "
    "and even K⁻¹y cost O(n log n). Families K(θ) = mat(Qθ) are linear in θ, so their derivatives are Q and Qᵀ. "
    "Stencils are differential operators ([1 −2 1]/h² ≈ d²/dx²), which gives a way to make learned kernels smooth: "
    "penalize ½‖Lθ‖². Layers follow the deep-learning convention: the 'convolution' is a cross-correlation, "
    "computed by gathering the receptive fields (im2col) and one matrix product. Deep stacks of layers multiply "
    "variances: the scale of the initial weights decides whether the signal survives 20+ layers.",
    [r"(K(\theta)y)_i = \theta_1 y_{i+1} + \theta_2 y_i + \theta_3 y_{i-1} \ (\text{periodic}),\qquad "
     r"K = F^{*}\mathrm{diag}(\lambda)F,\quad \lambda = F(K e_1)",
     r"y_{o,i,j} = \sum_{c,a,b} w_{o,c,a,b}\,\tilde x_{c,\,si+a,\,sj+b},\qquad "
     r"\mathrm{vec}\,K(\theta) = Q\theta,\ \ J v = \mathrm{mat}(Qv),\ J^\top w = Q^\top w",
     r"\frac{u_{j-1} - 2u_j + u_{j+1}}{h^2} \approx u''(x_j),\qquad "
     r"\lambda_k = -\frac{4}{h^2}\sin^2\frac{\pi k}{N},\qquad R(\theta) = \tfrac12\|L\theta\|^2",
     r"\mathrm{Var}(Y_{j+1}) \approx w\,\sigma^2\,\mathrm{Var}(Y_j)\ (\text{linear}),\quad "
     r"\sigma^2_{\rm Glorot} = \tfrac{2}{n_{\rm in}+n_{\rm out}},\quad \sigma^2_{\rm He} = \tfrac{2}{n_{\rm in}}"],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 5; Goodfellow, Bengio and Courville (2016), "
    "Deep Learning, ch. 9; Hansen, Nagy and O'Leary (2006), Deblurring Images (structured matrices); LeCun et al. "
    "(1990), NeurIPS (CNNs on zip codes); Glorot and Bengio (2010), AISTATS; He, Zhang, Ren and Sun (2015), ICCV.")
section = lesson.sections(SECTIONS)
cached = st.cache_data(max_entries=32, show_spinner=False)
U2 = "u'' error for sin(2πx) (relative)"


@cached
def digits() -> np.ndarray:
    return load_digits()[0].reshape(-1, 8, 8)


def conv1d_section() -> None:
    st.subheader("1-D periodic convolution: a circulant matrix, diagonalized by the FFT")
    p = lesson.controls(CONV1D, columns=5)
    s = cached(conv.periodic_1d_study)([p["t1"], p["t2"], p["t3"]], p["n"], seed=p["seed"])
    c1, c2 = st.columns(2)
    show(matrix_figure(s.K, title=f"K(θ), {p['n']} × {p['n']} circulant"), "conv.fig.1d.K", c1)
    show(eigenvalues_figure(s.eigenvalues, s.eigenvalues_dense, title="Eigenvalues: fft(K e₁) and eig(K)"),
         "conv.fig.1d.eig", c2)
    c3, c4 = st.columns(2)
    show(signals_figure({"K y (dense)": s.Ky, "K y by FFT": s.Ky_fft}, title="K y = ifft(λ ⊙ fft(y))"),
         "conv.fig.1d.Ky", c3)
    show(signals_figure({"Kᵀy (dense)": s.KTy, "Kᵀy by FFT, conjugate λ": s.KTy_fft},
                        title="Kᵀy = ifft(conj(λ) ⊙ fft(y))"), "conv.fig.1d.KTy", c4)
    n = s.numbers
    m = st.columns(4)
    m[0].metric("eigenvalues: FFT vs eigvals", f"{n['eigenvalues: FFT vs eigvals (relative)']:.1e}")
    m[1].metric("K y: FFT vs dense", f"{n['K y: FFT vs dense (relative)']:.1e}")
    m[2].metric("Kᵀy: conjugate FFT vs dense", f"{n['Kᵀy: conjugate FFT vs dense (relative)']:.1e}")
    m[3].metric("spectral radius", f"{n['spectral radius']:.4g}")
    st.caption(f"λ_k = θ₂ + θ₁ e^(2πik/n) + θ₃ e^(−2πik/n): real exactly when θ₁ = θ₃ (a symmetric K). "
               f"Largest |Im λ| here: {n['largest |imaginary part|']:.3g}. Cost: O(n log n) by FFT against O(n²) "
               "dense.")
    lesson.numbers(n)


def conv2d_section() -> None:
    st.subheader("A digit convolved with a stencil; the Toeplitz and BCCB matrices; K(θ) = mat(Qθ)")
    p = lesson.controls(CONV2D, columns=4)
    if p["stencil"] == "custom":
        st.caption("Type the stencil's entries (row by row); the image is correlated with it.")
        lesson.controls(entries(int(p["size"])), columns=int(p["size"]))
    kernel = kernel_of(lesson.params)
    image = digits()[p["index"]]
    s = cached(conv.conv2d_study)(image, kernel)
    show(images_figure({"digit x (8 × 8)": image, f"stencil θ ({kernel.shape[0]} × {kernel.shape[0]})": kernel,
                        "zero boundary: conv2d(x, θ)": s.output, "periodic: by FFT": s.output_periodic},
                       diverging=[False, True, True, True], title="Input, stencil and outputs"), "conv.fig.2d.images")
    if not np.any(kernel):
        st.warning("All entries of the stencil are 0: the output is 0. Type some nonzero entries.")
    show(sparsity_figure({"Toeplitz (zero boundary)": s.toeplitz, "BCCB (periodic)": s.bccb},
                         title="The 64 × 64 matrices of the convolution on the 8 × 8 digit"), "conv.fig.2d.spy")
    n = dict(s.numbers)
    st.markdown("#### Checks: im2col + GEMM vs FFT vs sparse matrix, adjoint, linear in θ")
    c = st.columns(3)
    lesson.check(_agree("conv2d vs conv2d_fft", n["conv2d vs FFT (relative)"], "the FFT of the padded image"),
                 _agree("conv2d vs conv2d_matrix", n["conv2d vs sparse matrix (relative)"], "the sparse matrix A x"),
                 _agree("periodic: FFT vs BCCB", n["periodic: FFT vs BCCB matrix (relative)"], "the BCCB matrix"),
                 key="conv.2d.agree")
    c[0].metric("adjoint ⟨Ax, y⟩ vs ⟨x, Aᵀy⟩", f"{n['adjoint relative gap']:.1e}",
                help="conv2d against conv2d_transpose (the input gradient), random x and y.")
    c[1].metric("linearity in θ: largest E1", f"{n['linearity in θ: largest relative E1']:.1e}",
                help="‖A(θ + hv)x − A(θ)x − h A(v)x‖ for h = 1 … 10⁻⁶: round-off for every h, not O(h²).")
    c[2].metric("nonzeros: Toeplitz / BCCB / all", f"{n['Toeplitz nonzeros']:.0f} / {n['BCCB nonzeros']:.0f} / "
                f"{n['matrix entries']:.0f}")
    st.markdown("#### The parametric kernel K(θ) = mat(Qθ)")
    Q = conv.stencil_basis(p["basis"])
    theta, residual = cached(conv.project_kernel)(centre3(kernel), Q)
    counts = conv.parameter_counts((28, 28), n_theta=Q.shape[1])
    k1, k2 = st.columns([3, 2])
    show(images_figure({"Q (9 × p)": Q, "centre 3 × 3 of θ": centre3(kernel),
                        "closest K(θ) in the family": conv.parametric_kernel(theta, Q)}, diverging=[True] * 3,
                       height=260), "conv.fig.2d.family", k1)
    k2.metric("unknowns: dense layer on 28 × 28", f"{counts['dense']:,}")
    k2.metric("unknowns: this family K(θ)", f"{Q.shape[1]}", help="A full 3 × 3 stencil: 9.")
    k2.caption(f"θ = ({', '.join(f'{t:.3g}' for t in theta)}); relative distance of the stencil to the family "
               f"{residual:.2g}. The Jacobian of θ ↦ vec K(θ) is Q, whatever θ: the family is linear.")
    n.update({"dense unknowns, 28 × 28 image": counts["dense"], "dense unknowns, 8 × 8 digit": 64 * 64,
              "unknowns of the family K(θ)": Q.shape[1], "projection residual (relative)": residual})
    lesson.numbers(n)


def _agree(name: str, rel: float, reference: str) -> Agreement:
    """A check panel's record of an agreement the study measured (tolerance 1e-12)."""
    return Agreement(name, reference, float(rel), 1e-12, bool(rel <= 1e-12))


def stencils_section() -> None:
    st.subheader("Stencils as differential operators; the PDE penalty ½‖Lθ‖² on learned kernels")
    p = lesson.controls(STENCILS, columns=6)
    s = cached(conv.laplacian_study)(p["n"])
    c1, c2 = st.columns(2)
    show(eigen_compare_figure({"1-D [1 −2 1]/h²": s.computed_1d, "2-D 5-point": s.computed_2d},
                              {"1-D [1 −2 1]/h²": s.formula_1d, "2-D 5-point": s.formula_2d},
                              title=f"Periodic Laplacians, N = {p['n']}, h = 1/{p['n']}: eigenvalues"),
         "conv.fig.st.eig", c1)
    show(stencil_action_figure(s.x, s.u, s.Lu, s.exact, title="The stencil on u = sin 2πx: a second derivative"),
         "conv.fig.st.action", c2)
    n = s.numbers
    m = st.columns(4)
    m[0].metric("1-D: numpy vs −4/h² sin²(πk/N)", f"{n['eigenvalues 1-D: eigvals vs formula (relative)']:.1e}")
    m[1].metric("2-D: numpy vs sums of the 1-D", f"{n['eigenvalues 2-D: eigvals vs formula (relative)']:.1e}")
    m[2].metric("smallest eigenvalue (1-D / 2-D)", f"{n['smallest eigenvalue (1-D)']:.6g} / "
                f"{n['smallest eigenvalue (2-D)']:.6g}")
    m[3].metric("u'' error (relative)", f"{n[U2]:.2e}",
                help="O(h²): about π²h²/3.")
    st.markdown("**Learning a kernel with the PDE penalty.** Digits are blurred by a smooth Gaussian kernel, noise "
                "is added, and the kernel is learned back by least squares, with ½α‖Lθ‖² added (L: the 5-point "
                "Laplacian on the kernel's grid, zero outside).")
    images = digits()[:p["n_images"]]
    f = cached(conv.kernel_fit_study)(images, p["alpha"], noise=p["noise"], kernel_size=p["kernel_size"],
                                      seed=p["seed"])
    c3, c4 = st.columns([3, 2])
    show(images_figure({"true kernel": f.truth, "learned, α = 0": f.unregularized, f"learned, α = {p['alpha']:g}":
                        f.fitted}, diverging=[True] * 3, height=280), "conv.fig.st.kernels", c3)
    show(alpha_sweep_figure(f.alphas, f.errors, f.roughness, current=p["alpha"],
                            truth_roughness=f.numbers["roughness ½‖Lθ‖², true kernel"],
                            title="Error and roughness against α"), "conv.fig.st.sweep", c4)
    g = f.numbers
    st.caption(f"Kernel error {100 * g['kernel error, α = 0 (relative)']:.0f}% without the penalty, "
               f"{100 * g['kernel error, chosen α (relative)']:.0f}% at α = {p['alpha']:g} (best of the sweep: "
               f"{100 * g['kernel error at the best α (relative)']:.0f}% at α = {g['best α of the sweep']:.3g}); "
               f"roughness {g['roughness ½‖Lθ‖², α = 0']:.3g} → {g['roughness ½‖Lθ‖², chosen α']:.3g} "
               f"(true kernel {g['roughness ½‖Lθ‖², true kernel']:.3g}). "
               f"{p['kernel_size'] ** 2} unknowns, {images.size} equations.")
    if p["noise"] == 0 and p["kernel_size"] ** 2 > images.size:
        st.warning("Fewer equations than unknowns: without noise the fit is still not unique. Add training images.")
    lesson.numbers({**n, **g})


def init_section() -> None:
    st.subheader("The variance of the activations through 20+ layers")
    p = lesson.controls(INIT, columns=5)
    s = cached(conv.init_study)(p["depth"], p["width"], p["activation"], naive_std=p["naive_std"], seed=p["seed"])
    names = {"naive": f"naive, σ = {s.stds['naive']:g}", "glorot": f"Glorot, σ = {s.stds['glorot']:.3g}",
             "he": f"He, σ = {s.stds['he']:.3g}"}
    show(variance_depth_figure({names[k]: v for k, v in zip(s.schemes, s.variances)},
                               title=f"Var(Y_j), {ACT_LABELS[p['activation']]}, width {p['width']}"), "conv.fig.init")
    m = st.columns(3)
    for i, k in enumerate(s.schemes):
        v = s.variances[i, -1]
        m[i].metric(f"{names[k].split(',')[0]}: variance at layer {p['depth']}",
                    f"{v:.3g}" if np.isfinite(v) else "overflow")
    st.caption("Y₀ has 256 standard normal rows; Y_{j+1} = σ(Y_j K_j) with K_j = s·G_j (the same G_j for every "
               "scheme, biases 0). Linear layers multiply the variance by w s² per layer; ReLU halves it, which He's "
               "s² = 2/w makes up for. A variance far from 1 in either direction is what makes deep nets hard to "
               "train: exploding or vanishing signals, and gradients with them.")
    lesson.numbers(s.numbers)


out = {"conv1d": conv1d_section, "conv2d": conv2d_section, "stencils": stencils_section, "init": init_section,
       "cnn": lambda: cnn_lesson.cnn_section(lesson)}[section]()
run, _ = out if isinstance(out, tuple) else (None, {})
lesson.try_this()
if section == "init":
    self_check("ReLU, width 100: which weight scale keeps the variance constant?", ["σ² = 1/100", "σ² = 2/100",
               "σ² = 1"], 1, "ReLU zeroes half the pre-activations, halving the second moment: w σ²/2 = 1 needs "
               "σ² = 2/w (He).", key="conv.init.quiz")
lesson.export({**SCRIPTS, **cnn_lesson.SCRIPTS}[section], run=run)
lesson.finish()
