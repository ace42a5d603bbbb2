"""Page support of the generative-models page (pages/generative_models.py): the theory panel, the VAE (live), the
GAN and the WGAN (live, one function with ``kind``) and the RealNVP flow (live) against the VAE's ELBO, with
their presets.

Parameter names are the keywords of ``numdl_core.theory.generative`` (``toy_data``: ``name``, ``noise``, ``seed``;
``VAE``: ``hidden``, ``sigma_x``; ``gan_training``: ``lr``, ``d_steps``, ``g_steps``, ``clip``; ``RealNVP``:
``layers``). Exports: ``app/exports/theory_generative.py``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure, decimate
from app.figures.theory_generative import latent_figure, samples_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.owndata import own_data
from app.panels import live_table, show
from app.params import SEED
from numdl_core.theory import generative as gm

__all__ = ["THEORY", "EXPERIMENTS", "vae_section", "adversarial_section", "flow_section"]

THEORY = (
    "Four ways to learn a distribution from samples, on 2-D data where everything can be seen. **Rows are examples** "
    "(the course writes them as columns).\n\n"
    "**VAE** (Kingma and Welling 2014): an encoder gives q(z|x) = N(μ(x), diag e^{v(x)}), a decoder the mean m(z) of "
    "p(x|z) = N(m(z), σₓ²I). The ELBO = reconstruction − KL is a lower bound of log p(x); the reparameterization "
    "z = μ + e^{v/2}ε makes it differentiable in the weights. The importance-sampled log p(x) (Burda et al. 2016) "
    "lies above the ELBO.\n\n"
    "**GAN** (Goodfellow et al. 2014): a discriminator D tells data from G(z), the generator learns to fool it; "
    "alternating steps, and a ratio of D to G steps. When G outruns D it piles onto a few modes: **mode collapse** "
    "(Arjovsky and Bottou 2017 explain the vanishing and unstable gradients).\n\n"
    "**WGAN** (Arjovsky, Chintala and Bottou 2017): a critic f estimates the Wasserstein-1 distance "
    "max mean f(x) − mean f(G(z)) over 1-Lipschitz f, enforced by clipping the weights to [−c, c] (Gulrajani et "
    "al. 2017 replace clipping by a gradient penalty; too small a c starves the critic).\n\n"
    "**Beyond the course — RealNVP** (Dinh, Sohl-Dickstein and Bengio 2017): affine coupling layers are invertible "
    "with a triangular Jacobian, so log p(x) is *exact* by the change of variables — compare it with the VAE's ELBO "
    "on the same data.",
    [r"\log p(x) \ge \mathrm{ELBO} = \mathbb E_{q(z|x)}\log p(x|z) - \tfrac12\textstyle\sum_j(\mu_j^2+e^{v_j}-v_j-1)",
     r"\min_G\max_D\ \mathbb E\log D(x) + \mathbb E\log(1-D(G(z)));\qquad "
     r"W_1 = \max_{\|f\|_L\le 1}\mathbb E f(x) - \mathbb E f(G(z))",
     r"y_o = x_o e^{s(x_c)} + t(x_c),\quad \log p(x) = \log N(f(x);0,I) + \textstyle\sum_k s_k"],
    "D. P. Kingma and M. Welling (2014), ICLR, arXiv:1312.6114; Y. Burda, R. Grosse and R. Salakhutdinov (2016), "
    "ICLR, arXiv:1509.00519; I. Goodfellow et al. (2014), NeurIPS; M. Arjovsky and L. Bottou (2017), ICLR, "
    "arXiv:1701.04862; M. Arjovsky, S. Chintala and L. Bottou (2017), ICML, arXiv:1701.07875; I. Gulrajani et al. "
    "(2017), NeurIPS, arXiv:1704.00028; L. Dinh, J. Sohl-Dickstein and S. Bengio (2017), ICLR, arXiv:1605.08803.")

DATA_LABELS = {"ring": "8 Gaussians on a ring", "moons": "two moons", "rings": "two rings"}
DATA = [Param("name", "Data", "choice", "ring", options=gm.DATASETS, labels=DATA_LABELS, widget="segmented"),
        Param("noise", "Noise σ", "choice", 0.1, options=(0.05, 0.1, 0.2)), SEED]
HIDDEN = Param("hidden", "Hidden units", "choice", 32, options=(8, 16, 32, 64))
VAE_P = [HIDDEN, Param("sigma_x", "Decoder σₓ", "choice", 0.2, options=(0.05, 0.1, 0.2, 0.5, 1.0))]
LR = Param("lr", "Adam η", "log", 0.01, options=(0.001, 0.003, 0.01, 0.03, 0.1), role="tunable")
GLR = Param("lr", "Adam η", "log", 0.002, options=(0.0005, 0.001, 0.002, 0.005, 0.01), role="tunable")
RATIO = [Param("d_steps", "Train D: steps per round", "int", 1, lo=1, hi=10, role="tunable"),
         Param("g_steps", "Train G: steps per round", "int", 1, lo=1, hi=10, role="tunable")]
WRATIO = [Param("d_steps", "Train critic: steps per round", "int", 5, lo=1, hi=10, role="tunable"), RATIO[1]]
CLIP = Param("clip", "Weight clipping c", "choice", 0.1, options=(0.01, 0.03, 0.1, 0.3))
FLOW_P = [Param("layers", "Coupling layers", "choice", 6, options=(2, 4, 6, 8)), HIDDEN]
N, GRID, LIM, MAX_ITER = 512, 40, 3.5, 20000
G = np.linspace(-LIM, LIM, GRID)
GP = np.stack(np.meshgrid(G, G), -1).reshape(-1, 2)

cached = st.cache_data(max_entries=32, show_spinner=False)


def _data(lesson: Lesson) -> tuple[dict, np.ndarray, str]:
    """The data controls and the points: the page's data set, or the student's own unlabelled points (one editor
    for the four sections: draw a distribution once, learn it with each model), and their source token."""
    p = lesson.controls(DATA[:1])
    p.update(lesson.controls(DATA[1:], columns=2))
    X = cached(gm.toy_data)(p["name"], N, noise=p["noise"], seed=p["seed"])
    X, _, source = own_data("t10.data", X, np.zeros(len(X), np.int64), classes=1, min_classes=1, xlim=(-LIM, LIM),
                            ylim=(-LIM, LIM), max_points=1000)
    return p, X, source


def _losses(s, keys: dict, y_title: str, log_y: bool = False):
    it = np.asarray(s.history["iteration"], float)
    return convergence_figure({lab: decimate(it, np.asarray(s.history[k], float), 100) for lab, k in keys.items()},
                              y_title=y_title, log_y=log_y, title="Losses", height=300,
                              diverged={next(iter(keys)): s.iteration} if s.status == "diverged" else None)


def vae_numbers(model: gm.VAE, theta: np.ndarray, X: np.ndarray) -> dict:
    recon, kl = model.elbo_terms(theta, X, np.random.default_rng(1).standard_normal(X.shape))
    ll = float(model.log_likelihood_is(theta, X, k=32, seed=1).mean())
    return {"ELBO (mean over the data)": recon - kl, "reconstruction E log p(x|z)": recon, "KL(q(z|x) || p(z))": kl,
            "importance-sampled log p(x), K = 32": ll}


def vae_section(lesson: Lesson):
    st.subheader("Variational autoencoder: ELBO = reconstruction − KL, with a 2-D latent space")
    p, X, source = _data(lesson)
    p.update(lesson.controls(VAE_P, columns=2))
    lesson.controls([LR])
    model = gm.VAE(hidden=p["hidden"], sigma_x=p["sigma_x"])
    Z = np.random.default_rng(7).standard_normal((300, 2))

    def draw(run) -> None:
        s = run.series["VAE"]
        th = s.last.x
        if not np.all(np.isfinite(th)):
            return
        c1, c2 = st.columns(2)
        show(samples_figure(X, model.decode(th, Z), title=f"Iteration {s.iteration}: decoded z ~ N(0, I)"),
             "t10.fig.vae.samples", c1)
        mu, _ = model.encode(th, X)
        show(latent_figure(mu, np.arctan2(X[:, 1], X[:, 0]),
                           title="Latent map: μ(x) by the angle of x; dotted: prior 1σ, 2σ"),
             "t10.fig.vae.latent", c2)
        show(_losses(s, {"−ELBO (minibatch)": "loss"}, "−ELBO", log_y=True), "t10.fig.vae.loss")
        live_table(pd.DataFrame([{k: f"{v:.4g}" for k, v in vae_numbers(model, th, X).items()}]))

    run = lesson.live("vae", {"VAE": Solver(gm.vae_training, X, model)}, draw, depends={"own_data": source},
                      max_iter=MAX_ITER, default_speed=20, max_points=200,
                      diverged_hint="Adam's η is too large; lower it.")
    th = run.series["VAE"].last.x
    if np.all(np.isfinite(th)):
        nums = vae_numbers(model, th, X)
        ok = nums["ELBO (mean over the data)"] <= nums["importance-sampled log p(x), K = 32"]
        (st.success if ok else st.warning)(
            f"ELBO {nums['ELBO (mean over the data)']:.4g} ≤ importance-sampled log p(x) "
            f"{nums['importance-sampled log p(x), K = 32']:.4g}: the bound holds." if ok else
            "The one-sample ELBO estimate exceeds the K = 32 estimate here (both are noisy at iteration 0).")
        lesson.numbers(nums)
    st.caption("The reparameterization z = μ + e^{v/2}ε with fresh ε per step; KL in closed form. A small σₓ "
               "weights reconstruction over KL: sharp samples, a latent map far from N(0, I). A large σₓ blurs "
               "everything towards the mean (posterior collapse: KL → 0).")
    return run, {}, {}


def adversarial_section(lesson: Lesson, kind: str):
    wgan = kind == "wgan"
    st.subheader("WGAN: a clipped critic estimates the Wasserstein distance" if wgan else
                 "GAN: train D, train G — and mode collapse")
    p, X, source = _data(lesson)
    p.update(lesson.controls([HIDDEN, CLIP] if wgan else [HIDDEN], columns=2))
    lesson.controls([GLR, *(WRATIO if wgan else RATIO)], columns=3)
    model = gm.GAN(hidden=p["hidden"], kind=kind)
    ng = gm.mlp_size(model.g_sizes)
    Z = np.random.default_rng(7).standard_normal((1000, 2))
    label = "WGAN" if wgan else "GAN"
    name = p["name"] if source == "page" else "your data"  # modes are counted on the page's ring only
    opts = {"clip": p["clip"]} if wgan else {}

    def draw(run) -> None:
        s = run.series[label]
        th = s.last.x
        if not np.all(np.isfinite(th)):
            return
        c1, c2 = st.columns([3, 2])
        heat = model.critic(th[ng:], GP)
        heat = heat if wgan else 0.5 * (1 + np.tanh(0.5 * heat))
        show(samples_figure(X, model.generate(th[:ng], Z[:300]), G, G, heat.reshape(GRID, GRID),
                            heat_name="f(x)" if wgan else "D(x)",
                            title=f"Round {s.iteration}: samples G(z) over the data, "
                                  + ("critic f" if wgan else "discriminator D")), f"t10.fig.{kind}.samples", c1)
        show(_losses(s, {"D / critic loss": "d_loss", "G loss": "g_loss"}, "loss"), f"t10.fig.{kind}.loss", c2)
        live_table(pd.DataFrame([{k: f"{v:.4g}" for k, v in gan_numbers(model, th, Z, name, s.last).items()}]))

    run = lesson.live(kind, {label: Solver(gm.gan_training, X, model, **opts)}, draw, depends={"own_data": source},
                      max_iter=MAX_ITER, default_speed=5 if wgan else 10, max_points=200,
                      metrics=lambda name, step: {"d_loss": step.info.get("d_loss", np.nan),
                                                  "g_loss": step.info.get("g_loss", np.nan)},
                      diverged_hint="The losses blew up: lower Adam's η.")
    s = run.series[label]
    if np.all(np.isfinite(s.last.x)):
        lesson.numbers(gan_numbers(model, s.last.x, Z, name, s.last))
    st.caption("Each round: 'train D' steps (the discriminator on a data batch and a fake batch), then 'train G' "
               "steps through the frozen D. On the ring, count the modes the samples cover (a mode needs 1% of "
               "1000 samples within 0.5). " + ("The critic's weights stay in [−c, c]: c = 0.01 makes f nearly "
                                                "constant and G stops learning." if wgan else
                                                "Give G many more steps than D to see it collapse onto few modes."))
    return run, {}, {}


def gan_numbers(model: gm.GAN, theta: np.ndarray, Z: np.ndarray, name: str, step) -> dict:
    out = {"D / critic loss": step.info.get("d_loss", np.nan), "G loss": step.info.get("g_loss", np.nan)}
    if name == "ring":
        out["modes covered (of 8)"] = gm.mode_coverage(model.generate(theta[:gm.mlp_size(model.g_sizes)], Z))
    return {k: float(v) for k, v in out.items() if np.isfinite(v)}


def _vae_reference(X: np.ndarray, seed: int) -> dict:
    model = gm.VAE(hidden=16)
    return vae_numbers(model, gm.fit_vae(X, model, iterations=300, seed=seed).theta, X)


def flow_section(lesson: Lesson):
    st.subheader("Beyond the course: a RealNVP flow with exact likelihood, against the VAE's ELBO")
    p, X, source = _data(lesson)
    p.update(lesson.controls(FLOW_P, columns=2))
    lesson.controls([LR])
    model = gm.RealNVP(layers=p["layers"], hidden=p["hidden"])
    ref = cached(_vae_reference)(X, p["seed"])
    Z = np.random.default_rng(7).standard_normal((300, 2))

    def draw(run) -> None:
        s = run.series["RealNVP"]
        th = s.last.x
        if not np.all(np.isfinite(th)):
            return
        c1, c2 = st.columns([3, 2])
        show(samples_figure(X, model.inverse(th, Z), G, G, np.exp(model.log_prob(th, GP)).reshape(GRID, GRID),
                            heat_name="p(x)", title=f"Iteration {s.iteration}: density p(x) and samples f⁻¹(z)"),
             "t10.fig.flow.samples", c1)
        show(_losses(s, {"−log p (minibatch)": "loss"}, "−mean log p(x)"), "t10.fig.flow.loss", c2)

    run = lesson.live("flow", {"RealNVP": Solver(gm.flow_training, X, model)}, draw, depends={"own_data": source},
                      max_iter=MAX_ITER, default_speed=20, max_points=200,
                      diverged_hint="Adam's η is too large; lower it.")
    th = run.series["RealNVP"].last.x
    if np.all(np.isfinite(th)):
        ll = float(model.log_prob(th, X).mean())
        nums = {"flow log-likelihood (exact, mean)": ll, "VAE ELBO (300 Adam steps)": ref["ELBO (mean over the data)"],
                "VAE importance-sampled log p(x)": ref["importance-sampled log p(x), K = 32"]}
        live_table(pd.DataFrame([{k: f"{v:.4g}" for k, v in nums.items()}]))
        lesson.numbers(nums)
    st.caption("The flow's log p(x) is exact (change of variables, log|det J| = Σ s_k, checked against a numerical "
               f"Jacobian in the tests); the VAE only gives a lower bound. Both on the same {len(X)} points.")
    return run, {}, {}


EXPERIMENTS = [
    Experiment("ELBO below log p", "Play the VAE for ~1000 iterations on the ring.",
               "The ELBO rises from about −50 to −2.4 after 1000 iterations (reconstruction 0.62, KL 3.0); the "
               "importance-sampled log p(x) stays above it (−1.7): the gap is E KL(q(z|x) || p(z|x)).",
               {"section": "vae", "speed": 20}, name="vae-ring"),
    Experiment("Break it: posterior collapse", "Set σₓ = 1 and play.",
               "With a broad decoder the KL term weighs more: after 1000 iterations KL is 0.9 instead of 3.0, the "
               "latent map crowds towards 0 and the decoded samples blur into a ring without modes (ELBO −3.5). "
               "Larger σₓ, less information in the code: the road to posterior collapse.",
               {"section": "vae", "sigma_x": 1.0, "speed": 20}, name="vae-posterior-collapse"),
    Experiment("A GAN covers the ring", "Play about 1500 rounds with one D and one G step per round.",
               "The samples spread over all 8 modes (modes covered: 8) while D(x) flattens towards 1/2 near the data.",
               {"section": "gan", "speed": 20}, name="gan-ring"),
    Experiment("Break it: mode collapse", "Give G 10 steps per D step and play.",
               "G outruns D: it moves its samples to wherever D is currently fooled, and they hop between few modes "
               "(3, 2, 1, 3 modes covered at rounds 250, 500, 750, 1000; with 1 : 1 all 8).",
               {"section": "gan", "g_steps": 10, "speed": 10}, name="gan-mode-collapse"),
    Experiment("WGAN with a clipped critic", "Play the WGAN (5 critic steps per G step, c = 0.1).",
               "The critic's surface is smooth and tilts towards the data; after 1000 rounds the samples cover all 8 "
               "modes.", {"section": "wgan", "speed": 10}, name="wgan-ring"),
    Experiment("Break it: clipping too hard", "Set c = 0.01 and play.",
               "The clipped critic is almost constant (its loss ~1e-10): G's gradient vanishes and the run stops "
               "converged at round 86 with 0 modes covered — Gulrajani et al. (2017) replace clipping by a gradient "
               "penalty for this reason.",
               {"section": "wgan", "clip": 0.01, "speed": 10}, name="wgan-clipped"),
    Experiment("Exact likelihood vs the ELBO", "Play the flow for 1000 iterations on the ring.",
               "The flow's exact mean log p(x) climbs to −1.6 after 1000 iterations, above the reference VAE's "
               "ELBO on the same data (−2.8, 16 units, 300 steps) and its importance-sampled log p(x); the "
               "density concentrates on the 8 modes, joined by thin bridges (a flow is a diffeomorphism of the "
               "plane and cannot cut them).", {"section": "flow", "speed": 20}, name="flow-ring"),
    Experiment("Two moons with a flow", "Choose the two moons and play.",
               "The coupling layers bend the Gaussian into two crescents (mean log p(x) −1.7 after 1000 "
               "iterations); log p(x) is exact at every step.",
               {"section": "flow", "name": "moons", "speed": 20}, name="flow-moons"),
]
