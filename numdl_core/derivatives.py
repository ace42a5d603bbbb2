r"""Test functions with exact, and deliberately broken, derivatives: material for the Taylor and adjoint tests.

Each example is a :class:`TestFunction` with ``value_and_grad(x)`` and ``hess_vec(x, v)``;
:func:`with_bug` returns the same function with a classic mistake in its gradient or Hessian, so a
student can watch the Taylor test catch it. The matrix-free operators come with their transposes (and a
wrong "transpose") for the adjoint test :math:`\langle w, J v\rangle = \langle J^\top w, v\rangle`.

Reference: L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 0 (derivative checks).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numdl_core._validate import check_count

__all__ = [
    "TestFunction", "FUNCTIONS", "GRADIENT_BUGS", "HESSIAN_BUGS", "make_function", "with_bug", "Operator", "OPERATORS",
    "make_operator"
]

FUNCTIONS = ("quadratic", "rosenbrock", "logsumexp", "tanh_layer")
GRADIENT_BUGS = ("none", "scaled", "sign", "missing_term")
HESSIAN_BUGS = ("none", "scaled", "missing_term")


@dataclass(frozen=True)
class TestFunction:
    """A scalar function with its gradient and Hessian-vector product (numpy in, numpy out).

    Attributes
    ----------
    name : str
        One of :data:`FUNCTIONS`.
    formula : str
        The function in LaTeX.
    n : int
        Number of variables.
    value_and_grad : callable
        ``x -> (f(x), grad f(x))`` with ``x`` and the gradient of shape (n,).
    hess_vec : callable
        ``(x, v) -> H(x) v``, shape (n,).
    x0 : ndarray, shape (n,)
        A point at which to test.
    bug : str
        Description of the deliberate mistake (see :func:`with_bug`), empty when the derivatives are correct.
    """

    name: str
    formula: str  # LaTeX
    n: int
    value_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]]
    hess_vec: Callable[[np.ndarray, np.ndarray], np.ndarray]
    x0: np.ndarray
    bug: str = ""  # description of the mistake, empty when correct


def make_function(name: str, n: int = 10, seed: int = 0) -> TestFunction:
    r"""One of :data:`FUNCTIONS` in ``n`` variables, with random data drawn from ``seed``.

    - ``"quadratic"``: :math:`f(x) = \tfrac12 x^\top A x - b^\top x` with non-symmetric :math:`A`, so
      :math:`\nabla f = \tfrac12 (A + A^\top) x - b` and :math:`\nabla^2 f = \tfrac12 (A + A^\top)`.
    - ``"rosenbrock"``: :math:`f(x) = \sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`.
    - ``"logsumexp"``: :math:`f(x) = \log \sum_j e^{(Mx)_j} - c^\top M x` (the softmax loss of one example),
      :math:`\nabla f = M^\top(p - c)`, :math:`\nabla^2 f = M^\top (\operatorname{diag} p - p p^\top) M`,
      :math:`p = \operatorname{softmax}(Mx)`, computed with the max-shift.
    - ``"tanh_layer"``: a tanh layer as a function of its input :math:`x` (the weights :math:`K, b` and the
      target :math:`y` are fixed data), :math:`f(x) = \tfrac12 \|\tanh(K x + b) - y\|^2`,
      :math:`\nabla f = K^\top (\sigma'(z) \odot r)` with :math:`z = Kx + b`, :math:`r = \tanh(z) - y`,
      :math:`\sigma' = 1 - \tanh^2`.

    Parameters
    ----------
    name : str
        One of :data:`FUNCTIONS`.
    n : int
        Number of variables (at least 2).
    seed : int
        Seed of the random data (``A, b``, ``M, c``, ``K, b, y``) and of ``x0``.

    Returns
    -------
    TestFunction
        With exact ``value_and_grad`` and ``hess_vec``, and a test point ``x0`` of shape (n,).

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists :data:`FUNCTIONS`) or ``n < 2``.

    References
    ----------
    Ruthotto and Haber, Module 0 (derivative checks); Nocedal and Wright (2006), Sec. 2.1 (Rosenbrock).

    Examples
    --------
    >>> from numdl_core.checks import derivative_check
    >>> fun = make_function("rosenbrock", n=4)
    >>> derivative_check(fun.value_and_grad, fun.x0, hess_vec=fun.hess_vec).passed
    True
    """
    if name not in FUNCTIONS:
        raise ValueError(f"unknown function name {name!r}; choose one of {', '.join(FUNCTIONS)}")
    n = check_count("n", n, minimum=2)
    if not isinstance(seed, np.random.Generator):
        check_count("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(n) * 0.5
    if name == "quadratic":
        A = rng.standard_normal((n, n))
        b = rng.standard_normal(n)
        S = 0.5 * (A + A.T)

        def vg(x):
            return float(0.5 * x @ (A @ x) - b @ x), S @ x - b

        return TestFunction(name, r"f(x) = \tfrac12 x^\top A x - b^\top x", n, vg, lambda x, v: S @ v, x0)
    if name == "rosenbrock":
        def vg(x):
            d = x[1:] - x[:-1] ** 2
            f = float(np.sum(100 * d**2 + (1 - x[:-1]) ** 2))
            g = np.zeros_like(x)
            g[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
            g[1:] += 200 * d
            return f, g

        def hv(x, v):
            diag = np.zeros_like(x)
            diag[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
            diag[1:] += 200
            off = -400 * x[:-1]
            out = diag * v
            out[:-1] += off * v[1:]
            out[1:] += off * v[:-1]
            return out

        return TestFunction(name, r"f(x) = \sum_i 100\,(x_{i+1} - x_i^2)^2 + (1 - x_i)^2", n, vg, hv, x0)
    if name == "logsumexp":
        m = max(3, n // 2)
        M = rng.standard_normal((m, n))
        c = np.zeros(m)
        c[rng.integers(m)] = 1.0

        def probs(x):
            z = M @ x
            e = np.exp(z - z.max())
            return z, e / e.sum()

        def vg(x):
            z, p = probs(x)
            f = float(z.max() + np.log(np.sum(np.exp(z - z.max()))) - c @ z)
            return f, M.T @ (p - c)

        def hv(x, v):
            _, p = probs(x)
            u = M @ v
            return M.T @ (p * u - p * (p @ u))

        return TestFunction(name, r"f(x) = \log \textstyle\sum_j e^{(Mx)_j} - c^\top M x", n, vg, hv, x0)
    m = n + 3
    K = rng.standard_normal((m, n)) / np.sqrt(n)
    b = rng.standard_normal(m) * 0.1
    y = rng.uniform(-0.5, 0.5, m)

    def vg(x):
        t = np.tanh(K @ x + b)
        r = t - y
        return float(0.5 * r @ r), K.T @ ((1 - t**2) * r)

    def hv(x, v):
        t = np.tanh(K @ x + b)
        r = t - y
        s1 = 1 - t**2
        s2 = -2 * t * s1
        u = K @ v
        return K.T @ ((s1**2 + s2 * r) * u)

    return TestFunction(name, r"f(x) = \tfrac12 \|\tanh(Kx + b) - y\|^2", n, vg, hv, x0)


def with_bug(fun: TestFunction, gradient: str = "none", hessian: str = "none") -> TestFunction:
    """``fun`` with a classic mistake in the gradient and/or the Hessian-vector product.

    Gradient bugs (``g`` the correct gradient, the value ``f`` unchanged), for every function alike:

    - ``"scaled"``: off by 1%, ``1.01 * g``;
    - ``"sign"``: the last entry with the wrong sign, ``g[-1] -> -g[-1]``;
    - ``"missing_term"``: a term forgotten, modelled as half of the first entry dropped, ``g[0] -> g[0] / 2``.

    Each leaves an error :math:`\\delta` in the gradient, so :math:`E_1(h) \\approx h\\,|\\delta^\\top v|` decays
    only like :math:`O(h)` once :math:`h` is small enough that this term beats the :math:`O(h^2)` remainder (for
    ``"missing_term"`` on Rosenbrock, where ``g[0]`` is small, only below :math:`h \\approx 2 \\cdot 10^{-6}`: use
    25 step sizes). Hessian bugs: ``"scaled"`` (``1.1 * H v``) and ``"missing_term"``
    (only the diagonal, ``diag(H) * v``, the diagonal read off column by column as ``(H e_i)_i``).

    Parameters
    ----------
    fun : TestFunction
        The correct function (from :func:`make_function`).
    gradient : str
        One of :data:`GRADIENT_BUGS` (``"none"`` keeps the gradient).
    hessian : str
        One of :data:`HESSIAN_BUGS` (``"none"`` keeps the Hessian-vector product).

    Returns
    -------
    TestFunction
        The same value, the broken derivatives, and ``bug`` describing the mistakes.

    Raises
    ------
    ValueError
        If ``gradient`` or ``hessian`` is not a known bug (the message lists them).

    References
    ----------
    Ruthotto and Haber, Module 0: "your derivatives are assumed to be wrong unless you prove otherwise".

    Examples
    --------
    >>> from numdl_core.checks import derivative_check
    >>> fun = with_bug(make_function("quadratic", n=5), gradient="scaled")
    >>> res = derivative_check(fun.value_and_grad, fun.x0)
    >>> res.passed, round(res.order)
    (False, 1)
    """
    if gradient not in GRADIENT_BUGS:
        raise ValueError(f"unknown gradient bug {gradient!r}; choose one of {', '.join(GRADIENT_BUGS)}")
    if hessian not in HESSIAN_BUGS:
        raise ValueError(f"unknown Hessian bug {hessian!r}; choose one of {', '.join(HESSIAN_BUGS)}")
    vg0, hv0 = fun.value_and_grad, fun.hess_vec
    notes = []
    vg, hv = vg0, hv0
    if gradient == "scaled":
        notes.append("gradient off by 1%")

        def vg(x):
            f, g = vg0(x)
            return f, 1.01 * g
    elif gradient == "sign":
        notes.append("one gradient entry with the wrong sign")

        def vg(x):
            f, g = vg0(x)
            g = g.copy()
            g[-1] = -g[-1]
            return f, g
    elif gradient == "missing_term":
        notes.append("a term of the gradient forgotten")

        def vg(x):
            f, g = vg0(x)
            g = g.copy()
            g[0] = 0.5 * g[0]
            return f, g
    if hessian == "scaled":
        notes.append("Hessian off by 10%")

        def hv(x, v):
            return 1.1 * hv0(x, v)
    elif hessian == "missing_term":
        notes.append("only the diagonal of the Hessian")

        def hv(x, v):
            e = np.eye(x.size)
            d = np.array([hv0(x, e[i])[i] for i in range(x.size)])
            return d * v
    return TestFunction(fun.name, fun.formula, fun.n, vg, hv, fun.x0, "; ".join(notes))


@dataclass(frozen=True)
class Operator:
    """A matrix-free linear map ``J`` with its transpose ``JT`` (possibly wrong, for the lesson).

    Attributes
    ----------
    name : str
        One of :data:`OPERATORS`.
    description : str
        One line for the reader.
    shape_in : tuple of int
        Shape of the input ``v`` of ``J``.
    J : callable
        ``v -> J v``.
    JT : callable
        ``w -> J^T w`` (or, for the lesson, a classic wrong transpose).
    """

    name: str
    description: str
    shape_in: tuple[int, ...]
    J: Callable[[np.ndarray], np.ndarray]
    JT: Callable[[np.ndarray], np.ndarray]


OPERATORS = ("convolution", "difference", "tanh_jacobian")


def make_operator(name: str, n: int = 64, *, wrong: bool = False, seed: int = 0) -> Operator:
    r"""A matrix-free operator and its transpose (or, with ``wrong=True``, a classic wrong transpose).

    - ``"convolution"``: periodic 1-D convolution with a 5-tap kernel via the FFT,
      :math:`J v = \mathcal F^{-1}(\hat k \odot \hat v)`; transpose :math:`\mathcal F^{-1}(\overline{\hat k} \odot \hat w)`
      (correlation). Wrong: the same convolution again (the kernel not flipped).
    - ``"difference"``: forward differences :math:`(Dv)_i = v_{i+1} - v_i` (n-1 outputs); transpose
      :math:`D^\top w = -(w_1, w_2 - w_1, \ldots, -w_{n-1})`. Wrong: backward differences padded with zero.
    - ``"tanh_jacobian"``: the Jacobian of :math:`x \mapsto \tanh(Kx + b)` at a point,
      :math:`J v = \sigma'(z) \odot K v`, :math:`J^\top w = K^\top(\sigma'(z) \odot w)`. Wrong: :math:`K^\top w`
      (the activation derivative forgotten).

    Parameters
    ----------
    name : str
        One of :data:`OPERATORS`.
    n : int
        Input length (at least 4); the output has length n, n - 1 and n // 2 for the three operators.
    wrong : bool
        Return the classic wrong transpose instead of the true one.
    seed : int
        Seed of the kernel, or of ``K``, ``b`` and the point.

    Returns
    -------
    Operator
        ``J`` and ``JT`` as functions of 1-D arrays, ``shape_in = (n,)``.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists :data:`OPERATORS`) or ``n < 4``.

    References
    ----------
    Claerbout, *Earth Soundings Analysis*, 1992 (the dot-product test); Ruthotto and Haber, Module 0.

    Examples
    --------
    >>> from numdl_core.checks import adjoint_check
    >>> op = make_operator("difference", 8)
    >>> adjoint_check(op.J, op.JT, op.shape_in).passed
    True
    >>> bad = make_operator("difference", 8, wrong=True)
    >>> adjoint_check(bad.J, bad.JT, bad.shape_in).passed
    False
    """
    if name not in OPERATORS:
        raise ValueError(f"unknown operator {name!r}; choose one of {', '.join(OPERATORS)}")
    n = int(n)
    if n < 4:
        raise ValueError(f"n must be at least 4, got {n}")
    rng = np.random.default_rng(seed)
    if name == "convolution":
        k = np.zeros(n)
        k[:5] = rng.standard_normal(5)
        kh = np.fft.rfft(k)

        def J(v):
            return np.fft.irfft(kh * np.fft.rfft(v), n)

        def JT(w):
            return np.fft.irfft(np.conj(kh) * np.fft.rfft(w), n)

        return Operator(name, "periodic convolution with a 5-tap kernel (FFT)", (n,), J, J if wrong else JT)
    if name == "difference":
        def J(v):
            return np.diff(v)

        def JT(w):
            return np.concatenate([[-w[0]], w[:-1] - w[1:], [w[-1]]])

        def JT_wrong(w):
            return np.concatenate([np.diff(w), [0.0, 0.0]])

        return Operator(name, "forward differences D v = v[1:] - v[:-1]", (n,), J, JT_wrong if wrong else JT)
    m = n // 2
    K = rng.standard_normal((m, n)) / np.sqrt(n)
    x = rng.standard_normal(n)
    s = 1 - np.tanh(K @ x + rng.standard_normal(m)) ** 2

    def J(v):
        return s * (K @ v)

    def JT(w):
        return K.T @ (s * w)

    def JT_wrong(w):
        return K.T @ w

    return Operator(name, "Jacobian of tanh(K x + b) at a random point", (n,), J, JT_wrong if wrong else JT)
