"""The sparse-coding page's sections "thresholding", "convolutional" and "dictionary" (pages/sparse_coding.py):
soft thresholding as two biased ReLUs and layered thresholding as a ReLU network (Papyan, Romano and Elad 2017), a
convolutional dictionary applied by the FFT with its checks, and atoms learned from patches of the digits
(Olshausen and Field 1996). Parameter names are the keywords of ``layered_experiment``, ``csc_experiment`` and
``dictionary_learning`` of ``numdl_core.theory.sparse``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.theory_sparse import atoms_figure, codes_figure, signals_figure, threshold_figure
from app.lesson import Experiment, Lesson, Param
from app.panels import show
from app.params import SEED
from numdl_core.data import load_digits
from numdl_core.sparse import soft_threshold
from numdl_core.theory import sparse as sp

__all__ = ["EXPERIMENTS", "LAYERED", "SIGNAL", "CONV", "DICT", "thresholding_section", "convolutional_section",
           "dictionary_section", "learn"]

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5)
LAYERED = [Param("nnz", "Nonzeros of Γ₂", "int", 2, lo=1, hi=20),
           Param("atom_nnz", "Nonzeros per atom of D₂", "int", 2, lo=1, hi=8),
           Param("lam1", "λ₁ (layer 1)", "choice", 0.5, options=THRESHOLDS),
           Param("lam2", "λ₂ (layer 2)", "choice", 0.6, options=THRESHOLDS),
           Param("noise", "Noise σ", "choice", 0.02, options=(0.0, 0.02, 0.05, 0.1, 0.2)), SEED]
SIGNAL = Param("signal", "Signal", "choice", "1d", options=("1d", "digit"),
               labels={"1d": "1-D signal (planted spikes)", "digit": "2-D: a digit"}, widget="segmented")
CONV = [Param("n", "Signal length n", "choice", 128, options=(64, 128, 256)),
        Param("nnz", "Spikes per filter", "int", 3, lo=0, hi=10),
        Param("noise", "Noise σ", "choice", 0.02, options=(0.0, 0.02, 0.05, 0.1)),
        Param("lam", "λ", "choice", 0.05, options=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)),
        Param("iterations", "FISTA iterations", "choice", 200, options=(10, 30, 100, 200, 500)),
        Param("digit", "Digit # (2-D)", "int", 0, lo=0, hi=1796), SEED]
SIZES = {4: "4×4 patches", 6: "6×6 patches", 8: "whole digits (8×8)"}
DICT = [Param("size", "Atoms", "choice", 4, options=tuple(SIZES), labels=SIZES),
        Param("n_atoms", "Number of atoms", "choice", 32, options=(8, 16, 32, 64)),
        Param("lam", "λ", "choice", 0.1, options=(0.02, 0.05, 0.1, 0.2, 0.5)),
        Param("method", "Dictionary update", "choice", "mod", options=("mod", "gradient"),
              labels={"mod": "MOD (least squares)", "gradient": "gradient step"}, widget="segmented"),
        Param("maxiter", "Alternations", "choice", 10, options=(5, 10, 20, 40)),
        Param("n_images", "Digits used", "choice", 100, options=(100, 200, 500)), SEED]
cached = st.cache_data(max_entries=8, show_spinner=False)


def thresholding_section(lesson: Lesson) -> None:
    st.subheader("Soft thresholding is a biased ReLU; layered thresholding is a ReLU network")
    lam = lesson.controls([Param("lam_plot", "λ of the plot", "choice", 1.0, options=(0.25, 0.5, 1.0, 2.0),
                                 role="view", widget="segmented")])["lam_plot"]
    v = np.linspace(-3, 3, 241)
    c1, c2 = st.columns([2, 3])
    show(threshold_figure(v, lam, title="S_λ(v) = relu(v − λ) − relu(−v − λ)"), "sc.fig.thr.curve", c1)
    gap = float(np.max(np.abs(sp.relu_soft_threshold(v, lam) - soft_threshold(v, lam))))
    c2.markdown(
        "A ReLU layer computes relu(Wᵀy + b). With W = D and b = −λ that is the **nonnegative** soft thresholding "
        "of Dᵀy; the signed S_λ needs a second, mirrored channel (weights −D). Papyan, Romano and Elad (2017): in the "
        "multi-layer sparse model y = D₁Γ₁, Γ₁ = D₂Γ₂, … the **layered thresholding** pursuit Γ̂ᵢ = S_λᵢ(Dᵢᵀ Γ̂ᵢ₋₁) "
        "is the forward pass of a CNN whose filters are the atoms and whose biases are the thresholds; it finds "
        "the supports when the codes are sparse enough for the dictionaries' mutual coherence μ: their stability "
        "result for layered thresholding asks, layer by layer, for ‖Γᵢ‖₀,∞ < ½(1 + |Γᵢ|min / (μ(Dᵢ)|Γᵢ|max)) − "
        "εᵢ₋₁ / (μ(Dᵢ)|Γᵢ|max), εᵢ₋₁ the error of the previous layer (for a dense dictionary ‖·‖₀,∞ is ‖·‖₀).")
    c2.success(f"✔ max |S_λ(v) − (relu(v − λ) − relu(−v − λ))| = {gap:.1e} over v ∈ [−3, 3]")
    p = lesson.controls(LAYERED, columns=6)
    r = cached(sp.layered_experiment)(**p)
    c3, c4 = st.columns(2)
    show(codes_figure(r.codes[0], r.estimates[0], title=f"Layer 1: Γ₁ and S_λ₁(D₁ᵀy)  (μ(D₁) = "
                      f"{r.numbers['layer 1: mutual coherence']:.2f})"), "sc.fig.thr.g1", c3)
    show(codes_figure(r.codes[1], r.estimates[1], title=f"Layer 2: Γ₂ and S_λ₂(D₂ᵀΓ̂₁)  (μ(D₂) = "
                      f"{r.numbers['layer 2: mutual coherence']:.2f})"), "sc.fig.thr.g2", c4)
    st.dataframe(pd.DataFrame([{"layer": i, "support found": f"{100 * r.numbers[f'layer {i}: support found']:.0f}%",
                                "false entries": int(r.numbers[f"layer {i}: false entries"]),
                                "nonzeros (true)": int(np.sum(r.codes[i - 1] != 0))} for i in (1, 2)]),
                 hide_index=True)
    st.caption("y ∈ R²⁵⁶, D₁ 256 × 128 Gaussian unit-norm atoms, D₂ 128 × 160 with sparse unit-norm atoms (so Γ₁ = "
               "D₂Γ₂ is sparse too), Γ₂ with entries of magnitude 1 to 2. Raise the thresholds: fewer false entries, "
               "more missed ones; add nonzeros: the interference of the other atoms (about μ·|Γ| each) swamps the "
               "threshold.")
    net = r.numbers["ReLU network vs layered thresholding"]
    (st.success if net < 1e-12 else st.error)(
        f"The two-layer ReLU network with weights [D₁, −D₁], [[D₂, −D₂], [−D₂, D₂]] and biases −λᵢ outputs "
        f"(Γ̂₂⁺, Γ̂₂⁻): its largest difference to layered thresholding is {net:.1e}.")
    lesson.numbers(r.numbers)


def _digit_csc(digit: int, lam: float, iterations: int, seed: int) -> sp.CSCResult:
    return sp.csc_image(load_digits()[0][digit].reshape(8, 8), lam=lam, iterations=iterations, seed=seed)


def convolutional_section(lesson: Lesson) -> None:
    st.subheader("A convolutional dictionary applied by the FFT")
    kind = lesson.controls([SIGNAL])["signal"]
    off = ("n", "nnz", "noise") if kind == "digit" else ("digit",)
    p = lesson.controls(CONV, columns=7, disabled=off)
    if kind == "digit":
        r = cached(_digit_csc)(p["digit"], p["lam"], p["iterations"], p["seed"])
        C, nb = r.dictionary, r.numbers
        maps = np.column_stack([r.b.ravel(), C.apply(r.x).ravel(), *(m.ravel() for m in r.x)])
        show(atoms_figure(np.column_stack([f.ravel() for f in C.filters]), 3, columns=4, height=170,
                          title="Filters d_k (3 × 3): horizontal, vertical, diagonal, anti-diagonal"),
             "sc.fig.conv.filters2d")
        show(atoms_figure(maps, 8, columns=6, height=230, title="Digit b, its approximation Σ d_k ∗ x_k, and "
                          "the code maps x₁ … x₄ (each scaled to its largest entry)"), "sc.fig.conv.maps")
        size, what = "64 × 256", f"digit #{p['digit']} (8 × 8, circular 2-D convolutions)"
    else:
        r = cached(sp.csc_experiment)(**{k: p[k] for k in ("n", "nnz", "noise", "lam", "iterations", "seed")})
        C, nb = r.dictionary, r.numbers
        c1, c2 = st.columns([1, 2])
        show(signals_figure({f"d{k + 1}": f for k, f in enumerate(C.filters)}, title="The filters d_k (16 taps)",
                            x_title="tap", height=300), "sc.fig.conv.filters", c1)
        show(signals_figure({"b (noisy signal)": r.b, "D x_true": r.clean, "D x (FISTA)": C.apply(r.x)},
                            dashed=("D x (FISTA)",), title="Signal and its sparse approximation", height=300),
             "sc.fig.conv.signal", c2)
        for k, col in enumerate(st.columns(C.n_filters)):
            show(codes_figure(r.x_true[k], r.x[k], title=f"Code map x_{k + 1}", x_title="position", height=260),
                 f"sc.fig.conv.code{k}", col)
        size, what = f"{p['n']} × {3 * p['n']}", f"n = {p['n']}, {3 * p['nnz']} planted spikes"
    checks = pd.DataFrame([
        {"check": "FFT apply = explicit matrix (np.roll columns)",
         "value": f"{nb['FFT vs matrix: largest difference']:.1e}"},
        {"check": "adjoint test |⟨w, Dv⟩ − ⟨Dᵀw, v⟩| / |⟨w, Dv⟩|", "value": f"{nb['adjoint test gap']:.1e}"},
        {"check": "‖D‖² = max_ω Σ_k |d̂_k(ω)|² (FFT)", "value": f"{nb['‖D‖² by FFT']:.12g}"},
        {"check": "‖D‖² = λ_max(MMᵀ) of the matrix", "value": f"{nb['‖D‖² by eigenvalues of the matrix']:.12g}"}])
    st.dataframe(checks, hide_index=True)
    st.latex(r"Dx = \sum_{k=1}^{K} d_k * x_k = \mathcal F^{-1}\Big(\sum_k \hat d_k \odot \hat x_k\Big),\qquad "
             r"(D^\top r)_k = \mathcal F^{-1}\big(\overline{\hat d_k} \odot \hat r\big)")
    st.caption(f"{what}: the explicit matrix M has {size} entries and costs O(Kn²) per product, the FFT "
               f"O(Kn log n). FISTA on the FFT operator with t = 1/‖D‖², {p['iterations']} iterations: relative "
               f"residual {nb['relative residual']:.3f}, {int(nb['nonzeros found'])} nonzeros. Circular: an atom "
               "near an edge wraps around to the other side.")
    lesson.numbers(nb)


def _learn(size: int, n_atoms: int, lam: float, method: str, maxiter: int, n_images: int, seed: int) -> list:
    """Dictionary learning on the digits with a progress bar (drawn inside, so st.cache_data replays it)."""
    Y = sp.image_patches(load_digits()[0][:n_images], size)
    bar = st.progress(0.0, text=f"Learning {n_atoms} atoms from {len(Y):,} patches …")
    steps = []
    for s in sp.dictionary_learning(Y, n_atoms, lam, method=method, maxiter=maxiter, seed=seed):
        steps.append(s)
        bar.progress(s.iteration / maxiter, text=f"Learning {n_atoms} atoms from {len(Y):,} patches … alternation "
                                                 f"{s.iteration} of {maxiter}")
    bar.empty()
    return steps


learn = st.cache_data(max_entries=8, show_spinner=False)(_learn)


def dictionary_section(lesson: Lesson) -> None:
    st.subheader("Atoms learned from the digits")
    p = lesson.controls(DICT, columns=4)
    steps = learn(**p)
    size, first, last = p["size"], steps[0], steps[-1]
    c1, c2 = st.columns(2)
    show(atoms_figure(first.x.reshape(size * size, -1), size, title="Start: random patches"), "sc.fig.dict.start", c1)
    show(atoms_figure(last.x.reshape(size * size, -1), size, title=f"After {last.iteration} alternations"),
         "sc.fig.dict.learned", c2)
    show(convergence_figure({"E(D, X)": ([s.iteration for s in steps], [s.loss for s in steps])},
                            x_title="alternation", y_title="energy", title="½‖Yᵀ − DXᵀ‖²/N + λ‖X‖₁/N after each "
                            "alternation (update, then codes)", height=300), "sc.fig.dict.energy")
    st.caption(f"Start: {p['n_atoms']} random patches as atoms, with their codes. Each alternation: the "
               f"{'MOD update D = YᵀX(XᵀX)⁻¹' if p['method'] == 'mod' else 'gradient step on D'}, unit-norm atoms, "
               "then 30 FISTA iterations for the codes of all patches (warm-started). "
               "Patches have their mean removed (as Olshausen and Field remove the DC part). Red positive, blue "
               "negative; each atom scaled to its largest entry. Small patches give strokes and edges, whole digits "
               "give digit-like parts.")
    numbers = {"energy at the start": first.loss, "energy after learning": last.loss,
               "zero codes": last.info.get("sparsity", 1.0), "relative residual": last.info.get("relative_residual",
                                                                                                1.0)}
    lesson.numbers(numbers, show=True)


EXPERIMENTS = [
    Experiment("The thresholding pursuit works", "Read the two code plots and the table.",
               "With 2 nonzeros in Γ₂ (4 in Γ₁) both supports are found (100%); layer 1 has no false entry, layer "
               "2 has 4, because atoms of D₂ that share an entry with a true one are highly coherent (μ(D₂) = 0.96). "
               "The ReLU network reproduces layered thresholding exactly (difference 0).",
               {"section": "thresholding"}, name="layered-thresholding"),
    Experiment("Break it: too many nonzeros", "Set 12 nonzeros in Γ₂.",
               "Γ₁ now has 24 nonzeros: the interference of the other atoms in D₁ᵀy is comparable to λ₁; layer 1 "
               "finds 96% of its support but 15 false entries, and layer 2 inherits the errors (92%, 16 false). "
               "Papyan et al.'s guarantee needs the codes sparse relative to 1/μ.",
               {"section": "thresholding", "nnz": 12},
               name="thresholding-fails"),
    Experiment("FFT = matrix", "Read the checks below the code maps; then set n = 256.",
               "The FFT product equals the explicit block-circulant matrix to round-off (~2e-15), the adjoint test "
               "gap is ~2e-16, and ‖D‖² = max_ω Σ|d̂_k(ω)|² = 13.303 equals the largest eigenvalue of MMᵀ. The "
               "matrix grows as n², the FFT cost as n log n.", {"section": "convolutional"}, name="fft-dictionary"),
    Experiment("2-D: a digit from strokes", "Choose the 2-D digit.",
               "Four 3 × 3 stroke filters code digit #0 (a zero): the FFT product equals the 64 × 256 matrix to "
               "1e-15, ‖D‖² = 12 both ways, and the code maps light up where the ring of the zero runs horizontally, "
               "vertically or diagonally (63 nonzeros, relative residual 0.05 at λ = 0.05).",
               {"section": "convolutional", "signal": "digit"}, name="digit-strokes-2d"),
    Experiment("Too little λ", "Set λ = 0.005 with noise 0.05.",
               "FISTA fits the noise: 130 nonzeros for the 9 planted spikes (21 at λ = 0.05), small spikes scattered "
               "over the code maps. λ trades sparsity for fidelity.",
               {"section": "convolutional", "lam": 0.005, "noise": 0.05}, name="conv-small-lambda"),
    Experiment("Strokes emerge", "Look at the learned 4×4 atoms.",
               "From random patches the atoms turn into oriented strokes and edges (Olshausen and Field's simple-cell "
               "like filters). On the defaults (2,500 patches of 100 digits, 10 alternations) the energy (with the "
               "codes of each dictionary) falls from 0.310 for the random patches to 0.265 at alternation 3 and "
               "creeps back to 0.270: MOD minimizes the squared error for the current codes, and scaling the atoms "
               "back to unit norm scales the codes, and λ‖X‖₁, up. 66% of the codes are exactly zero, relative "
               "residual 0.18. The gradient update falls at every alternation (0.259 after 10).",
               {"section": "dictionary"}, name="digit-strokes"),
    Experiment("Whole digits", "Choose whole digits (8×8), 500 digits and 20 alternations.",
               "Atoms of whole digits look like digit parts and prototypes (loops, bars of 1s and 7s); the energy "
               "falls from 0.887 to 0.741 (48% zero codes). With 32 atoms for 10 classes each atom serves several "
               "writers.", {"section": "dictionary", "size": 8, "n_images": 500, "maxiter": 20}, name="digit-atoms"),
]
