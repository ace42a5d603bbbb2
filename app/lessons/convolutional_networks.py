"""Page support of the convolutional networks page (pages/convolutional_networks.py): the parameters of each
section, its presets (Try this) and the kernel the student builds (a preset stencil or typed entries).

Parameter names are the keywords of the ``numdl_core.conv`` studies they feed (``periodic_1d_study``,
``conv2d_study``, ``laplacian_study``, ``kernel_fit_study``, ``init_study``), so the exported scripts read the
same dict.
"""
from __future__ import annotations

import numpy as np

from app.lesson import Experiment
from app.params import SEED, Param, log_options
from numdl_core import conv

STENCIL_LABELS = {"edges": "edges (Sobel)", "blur": "blur (binomial)", "laplacian": "Laplacian", "identity": "identity",
                  "custom": "my own (type the entries)"}
BASIS_LABELS = {"full": "full: 9 free entries", "symmetric": "mirror-symmetric: 4", "isotropic": "isotropic: 3",
                "course_mmatrix": "the course's M-matrix Q (9 × 6)"}
ACT_LABELS = {"tanh": "tanh", "relu": "ReLU", "sigmoid": "sigmoid", "identity": "identity (linear)"}

TAP = dict(kind="float", lo=-3.0, hi=3.0, step=0.05)
CONV1D = [Param("n", "Grid size n", "int", 16, lo=4, hi=64),
          Param("t1", "θ₁ (weight of y_{i+1})", default=1.0, **TAP),
          Param("t2", "θ₂ (weight of y_i)", default=-2.0, **TAP),
          Param("t3", "θ₃ (weight of y_{i−1})", default=0.5, **TAP),
          SEED.but(label="Seed (the signal y)")]
CONV2D = [Param("index", "Digit (row of the 1797 digits)", "int", 0, lo=0, hi=1796),
          Param("size", "Stencil size", "choice", 3, options=(3, 5), labels={3: "3 × 3", 5: "5 × 5"},
                widget="segmented"),
          Param("stencil", "Stencil", "choice", "edges", options=tuple(STENCIL_LABELS), labels=STENCIL_LABELS),
          Param("basis", "Family K(θ) = mat(Qθ) (3 × 3)", "choice", "isotropic", options=conv.STENCIL_BASES,
                labels=BASIS_LABELS, help="The chosen 3 × 3 stencil (the centre of a 5 × 5 one) is projected onto the "
                                          "family: θ = argmin ‖Qθ − vec(K)‖.")]
# the typed kernel: entry (i, j) of a 5 x 5 grid centred at (2, 2); a 3 x 3 stencil uses its centre 3 x 3 (rows and
# columns 1..3), so the default (a delta at the centre) is the identity for both sizes
ENTRIES = [Param(f"k{i}{j}", f"row {i + 1}, col {j + 1}", "float", 1.0 if (i, j) == (2, 2) else 0.0, lo=-10.0,
                 hi=10.0, step=0.1, widget="number", fmt="%.3g") for i in range(5) for j in range(5)]
ALPHAS = (0.0,) + log_options(1e-4, 100.0, 2)
STENCILS = [Param("n", "Grid size N (h = 1/N)", "int", 16, lo=4, hi=32, help="Eigenvalues of N × N and N² × N² "
                  "periodic matrices, computed (numpy) and by the formula."),
            Param("alpha", "PDE penalty weight α (λ in the notes)", "choice", 0.1, options=ALPHAS, labels={0.0: "0"},
                  help="θ = argmin ½‖conv(x, θ) − y‖² + α ½‖Lθ‖², L the Laplacian on the kernel grid."),
            Param("noise", "Noise (fraction of the data's std)", "float", 0.1, lo=0.0, hi=0.5, step=0.01),
            Param("n_images", "Training images (digits)", "int", 2, lo=1, hi=10),
            Param("kernel_size", "Kernel size", "choice", 7, options=(3, 5, 7, 9), widget="segmented"),
            SEED.but(label="Seed (the noise)")]
INIT = [Param("depth", "Depth L (layers)", "int", 30, lo=20, hi=50),
        Param("width", "Width w (neurons per layer)", "int", 100, lo=16, hi=256),
        Param("activation", "Activation σ", "choice", "tanh", options=conv.ACTIVATIONS, labels=ACT_LABELS,
              widget="segmented"),
        Param("naive_std", "Naive σ₀ (entries of K ~ N(0, σ₀²))", "log", 1.0, options=(0.01, 0.03, 0.1, 0.3, 1.0, 3.0)),
        SEED]

