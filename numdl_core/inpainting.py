r"""Image inpainting as a regularized linear least-squares problem.

An image :math:`x_\text{true}` of :math:`n = n_y n_x` pixels (raveled in C order: pixel :math:`(j, i)` is entry
:math:`j n_x + i`) is known only at :math:`k < n` pixels, :math:`d = P x_\text{true} + \varepsilon`, where the
selection :math:`P \in \{0, 1\}^{k \times n}` keeps those rows of the identity. Least squares alone cannot fill in
the rest (:math:`P^\top P` is singular: the unknown pixels do not enter the residual); a smoothness penalty makes
the problem well posed:

.. math::
    \min_x \; \tfrac12 \|P x - d\|^2 + \tfrac\alpha2 \|G x\|^2
    \quad\Longleftrightarrow\quad (P^\top P + \alpha G^\top G)\, x = P^\top d ,

with :math:`G` the 2-D discrete gradient (:func:`gradient_operator_2d`) or the 5-point Laplacian. The minimizer
is unique as soon as one pixel is known (the null space of either :math:`G` holds only the constant images).
:func:`inpaint` solves the normal equations by a sparse direct solver; the stacked least-squares form
:meth:`InpaintingProblem.stacked` is what CGLS (:func:`numdl_core.lstsq.cgls`) iterates on, filling the image in
from the known pixels, one pixel further per iteration.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 2, slide "Detour: Image Inpainting"
(02-NumDNN-LinearLeastSquares.tex) and ``getLaplacian.m`` (the Laplacian by Kronecker products).
P. C. Hansen, *Discrete Inverse Problems*, SIAM, 2010, Sec. 8.1 (smoothing norms).
T. F. Chan and J. Shen, *Image Processing and Analysis*, SIAM, 2005, Ch. 6 (inpainting by smoothness priors).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from numdl_core._validate import check_nonneg

__all__ = ["IMAGES", "INPAINT_OPERATORS", "make_image", "gradient_operator_2d", "selection_operator",
           "InpaintingProblem", "inpainting_problem", "inpaint"]

IMAGES = ("peaks", "shapes")
"""Test images of :func:`make_image`: a smooth one and a piecewise constant one."""
INPAINT_OPERATORS = ("gradient", "laplacian")
"""Regularization operators of :func:`gradient_operator_2d`."""


def _diff(n: int) -> sp.csr_matrix:
    """The (n-1) x n forward difference (x_{i+1} - x_i)."""
    return sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n), format="csr")


def make_image(kind: str = "peaks", n: int = 64) -> np.ndarray:
    r"""An ``n`` x ``n`` test image on :math:`[0, 1]^2` (cell midpoints).

    ``"peaks"`` is MATLAB's ``peaks`` function on :math:`[-3, 3]^2`,

    .. math::
        f(u, v) = 3(1-u)^2 e^{-u^2-(v+1)^2} - 10\left(\tfrac u5 - u^3 - v^5\right) e^{-u^2-v^2}
        - \tfrac13 e^{-(u+1)^2-v^2},

    smooth; ``"shapes"`` is piecewise constant: 1 on a disk of radius 0.2 centred at (0.35, 0.6) and 0.6 on the
    square :math:`[0.55, 0.85] \times [0.15, 0.45]`, 0 elsewhere.

    Parameters
    ----------
    kind : str
        One of :data:`IMAGES`.
    n : int
        Pixels per side, at least 4.

    Returns
    -------
    ndarray, shape (n, n)
        Row j is :math:`v_j` (bottom to top), column i is :math:`u_i`.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or ``n < 4``.

    References
    ----------
    The MathWorks, MATLAB ``peaks``; Ruthotto and Haber, Module 2 (inpainting set-up).

    Examples
    --------
    >>> make_image("peaks", 8).shape, round(float(make_image("shapes", 40).max()), 2)
    ((8, 8), 1.0)
    """
    if kind not in IMAGES:
        raise ValueError(f"unknown image {kind!r}; choose one of {', '.join(IMAGES)}")
    if int(n) != n or int(n) < 4:
        raise ValueError(f"n must be an integer >= 4, got {n!r}")
    t = (np.arange(int(n)) + 0.5) / int(n)
    U, V = np.meshgrid(t, t)  # U varies along columns, V along rows
    if kind == "peaks":
        u, v = 6 * U - 3, 6 * V - 3
        return (3 * (1 - u) ** 2 * np.exp(-u**2 - (v + 1) ** 2) - 10 * (u / 5 - u**3 - v**5) * np.exp(-u**2 - v**2)
                - np.exp(-(u + 1) ** 2 - v**2) / 3)
    disk = (U - 0.35) ** 2 + (V - 0.6) ** 2 < 0.2**2
    square = (U > 0.55) & (U < 0.85) & (V > 0.15) & (V < 0.45)
    return 1.0 * disk + 0.6 * square


def gradient_operator_2d(shape: tuple[int, int], kind: str = "gradient") -> sp.csr_matrix:
    r"""The 2-D discrete gradient or Laplacian of an image of ``shape`` :math:`(n_y, n_x)`, raveled in C order.

    With the 1-D forward difference :math:`D_m` (:math:`(m-1) \times m`, unit spacing),

    .. math::
        \nabla_h = \begin{pmatrix} I_{n_y} \otimes D_{n_x} \\ D_{n_y} \otimes I_{n_x} \end{pmatrix}, \qquad
        \Delta_h = -\nabla_h^\top \nabla_h
        = -\left(I_{n_y} \otimes D_{n_x}^\top D_{n_x} + D_{n_y}^\top D_{n_y} \otimes I_{n_x}\right),

    the differences along rows and along columns, and the 5-point Laplacian
    :math:`x_{j,i-1} + x_{j,i+1} + x_{j-1,i} + x_{j+1,i} - 4 x_{j,i}` at interior pixels (reflecting, Neumann,
    boundary). Both annihilate exactly the constant images.

    Parameters
    ----------
    shape : tuple of int
        :math:`(n_y, n_x)`, each at least 2.
    kind : str
        ``"gradient"`` (shape :math:`(n_y(n_x-1) + (n_y-1)n_x) \times n_y n_x`) or ``"laplacian"`` (square).

    Returns
    -------
    scipy.sparse.csr_matrix

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a side shorter than 2.

    References
    ----------
    Ruthotto and Haber, Module 2 (``getLaplacian.m``: ``kron(speye(n2), d2dx1) + kron(d2dx2, speye(n1))``);
    R. J. LeVeque, *Finite Difference Methods for ODEs and PDEs*, SIAM, 2007, Sec. 3.3 (the 5-point Laplacian).

    Examples
    --------
    >>> L = gradient_operator_2d((3, 3), "laplacian")
    >>> L.toarray()[4].reshape(3, 3)             # the centre pixel: the 5-point stencil
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    if kind not in INPAINT_OPERATORS:
        raise ValueError(f"unknown operator {kind!r}; choose one of {', '.join(INPAINT_OPERATORS)}")
    ny, nx = (int(s) for s in shape)
    if ny < 2 or nx < 2:
        raise ValueError(f"each side of the image must be at least 2, got shape {tuple(shape)}")
    Dx, Dy = _diff(nx), _diff(ny)
    if kind == "gradient":
        return sp.vstack([sp.kron(sp.identity(ny), Dx), sp.kron(Dy, sp.identity(nx))], format="csr")
    return (-(sp.kron(sp.identity(ny), Dx.T @ Dx) + sp.kron(Dy.T @ Dy, sp.identity(nx)))).tocsr()


