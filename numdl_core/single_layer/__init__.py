r"""Single-layer networks: the model, its derivatives, ELM, variable projection and the loss surface.

A single hidden layer of ``width`` neurons maps the samples (rows of ``X``, shape ``(n, d)``) to

.. math::
    A = X K + \mathbf 1 b^\top, \qquad Z = \sigma(A), \qquad O = Z W + \mathbf 1 c^\top ,

with :math:`K \in \mathbb R^{d \times m}`, :math:`b \in \mathbb R^m`, :math:`W \in \mathbb R^{m \times C}`,
:math:`c \in \mathbb R^C` and an activation :math:`\sigma` applied entrywise (``"sin"``, ``"tanh"``,
``"relu"``, ``"identity"``). The course writes the same model with samples as columns,
:math:`\mathrm{softmax}(W \sigma(K y + b))`. Every function here works on the flat vector

.. code-block:: python

    theta = np.concatenate([K.ravel(), b, W.ravel(), c])   # K (d, m) and W (m, C) in C order

of length :math:`dm + m + mC + C` (:meth:`SingleLayer.split` and :meth:`SingleLayer.join` convert).
Two losses (means over the samples, plus a Tikhonov term on the weights, biases not regularized):

- ``"softmax"`` (cross-entropy): :math:`f = \frac1n \sum_i -\log \mathrm{softmax}(o_i)_{y_i}
  + \frac\alpha2 (\|K\|_F^2 + \|W\|_F^2)`;
- ``"squared"`` (least squares on one-hot or given targets :math:`Y`):
  :math:`f = \frac1{2n}\|O - Y\|_F^2 + \frac\alpha2 (\|K\|_F^2 + \|W\|_F^2) = \frac12\|r(\theta)\|^2`,
  the form Gauss-Newton and variable projection need.

The package, one module per idea (every name is importable from ``numdl_core.single_layer``):

- :mod:`~numdl_core.single_layer.model`: the objective (:class:`SingleLayer`: value, gradient by
  backpropagation, exact Hessian-vector products for Newton-CG, mini-batches for SGD, the residual and
  matrix-free Jacobian products for Gauss-Newton) and its random hidden layer (:func:`random_hidden`);
- :mod:`~numdl_core.single_layer.training`: the course's data split, the training set-up, the derivative checks
  of a network, and the curvature of the output layer that bounds the SGD learning rate;
- :mod:`~numdl_core.single_layer.extreme_learning`: the extreme learning machine (:func:`elm`: random ``K, b``,
  then ``W, c`` by regularized least squares) and its accuracy against the width;
- :mod:`~numdl_core.single_layer.gauss_newton`: Gauss-Newton for either loss (:func:`generalized_gauss_newton`:
  :math:`J^\top \nabla^2_O \ell\, J`, the Hessian of the loss in the outputs, for the cross-entropy);
- :mod:`~numdl_core.single_layer.variable_projection`: variable projection (:class:`VarPro`, :func:`varpro`:
  ``W, c`` eliminated by an inner least-squares solve);
- :mod:`~numdl_core.single_layer.varpro_gradient`: the Taylor test of the VarPro gradient against the accuracy
  of the inner solve;
- :mod:`~numdl_core.single_layer.surface`: the loss along two random directions (:func:`loss_surface`);
- :mod:`~numdl_core.single_layer.crime`: the "inverse crime" data (:func:`make_inverse_crime`).

Work is counted in data passes as in :mod:`numdl_core.optim`.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes and course code,
Module 4 (single-layer networks, stochastic optimization, Gauss-Newton, variable projection).
G.-B. Huang, Q.-Y. Zhu and C.-K. Siew, Extreme learning machine: theory and applications,
Neurocomputing 70 (2006) 489-501.
G. H. Golub and V. Pereyra, The differentiation of pseudo-inverses and nonlinear least squares
problems whose variables separate, SIAM J. Numer. Anal. 10 (1973) 413-432.
L. Kaufman, A variable projection method for solving separable nonlinear least squares problems,
BIT 15 (1975) 49-57.
D. P. O'Leary and B. W. Rust, Variable projection for nonlinear least squares problems,
Comput. Optim. Appl. 54 (2013) 579-593.
E. Newman, L. Ruthotto, J. Hart and B. van Bloemen Waanders, Train like a (Var)Pro: efficient training
of neural networks with variable projection, SIAM J. Math. Data Sci. 3 (2021) 1041-1066.
H. Li, Z. Xu, G. Taylor, C. Studer and T. Goldstein, Visualizing the loss landscape of neural nets,
NeurIPS 2018 (filter-normalized directions).
"""
from __future__ import annotations

import inspect as _inspect

import numpy as np  # noqa: F401 (the examples in the docstrings use np)

from numdl_core.single_layer import (crime, extreme_learning, gauss_newton, model, surface, training,
                                     variable_projection, varpro_gradient)
from numdl_core.single_layer.model import *  # noqa: F401,F403 (the names of each module's __all__)
from numdl_core.single_layer.training import *  # noqa: F401,F403
from numdl_core.single_layer.extreme_learning import *  # noqa: F401,F403
from numdl_core.single_layer.gauss_newton import *  # noqa: F401,F403
from numdl_core.single_layer.variable_projection import *  # noqa: F401,F403
from numdl_core.single_layer.varpro_gradient import *  # noqa: F401,F403
from numdl_core.single_layer.surface import *  # noqa: F401,F403
from numdl_core.single_layer.crime import *  # noqa: F401,F403

__all__ = [name for mod in (model, training, extreme_learning, gauss_newton, variable_projection, varpro_gradient,
                            surface, crime) for name in mod.__all__]


def _public_here(obj) -> None:
    """Give a re-exported function or class (and the methods of a class) this package as its module: its public
    name, for ``help``, pickling and doctest."""
    obj.__module__ = __name__
    for member in vars(obj).values() if _inspect.isclass(obj) else ():
        for fn in (member, getattr(member, "fget", None)):
            if _inspect.isfunction(fn) and fn.__module__.startswith(__name__ + "."):
                fn.__module__ = __name__


for _name in __all__:
    if _inspect.isfunction(globals()[_name]) or _inspect.isclass(globals()[_name]):
        _public_here(globals()[_name])
