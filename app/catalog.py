"""The course map: every page of the app, grouped as in the courses.

Only pages whose file exists are shown (in the menu and on the Home page), so the map never
links to a page that is not there.

Icons are Streamlit Material Symbols (``":material/name:"``, names as on https://fonts.google.com/icons), not emoji:
the symbol font ships with Streamlit, while emoji show as empty boxes on machines without an emoji font
(tests/kit/test_icons.py checks both).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = ROOT / "pages"

__all__ = ["Entry", "CATALOG", "GROUPS", "available"]


@dataclass(frozen=True)
class Entry:
    file: str  # file name in pages/
    title: str
    icon: str  # a Material Symbol, ":material/name:"
    group: str
    url_path: str
    summary: str

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


GROUPS = ("Foundations", "Module 1 (shallow models)", "Module 2 (deep models)", "Theory")

CATALOG: tuple[Entry, ...] = (
    Entry("derivatives.py", "Checking derivatives", ":material/stethoscope:", "Foundations", "derivatives",
          "The Taylor test (E0, E1, E2) and the adjoint test: prove your derivatives right."),
    Entry("least_squares.py", "Linear least squares", ":material/square_foot:", "Foundations", "least-squares",
          "Normal equations, QR, SVD, Tikhonov; steepest descent vs CG; semi-convergence and the L-curve."),
    Entry("spectral_clustering.py", "Spectral clustering", ":material/hub:", "Module 1 (shallow models)", "spectral-clustering",
          "Similarity graphs, Laplacians and their eigenvectors; the Fiedler vector; semi-supervised learning."),
    Entry("linear_classification.py", "Linear classification", ":material/scatter_plot:", "Module 1 (shallow models)", "linear-classification",
          "Softmax regression; gradient descent vs Newton-CG; convex vs non-convex losses."),
    Entry("single_layer.py", "Single-layer networks", ":material/neurology:", "Module 1 (shallow models)", "single-layer",
          "Extreme learning machines, SGD, Gauss-Newton and variable projection on a non-convex loss."),
    Entry("convolutional_networks.py", "Convolutional networks", ":material/grid_on:", "Module 2 (deep models)", "convolutional-networks",
          "Convolutions as structured matrices and stencils, FFT, initialization, a small CNN trained live on digits."),
    Entry("deep_networks.py", "Deep networks", ":material/layers:", "Module 2 (deep models)", "deep-networks",
          "Backpropagation as the adjoint loop; exploding and vanishing gradients over depth; initialization."),
    Entry("residual_networks.py", "Residual networks", ":material/alt_route:", "Module 2 (deep models)", "residual-networks",
          "ResNets as ODE solvers: integrators, stability regions, reversible networks, training with depth and T."),
    Entry("optimal_control.py", "Optimal control and Neural ODEs", ":material/target:", "Module 2 (deep models)", "optimal-control",
          "Adjoints: discretize-then-optimize vs optimize-then-discretize, checkpointing, Neural ODEs."),
    Entry("intro_theory.py", "Introduction to theory", ":material/school:", "Theory", "intro-theory",
          "Universal approximation, the optimizer zoo on hard landscapes, autoencoders as nonlinear PCA."),
    Entry("implicit_bias.py", "Implicit bias", ":material/balance:", "Theory", "implicit-bias",
          "Gradient descent picks the max-margin and the minimum-norm solution; depth drives low rank."),
    Entry("dropout.py", "Dropout", ":material/casino:", "Theory", "dropout",
          "Dropout as an explicit regularizer: the closed form for least squares, low rank in factorizations."),
    Entry("landscapes.py", "Tractable landscapes", ":material/landscape:", "Theory", "landscapes",
          "Wide two-layer nets converge linearly and barely move; escaping saddles; no spurious minima."),
    Entry("sparse_coding.py", "Sparse coding", ":material/grain:", "Theory", "sparse-coding",
          "ISTA, FISTA and LISTA; soft-thresholding as a biased ReLU; convolutional dictionaries."),
    Entry("adversarial.py", "Adversarial examples", ":material/theater_comedy:", "Theory", "adversarial",
          "FGSM and PGD against softmax, MLP and ResNet classifiers of the digits; stable networks."),
    Entry("dynamical_systems.py", "Dynamical systems", ":material/satellite_alt:", "Theory", "dynamical-systems",
          "Pontryagin's maximum principle and successive approximations, parareal, LM-ResNets as integrators."),
    Entry("neural_odes.py", "Dynamic view (Neural ODEs)", ":material/waves:", "Theory", "neural-odes",
          "Adaptive solvers and their evaluation counts, flows that cannot cross, the deep limit of ResNets."),
    Entry("information_bottleneck.py", "Information bottleneck", ":material/filter_alt:", "Theory", "information-bottleneck",
          "Binned mutual information per layer, the information plane over training; ReLU and bins disagree."),
    Entry("neural_tangent_kernel.py", "Neural tangent kernel", ":material/dataset:", "Theory", "neural-tangent-kernel",
          "The empirical NTK against the infinite-width kernel, lazy training, kernel regression and spectral bias."),
    Entry("generative_models.py", "Generative models", ":material/palette:", "Theory", "generative-models",
          "A VAE with a 2-D latent space, GAN and WGAN training with mode collapse, a RealNVP flow's exact likelihood."),
)


def available() -> list[Entry]:
    """The catalog entries whose page file exists."""
    return [e for e in CATALOG if e.path.exists()]
