r"""Generative models on 2-D data: a VAE, a GAN, a WGAN and a RealNVP normalizing flow, with manual backprop.

Four claims, each checked numerically (rows are examples: ``X`` has shape ``(n, 2)``):

1. **VAE** (Kingma and Welling 2014): with :math:`q(z|x) = N(\mu(x), \mathrm{diag}\, e^{v(x)})`, a decoder mean
   :math:`m(z)` and :math:`p(x|z) = N(m(z), \sigma_x^2 I)`, the evidence lower bound

   .. math::
       \mathrm{ELBO}(x) = \mathbb E_{q}\log p(x|z) - \mathrm{KL}(q(z|x)\,\|\,N(0, I)) \le \log p(x),
       \qquad \mathrm{KL} = \tfrac12 \textstyle\sum_j (\mu_j^2 + e^{v_j} - v_j - 1),

   is estimated with the reparameterization :math:`z = \mu + e^{v/2}\odot\varepsilon`; for fixed noise
   :math:`\varepsilon` it is a smooth function of the weights (Taylor test). The importance-sampled estimate
   :math:`\log \frac1K\sum_k p(x, z_k)/q(z_k|x)` is :math:`\ge` the ELBO (Burda, Grosse, Salakhutdinov 2016).
2. **GAN** (Goodfellow et al. 2014): :math:`L_D = -\mathrm{mean}\log D(x) - \mathrm{mean}\log(1 - D(G(z)))`,
   the non-saturating :math:`L_G = -\mathrm{mean}\log D(G(z))`; alternating steps, mode collapse.
3. **WGAN** (Arjovsky and Bottou 2017; Arjovsky, Chintala and Bottou 2017): the critic :math:`f` maximizes
   :math:`\mathrm{mean} f(x) - \mathrm{mean} f(G(z))` over weights clipped to :math:`[-c, c]`.
4. **RealNVP** (Dinh, Sohl-Dickstein and Bengio 2017): affine coupling layers
   :math:`y_o = x_o e^{s(x_c)} + t(x_c)`, :math:`y_c = x_c`, exactly invertible with
   :math:`\log|\det J| = \sum s`, so :math:`\log p(x) = \log N(f(x); 0, I) + \sum_k s_k` exactly.

Every network is a small tanh MLP (linear output) whose weights are one flat vector ``theta``
(``concatenate([W_0.ravel(), b_0, W_1.ravel(), b_1, ...])``, ``W_j`` of shape ``(n_in, n_out)``).

References
----------
D. P. Kingma and M. Welling, Auto-encoding variational Bayes, ICLR 2014 (arXiv:1312.6114).
Y. Burda, R. Grosse and R. Salakhutdinov, Importance weighted autoencoders, ICLR 2016 (arXiv:1509.00519).
I. Goodfellow et al., Generative adversarial nets, NeurIPS 2014.
M. Arjovsky and L. Bottou, Towards principled methods for training generative adversarial networks, ICLR 2017.
M. Arjovsky, S. Chintala and L. Bottou, Wasserstein generative adversarial networks, ICML 2017.
I. Gulrajani et al., Improved training of Wasserstein GANs, NeurIPS 2017.
L. Dinh, J. Sohl-Dickstein and S. Bengio, Density estimation using Real NVP, ICLR 2017 (arXiv:1605.08803).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterator

import numpy as np

from numdl_core._validate import as_float_array, check_positive
from numdl_core.iterate import BLOWUP, Step, _drive, check_count, check_stop, record, tunable

__all__ = ["DATASETS", "toy_data", "ring_centers", "mode_coverage", "gaussian_kl", "mc_kl",
           "mlp_size", "mlp_forward", "mlp_backward", "VAE", "GAN", "RealNVP", "Adam", "fit_vae",
           "FitHistory", "train_gan", "GanHistory", "fit_flow", "vae_training", "flow_training", "gan_training",
           "SOLVERS"]

DATASETS = ("ring", "moons", "rings")
_LOG2PI = float(np.log(2.0 * np.pi))


# -------------------------------------------------------------------------------------------------------------- data
def ring_centers(k: int = 8, radius: float = 2.0) -> np.ndarray:
    r"""Centres :math:`r(\cos 2\pi j/k, \sin 2\pi j/k)`, :math:`j = 0..k-1`, of the ring mixture.

    Parameters
    ----------
    k : int
        Number of modes.
    radius : float
        Radius of the ring.

    Returns
    -------
    ndarray, shape (k, 2)

    References
    ----------
    L. Metz et al., Unrolled generative adversarial networks, ICLR 2017 (the 8-Gaussian ring).
    """
    a = 2.0 * np.pi * np.arange(k) / k
    return radius * np.column_stack([np.cos(a), np.sin(a)])


def toy_data(name: str = "ring", n: int = 512, *, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    r"""2-D data: ``"ring"`` (8 Gaussians of std ``noise`` on a circle of radius 2), ``"moons"``, ``"rings"``.

    ``moons``: :math:`(\cos t, \sin t)` and :math:`(1 - \cos t, 0.5 - \sin t)`, :math:`t \in [0, \pi]`, centred;
    ``rings``: circles of radius 1 and 2; both plus Gaussian noise of std ``noise``.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.
    n : int
        Number of points (rows).
    noise : float
        Standard deviation of the Gaussian noise.
    seed : int
        Seed of the generator.

    Returns
    -------
    ndarray, shape (n, 2)

    Raises
    ------
    ValueError
        For an unknown ``name`` or ``n < 1``.

    References
    ----------
    scikit-learn's ``make_moons`` / ``make_circles`` (the same shapes).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if int(n) < 1:
        raise ValueError("n must be at least 1")
    rng = np.random.default_rng(seed)
    n = int(n)
    if name == "ring":
        X = ring_centers()[rng.integers(0, 8, n)]
    elif name == "moons":
        t = np.pi * rng.random(n)
        up = rng.random(n) < 0.5
        X = np.where(up[:, None], np.column_stack([np.cos(t), np.sin(t)]),
                     np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]))
        X = 1.5 * (X - [0.5, 0.25])
    else:
        t = 2 * np.pi * rng.random(n)
        r = np.where(rng.random(n) < 0.5, 1.0, 2.0)
        X = r[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    return X + noise * rng.standard_normal((n, 2))


def mode_coverage(samples: np.ndarray, centers: np.ndarray | None = None, *, radius: float = 0.5,
                  min_share: float = 0.01) -> int:
    r"""Number of modes hit: centres with at least ``min_share`` of the samples within ``radius``.

    Parameters
    ----------
    samples : ndarray, shape (n, 2)
        Generated points.
    centers : ndarray, shape (k, 2), optional
        Mode centres; default :func:`ring_centers`.
    radius : float
        Distance counting a sample as on a mode.
    min_share : float
        Share of the samples a mode needs.

    Returns
    -------
    int

    References
    ----------
    L. Metz et al., Unrolled generative adversarial networks, ICLR 2017 (modes covered on the ring).
    """
    C = ring_centers() if centers is None else np.asarray(centers, float)
    d = np.linalg.norm(np.asarray(samples, float)[:, None, :] - C[None], axis=2)
    hits = (d < radius).sum(axis=0)
    return int(np.sum(hits >= min_share * len(samples)))


def gaussian_kl(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    r"""Closed-form :math:`\mathrm{KL}(N(\mu, \mathrm{diag}\,e^{v}) \| N(0, I)) = \tfrac12\sum_j(\mu_j^2 + e^{v_j}
    - v_j - 1)`, per row.

    Parameters
    ----------
    mu, logvar : ndarray, shape (n, d)
        Means and log-variances.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``mu`` and ``logvar`` are not 2-D of the same shape (nan and inf propagate).
    TypeError
        If either is no array of numbers.

    References
    ----------
    D. P. Kingma and M. Welling, Auto-encoding variational Bayes, ICLR 2014, Appendix B.
    """
    mu, logvar = as_float_array("mu", mu), as_float_array("logvar", logvar)
    if mu.ndim != 2 or mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape (n, k), got {mu.shape} and {logvar.shape}")
    return 0.5 * np.sum(mu ** 2 + np.exp(logvar) - logvar - 1.0, axis=1)


def mc_kl(mu: np.ndarray, logvar: np.ndarray, samples: int = 10000, seed: int = 0) -> np.ndarray:
    r"""Monte Carlo :math:`\mathrm{KL} \approx \frac1S\sum_s [\log q(z_s) - \log N(z_s; 0, I)]`, :math:`z_s \sim q`.

    Parameters
    ----------
    mu, logvar : ndarray, shape (n, d)
        Means and log-variances of q.
    samples : int
        Number of samples S per row.
    seed : int
        Seed of the noise.

    Returns
    -------
    ndarray, shape (n,)

    References
    ----------
    D. P. Kingma and M. Welling, Auto-encoding variational Bayes, ICLR 2014 (estimator (6)).
    """
    mu, logvar = np.asarray(mu, float), np.asarray(logvar, float)
    eps = np.random.default_rng(seed).standard_normal((samples, *mu.shape))
    z = mu + np.exp(0.5 * logvar) * eps
    logq = -0.5 * np.sum(eps ** 2 + logvar + _LOG2PI, axis=2)
    logp = -0.5 * np.sum(z ** 2 + _LOG2PI, axis=2)
    return np.mean(logq - logp, axis=0)


# --------------------------------------------------------------------------------------------------------------- MLP
def mlp_size(sizes: tuple[int, ...]) -> int:
    r"""Number of weights :math:`\sum_j (n_j + 1) n_{j+1}` of an MLP with layer widths ``sizes``.

    Parameters
    ----------
    sizes : tuple of int
        Widths ``(n_0, ..., n_L)``.

    Returns
    -------
    int

    References
    ----------
    C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer, 2006, Section 5.1.
    """
    return int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))


