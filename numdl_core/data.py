"""Small classification data sets of the course, generated from a seed.

All generators return ``(X, y)`` with samples as rows: ``X`` of shape ``(n_samples, 2)`` (float64)
and ``y`` int64 labels in ``0..C-1``. Randomness only through ``seed``.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, course code (Meganet.m:
``setupPeaks``, ``setupEllipses``); scikit-learn's ``make_moons`` / ``make_circles`` for the
moons and circles recipes; E. Alpaydin and C. Kaynak (1998), optical recognition of handwritten
digits (the 8x8 digits shipped with scikit-learn).
"""
from __future__ import annotations

import numpy as np

from numdl_core._validate import check_count, check_nonneg

__all__ = ["DATASETS", "make_dataset", "load_digits", "peaks", "n_classes_of"]

DATASETS = ("moons", "circles", "spirals", "blobs", "peaks", "rings", "linear", "ellipses", "swissroll")


def peaks(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""MATLAB's ``peaks`` function (the landscape behind the ``"peaks"`` data set).

    .. math:: 3(1-x)^2 e^{-x^2-(y+1)^2} - 10(x/5 - x^3 - y^5) e^{-x^2-y^2} - \tfrac13 e^{-(x+1)^2-y^2}

    Parameters
    ----------
    x, y : ndarray
        Coordinates, same (or broadcastable) shapes.

    Returns
    -------
    ndarray
        The function values, the broadcast shape of ``x`` and ``y``.

    References
    ----------
    MATLAB's ``peaks``; Ruthotto and Haber, course code (Meganet.m ``setupPeaks``).

    Examples
    --------
    >>> print(round(float(peaks(0.0, 0.0)), 6))  # 3/e - 1/(3e) = 8/(3e)
    0.981012
    """
    return (
        3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        - np.exp(-((x + 1) ** 2) - y**2) / 3
    )


# The range of peaks on [-3, 3]^2 (min at about (0.228, -1.626), max at about (-0.009, 1.581)),
# found once by scipy.optimize.minimize; 5 equal-width level bands of this range define the classes.
_PEAKS_MIN = -6.551133332835838
_PEAKS_MAX = 8.106213589442337


def _balanced(rng: np.random.Generator, n: int, n_classes: int, draw, label) -> tuple[np.ndarray, np.ndarray]:
    """Rejection sampling until each class has ``n // n_classes`` (+1 for the first ``n % C``) points."""
    want = np.full(n_classes, n // n_classes)
    want[: n % n_classes] += 1
    Xs, ys = [], []
    have = np.zeros(n_classes, dtype=int)
    while np.any(have < want):
        P = draw(max(4 * n, 256))
        c = label(P)
        for k in range(n_classes):
            need = want[k] - have[k]
            if need > 0:
                idx = np.flatnonzero(c == k)[:need]
                Xs.append(P[idx])
                ys.append(np.full(idx.size, k))
                have[k] += idx.size
    X = np.concatenate(Xs)
    y = np.concatenate(ys).astype(np.int64)
    order = rng.permutation(X.shape[0])
    return X[order], y[order]


def n_classes_of(name: str) -> int:
    """Number of classes of the data set ``name``.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.

    Returns
    -------
    int
        2 for moons, circles, spirals, linear, ellipses and swissroll; 3 for blobs and rings; 5 for peaks.

    Raises
    ------
    ValueError
        If ``name`` is not a known data set (the message lists them).

    References
    ----------
    Ruthotto and Haber, course code (Meganet.m ``setupPeaks``, ``setupEllipses``).
    """
    return {"moons": 2, "circles": 2, "spirals": 2, "blobs": 3, "peaks": 5, "rings": 3, "linear": 2, "ellipses": 2,
            "swissroll": 2}[
        _check_name(name)
    ]


def _check_name(name: str) -> str:
    if name not in DATASETS:
        raise ValueError(f"unknown data set name {name!r}; choose one of {', '.join(DATASETS)}")
    return name


def make_dataset(name: str, n_samples: int = 500, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two-dimensional classification data.

    Parameters
    ----------
    name : str
        ``"moons"`` (two interleaving half circles), ``"circles"`` (two concentric circles, radius
        ratio 0.5), ``"spirals"`` (two interleaved Archimedean spirals), ``"blobs"`` (three Gaussian
        clusters), ``"peaks"`` (5 classes: MATLAB ``peaks`` on [-3,3]^2 cut into 5 equal-width level
        bands, balanced sampling as in the course), ``"rings"`` (three noisy rings, radii 0, 2, 4 plus
        U[0,1]), ``"linear"`` (separable toy: class 1 where ``3 x1 + 2 x2 + 1 > 0``), ``"ellipses"``
        (inside vs outside an ellipse: not linearly separable), ``"swissroll"`` (the course's Swiss roll,
        Meganet's ``setupSwissRoll``: two interleaved two-turn spirals, :math:`\theta \sim U[0, 4\pi]`, class 0 at
        radius :math:`r = \theta / (4\pi)`, class 1 at :math:`r = 0.2 + \theta / (4\pi)`, points
        :math:`r (\cos\theta, \sin\theta)`; the arms are 0.2 apart, so keep ``noise`` well below 0.1).
    n_samples : int
        Number of points (at least the number of classes).
    noise : float
        Standard deviation of Gaussian noise added to the points (for ``blobs`` the cluster standard
        deviation is ``0.5 + 5 * noise``; for ``rings`` the radial spread is ``U[0, 10 * noise]``; for
        ``peaks``, ``linear`` and ``ellipses`` the labels are exact and noise jitters the points).
    seed : int
        Seed of the random generator.

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        Labels in ``0..C-1``, ``C = n_classes_of(name)``.

    Raises
    ------
    ValueError
        If ``name`` is unknown, ``n_samples`` is smaller than the number of classes or ``noise`` is
        negative or not finite.

    References
    ----------
    Ruthotto and Haber, course code (Meganet.m ``setupPeaks``, ``setupEllipses``, ``setupSwissRoll``);
    E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018), Sec. 6.2
    (the Swiss roll); scikit-learn's ``make_moons`` and ``make_circles`` for those recipes.

    Examples
    --------
    >>> X, y = make_dataset("moons", n_samples=6, seed=0)
    >>> X.shape, y.dtype, np.bincount(y).tolist()
    ((6, 2), dtype('int64'), [3, 3])
    """
    _check_name(name)
    n = check_count("n_samples", n_samples)
    C = n_classes_of(name)
    if n < C:
        raise ValueError(f"n_samples must be at least {C} for {name!r}, got {n_samples}")
    noise = check_nonneg("noise", noise)
    if not isinstance(seed, np.random.Generator):
        check_count("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    if name == "moons":
        n1 = n // 2
        t1 = np.linspace(0, np.pi, n - n1)
        t2 = np.linspace(0, np.pi, n1)
        X = np.vstack([np.c_[np.cos(t1), np.sin(t1)], np.c_[1 - np.cos(t2), 0.5 - np.sin(t2)]])
        y = np.r_[np.zeros(n - n1), np.ones(n1)]
        X = X + noise * rng.standard_normal(X.shape)
    elif name == "circles":
        n1 = n // 2
        t1 = np.linspace(0, 2 * np.pi, n - n1, endpoint=False)
        t2 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
        X = np.vstack([np.c_[np.cos(t1), np.sin(t1)], 0.5 * np.c_[np.cos(t2), np.sin(t2)]])
        y = np.r_[np.zeros(n - n1), np.ones(n1)]
        X = X + noise * rng.standard_normal(X.shape)
    elif name == "spirals":
        n1 = n // 2
        sizes = (n - n1, n1)
        parts, labels = [], []
        for k, m in enumerate(sizes):
            t = np.sqrt(rng.uniform(0, 1, m)) * 3 * np.pi
            r = t / (3 * np.pi) * 2
            ang = t + k * np.pi
            parts.append(np.c_[r * np.cos(ang), r * np.sin(ang)])
            labels.append(np.full(m, k))
        X = np.vstack(parts) + noise * rng.standard_normal((n, 2))
        y = np.concatenate(labels)
    elif name == "blobs":
        centers = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
        y = np.arange(n) % 3
        X = centers[y] + (0.5 + 5 * noise) * rng.standard_normal((n, 2))
    elif name == "rings":
        y = np.arange(n) % 3
        r = 2.0 * y + 10 * noise * rng.uniform(0, 1, n)
        ang = rng.uniform(0, 2 * np.pi, n)
        X = np.c_[r * np.cos(ang), r * np.sin(ang)]
    elif name == "peaks":
        width = (_PEAKS_MAX - _PEAKS_MIN) / 5

        def label(P):
            return np.clip(((peaks(P[:, 0], P[:, 1]) - _PEAKS_MIN) // width).astype(int), 0, 4)

        X, y = _balanced(rng, n, 5, lambda m: rng.uniform(-3, 3, (m, 2)), label)
        X = X + noise * rng.standard_normal(X.shape)
    elif name == "swissroll":
        n1 = n // 2
        theta = 4 * np.pi * rng.uniform(0, 1, n)
        y = (np.arange(n) >= n - n1).astype(np.int64)  # class 0: n - n1 points, class 1: n1 points
        r = theta / (4 * np.pi) + 0.2 * y
        X = np.c_[r * np.cos(theta), r * np.sin(theta)] + noise * rng.standard_normal((n, 2))
    elif name == "linear":
        X, y = _balanced(rng, n, 2, lambda m: rng.uniform(-1, 1, (m, 2)),
                         lambda P: (3 * P[:, 0] + 2 * P[:, 1] + 1 > 0).astype(int))
        X = X + noise * rng.standard_normal(X.shape)
    else:  # ellipses
        X, y = _balanced(rng, n, 2, lambda m: rng.uniform(-1, 1, (m, 2)),
                         lambda P: ((P[:, 0] / 0.8) ** 2 + (P[:, 1] / 0.45) ** 2 < 0.6).astype(int))
        X = X + noise * rng.standard_normal(X.shape)
    if name in ("moons", "circles", "blobs", "rings", "swissroll"):
        perm = rng.permutation(n)
        X, y = X[perm], y[perm]
    return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits shipped with scikit-learn (1797 samples, 64 features).

    ``X`` is scaled from 0..16 to [0, 1]; ``y`` holds the digits 0..9 as int64. Needs scikit-learn (the
    data come with it, no download): ``pip install scikit-learn``, or install numdl_core with the
    ``sklearn`` extra. The file scikit-learn ships (``sklearn/datasets/data/digits.csv.gz``) is read directly,
    without importing scikit-learn, which alone takes about 1.5 s.

    Returns
    -------
    X : ndarray, shape (1797, 64)
        Each row an 8x8 image, pixels row by row, values in [0, 1].
    y : ndarray of int64, shape (1797,)

    Raises
    ------
    ImportError
        If scikit-learn is not installed.

    References
    ----------
    Alpaydin and Kaynak (1998), UCI optical recognition of handwritten digits.
    """
    import importlib.util
    import pathlib

    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError("load_digits needs scikit-learn, which ships the digits: pip install scikit-learn")
    # scikit-learn's own file, read without importing scikit-learn (that import alone takes ~1.5 s)
    path = pathlib.Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if path.exists():
        data = np.loadtxt(path, delimiter=",")
        return data[:, :-1] / 16.0, data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as _load  # the file moved: ask scikit-learn

    d = _load()
    return np.asarray(d.data, dtype=np.float64) / 16.0, np.asarray(d.target, dtype=np.int64)
