"""Export scripts of the generative-models page (pages/generative_models.py), one per section.

Each replays the section's live run for ``params["iterations"][series]`` Steps with ``numdl_core`` from the
page's ``params`` and prints, with ``report``, the numbers the page records (``Lesson.numbers``).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

_DATA = """
from itertools import islice
import numpy as np
from numdl_core.theory import generative as gm
X = gm.toy_data(params["name"], 512, noise=params["noise"], seed=params["seed"])  # rows are examples
"""

_VAE_NUMBERS = """
def vae_numbers(model, theta, X):
    recon, kl = model.elbo_terms(theta, X, np.random.default_rng(1).standard_normal(X.shape))
    ll = float(model.log_likelihood_is(theta, X, k=32, seed=1).mean())
    return {"ELBO (mean over the data)": recon - kl, "reconstruction E log p(x|z)": recon, "KL(q(z|x) || p(z))": kl,
            "importance-sampled log p(x), K = 32": ll}
"""

SCRIPTS = {"vae": _DATA + _VAE_NUMBERS + """
model = gm.VAE(hidden=params["hidden"], sigma_x=params["sigma_x"])
*_, last = islice(gm.vae_training(X, model, lr=params["lr"]), params["iterations"]["VAE"] + 1)
report(vae_numbers(model, last.x, X))
""", "gan": _DATA + """
model = gm.GAN(hidden=params["hidden"], kind="gan")
*_, last = islice(gm.gan_training(X, model, lr=params["lr"], d_steps=params["d_steps"], g_steps=params["g_steps"]),
                  params["iterations"]["GAN"] + 1)
numbers = {"D / critic loss": last.info["d_loss"], "G loss": last.info["g_loss"]}
if params["name"] == "ring":
    Z = np.random.default_rng(7).standard_normal((1000, 2))
    numbers["modes covered (of 8)"] = gm.mode_coverage(model.generate(last.x[:gm.mlp_size(model.g_sizes)], Z))
report(numbers)
""", "wgan": _DATA + """
model = gm.GAN(hidden=params["hidden"], kind="wgan")
*_, last = islice(gm.gan_training(X, model, lr=params["lr"], d_steps=params["d_steps"], g_steps=params["g_steps"],
                                  clip=params["clip"]), params["iterations"]["WGAN"] + 1)
numbers = {"D / critic loss": last.info["d_loss"], "G loss": last.info["g_loss"]}
if params["name"] == "ring":
    Z = np.random.default_rng(7).standard_normal((1000, 2))
    numbers["modes covered (of 8)"] = gm.mode_coverage(model.generate(last.x[:gm.mlp_size(model.g_sizes)], Z))
report(numbers)
""", "flow": _DATA + _VAE_NUMBERS + """
model = gm.RealNVP(layers=params["layers"], hidden=params["hidden"])
*_, last = islice(gm.flow_training(X, model, lr=params["lr"]), params["iterations"]["RealNVP"] + 1)
vae = gm.VAE(hidden=16)
ref = vae_numbers(vae, gm.fit_vae(X, vae, iterations=300, seed=params["seed"]).theta, X)
report({"flow log-likelihood (exact, mean)": float(model.log_prob(last.x, X).mean()),
        "VAE ELBO (300 Adam steps)": ref["ELBO (mean over the data)"],
        "VAE importance-sampled log p(x)": ref["importance-sampled log p(x), K = 32"]})
"""}