def selection_operator(known, n_pixels: int) -> sp.csr_matrix:
    r"""The selection :math:`P` of the pixels ``known``: the rows ``known`` of the :math:`n \times n` identity.

    .. math::
        (P x)_l = x_{\text{known}_l}, \qquad P^\top d \text{ puts } d_l \text{ at pixel } \text{known}_l
        \text{ and 0 elsewhere}, \qquad P P^\top = I_k .

    Parameters
    ----------
    known : array_like of int, shape (k,)
        Distinct pixel indices in ``0..n_pixels-1``.
    n_pixels : int

    Returns
    -------
    scipy.sparse.csr_matrix, shape (k, n_pixels)
        Row ``i`` picks pixel ``known[i]`` (a single 1).

    Raises
    ------
    ValueError
        If an index is out of range or repeated.

    References
    ----------
    Ruthotto and Haber, Module 2, slide "Detour: Image Inpainting" (the matrix A of the exercise).

    Examples
    --------
    >>> selection_operator([2, 0], 3).toarray()
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    known = np.asarray(known, dtype=np.int64).ravel()
    n = int(n_pixels)
    if known.size and (known.min() < 0 or known.max() >= n):
        raise ValueError(f"pixel indices must lie in 0..{n - 1}")
    if np.unique(known).size != known.size:
        raise ValueError("pixel indices must be distinct")
    return sp.csr_matrix((np.ones(known.size), (np.arange(known.size), known)), shape=(known.size, n))


@dataclass(frozen=True)
class InpaintingProblem:
    r"""An inpainting problem (:func:`inpainting_problem`).

    Attributes
    ----------
    image : ndarray, shape (ny, nx)
        The true image :math:`x_\text{true}`.
    known : ndarray of int, shape (k,)
        The known pixels (indices into the raveled image), sorted.
    d : ndarray, shape (k,)
        The data :math:`P x_\text{true} + \varepsilon`.
    P : scipy.sparse.csr_matrix, shape (k, ny nx)
        The selection (:func:`selection_operator`).
    """

    image: np.ndarray
    known: np.ndarray
    d: np.ndarray
    P: sp.csr_matrix

    @property
    def shape(self) -> tuple[int, int]:
        r"""The image shape :math:`(n_y, n_x)`."""
        return self.image.shape

    @property
    def x_true(self) -> np.ndarray:
        r"""The true image raveled, shape (ny nx,)."""
        return self.image.ravel()

    def operator(self, kind: str = "gradient") -> sp.csr_matrix:
        r"""The regularization operator :math:`G` (:func:`gradient_operator_2d`) for this image.

        Parameters
        ----------
        kind : str
            ``"gradient"`` or ``"laplacian"``.

        Returns
        -------
        scipy.sparse.csr_matrix
        """
        return gradient_operator_2d(self.shape, kind)

    def stacked(self, alpha: float, kind: str = "gradient") -> tuple[sp.csr_matrix, np.ndarray]:
        r"""The stacked least-squares form :math:`K = [P; \sqrt\alpha\, G]`, :math:`r = [d; 0]`.

        :math:`\|K x - r\|^2 = \|P x - d\|^2 + \alpha \|G x\|^2`, twice the objective of the module docstring:
        the same minimizer. CGLS (:func:`numdl_core.lstsq.cgls` with its ``alpha = 0``) iterates on it.

        Parameters
        ----------
        alpha : float
            ``>= 0``.
        kind : str
            ``"gradient"`` or ``"laplacian"``.

        Returns
        -------
        K : scipy.sparse.csr_matrix, shape (k + p, ny nx)
        r : ndarray, shape (k + p,)

        Raises
        ------
        ValueError
            If ``alpha < 0``.
        """
        alpha = check_nonneg("alpha", alpha)
        G = self.operator(kind)
        return (sp.vstack([self.P, np.sqrt(alpha) * G], format="csr"),
                np.concatenate([self.d, np.zeros(G.shape[0])]))

    def normal_residual(self, x, alpha: float, kind: str = "gradient") -> float:
        r"""The relative residual of the normal equations,
        :math:`\|P^\top d - (P^\top P + \alpha G^\top G) x\| / \|P^\top d\|`.

        Parameters
        ----------
        x : array_like, shape (ny nx,)
        alpha : float
        kind : str

        Returns
        -------
        float
        """
        x = np.asarray(x, dtype=np.float64).ravel()
        G = self.operator(kind)
        rhs = self.P.T @ self.d
        return float(np.linalg.norm(rhs - self.P.T @ (self.P @ x) - alpha * (G.T @ (G @ x))) / np.linalg.norm(rhs))


def inpainting_problem(image: str = "peaks", n: int = 64, fraction: float = 0.2, noise: float = 0.0,
                       seed: int = 0) -> InpaintingProblem:
    r"""Keep a random ``fraction`` of the pixels of a test image (:func:`make_image`), with optional noise.

    .. math::
        d = P x_\text{true} + \text{noise}\cdot\|x_\text{true}\|_\infty\, \varepsilon, \qquad
        \varepsilon \sim N(0, I_k), \quad k = \max(1, \operatorname{round}(\text{fraction}\cdot n^2)),

    the k known pixels drawn without replacement by ``numpy.random.default_rng(seed)`` (then the noise).

    Parameters
    ----------
    image, n : str, int
        The test image and its pixels per side, as ``kind`` and ``n`` of :func:`make_image`.
    fraction : float
        Fraction of known pixels, in (0, 1].
    noise : float
        Relative noise level, ``>= 0``.
    seed : int

    Returns
    -------
    InpaintingProblem

    Raises
    ------
    ValueError
        If ``fraction`` is not in (0, 1] or ``noise < 0`` (and see :func:`make_image`).

    References
    ----------
    Ruthotto and Haber, Module 2, slide "Detour: Image Inpainting" (:math:`d_i = f(x_i) + \varepsilon_i`).

    Examples
    --------
    >>> prob = inpainting_problem("peaks", n=16, fraction=0.25, seed=0)
    >>> prob.known.size, prob.P.shape, bool(np.allclose(prob.d, prob.x_true[prob.known]))
    (64, (64, 256), True)
    """
    try:
        fraction = float(fraction)
    except (TypeError, ValueError):
        raise ValueError(f"fraction must be a number in (0, 1], got {fraction!r}") from None
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be a number in (0, 1], got {fraction!r}")
    noise = check_nonneg("noise", noise)
    img = make_image(image, n)
    npix = img.size
    rng = np.random.default_rng(seed)
    known = np.sort(rng.choice(npix, size=max(1, int(round(fraction * npix))), replace=False))
    x = img.ravel()
    d = x[known] + noise * np.abs(x).max() * rng.standard_normal(known.size)
    return InpaintingProblem(image=img, known=known, d=d, P=selection_operator(known, npix))


def inpaint(problem: InpaintingProblem, alpha: float, kind: str = "gradient") -> np.ndarray:
    r"""The inpainted image: the solution of :math:`(P^\top P + \alpha G^\top G)\, x = P^\top d` by a sparse direct
    solver (SuperLU, ``scipy.sparse.linalg.spsolve``).

    Minimizes :math:`\tfrac12\|P x - d\|^2 + \tfrac\alpha2\|G x\|^2`. As :math:`\alpha \to 0` the known pixels are
    reproduced (:math:`P x \to d`) and the others solve :math:`G^\top G x = 0` there: harmonic interpolation for the
    gradient, biharmonic for the Laplacian (smoother, so better on smooth images). A larger alpha trades the fit
    for smoothness, which helps with noisy data. The matrix has about :math:`5n` (gradient) or :math:`13n`
    (Laplacian) nonzeros.

    Parameters
    ----------
    problem : InpaintingProblem
    alpha : float
        ``> 0``.
    kind : str
        ``"gradient"`` or ``"laplacian"`` (:func:`gradient_operator_2d`).

    Returns
    -------
    x : ndarray, shape (ny, nx)

    Raises
    ------
    ValueError
        If ``alpha <= 0`` (the unknown pixels would be undetermined) or ``kind`` is unknown.

    References
    ----------
    Ruthotto and Haber, Module 2 (regularized least squares, :math:`(A^\top A + \lambda G^\top G) x = A^\top c`);
    T. A. Davis, *Direct Methods for Sparse Linear Systems*, SIAM, 2006.

    Examples
    --------
    >>> prob = inpainting_problem("peaks", n=32, fraction=0.2, seed=0)
    >>> [round(float(np.linalg.norm(inpaint(prob, 1e-4, kind) - prob.image) / np.linalg.norm(prob.image)), 2)
    ...  for kind in ("gradient", "laplacian")]     # relative errors: the smoother penalty wins on a smooth image
    [0.23, 0.05]
    """
    alpha = check_nonneg("alpha", alpha)
    if alpha == 0:
        raise ValueError("alpha must be > 0: without the penalty the unknown pixels are undetermined")
    G = problem.operator(kind)
    M = (problem.P.T @ problem.P + alpha * (G.T @ G)).tocsc()
    return spla.spsolve(M, problem.P.T @ problem.d).reshape(problem.shape)