EXPERIMENTS = [
    Experiment("The second difference", "Set θ = (1, −2, 1). Where are the eigenvalues, and why are they real?",
               "On the negative real axis, from 0 (the constant mode) to −4: the stencil is symmetric, so K is "
               "symmetric and its eigenvalues −4 sin²(πk/n) are real and ≤ 0. Kᵀy by the conjugate FFT equals Ky.",
               {"section": "conv1d", "t1": 1.0, "t2": -2.0, "t3": 1.0}, name="second-difference-real"),
    Experiment("A one-sided difference", "Set θ = (1, −1, 0): y_{i+1} − y_i. What shape do the eigenvalues make?",
               "A circle of radius 1 centred at −1 (λ_k = e^{2πik/n} − 1): not symmetric, so complex eigenvalues, and "
               "Kᵀ (a backward difference) needs the conjugate eigenvalues.",
               {"section": "conv1d", "t1": 1.0, "t2": -1.0, "t3": 0.0}, name="one-sided-circle"),
    Experiment("Blur, then look at the matrix", "Pick the 5 × 5 blur on a digit. How many nonzeros do the Toeplitz "
               "and BCCB matrices have, out of 64² = 4096 entries?",
               "BCCB: 25 per row, 1600 in all; Toeplitz fewer (1156 = 34²): rows near the border lose the taps that "
               "fall outside the image. The periodic output differs from the zero-boundary one only near the border.",
               {"section": "conv2d", "stencil": "blur", "size": 5}, name="blur-sparsity"),
    Experiment("Edges are zero-mean", "Pick the Sobel edge stencil. What does it do on the flat parts of the digit?",
               "It gives 0 there (its entries sum to 0) and large values of opposite signs on the left and right "
               "edges of each stroke. Projected on the isotropic family it vanishes: an isotropic stencil cannot see "
               "a direction.", {"section": "conv2d", "stencil": "edges", "size": 3, "basis": "isotropic"},
               name="edges-zero-mean"),
    Experiment("Type your own", "Choose 'my own' and type a 3 × 3 stencil, e.g. 1 at row 2, col 3 and −1 at row 2, "
               "col 1. Which derivative is it?",
               "A central difference across the columns (∂/∂x up to a factor 2h): the checks still hold to round-off, "
               "whatever you type: the FFT, the matrix and im2col compute the same linear map.",
               {"section": "conv2d", "stencil": "custom", "size": 3, "k21": -1.0, "k22": 0.0, "k23": 1.0},
               name="typed-central-difference"),
    Experiment("Rough kernels without the penalty", "Set α = 0. What does the learned kernel look like?",
               "Noisy and rough (roughness ½‖Lθ‖² several times the true kernel's) with a kernel error near 40%: "
               "49 unknowns, 128 noisy equations from smooth images, an ill-conditioned least-squares problem.",
               {"section": "stencils", "alpha": 0.0}, name="rough-without-penalty"),
    Experiment("The penalty smooths", "Raise α to about 0.3. What happens to the error and to the roughness?",
               "Both fall: the error from 39% to about 9%, the roughness from 0.157 to 0.020, the true kernel's "
               "0.021. Much larger α over-smooths (α = 100: 45% error): the usual Tikhonov trade-off.",
               {"section": "stencils", "alpha": 0.316}, name="penalty-smooths"),
    Experiment("Exploding activations at depth 30", "ReLU, naive N(0, 1) weights, 30 layers of width 100: how large "
               "is the variance at the last layer?",
               "About 10⁵⁰: each layer multiplies the second moment by w σ₀²/2 = 50. With tanh the same weights "
               "saturate every neuron at ±1 instead (variance ≈ 1 but zero derivative).",
               {"section": "init", "activation": "relu", "naive_std": 1.0, "depth": 30}, name="exploding-at-depth-30"),
    Experiment("He init fixes it", "Same network: compare the He curve (σ² = 2/w) with Glorot (σ² = 2/(w + w) = 1/w).",
               "He keeps the variance within a factor 10 of 1 through 30 layers (about 0.1 at layer 30: the factor per "
               "layer is w σ²/2 = 1 on average, finite width adds noise); Glorot halves "
               "it per layer for ReLU (≈ 10⁻¹⁰ at layer 30): Glorot is derived for activations symmetric about 0.",
               {"section": "init", "activation": "relu", "depth": 30}, name="he-init-fixes-it"),
    Experiment("Glorot for tanh", "tanh, width 100: which scheme keeps the signal?",
               "Glorot and He both avoid saturation; Glorot's variance decays slowly (tanh shrinks values), He's "
               "settles near 0.3. Naive N(0, 1) saturates at ±1.", {"section": "init", "activation": "tanh"},
               name="glorot-for-tanh"),
]


def entries(size: int) -> list[Param]:
    """The typed entries drawn for a size × size stencil (the centre of the 5 × 5 grid), labelled by their row and
    column in that stencil."""
    off = (5 - size) // 2
    return [e.but(label=f"row {int(e.name[1]) - off + 1}, col {int(e.name[2]) - off + 1}") for e in ENTRIES
            if off <= int(e.name[1]) < 5 - off and off <= int(e.name[2]) < 5 - off]


def kernel_of(p: dict) -> np.ndarray:
    """The stencil of the conv2d section's parameters: a preset, or the typed entries (the centre size × size of
    the 5 × 5 grid)."""
    size = int(p["size"])
    if p["stencil"] == "custom":
        off = (5 - size) // 2
        return np.array([[p.get(f"k{i}{j}", 1.0 if (i, j) == (2, 2) else 0.0) for j in range(off, off + size)]
                         for i in range(off, off + size)], dtype=float)
    return conv.stencil_preset(p["stencil"], size)


def centre3(kernel: np.ndarray) -> np.ndarray:
    """The centre 3 × 3 of a stencil (the part the 3 × 3 families describe)."""
    m = kernel.shape[0] // 2
    return kernel[m - 1:m + 2, m - 1:m + 2]