def _layers(theta: np.ndarray, sizes: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    out, k = [], 0
    for a, b in zip(sizes[:-1], sizes[1:]):
        out.append((theta[k:k + a * b].reshape(a, b), theta[k + a * b:k + a * b + b]))
        k += a * b + b
    return out


def _init(sizes: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    parts = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        parts += [rng.standard_normal(a * b) / np.sqrt(a), np.zeros(b)]
    return np.concatenate(parts)


def mlp_forward(theta: np.ndarray, sizes: tuple[int, ...], X: np.ndarray) -> tuple[np.ndarray, list]:
    r"""Forward pass :math:`Y_{j+1} = \tanh(Y_j W_j + b_j)`, linear last layer.

    Parameters
    ----------
    theta : ndarray, shape (mlp_size(sizes),)
        Flat weights.
    sizes : tuple of int
        Layer widths.
    X : ndarray, shape (n, sizes[0])
        Inputs (rows are examples).

    Returns
    -------
    out : ndarray, shape (n, sizes[-1])
    cache : list
        Layer inputs, for :func:`mlp_backward`.

    References
    ----------
    D. E. Rumelhart, G. E. Hinton and R. J. Williams, Nature 323 (1986).
    """
    cache, Y = [], X
    layers = _layers(theta, sizes)
    for j, (W, b) in enumerate(layers):
        cache.append(Y)
        Y = Y @ W + b
        if j < len(layers) - 1:
            Y = np.tanh(Y)
    return Y, cache


def mlp_backward(theta: np.ndarray, sizes: tuple[int, ...], cache: list,
                 dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Backpropagation: the transpose of the forward pass's Jacobian applied to ``dout``.

    With :math:`G_j = \Delta_{j+1}\odot(1 - Y_{j+1}^2)`: :math:`\nabla W_j = Y_j^\top G_j`,
    :math:`\nabla b_j = G_j^\top 1`, :math:`\Delta_j = G_j W_j^\top`.

    Parameters
    ----------
    theta : ndarray
        Flat weights.
    sizes : tuple of int
        Layer widths.
    cache : list
        From :func:`mlp_forward`.
    dout : ndarray, shape (n, sizes[-1])
        Gradient of the loss w.r.t. the output.

    Returns
    -------
    grad : ndarray, shape theta.shape
        Gradient w.r.t. the weights.
    dX : ndarray, shape (n, sizes[0])
        Gradient w.r.t. the input.

    References
    ----------
    D. E. Rumelhart, G. E. Hinton and R. J. Williams, Nature 323 (1986).
    """
    layers = _layers(theta, sizes)
    grads = []
    D = dout
    for j in range(len(layers) - 1, -1, -1):
        W, _ = layers[j]
        Yin = cache[j]
        grads.append((Yin.T @ D).ravel())
        grads.append(D.sum(axis=0))
        D = D @ W.T
        if j > 0:
            D = D * (1.0 - Yin ** 2)
    parts = []
    for j in range(len(layers)):
        parts += [grads[2 * (len(layers) - 1 - j)], grads[2 * (len(layers) - 1 - j) + 1]]
    return np.concatenate(parts), D


class Adam:
    r"""Adam: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
    :math:`\theta \leftarrow \theta - \eta \hat m / (\sqrt{\hat v} + \epsilon)` (bias-corrected).

    Parameters
    ----------
    n : int
        Number of weights.
    lr : float
        Learning rate :math:`\eta`.
    betas : tuple of float
        :math:`(\beta_1, \beta_2)`.

    References
    ----------
    D. P. Kingma and J. Ba, Adam: a method for stochastic optimization, ICLR 2015.
    """

    def __init__(self, n: int, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999)) -> None:
        self.lr, self.b1, self.b2 = float(lr), betas[0], betas[1]
        self.m, self.v, self.k = np.zeros(n), np.zeros(n), 0

    def step(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        """One update.

        Parameters
        ----------
        theta, g : ndarray
            Weights and gradient.

        Returns
        -------
        ndarray
            The new weights.
        """
        self.k += 1
        self.m = self.b1 * self.m + (1 - self.b1) * g
        self.v = self.b2 * self.v + (1 - self.b2) * g * g
        mh, vh = self.m / (1 - self.b1 ** self.k), self.v / (1 - self.b2 ** self.k)
        return theta - self.lr * mh / (np.sqrt(vh) + 1e-8)


# --------------------------------------------------------------------------------------------------------------- VAE
@dataclass(frozen=True)
class VAE:
    r"""A VAE with 2-D data and 2-D latent space: encoder ``2 -> hidden -> 4`` (:math:`\mu`, :math:`v`),
    decoder ``2 -> hidden -> 2`` (mean), :math:`p(x|z) = N(m(z), \sigma_x^2 I)`; ``theta = [enc, dec]``.

    Attributes
    ----------
    hidden : int
        Hidden width of both networks.
    sigma_x : float
        Decoder standard deviation :math:`\sigma_x`.

    References
    ----------
    D. P. Kingma and M. Welling, Auto-encoding variational Bayes, ICLR 2014.
    """

    hidden: int = 32
    sigma_x: float = 0.2

    @property
    def enc(self) -> tuple[int, ...]:
        """Encoder widths."""
        return (2, self.hidden, 4)

    @property
    def dec(self) -> tuple[int, ...]:
        """Decoder widths."""
        return (2, self.hidden, 2)

    @property
    def n_params(self) -> int:
        """Number of weights."""
        return mlp_size(self.enc) + mlp_size(self.dec)

    def init(self, seed: int = 0) -> np.ndarray:
        """Random initial weights.

        Parameters
        ----------
        seed : int
            Seed.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        rng = np.random.default_rng(seed)
        return np.concatenate([_init(self.enc, rng), _init(self.dec, rng)])

    def _split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = mlp_size(self.enc)
        return theta[:k], theta[k:]

    def encode(self, theta: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means and log-variances of q(z|x).

        Parameters
        ----------
        theta : ndarray
            Weights.
        X : ndarray, shape (n, 2)
            Data.

        Returns
        -------
        mu, logvar : ndarray, shape (n, 2)
        """
        out, _ = mlp_forward(self._split(theta)[0], self.enc, X)
        return out[:, :2], out[:, 2:]

    def decode(self, theta: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """Decoder means m(z).

        Parameters
        ----------
        theta : ndarray
            Weights.
        Z : ndarray, shape (n, 2)
            Latent points.

        Returns
        -------
        ndarray, shape (n, 2)
        """
        return mlp_forward(self._split(theta)[1], self.dec, Z)[0]

    def _log_px_z(self, X: np.ndarray, M: np.ndarray) -> np.ndarray:
        s2 = self.sigma_x ** 2
        return -0.5 * np.sum((X - M) ** 2, axis=-1) / s2 - (np.log(s2) + _LOG2PI)

    def elbo_terms(self, theta: np.ndarray, X: np.ndarray, eps: np.ndarray) -> tuple[float, float]:
        r"""Mean reconstruction term :math:`\log p(x|z)` at :math:`z = \mu + e^{v/2}\varepsilon` and mean KL.

        Parameters
        ----------
        theta : ndarray
            Weights.
        X, eps : ndarray, shape (n, 2)
            Data and fixed noise.

        Returns
        -------
        recon, kl : float
            ELBO = recon - kl.
        """
        mu, lv = self.encode(theta, X)
        M = self.decode(theta, mu + np.exp(0.5 * lv) * eps)
        return float(np.mean(self._log_px_z(X, M))), float(np.mean(gaussian_kl(mu, lv)))

    def loss_grad(self, theta: np.ndarray, X: np.ndarray, eps: np.ndarray) -> tuple[float, np.ndarray]:
        r"""Negative mean ELBO :math:`-\frac1n\sum_i(\log p(x_i|z_i) - \mathrm{KL}_i)` and its gradient (fixed
        :math:`\varepsilon`, reparameterization).

        Parameters
        ----------
        theta : ndarray
            Weights.
        X, eps : ndarray, shape (n, 2)
            Data and noise.

        Returns
        -------
        loss : float
        grad : ndarray, shape theta.shape
        """
        te, td = self._split(theta)
        n = len(X)
        out, ce = mlp_forward(te, self.enc, X)
        mu, lv = out[:, :2], out[:, 2:]
        sd = np.exp(0.5 * lv)
        Z = mu + sd * eps
        M, cd = mlp_forward(td, self.dec, Z)
        loss = -np.mean(self._log_px_z(X, M)) + np.mean(gaussian_kl(mu, lv))
        gd, dZ = mlp_backward(td, self.dec, cd, -(X - M) / (self.sigma_x ** 2 * n))
        dmu = dZ + mu / n
        dlv = dZ * eps * 0.5 * sd + 0.5 * (np.exp(lv) - 1.0) / n
        ge, _ = mlp_backward(te, self.enc, ce, np.hstack([dmu, dlv]))
        return float(loss), np.concatenate([ge, gd])

    def log_likelihood_is(self, theta: np.ndarray, X: np.ndarray, k: int = 256, seed: int = 0) -> np.ndarray:
        r"""Importance-sampled :math:`\log p(x) \approx \log\frac1K\sum_k p(x|z_k)p(z_k)/q(z_k|x)`,
        :math:`z_k \sim q(z|x)`, per row; its expectation is :math:`\ge` the ELBO (Burda et al. 2016).

        Parameters
        ----------
        theta : ndarray
            Weights.
        X : ndarray, shape (n, 2)
            Data.
        k : int
            Importance samples K.
        seed : int
            Seed.

        Returns
        -------
        ndarray, shape (n,)
        """
        mu, lv = self.encode(theta, X)
        eps = np.random.default_rng(seed).standard_normal((k, *mu.shape))
        Z = mu + np.exp(0.5 * lv) * eps
        M = self.decode(theta, Z.reshape(-1, 2)).reshape(Z.shape)
        logw = (self._log_px_z(X[None], M) - 0.5 * np.sum(Z ** 2 + _LOG2PI, axis=2)
                + 0.5 * np.sum(eps ** 2 + lv + _LOG2PI, axis=2))
        top = logw.max(axis=0)
        return top + np.log(np.mean(np.exp(logw - top), axis=0))


# --------------------------------------------------------------------------------------------------------------- GAN
@dataclass(frozen=True)
class GAN:
    r"""Generator ``2 -> hidden -> hidden -> 2`` and discriminator/critic ``2 -> hidden -> hidden -> 1`` (logit).

    ``kind="gan"``: :math:`L_D = \mathrm{mean\,softplus}(-D(x)) + \mathrm{mean\,softplus}(D(G(z)))`,
    :math:`L_G = \mathrm{mean\,softplus}(-D(G(z)))` (non-saturating). ``kind="wgan"``:
    :math:`L_D = \mathrm{mean} f(G(z)) - \mathrm{mean} f(x)`, :math:`L_G = -\mathrm{mean} f(G(z))`.

    Attributes
    ----------
    hidden : int
        Hidden width.
    kind : str
        ``"gan"`` or ``"wgan"``.

    References
    ----------
    I. Goodfellow et al., NeurIPS 2014; M. Arjovsky, S. Chintala and L. Bottou, ICML 2017.
    """

    hidden: int = 32
    kind: str = "gan"

    @property
    def g_sizes(self) -> tuple[int, ...]:
        """Generator widths."""
        return (2, self.hidden, self.hidden, 2)

    @property
    def d_sizes(self) -> tuple[int, ...]:
        """Discriminator widths."""
        return (2, self.hidden, self.hidden, 1)

    def init(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Random initial weights.

        Parameters
        ----------
        seed : int
            Seed.

        Returns
        -------
        theta_g, theta_d : ndarray
        """
        rng = np.random.default_rng(seed)
        return _init(self.g_sizes, rng), _init(self.d_sizes, rng)

    def generate(self, theta_g: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """Samples G(z).

        Parameters
        ----------
        theta_g : ndarray
            Generator weights.
        Z : ndarray, shape (n, 2)
            Noise.

        Returns
        -------
        ndarray, shape (n, 2)
        """
        return mlp_forward(theta_g, self.g_sizes, Z)[0]

    def critic(self, theta_d: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Discriminator logit (GAN) or critic value (WGAN).

        Parameters
        ----------
        theta_d : ndarray
            Discriminator weights.
        X : ndarray, shape (n, 2)
            Points.

        Returns
        -------
        ndarray, shape (n,)
        """
        return mlp_forward(theta_d, self.d_sizes, X)[0][:, 0]

    def d_loss_grad(self, theta_d: np.ndarray, theta_g: np.ndarray, X: np.ndarray,
                    Z: np.ndarray) -> tuple[float, np.ndarray]:
        """Discriminator (critic) loss and its gradient w.r.t. ``theta_d``.

        Parameters
        ----------
        theta_d, theta_g : ndarray
            Weights.
        X, Z : ndarray
            Data batch and noise batch.

        Returns
        -------
        loss : float
        grad : ndarray
        """
        F = self.generate(theta_g, Z)
        lr_, cr = mlp_forward(theta_d, self.d_sizes, X)
        lf, cf = mlp_forward(theta_d, self.d_sizes, F)
        a, b = lr_[:, 0], lf[:, 0]
        if self.kind == "wgan":
            loss = np.mean(b) - np.mean(a)
            dr, df = -np.ones_like(a) / len(a), np.ones_like(b) / len(b)
        else:
            loss = np.mean(np.logaddexp(0, -a)) + np.mean(np.logaddexp(0, b))
            dr, df = -_sigmoid(-a) / len(a), _sigmoid(b) / len(b)
        g1, _ = mlp_backward(theta_d, self.d_sizes, cr, dr[:, None])
        g2, _ = mlp_backward(theta_d, self.d_sizes, cf, df[:, None])
        return float(loss), g1 + g2

    def g_loss_grad(self, theta_g: np.ndarray, theta_d: np.ndarray, Z: np.ndarray) -> tuple[float, np.ndarray]:
        """Generator loss and its gradient w.r.t. ``theta_g`` (through the discriminator).

        Parameters
        ----------
        theta_g, theta_d : ndarray
            Weights.
        Z : ndarray
            Noise batch.

        Returns
        -------
        loss : float
        grad : ndarray
        """
        F, cg = mlp_forward(theta_g, self.g_sizes, Z)
        lf, cf = mlp_forward(theta_d, self.d_sizes, F)
        b = lf[:, 0]
        if self.kind == "wgan":
            loss, db = -np.mean(b), -np.ones_like(b) / len(b)
        else:
            loss, db = np.mean(np.logaddexp(0, -b)), -_sigmoid(-b) / len(b)
        _, dF = mlp_backward(theta_d, self.d_sizes, cf, db[:, None])
        g, _ = mlp_backward(theta_g, self.g_sizes, cg, dF)
        return float(loss), g


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# -------------------------------------------------------------------------------------------------------------- flow
@dataclass(frozen=True)
class RealNVP:
    r"""A 2-D RealNVP: ``layers`` affine couplings, layer k keeps coordinate ``c = k % 2`` and maps the other,
    :math:`y_o = x_o e^{s} + t`, :math:`(\tilde s, t) = \mathrm{MLP}_k(x_c)` (``1 -> hidden -> 2``),
    :math:`s = \tanh\tilde s`. ``forward`` maps data to the latent :math:`N(0, I)`.

    Attributes
    ----------
    layers : int
        Number of coupling layers.
    hidden : int
        Hidden width of each coupling network.

    References
    ----------
    L. Dinh, J. Sohl-Dickstein and S. Bengio, Density estimation using Real NVP, ICLR 2017.
    """

    layers: int = 6
    hidden: int = 32

    @property
    def sizes(self) -> tuple[int, ...]:
        """Widths of one coupling network."""
        return (1, self.hidden, 2)

    @property
    def n_params(self) -> int:
        """Number of weights."""
        return self.layers * mlp_size(self.sizes)

    def init(self, seed: int = 0, scale: float = 0.1) -> np.ndarray:
        """Small random initial weights (near the identity map).

        Parameters
        ----------
        seed : int
            Seed.
        scale : float
            Scale of the weights.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        return scale * np.random.default_rng(seed).standard_normal(self.n_params)

    def _net(self, theta: np.ndarray, k: int) -> np.ndarray:
        m = mlp_size(self.sizes)
        return theta[k * m:(k + 1) * m]

    def forward(self, theta: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""z = f(x) and :math:`\log|\det \partial f/\partial x| = \sum_k s_k`, per row.

        Parameters
        ----------
        theta : ndarray
            Weights.
        X : ndarray, shape (n, 2)
            Data.

        Returns
        -------
        Z : ndarray, shape (n, 2)
        logdet : ndarray, shape (n,)
        """
        Y, logdet = np.array(X, float), np.zeros(len(X))
        for k in range(self.layers):
            c, o = k % 2, 1 - k % 2
            out, _ = mlp_forward(self._net(theta, k), self.sizes, Y[:, c:c + 1])
            s = np.tanh(out[:, 0])
            Y[:, o] = Y[:, o] * np.exp(s) + out[:, 1]
            logdet += s
        return Y, logdet

    def inverse(self, theta: np.ndarray, Z: np.ndarray) -> np.ndarray:
        r"""x = f^{-1}(z), layer by layer :math:`x_o = (y_o - t) e^{-s}`.

        Parameters
        ----------
        theta : ndarray
            Weights.
        Z : ndarray, shape (n, 2)
            Latent points.

        Returns
        -------
        ndarray, shape (n, 2)
        """
        Y = np.array(Z, float)
        for k in range(self.layers - 1, -1, -1):
            c, o = k % 2, 1 - k % 2
            out, _ = mlp_forward(self._net(theta, k), self.sizes, Y[:, c:c + 1])
            Y[:, o] = (Y[:, o] - out[:, 1]) * np.exp(-np.tanh(out[:, 0]))
        return Y

    def log_prob(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        r"""Exact :math:`\log p(x) = -\tfrac12\|f(x)\|^2 - \log 2\pi + \log|\det J_f(x)|`, per row.

        Parameters
        ----------
        theta : ndarray
            Weights.
        X : ndarray, shape (n, 2)
            Points.

        Returns
        -------
        ndarray, shape (n,)
        """
        Z, ld = self.forward(theta, X)
        return -0.5 * np.sum(Z ** 2, axis=1) - _LOG2PI + ld

    def loss_grad(self, theta: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
        r"""Negative mean log-likelihood :math:`-\frac1n\sum_i \log p(x_i)` and its gradient (backprop through the
        couplings).

        Parameters
        ----------
        theta : ndarray
            Weights.
        X : ndarray, shape (n, 2)
            Data.

        Returns
        -------
        loss : float
        grad : ndarray
        """
        n = len(X)
        Y, logdet, caches = np.array(X, float), np.zeros(n), []
        for k in range(self.layers):
            c, o = k % 2, 1 - k % 2
            out, cache = mlp_forward(self._net(theta, k), self.sizes, Y[:, c:c + 1].copy())
            s = np.tanh(out[:, 0])
            xo = Y[:, o].copy()
            caches.append((cache, s, xo))
            Y[:, o] = xo * np.exp(s) + out[:, 1]
            logdet += s
        loss = float(np.mean(0.5 * np.sum(Y ** 2, axis=1) + _LOG2PI - logdet))
        dY = Y / n
        grads = [None] * self.layers
        for k in range(self.layers - 1, -1, -1):
            c, o = k % 2, 1 - k % 2
            cache, s, xo = caches[k]
            es = np.exp(s)
            dyo = dY[:, o].copy()
            ds = dyo * xo * es - 1.0 / n
            dout = np.column_stack([ds * (1 - s ** 2), dyo])
            g, dxc = mlp_backward(self._net(theta, k), self.sizes, cache, dout)
            grads[k] = g
            dY[:, o] = dyo * es
            dY[:, c] = dY[:, c] + dxc[:, 0]
        return loss, np.concatenate(grads)


# ---------------------------------------------------------------------------------------------------------- training
@dataclass
class FitHistory:
    """Result of :func:`fit_vae` / :func:`fit_flow`.

    Attributes
    ----------
    theta : ndarray
        Final weights.
    loss : list of float
        Training loss per iteration (negative ELBO or negative log-likelihood, mean over the batch).
    """

    theta: np.ndarray
    loss: list = field(default_factory=list)


def fit_vae(X: np.ndarray, model: VAE | None = None, *, iterations: int = 500, lr: float = 1e-2,
            batch_size: int = 128, seed: int = 0) -> FitHistory:
    r"""Train a VAE by Adam on minibatches, fresh noise :math:`\varepsilon` per step (reparameterization).

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Data.
    model : VAE, optional
        The model; default ``VAE()``.
    iterations : int
        Number of Adam steps.
    lr : float
        Learning rate.
    batch_size : int
        Minibatch size.
    seed : int
        Seed of the weights, batches and noise.

    Returns
    -------
    FitHistory

    References
    ----------
    D. P. Kingma and M. Welling, ICLR 2014 (Algorithm 1).
    """
    model = model or VAE()
    rng = np.random.default_rng(seed)
    theta = model.init(seed)
    opt, hist = Adam(len(theta), lr), FitHistory(theta)
    for _ in range(int(iterations)):
        B = X[rng.integers(0, len(X), min(batch_size, len(X)))]
        loss, g = model.loss_grad(theta, B, rng.standard_normal(B.shape))
        theta = opt.step(theta, g)
        hist.loss.append(loss)
    hist.theta = theta
    return hist


def fit_flow(X: np.ndarray, model: RealNVP | None = None, *, iterations: int = 500, lr: float = 1e-2,
             batch_size: int = 128, seed: int = 0) -> FitHistory:
    r"""Train a RealNVP flow by Adam on the exact negative log-likelihood.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Data.
    model : RealNVP, optional
        The model; default ``RealNVP()``.
    iterations : int
        Number of Adam steps.
    lr : float
        Learning rate.
    batch_size : int
        Minibatch size.
    seed : int
        Seed.

    Returns
    -------
    FitHistory

    References
    ----------
    L. Dinh, J. Sohl-Dickstein and S. Bengio, ICLR 2017.
    """
    model = model or RealNVP()
    rng = np.random.default_rng(seed)
    theta = model.init(seed)
    opt, hist = Adam(len(theta), lr), FitHistory(theta)
    for _ in range(int(iterations)):
        B = X[rng.integers(0, len(X), min(batch_size, len(X)))]
        loss, g = model.loss_grad(theta, B)
        theta = opt.step(theta, g)
        hist.loss.append(loss)
    hist.theta = theta
    return hist


@dataclass
class GanHistory:
    """Result of :func:`train_gan`.

    Attributes
    ----------
    theta_g, theta_d : ndarray
        Final weights.
    d_loss, g_loss : list of float
        Losses per round.
    """

    theta_g: np.ndarray
    theta_d: np.ndarray
    d_loss: list = field(default_factory=list)
    g_loss: list = field(default_factory=list)


def train_gan(X: np.ndarray, model: GAN | None = None, *, rounds: int = 500, d_steps: int = 1, g_steps: int = 1,
              lr: float = 2e-3, batch_size: int = 128, clip: float = 0.1, seed: int = 0) -> GanHistory:
    r"""Alternating training: per round ``d_steps`` Adam steps on :math:`L_D`, then ``g_steps`` on :math:`L_G`;
    for ``kind="wgan"`` the critic's weights are clipped to :math:`[-c, c]` after each step (Arjovsky et al. 2017).

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Data.
    model : GAN, optional
        Default ``GAN()``.
    rounds : int
        Number of rounds.
    d_steps, g_steps : int
        Discriminator and generator steps per round (the ratio).
    lr : float
        Adam learning rate (both).
    batch_size : int
        Batch size.
    clip : float
        Weight clipping c (WGAN only).
    seed : int
        Seed.

    Returns
    -------
    GanHistory

    References
    ----------
    I. Goodfellow et al., NeurIPS 2014 (Algorithm 1); M. Arjovsky, S. Chintala and L. Bottou, ICML 2017.
    """
    model = model or GAN()
    rng = np.random.default_rng(seed)
    tg, td = model.init(seed)
    if model.kind == "wgan":
        td = np.clip(td, -clip, clip)
    og, od = Adam(len(tg), lr, (0.5, 0.999)), Adam(len(td), lr, (0.5, 0.999))
    hist = GanHistory(tg, td)
    m = min(batch_size, len(X))
    for _ in range(int(rounds)):
        for _ in range(int(d_steps)):
            ld, g = model.d_loss_grad(td, tg, X[rng.integers(0, len(X), m)], rng.standard_normal((m, 2)))
            td = od.step(td, g)
            if model.kind == "wgan":
                td = np.clip(td, -clip, clip)
        for _ in range(int(g_steps)):
            lg, g = model.g_loss_grad(tg, td, rng.standard_normal((m, 2)))
            tg = og.step(tg, g)
        hist.d_loss.append(ld)
        hist.g_loss.append(lg)
    hist.theta_g, hist.theta_d = tg, td
    return hist


# ------------------------------------------------------------------------------------------- live (protocol) runs
def _batches(X: np.ndarray, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    return X[rng.integers(0, len(X), min(int(batch_size), len(X)))]


def _likelihood_training(kind: str, X: np.ndarray, model, theta0: np.ndarray | None, lr: float, batch_size: int,
                         seed: int, tol: float, maxiter: int, blowup: float):
    X = np.asarray(X, float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) < 1:
        raise ValueError("X must have shape (n, 2) with n >= 1")
    tol, maxiter = check_stop(tol, maxiter)
    params = {"lr": check_positive("lr", lr)}
    batch_size = check_count("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    theta = model.init(seed) if theta0 is None else np.array(theta0, float)
    opt = Adam(len(theta), params["lr"])

    def fg(th, B):  # overflow after a huge step: a non-finite loss, which record() reports as diverged
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return model.loss_grad(th, B, rng.standard_normal(B.shape)) if kind == "vae" else model.loss_grad(th, B)

    def iterations():
        nonlocal params, theta
        f, g = fg(theta, _batches(X, batch_size, rng))
        f0 = f
        params = yield record(0, theta, f, np.linalg.norm(g), {}, work=0.0, loss0=abs(f0) + 1.0, blowup=blowup)
        k = 0
        while True:
            k += 1
            opt.lr = params["lr"]
            theta = opt.step(theta, g)
            f, g = fg(theta, _batches(X, batch_size, rng))
            params = yield record(k, theta, f, np.linalg.norm(g), {"lr": params["lr"]},
                                  work=2.0 * k * min(batch_size, len(X)) / len(X), loss0=abs(f0) + 1.0, blowup=blowup)

    return iterations(), params, tol, maxiter


@tunable("lr")
def vae_training(X: np.ndarray, model: VAE, theta0: np.ndarray | None = None, *, lr: float = 1e-2,
                 batch_size: int = 128, seed: int = 0, tol: float = 1e-10, maxiter: int = 10**6,
                 blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Adam on the negative ELBO, one minibatch and fresh noise :math:`\varepsilon` per Step (reparameterization).

    Step ``k``: ``x`` = the weights, ``loss`` = the minibatch's :math:`-\mathrm{ELBO}` at them, ``grad_norm`` its
    gradient's norm; work ``2 k b / n`` data passes.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Data.
    model : VAE
        The model.
    theta0 : ndarray, optional
        Start; default ``model.init(seed)``.
    lr : float
        Adam's learning rate (tunable).
    batch_size : int
        Minibatch size b.
    seed : int
        Seed of the weights, batches and noise.
    tol, maxiter, blowup : float, int, float
        The protocol's stopping rules (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step

    Raises
    ------
    ValueError
        Bad data shape, ``lr``, ``batch_size``, ``tol`` or ``maxiter``.

    References
    ----------
    D. P. Kingma and M. Welling, ICLR 2014; D. P. Kingma and J. Ba, ICLR 2015.
    """
    if not isinstance(model, VAE):
        raise ValueError("model must be a VAE")
    it, params, tol, maxiter = _likelihood_training("vae", X, model, theta0, lr, batch_size, seed, tol, maxiter,
                                                    blowup)
    return (yield from _drive(it, params, {"lr": lambda v: check_positive("lr", v)}, tol=tol, maxiter=maxiter))


@tunable("lr")
def flow_training(X: np.ndarray, model: RealNVP, theta0: np.ndarray | None = None, *, lr: float = 1e-2,
                  batch_size: int = 128, seed: int = 0, tol: float = 1e-10, maxiter: int = 10**6,
                  blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Adam on the RealNVP's exact negative log-likelihood :math:`-\frac1b\sum_i\log p(x_i)`, one minibatch per
    Step.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Data.
    model : RealNVP
        The flow.
    theta0 : ndarray, optional
        Start; default ``model.init(seed)``.
    lr : float
        Adam's learning rate (tunable).
    batch_size, seed, tol, maxiter, blowup
        As in :func:`vae_training`.

    Yields
    ------
    Step

    Raises
    ------
    ValueError
        Bad data shape, ``lr``, ``batch_size``, ``tol`` or ``maxiter``.

    References
    ----------
    L. Dinh, J. Sohl-Dickstein and S. Bengio, ICLR 2017.
    """
    if not isinstance(model, RealNVP):
        raise ValueError("model must be a RealNVP")
    it, params, tol, maxiter = _likelihood_training("flow", X, model, theta0, lr, batch_size, seed, tol, maxiter,
                                                    blowup)
    return (yield from _drive(it, params, {"lr": lambda v: check_positive("lr", v)}, tol=tol, maxiter=maxiter))


@tunable("lr", "d_steps", "g_steps")
def gan_training(X: np.ndarray, model: GAN, theta0: np.ndarray | None = None, *, lr: float = 2e-3,
                 d_steps: int = 1, g_steps: int = 1, clip: float = 0.1, batch_size: int = 128, seed: int = 0,
                 tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Alternating GAN / WGAN training, one round per Step: ``d_steps`` Adam steps on :math:`L_D` (critic weights
    clipped to :math:`[-c, c]` for the WGAN), then ``g_steps`` on :math:`L_G`.

    Step: ``x = concatenate([theta_g, theta_d])``, ``loss`` = :math:`L_D` of the last discriminator step (the
    minibatch's), ``grad_norm`` the generator gradient's norm, ``info``: ``d_loss``, ``g_loss``. A generator
    gradient exactly zero (the discriminator saturated, e.g. after a huge ``lr``) ends the run as diverged, with
    that reason.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        Data.
    model : GAN
        Networks and loss (``kind``).
    theta0 : ndarray, optional
        ``concatenate([theta_g, theta_d])``; default ``model.init(seed)``.
    lr : float
        Adam's learning rate, both players (tunable).
    d_steps, g_steps : int
        Steps per round (tunable: the ratio).
    clip : float
        Weight clipping c of the WGAN critic.
    batch_size, seed, tol, maxiter, blowup
        As in :func:`vae_training`.

    Yields
    ------
    Step

    Raises
    ------
    ValueError
        Bad data, ``lr``, step counts, ``clip``, ``batch_size``, ``tol`` or ``maxiter``.

    References
    ----------
    I. Goodfellow et al., NeurIPS 2014; M. Arjovsky, S. Chintala and L. Bottou, ICML 2017.
    """
    X = np.asarray(X, float)
    if not isinstance(model, GAN) or X.ndim != 2 or X.shape[1] != 2 or len(X) < 1:
        raise ValueError("model must be a GAN and X of shape (n, 2)")
    tol, maxiter = check_stop(tol, maxiter)
    checks = {"lr": lambda v: check_positive("lr", v), "d_steps": lambda v: check_count("d_steps", v),
              "g_steps": lambda v: check_count("g_steps", v)}
    params = {k: c(v) for (k, c), v in zip(checks.items(), (lr, d_steps, g_steps))}
    clip, m = check_positive("clip", clip), min(check_count("batch_size", batch_size), len(X))
    rng = np.random.default_rng(seed)
    ng = mlp_size(model.g_sizes)
    if theta0 is None:
        tg, td = model.init(seed)
    else:
        theta0 = np.asarray(theta0, float)
        tg, td = theta0[:ng].copy(), theta0[ng:].copy()
    wgan = model.kind == "wgan"
    if wgan:
        td = np.clip(td, -clip, clip)
    og, od = Adam(len(tg), params["lr"], (0.5, 0.999)), Adam(len(td), params["lr"], (0.5, 0.999))

    def losses():
        ld, _ = model.d_loss_grad(td, tg, _batches(X, m, rng), rng.standard_normal((m, 2)))
        lg, gg = model.g_loss_grad(tg, td, rng.standard_normal((m, 2)))
        return ld, lg, gg

    def iterations():
        nonlocal params, tg, td
        ld, lg, gg = losses()
        l0 = abs(ld) + 1.0
        params = yield record(0, np.concatenate([tg, td]), ld, np.linalg.norm(gg), {"d_loss": ld, "g_loss": lg},
                              work=0.0, loss0=l0, blowup=blowup)
        k, work = 0, 0.0
        while True:
            k += 1
            og.lr = od.lr = params["lr"]
            for _ in range(params["d_steps"]):
                ld, g = model.d_loss_grad(td, tg, _batches(X, m, rng), rng.standard_normal((m, 2)))
                td = od.step(td, g)
                if wgan:
                    td = np.clip(td, -clip, clip)
            for _ in range(params["g_steps"]):
                lg, gg = model.g_loss_grad(tg, td, rng.standard_normal((m, 2)))
                tg = og.step(tg, gg)
            work += 2.0 * params["d_steps"] * m / len(X)
            stuck = "the generator's gradient vanished: the discriminator saturated (lr too large?)"
            params = yield record(k, np.concatenate([tg, td]), ld, np.linalg.norm(gg),
                                  {"d_loss": float(ld), "g_loss": float(lg)}, work=work, loss0=l0, blowup=blowup,
                                  reason=None if np.any(gg) else stuck)

    return (yield from _drive(iterations(), params, checks, tol=tol, maxiter=maxiter))


SOLVERS = MappingProxyType({"generative.vae": vae_training, "generative.flow": flow_training,
                            "generative.gan": gan_training})
"""The live runs of the generative-models page (merged into :data:`numdl_core.solvers.SOLVERS` by the lead)."""
