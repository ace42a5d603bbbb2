"""Input checks shared by the numdl_core modules (private).

Every check converts its argument to the array or number the caller computes with and raises ``ValueError``
(or ``TypeError`` for a wrong kind of value) with a message a student can act on.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def check_X(X: Any, name: str = "X", n_features: int | None = None, min_samples: int = 1) -> np.ndarray:
    """Check a data matrix with samples as rows.

    Parameters
    ----------
    X : array_like
        The samples, shape ``(n_samples, n_features)``.
    name : str, optional
        The argument's name in error messages.
    n_features : int, optional
        The number of columns the model was built for; not checked if None.
    min_samples : int, optional
        The fewest rows accepted.

    Returns
    -------
    numpy.ndarray
        ``X`` as a float64 array.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, has fewer than ``min_samples`` rows, the wrong number of columns or non-finite
        entries.
    TypeError
        If ``X`` is not numeric (None, strings).
    """
    X = as_float_array(name, X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features) with samples as rows, "
                         f"got shape {X.shape}")
    if X.shape[0] < min_samples:
        if min_samples <= 1:
            raise ValueError(f"{name} has no samples (shape {X.shape})")
        raise ValueError(f"{name} needs at least {min_samples} samples (rows), got {X.shape[0]}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features (columns) but the model was built for {n_features}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return X


def as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array; ``TypeError`` naming ``name`` for None, a string or anything not numeric.

    Parameters
    ----------
    name : str
        The argument's name in the error message.
    value : array_like
        Numbers (a scalar, a nested list, an array).

    Returns
    -------
    numpy.ndarray
        float64; entries are not checked (nan and inf pass).

    Raises
    ------
    TypeError
        If ``value`` is None, holds strings or cannot be converted to float64.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {value!r}")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from None


def check_array(name: str, value: Any, ndim: int | None = None, *, shape: tuple | None = None,
                finite: bool = True, nonempty: bool = True) -> np.ndarray:
    """Check an array argument: numbers, the number of dimensions, the shape, no zero size, finite entries.

    Parameters
    ----------
    name : str
        The argument's name in the error message.
    value : array_like
        The array.
    ndim : int, optional
        The required number of dimensions (not checked if None).
    shape : tuple, optional
        The required shape; an entry None matches any length.
    finite : bool, optional
        Refuse nan and infinite entries.
    nonempty : bool, optional
        Refuse a zero-size array.

    Returns
    -------
    numpy.ndarray
        ``value`` as float64.

    Raises
    ------
    TypeError
        If ``value`` is not numeric (:func:`as_float_array`).
    ValueError
        For the wrong number of dimensions or shape, zero size, or non-finite entries.
    """
    a = as_float_array(name, value)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {a.shape}")
    if shape is not None and (a.ndim != len(shape) or any(n is not None and n != m for n, m in zip(shape, a.shape))):
        want = "(" + ", ".join("any" if n is None else str(n) for n in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    if nonempty and a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return a


def check_labels(y: Any, n_samples: int, n_classes: int | None = None) -> np.ndarray:
    """Check integer class labels, one per sample.

    Parameters
    ----------
    y : array_like
        The labels, shape ``(n_samples,)``; integer-valued floats or booleans are accepted.
    n_samples : int
        The number of rows of ``X``.
    n_classes : int, optional
        The number of classes ``C``: labels must lie in ``0..C-1``. If None, labels need only be ``>= 0``.

    Returns
    -------
    numpy.ndarray
        ``y`` as an int64 array.

    Raises
    ------
    ValueError
        If ``y`` has the wrong shape or a label outside ``0..C-1`` (negative if ``n_classes`` is None).
    TypeError
        If ``y`` does not hold integers.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(f"y must be a 1-D array with one label per row of X ({n_samples}), got shape {y.shape}")
    if y.dtype.kind not in "iu":
        if not (y.dtype.kind in "fb" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
            raise TypeError(f"y must hold integer class labels 0..C-1, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and n_classes is not None and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels y must lie in 0..{n_classes - 1} for n_classes = {n_classes}, "
                         f"found values in {int(y.min())}..{int(y.max())}")
    if y.size and y.min() < 0:
        raise ValueError(f"labels y must be >= 0, found {int(y.min())}")
    return y


def _finite(name: str, value: Any, ok: Callable[[float], bool], must: str) -> float:
    """``value`` as a float if it is finite and ``ok(value)``; else ``ValueError("{name} must {must}, got ...")``."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not (np.isfinite(value) and ok(value)):
        raise ValueError(f"{name} must {must}, got {value}")
    return value


def _range_check(requirement: str, examples: str) -> Callable[[Callable], Callable]:
    """Give a check of a finite float in a range its docstring (one text for all of them, as scipy's ``doccer``)."""
    def document(fn: Callable) -> Callable:
        fn.__doc__ = f"""Check {requirement}.

    Parameters
    ----------
    name : str
        The argument's name in the error message.
    value : float
        {examples}

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``value`` is not {requirement} (nan and infinities never are).
    TypeError
        If ``value`` is not a number (None, a string).
    """
        return fn
    return document


@_range_check("a finite number ``>= 0``", "A regularization weight, a damping or a tolerance.")
def check_nonneg(name: str, value: Any) -> float:
    return _finite(name, value, lambda v: v >= 0, "be a finite number >= 0")


@_range_check("a positive finite number", "A step length, a learning rate or a tolerance.")
def check_positive(name: str, value: Any) -> float:
    return _finite(name, value, lambda v: v > 0, "be a positive finite number")


@_range_check("a number in ``[0, 1)``", "A momentum or an averaging weight.")
def check_fraction(name: str, value: Any) -> float:
    return _finite(name, value, lambda v: 0.0 <= v < 1.0, "lie in [0, 1)")


def check_count(name: str, value: Any, minimum: int = 1) -> int:
    """Check an integer ``>= minimum`` (an iteration count); integral floats such as ``20.0`` are accepted.

    Parameters
    ----------
    name : str
        The argument's name in the error message.
    value : int
        The count.
    minimum : int, optional
        The smallest value accepted.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``value`` is not a whole number ``>= minimum``.
    """
    try:
        whole = not isinstance(value, (bool, np.bool_)) and float(value) == int(value)
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {int(value)}")
    return int(value)


def check_flag(name: str, value: Any) -> bool:
    """Check a boolean switch: a Python or numpy bool, or the integer 0 or 1.

    Parameters
    ----------
    name : str
        The argument's name in the error message.
    value : bool

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If ``value`` is not a bool.
    """
    if not (isinstance(value, (bool, np.bool_)) or (isinstance(value, (int, np.integer)) and value in (0, 1))):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_stop(tol: Any, maxiter: Any) -> tuple[float, int]:
    """Check the stopping keywords of an iterative method (:mod:`numdl_core.iterate`, rule 3).

    Parameters
    ----------
    tol : float
        A finite number ``>= 0``.
    maxiter : int
        An integer ``>= 0``.

    Returns
    -------
    tuple of (float, int)
        ``(tol, maxiter)``.

    Raises
    ------
    ValueError
        If either is out of range.
    """
    return check_nonneg("tol", tol), check_count("maxiter", maxiter, minimum=0)
