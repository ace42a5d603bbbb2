"""Generative models: exercises checked with ``numdl_core.theory.generative`` (the VAE's KL term, the GAN's
discriminator loss at equilibrium, and the best log-likelihood any model can reach on the ring): closed forms and
one evaluation each, no training."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, close_to
from numdl_core.theory import generative as gm

MU, VAR = (1.0, 0.0), (0.25, 1.0)  # the KL exercise: q(z|x) = N(μ, diag σ²)
NOISE = 0.1  # the ring's default noise


def vae_kl() -> float:
    """KL(N(μ, diag σ²) ‖ N(0, I)) in nats, by ``gm.gaussian_kl``."""
    return float(gm.gaussian_kl(np.array([MU]), np.log(np.array([VAR])))[0])


def _kl_solution() -> str:
    terms = [0.5 * (m * m + v - np.log(v) - 1) for m, v in zip(MU, VAR)]
    return (f"KL = ½ Σⱼ (μⱼ² + σⱼ² − log σⱼ² − 1). First coordinate: ½ (1 + 0.25 − ln 0.25 − 1) = {terms[0]:.4f}; "
            f"second: ½ (0 + 1 − 0 − 1) = {terms[1]:.0f} (it equals the prior, so it costs nothing). Total "
            f"{vae_kl():.4f} nats (the app's gaussian_kl). The mean costs μ²/2, a narrow posterior costs "
            "(σ² − log σ² − 1)/2: the KL term pays for the information the code carries about x.")


@lru_cache(maxsize=1)
def equilibrium_d_loss() -> float:
    """The page's discriminator loss with D ≡ ½ (all weights 0, logit 0), by ``GAN.d_loss_grad`` on the ring."""
    model = gm.GAN(hidden=32)
    tg, td = model.init(0)
    X = gm.toy_data("ring", 512, noise=NOISE, seed=0)
    Z = np.random.default_rng(0).standard_normal((512, 2))
    return float(model.d_loss_grad(np.zeros_like(td), tg, X, Z)[0])


def _gan_solution() -> str:
    return ("For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_G(x)); when p_G = p_data it "
            "is ½ everywhere (logit 0). The page's loss is L_D = mean softplus(−D(x)) + mean softplus(D(G(z))) = "
            "−mean log D(x) − mean log(1 − D(G(z))) = ln 2 + ln 2 = 2 ln 2 = "
            f"{equilibrium_d_loss():.4f} (the app's d_loss_grad with a zero discriminator). A D loss that stays near "
            "1.39 means D cannot tell the samples apart; it says nothing about the modes covered.")


@lru_cache(maxsize=1)
def ring_log_likelihood() -> float:
    """E log p(x) of the true 8-Gaussian ring density (``gm.ring_centers``, std NOISE) under itself: by symmetry the
    integral over the first mode's Gaussian, by the midpoint rule on a 241 × 241 grid over ±6σ."""
    C = gm.ring_centers()
    u = (np.arange(241) + 0.5) / 241 * 12 - 6  # in units of σ
    U = np.stack(np.meshgrid(u, u), -1).reshape(-1, 2)
    w = np.exp(-0.5 * (U ** 2).sum(1)) / (2 * np.pi) * (12 / 241) ** 2  # N(0, I) weights, sum ≈ 1
    x = C[0] + NOISE * U
    d2 = ((x[:, None, :] - C[None]) ** 2).sum(-1)
    p = np.mean(np.exp(-d2 / (2 * NOISE ** 2)), axis=1) / (2 * np.pi * NOISE ** 2)
    return float(np.sum(w * np.log(p)) / np.sum(w))


def _ring_solution() -> str:
    closed = -np.log(8) - np.log(2 * np.pi * NOISE ** 2) - 1
    C = gm.ring_centers()
    return (f"The data density is p(x) = ⅛ Σₖ N(x; cₖ, σ²I) with σ = {NOISE:g}. Neighbouring modes are "
            f"{np.linalg.norm(C[1] - C[0]):.2f} apart (≫ σ), so "
            "near its own mode p(x) ≈ ⅛ N(x; cₖ, σ²I) and E log p = −ln 8 − ln(2πσ²) − E‖x − cₖ‖²/(2σ²) = "
            f"−ln 8 − ln(2πσ²) − 1 = {closed:.4f} nats (E‖x − c‖² = 2σ²). The app integrates log p of the full "
            f"mixture numerically: {ring_log_likelihood():.4f}. No model q does better on average: "
            "E log p − E log q = KL(p ‖ q) ≥ 0 (Gibbs' inequality), so the gap to the flow's exact log-likelihood "
            "on the page is what the flow still misses (up to the noise of a 512-point average).")


EXERCISES = ExerciseSet("generative-models", (
    Exercise("kl", f"A VAE encoder outputs q(z|x) = N(μ, diag σ²) with μ = ({MU[0]:g}, {MU[1]:g}) and σ² = "
             f"({VAR[0]:g}, {VAR[1]:g}). What is its KL term KL(q(z|x) ‖ N(0, I)) in nats?",
             check=close_to(vae_kl, rtol=0.02, fmt=".4f",
                            hint="Use the closed form of the theory box per coordinate, with v = log σ²."),
             solution=_kl_solution, label="KL [nats]", lo=0.0, tolerance="within 2 %", section="vae"),
    Exercise("d-loss", "GAN section: at the ideal equilibrium (the generator matches the data, the discriminator is "
             "optimal), what is the **discriminator loss** L_D the page plots?",
             check=close_to(equilibrium_d_loss, rtol=0.02, fmt=".4f",
                            hint="What is the optimal D(x) when p_G = p_data? L_D has a data term and a fake term."),
             solution=_gan_solution, label="L_D", lo=0.0, tolerance="within 2 %", section="gan"),
    Exercise("ring-ll", f"The ring data (8 Gaussians of std σ = {NOISE:g} on a circle of radius 2): what is the "
             "**best mean log-likelihood** E log p(x) (nats) any model can reach, i.e. that of the true density? "
             "Compare it with the flow's.", check=close_to(ring_log_likelihood, rtol=0.05, fmt=".4f",
                                                           hint="The modes barely overlap: p(x) ≈ ⅛ N(x; cₖ, σ²I) "
                                                                "near mode k."),
             solution=_ring_solution, label="E log p(x)", tolerance="within 5 %", section="flow"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"kl": (0.818, 0.125), "d-loss": (1.386, 0.693), "ring-ll": (-0.312, -1.6)}
