r"""Binary logistic regression: the two-class special case of softmax regression, with its sigmoid.

A sample :math:`y_i \in \mathbb{R}^{n_f}` (a row of ``X``) gets the score :math:`z_i = y_i^\top w + b` and the
probability :math:`p_i = \sigma(z_i) = 1/(1 + e^{-z_i})` of the first category (:math:`c_i = 1`). Training
minimizes the mean cross-entropy plus a Tikhonov term,

.. math::
    f(w, b) = -\frac1n \sum_{i=1}^n \big[c_i \log p_i + (1 - c_i) \log(1 - p_i)\big] + \frac{\alpha}{2}\|w\|^2
            = \frac1n \sum_{i=1}^n \big(\operatorname{softplus}(z_i) - c_i z_i\big) + \frac{\alpha}{2}\|w\|^2,

since :math:`-\log \sigma(z) = \log(1 + e^{-z})` and :math:`-\log(1 - \sigma(z)) = \log(1 + e^{z})`. The
softplus :math:`\log(1 + e^{z}) = \max(z, 0) + \operatorname{log1p}(e^{-|z|})` (the *sign trick*) never
overflows: the exponent is :math:`\le 0`. It is the softmax cross-entropy of two classes with :math:`W = [w, 0]`
(the second score fixed to 0), :math:`\log(e^{z} + e^{0}) - c z`.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 3
(03-NumDNN-LinearClassification: logistic regression, cross-entropy for logistic regression).
C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer, 2006, Sec. 4.3.2-4.3.3 (logistic regression,
iteratively reweighted least squares: the gradient and Hessian).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core import classify
from numdl_core._validate import as_float_array, check_nonneg, check_X
from numdl_core.checks import Agreement
from numdl_core.classify import SoftmaxRegression
from numdl_core.data import make_dataset
from numdl_core.optim import Objective

__all__ = ["softplus", "sigmoid", "log_sigmoid", "BinaryLogistic", "binary_logistic", "sklearn_binary_reference",
           "DATASETS", "LogisticProblem", "logistic_problem", "softmax_agreement", "LargeScoreCheck",
           "large_score_check"]

DATASETS = ("linear", "ellipses", "moons", "circles")
"""The two-class 2-D data sets of :func:`logistic_problem` (:func:`numdl_core.data.make_dataset`)."""


def softplus(z: np.ndarray) -> np.ndarray:
    r"""The softplus :math:`\log(1 + e^{z}) = \max(z, 0) + \operatorname{log1p}(e^{-|z|})`, without overflow.

    The naive formula overflows for :math:`z > 709`; this one computes :math:`e^{-|z|} \le 1` only.

    Parameters
    ----------
    z : array_like
        Scores, any shape.

    Returns
    -------
    ndarray, shape of ``z``

    References
    ----------
    M. Mächler, Accurately computing log(1 - exp(-|a|)), CRAN Rmpfr vignette, 2012 (the log1p forms).

    Examples
    --------
    >>> softplus(np.array([-1e4, 0.0, 1e4]))
    array([    0.      ,     0.693147, 10000.      ])
    """
    z = as_float_array("z", z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The logistic sigmoid :math:`\sigma(z) = 1/(1 + e^{-z})`, computed without overflow.

    For :math:`z \ge 0` it uses :math:`1/(1 + e^{-z})`, for :math:`z < 0` the equal :math:`e^{z}/(1 + e^{z})`:
    every exponent is :math:`\le 0`.

    Parameters
    ----------
    z : array_like
        Scores (logits) of any shape; large ones of either sign are fine.

    Returns
    -------
    ndarray
        :math:`\sigma(z)` elementwise (the shape of ``z``), in [0, 1].

    References
    ----------
    Bishop (2006), Eq. 4.59; Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> sigmoid(np.array([-1e4, 0.0, 1e4]))
    array([0. , 0.5, 1. ])
    """
    z = as_float_array("z", z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The log of the sigmoid, :math:`\log \sigma(z) = -\operatorname{softplus}(-z)`, finite for every finite ``z``.

    Parameters
    ----------
    z : array_like
        As for :func:`softplus`.

    Returns
    -------
    ndarray, shape of ``z``
        :math:`\le 0`; about :math:`z` for :math:`z \ll 0` (where :math:`\log(\sigma(z))` would give log 0).

    References
    ----------
    Bishop (2006), Sec. 4.3.2.

    Examples
    --------
    >>> log_sigmoid(np.array([-1e4, 0.0]))
    array([-10000.      ,     -0.693147])
    """
    return -softplus(-as_float_array("z", z))


class BinaryLogistic(Objective):
    r"""Regularized binary logistic regression as an objective on ``theta = concatenate([w, [b]])``.

    .. math::
        f(\theta) = \frac1n \sum_i \big(\operatorname{softplus}(z_i) - c_i z_i\big) + \frac{\alpha}{2}\|w\|^2,
        \qquad z = X w + b\,\mathbf 1,

    equal to :math:`-\frac1n\sum_i [c_i \log p_i + (1 - c_i)\log(1 - p_i)] + \frac\alpha2\|w\|^2` with
    :math:`p = \sigma(z)`, but without overflow (:func:`softplus`). With :math:`r = p - c`,

    .. math::
        \nabla_w f = \tfrac1n X^\top r + \alpha w, \qquad \nabla_b f = \tfrac1n \mathbf 1^\top r, \qquad
        \nabla^2 f\,(v, v_b) = \big(\tfrac1n X^\top (d \odot q) + \alpha v,\; \tfrac1n \mathbf 1^\top (d \odot q)\big),

    with :math:`d = p \odot (1 - p)` and :math:`q = X v + v_b \mathbf 1` (Bishop 2006, Eq. 4.96-4.97). The Hessian
    is :math:`\tfrac1n [X\ \mathbf 1]^\top \mathrm{diag}(d) [X\ \mathbf 1] + \alpha\,\mathrm{diag}(I, 0)`, bounded by
    :math:`L = \|[X\ \mathbf 1]\|_2^2/(4n) + \alpha` (:math:`d \le 1/4`).

    It is the softmax cross-entropy of two classes (:class:`numdl_core.classify.SoftmaxRegression`) with
    :math:`W = [w, 0]`, :math:`b = (b, 0)` and the classes listed as (:math:`c = 1`, :math:`c = 0`), the first
    category first as in the course (:meth:`as_softmax`, :meth:`softmax_objective`). The same optimum as
    scikit-learn's ``LogisticRegression(C = 1/(alpha n))`` (:func:`sklearn_binary_reference`). Also named
    ``binary_logistic``.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Features, samples as rows; finite.
    c : array_like, shape (n_samples,)
        Observed probabilities of the first category, in [0, 1] (labels 0/1, or soft labels).
    alpha : float
        Tikhonov weight :math:`\alpha \ge 0` (the course's :math:`\lambda`); the bias is not penalized.

    Attributes
    ----------
    X : ndarray, shape (n_samples, n_features)
    c : ndarray of float64, shape (n_samples,)
    n_samples, n_features, n_params : int
        ``n_params = n_features + 1``.
    alpha : float

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array, ``c`` has the wrong length or values outside [0, 1], or ``alpha < 0``.

    References
    ----------
    Ruthotto and Haber, Module 3 (03-NumDNN-LinearClassification); Bishop (2006), Sec. 4.3.2-4.3.3.

    Examples
    --------
    >>> obj = binary_logistic(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1], alpha=0.1)
    >>> f, g = obj.value_and_grad(np.zeros(2))
    >>> print(round(f, 6), g)  # log 2 at theta = 0
    0.693147 [-0.5  0. ]
    """

    def __init__(self, X: np.ndarray, c: np.ndarray, alpha: float = 0.0):
        self.X = check_X(X)
        self.n_samples, self.n_features = self.X.shape
        c = np.asarray(c, dtype=np.float64).ravel()
        if c.size != self.n_samples:
            raise ValueError(f"c must have one entry per sample ({self.n_samples}), got {c.size}")
        if not np.all((c >= 0) & (c <= 1)):
            raise ValueError("c must hold probabilities of the first category, in [0, 1]")
        self.c = c
        self.alpha = check_nonneg("alpha (the Tikhonov weight)", alpha)
        self.n_params = self.n_features + 1
        self._cache: tuple[np.ndarray, np.ndarray, float] | None = None  # (theta, p, data loss)

    def _check_theta(self, theta, name: str = "theta") -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        if theta.ndim != 1 or theta.size != self.n_params:
            raise ValueError(f"{name} must be a flat vector of n_params = {self.n_params} entries (w of "
                             f"{self.n_features}, then b), got shape {theta.shape}")
        return theta

    def scores(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""The scores :math:`z = X w + b\,\mathbf 1` (the logits of the first category).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (m, n_features), optional
            Samples as rows, as for :meth:`numdl_core.classify.SoftmaxRegression.logits`; by default the training
            data.

        Returns
        -------
        z : ndarray, shape (m,)
        """
        theta = self._check_theta(theta)
        X = self.X if X is None else check_X(X, n_features=self.n_features)
        return X @ theta[:-1] + theta[-1]

    def predict_proba(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""The probabilities :math:`p = \sigma(z)` of the first category (:math:`c = 1`).

        Parameters
        ----------
        theta, X : as for :meth:`scores`

        Returns
        -------
        ndarray, shape (m,)
        """
        return sigmoid(self.scores(theta, X))

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""The predicted category: 1 where :math:`z > 0` (:math:`p > 1/2`), else 0.

        Parameters
        ----------
        theta, X : as for :meth:`scores`

        Returns
        -------
        c_hat : ndarray of int64, shape (m,)
            1 for the first category, 0 for the second.
        """
        return (self.scores(theta, X) > 0).astype(np.int64)

    def accuracy(self, theta: np.ndarray, X: np.ndarray | None = None, c: np.ndarray | None = None) -> float:
        """Fraction of samples whose predicted category is the observed one (``c`` rounded).

        Parameters
        ----------
        theta, X : as for :meth:`scores`
        c : ndarray, shape (m,), optional
            The observed categories of ``X``; pass both ``X`` and ``c`` or neither (the training data).

        Returns
        -------
        float
            The fraction of agreeing samples, in [0, 1].

        Raises
        ------
        ValueError
            If only one of ``X``, ``c`` is given.
        """
        if (X is None) != (c is None):
            raise ValueError("pass both X and c (other data) or neither (training data)")
        c = self.c if c is None else np.asarray(c, dtype=np.float64).ravel()
        return float(np.mean(self.predict(theta, X) == np.round(c)))

    def _probs(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        cache = self._cache
        if cache is not None and np.array_equal(cache[0], theta):
            return cache[1], cache[2]
        z = self.X @ theta[:-1] + theta[-1]
        data = float(np.mean(softplus(z) - self.c * z))
        p = sigmoid(z)
        self._cache = (theta.copy(), p, data)
        return p, data

    def loss(self, theta: np.ndarray) -> float:
        r"""The objective :math:`f(\theta)` (see the class docstring).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            ``concatenate([w, [b]])``.

        Returns
        -------
        float
            The mean cross-entropy plus the Tikhonov term.
        """
        theta = self._check_theta(theta)
        w = theta[:-1]
        return self._probs(theta)[1] + 0.5 * self.alpha * float(w @ w)

    # documented in Objective; the formulas are in the class docstring
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = self._check_theta(theta)
        p, data = self._probs(theta)
        w = theta[:-1]
        r = (p - self.c) / self.n_samples
        gw = self.X.T @ r
        if self.alpha:
            gw += self.alpha * w
        return data + 0.5 * self.alpha * float(w @ w), np.append(gw, r.sum())

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        r"""Exact Hessian-vector product :math:`\nabla^2 f(\theta)\,v` (matrix-free; see the class docstring).

        Parameters
        ----------
        theta, v : ndarray, shape (n_params,)
            The point and the direction ``(v_w, v_b)``, both laid out as ``(w, b)``.

        Returns
        -------
        ndarray, shape (n_params,)
            :math:`\nabla^2 f(\theta)\, v`, laid out alike.
        """
        theta = self._check_theta(theta)
        v = self._check_theta(v, "v")
        p, _ = self._probs(theta)
        q = (p * (1.0 - p)) * (self.X @ v[:-1] + v[-1]) / self.n_samples
        hw = self.X.T @ q
        if self.alpha:
            hw += self.alpha * v[:-1]
        return np.append(hw, q.sum())

    def lipschitz_bound(self) -> float:
        r"""The bound :math:`L = \|[X\ \mathbf 1]\|_2^2/(4n) + \alpha` on the Hessian (:math:`\sigma' \le 1/4`).

        Returns
        -------
        float
            Gradient descent with a fixed step :math:`t < 2/L` decreases :math:`f` at every iteration.

        References
        ----------
        Nocedal and Wright (2006), Sec. 3.3; Bishop (2006), Eq. 4.97.
        """
        A = np.hstack([self.X, np.ones((self.n_samples, 1))])
        return float(np.linalg.norm(A, 2) ** 2 / (4 * self.n_samples) + self.alpha)

    def as_softmax(self, theta: np.ndarray) -> np.ndarray:
        r"""The parameters of the equal two-class softmax model: :math:`W = [w, 0]`, :math:`b = (b, 0)`.

        .. math:: \operatorname{softmax}(z, 0)_{\rm first} = \frac{e^{z}}{e^{z} + 1} = \sigma(z)

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (2 * n_params,)
            ``concatenate([W.ravel(), b])`` for :meth:`softmax_objective` (classes ordered c = 1, c = 0).
        """
        theta = self._check_theta(theta)
        return np.concatenate([np.c_[theta[:-1], np.zeros(self.n_features)].ravel(), [theta[-1], 0.0]])

    def softmax_objective(self) -> SoftmaxRegression:
        r"""The same data as a two-class :class:`~numdl_core.classify.SoftmaxRegression`, labels :math:`y = 1 - c`.

        At :meth:`as_softmax` of any ``theta`` both objectives agree, :math:`f_{\rm softmax}([w, 0], (b, 0)) =
        f(w, b)`, and the first column of the softmax gradient is this gradient.

        Returns
        -------
        SoftmaxRegression
            With the same ``X`` and ``alpha``.

        Raises
        ------
        ValueError
            If ``c`` holds soft labels (not 0 or 1).
        """
        if not np.all((self.c == 0) | (self.c == 1)):
            raise ValueError("the softmax form needs hard labels c in {0, 1}")
        return SoftmaxRegression(self.X, (1 - self.c).astype(np.int64), 2, self.alpha)

    def __repr__(self) -> str:
        return f"BinaryLogistic(n_samples={self.n_samples}, n_features={self.n_features}, alpha={self.alpha:g})"


binary_logistic = BinaryLogistic  # the objective's name as a function


def sklearn_binary_reference(obj: BinaryLogistic, *, tol: float = 1e-10, max_iter: int = 10_000) -> np.ndarray:
    r"""The minimizer of ``obj`` computed independently by scikit-learn's ``LogisticRegression``.

    scikit-learn minimizes :math:`C\sum_i \ell_i + \tfrac12\|w\|^2`; divided by :math:`Cn` that is our
    :math:`f` with :math:`\alpha = 1/(Cn)`, so :math:`C = 1/(\alpha n)` (``alpha = 0``: no penalty). Its
    ``coef_`` is :math:`w` for the probability of the label 1, which is our :math:`c = 1`. Runs on one thread;
    needs scikit-learn and threadpoolctl (imported on use).

    Parameters
    ----------
    obj : BinaryLogistic
        The objective; ``c`` must hold hard labels 0/1, both present.
    tol, max_iter : float, int
        Passed to scikit-learn, as for :func:`numdl_core.classify.sklearn_reference`.

    Returns
    -------
    theta : ndarray, shape (obj.n_params,)
        ``concatenate([w, [b]])``.

    Raises
    ------
    ValueError
        If ``c`` is not 0/1 with both labels present.

    References
    ----------
    scikit-learn User Guide, Sec. 1.1.11 (logistic regression, the binary case).
    """
    from sklearn.linear_model import LogisticRegression  # optional dependency: imported on use
    from threadpoolctl import threadpool_limits

    if not np.all((obj.c == 0) | (obj.c == 1)) or np.unique(obj.c).size < 2:
        raise ValueError("scikit-learn needs hard labels c in {0, 1} with both present")
    c_reg = np.inf if obj.alpha == 0 else 1.0 / (obj.alpha * obj.n_samples)
    with threadpool_limits(1):
        clf = LogisticRegression(C=c_reg, tol=float(tol), max_iter=int(max_iter)).fit(obj.X, obj.c.astype(int))
    return np.append(clf.coef_.ravel(), clf.intercept_[0])


@dataclass(frozen=True)
class LogisticProblem:
    """A two-class 2-D data set, its feature map and the binary logistic objective on it.

    Attributes
    ----------
    data : str
        One of :data:`DATASETS`.
    feature_map : str
        ``"linear"`` or ``"quadratic"`` (:func:`numdl_core.classify.features`).
    X : ndarray, shape (n, 2)
        The points.
    c : ndarray of int64, shape (n,)
        Their categories (1: the first category, the data set's class 1).
    obj : BinaryLogistic
        The objective on the features of ``X``.
    """

    data: str
    feature_map: str
    X: np.ndarray
    c: np.ndarray
    obj: BinaryLogistic

    def decision_map(self, theta: np.ndarray, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The predicted category on an ``n x n`` grid covering the points (:func:`numdl_core.classify.decision_map`).

        Parameters
        ----------
        theta : ndarray, shape (obj.n_params,)
        n : int
            Grid points per axis.

        Returns
        -------
        gx, gy, labels : ndarray
            ``labels[j, i]`` (0 or 1) at ``(gx[i], gy[j])``.
        """
        return classify.decision_map(lambda P: self.obj.predict(theta, classify.features(P, self.feature_map)),
                                     self.X, n=n)


def logistic_problem(data: str = "linear", *, features: str = "linear", n: int = 200, noise: float = 0.1,
                     seed: int = 0, alpha: float = 1e-3) -> LogisticProblem:
    r"""A two-class problem of the lesson: ``n`` points of ``data``, the feature map, and :math:`f` with ``alpha``.

    .. math:: f(w, b) = \frac1n\sum_i \big(\operatorname{softplus}(z_i) - c_i z_i\big) + \frac\alpha2\|w\|^2

    The separable toy ``"linear"`` has :math:`c = 1` where :math:`3y_1 + 2y_2 + 1 > 0`.

    Parameters
    ----------
    data : str
        One of :data:`DATASETS`.
    features : str
        ``"linear"`` or ``"quadratic"``.
    n : int
        Number of points.
    noise : float
        Jitter of the points.
    seed : int
    alpha : float
        Tikhonov weight (the course's :math:`\lambda`).

    Returns
    -------
    LogisticProblem

    Raises
    ------
    ValueError
        For an unknown data set or feature map.

    References
    ----------
    Ruthotto and Haber, Module 3 (logistic regression; the linear toy example).

    Examples
    --------
    >>> pr = logistic_problem("ellipses", features="quadratic", n=100)
    >>> pr.obj.n_features, pr.obj.n_params
    (5, 6)
    """
    if data not in DATASETS:
        raise ValueError(f"unknown two-class data set {data!r}; choose one of {', '.join(DATASETS)}")
    X, c = make_dataset(data, n, noise, seed)
    return LogisticProblem(data, features, X, c, binary_logistic(classify.features(X, features), c, alpha))


def softmax_agreement(obj: BinaryLogistic, theta: np.ndarray) -> Agreement:
    r"""Check that :math:`f` is the two-class softmax cross-entropy with :math:`W = [w, 0]`, :math:`b = (b, 0)`.

    .. math:: f(w, b) = f_{\rm softmax}([w, 0], (b, 0)), \qquad \nabla f = \text{first column of } \nabla f_{\rm softmax}

    Parameters
    ----------
    obj : BinaryLogistic
        With hard labels.
    theta : array_like, shape (obj.n_params,)
        Where to compare (non-finite entries are replaced by 0).

    Returns
    -------
    Agreement
        :math:`(f, \nabla f)` against the softmax's, relative tolerance 1e-12.

    References
    ----------
    Ruthotto and Haber, Module 3 (cross-entropy for logistic regression, multinomial case).

    Examples
    --------
    >>> pr = logistic_problem("linear", n=50)
    >>> softmax_agreement(pr.obj, np.array([1.0, -2.0, 0.5])).passed
    True
    """
    theta = np.asarray(theta, dtype=np.float64)
    theta = np.where(np.isfinite(theta), theta, 0.0)
    soft = obj.softmax_objective()
    f, g = obj.value_and_grad(theta)
    fs, gs = soft.value_and_grad(obj.as_softmax(theta))
    Wg, bg = soft.unpack(gs)
    ref = np.r_[fs, Wg[:, 0], bg[0]]
    rel = float(np.linalg.norm(np.r_[f, g] - ref) / max(np.linalg.norm(ref), np.finfo(float).tiny))
    return Agreement("f and ∇f of the sigmoid form", "the two-class softmax with W = [w, 0], b = (b, 0)", rel,
                     1e-12, bool(rel <= 1e-12))


@dataclass(frozen=True)
class LargeScoreCheck(Agreement):
    """The loss at weights scaled to a largest score :math:`\max_i |z_i|` = ``scale``, against scipy's ``log_expit``.

    An :class:`~numdl_core.checks.Agreement` with the details below; ``passed`` also needs a finite gradient and no
    floating-point error (overflow, invalid, division by zero).

    Attributes
    ----------
    scale : float
        The largest score after scaling.
    loss : float
        Our loss there (nan if it raised).
    reference_loss : float
        The same with ``scipy.special.log_expit``.
    naive_loss : float
        :math:`-\frac1n\sum_i c_i\log p_i + (1 - c_i)\log(1 - p_i)` with :math:`p = 1/(1 + e^{-z})` taken literally
        (``inf`` or ``nan``: :math:`p` rounds to 0 or 1 and the log of 0 is :math:`-\infty`).
    """

    scale: float
    loss: float
    reference_loss: float
    naive_loss: float


def large_score_check(obj: BinaryLogistic, theta: np.ndarray, *, scale: float = 1e4, seed: int = 0) -> LargeScoreCheck:
    r"""Scale ``theta`` to :math:`\max_i |z_i|` = ``scale`` and evaluate :math:`f` and :math:`\nabla f` there.

    .. math:: \operatorname{softplus}(z) = \max(z, 0) + \operatorname{log1p}(e^{-|z|})

    never overflows; the literal formula with :math:`\log p` and :math:`\log(1 - p)` gives :math:`\infty`.

    Parameters
    ----------
    obj : BinaryLogistic
    theta : array_like, shape (obj.n_params,)
        The direction (a random one, drawn with ``seed``, if all scores are 0 or it is not finite).
    scale : float
        The largest score.
    seed : int

    Returns
    -------
    LargeScoreCheck

    References
    ----------
    Ruthotto and Haber, Module 3 (a stable code for the cross-entropy); scipy.special.log_expit.

    Examples
    --------
    >>> pr = logistic_problem("linear", n=50)
    >>> r = large_score_check(pr.obj, np.array([1.0, -2.0, 0.5]))
    >>> r.passed, bool(np.isfinite(r.naive_loss))  # the literal formula: log 0 gives inf or 0 * inf = nan
    (True, False)
    """
    from scipy.special import log_expit

    theta = np.asarray(theta, dtype=np.float64)
    z = obj.scores(theta) if np.all(np.isfinite(theta)) else np.zeros(obj.n_samples)
    if not np.any(z):
        theta = np.random.default_rng(seed).standard_normal(obj.n_params)
        z = obj.scores(theta)
    theta = theta * (float(scale) / float(np.max(np.abs(z))))
    z = obj.scores(theta)
    w = theta[:-1]
    ref = float(-np.mean(obj.c * log_expit(z) + (1 - obj.c) * log_expit(-z)) + 0.5 * obj.alpha * w @ w)
    error = None
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            f, g = obj.value_and_grad(theta)
    except FloatingPointError as err:
        f, g, error = float("nan"), np.full(obj.n_params, np.nan), str(err)
    with np.errstate(all="ignore"):
        p = 1.0 / (1.0 + np.exp(-z))
        naive = float(-np.mean(obj.c * np.log(p) + (1 - obj.c) * np.log(1 - p)) + 0.5 * obj.alpha * w @ w)
    rel = abs(f - ref) / max(abs(ref), np.finfo(float).tiny)
    ok = error is None and bool(np.all(np.isfinite(g))) and rel <= 1e-12
    return LargeScoreCheck(f"loss at max |z| = {scale:g}, gradient finite", "scipy.special.log_expit", float(rel),
                           1e-12, bool(ok), float(scale), float(f), ref, naive)
