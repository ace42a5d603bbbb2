"""Your own 2-D data: the pure part (no Streamlit): parse and validate a CSV, write one, apply a click.

A student's file is text with one point per line, ``x1,x2,label`` (an optional header line ``x1,x2,label``).
:func:`parse_points_csv` accepts nothing else and says what is wrong, and where, in a ``ValueError``; nothing in the
file is evaluated or unpickled, numbers are matched by a regular expression before ``float``. :func:`points_csv`
writes the same format, :func:`apply_click` adds or removes a point where the student clicked.
"""
from __future__ import annotations

import csv
import re
from typing import Sequence

import numpy as np

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_ABS", "MIN_POINTS", "HEADER", "parse_points_csv", "points_csv",
           "apply_click", "apply_selection", "escape_markdown", "quoted"]

MAX_BYTES = 200_000  # a file of 2000 points with 16-digit coordinates is ~80 kB
MAX_ROWS = 2000
MAX_ABS = 1e6
MIN_POINTS = 4
HEADER = ("x1", "x2", "label")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_LINES = re.compile(r"\r\n|\r|\n")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def quoted(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message: control characters escaped, cut to ``limit`` characters."""
    s = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text[:limit])
    return f"'{s}'" + ("…" if len(text) > limit else "")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown-active character backslash-escaped (and newlines as spaces): shown verbatim
    by ``st.error`` / ``st.markdown``, never as links, images, HTML, LaTeX or coloured text."""
    return _MD_SPECIAL.sub(r"\\\1", str(text).replace("\r", " ").replace("\n", " "))


def _number(field: str, line: int, column: str) -> float:
    s = field.strip()
    if _NONFINITE.fullmatch(s):
        raise ValueError(f"line {line}, column {column}: NaN or infinite value {quoted(s)}; every value must be a "
                         "finite number.")
    if not _NUMBER.fullmatch(s):
        what = "an empty field" if not s else quoted(s)
        raise ValueError(f"line {line}, column {column}: {what} is not a number.")
    v = float(s)
    if not np.isfinite(v):
        raise ValueError(f"line {line}, column {column}: {quoted(s)} overflows to infinity (NaN or inf are not "
                         "allowed).")
    return v


def _label(field: str, line: int, n_classes: int | None) -> int:
    v = _number(field, line, "label")
    if v < 0 or v != int(v):
        raise ValueError(f"line {line}: label {quoted(field.strip())} is not an integer ≥ 0 (labels are classes 0, "
                         "1, 2, …).")
    k = int(v)
    if n_classes == 1 and k != 0:
        raise ValueError(f"line {line}: label {k}, but this page takes unlabelled points (one class): every label "
                         "must be 0.")
    if n_classes is not None and k >= n_classes:
        raise ValueError(f"line {line}: label {k}, but this page supports at most {n_classes} classes (labels 0 to "
                         f"{n_classes - 1}).")
    return k


def _is_header(fields: Sequence[str]) -> bool:
    return not all(_NUMBER.fullmatch(f.strip()) or _NONFINITE.fullmatch(f.strip()) for f in fields)


def parse_points_csv(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, max_abs: float = MAX_ABS,
                     n_classes: int | None = None, min_classes: int = 1,
                     min_points: int = MIN_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Parse a CSV of 2-D labelled points, ``x1,x2,label`` per line, and check it strictly.

    Accepted: UTF-8 text (a byte-order mark is ignored), LF or CRLF line ends, blank lines, spaces around values,
    an optional first line ``x1,x2,label`` (any case). Coordinates are decimal numbers (``1``, ``-0.5``, ``2e-3``)
    with :math:`|x| \\le` ``max_abs``; labels are integers :math:`0 \\le k <` ``n_classes`` (``1.0`` is 1).

    Parameters
    ----------
    data : bytes
        The file's content.
    max_bytes, max_rows : int
        Size cap of the file and of the number of points.
    max_abs : float
        Largest coordinate magnitude accepted.
    n_classes : int, optional
        Classes the page supports (labels ``0..n_classes - 1``); ``None``: any.
    min_classes : int
        Distinct labels needed (2 when the page trains a classifier).
    min_points : int
        Fewest points accepted.

    Returns
    -------
    X : ndarray, shape (n, 2), float64
    y : ndarray, shape (n,), int64

    Raises
    ------
    TypeError
        If ``data`` is not bytes.
    ValueError
        Naming the problem (and its line): empty, too large, not UTF-8 text, a header other than ``x1,x2,label``,
        wrong number of columns, not a number, NaN / inf, out of range, a bad label, too many rows, too few points
        or too few classes.

    Examples
    --------
    >>> X, y = parse_points_csv(b"x1,x2,label\\r\\n0,0,0\\r\\n1,0,0\\r\\n0,1,1\\r\\n1,1,1\\r\\n")
    >>> X.shape, y.tolist()
    ((4, 2), [0, 0, 1, 1])
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ValueError(f"The file is too large: {len(data):,} bytes (at most {max_bytes:,} bytes).")
    if not data.strip():
        raise ValueError("The file is empty: expected lines x1,x2,label.")
    if b"\x00" in data:
        raise ValueError("The file is not UTF-8 text (it contains NUL bytes: a binary file?).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"The file is not UTF-8 text (undecodable byte at position {err.start}). Save it as "
                         "UTF-8 CSV.") from None
    X, y, header_seen = [], [], False
    for number, line in enumerate(_LINES.split(text), start=1):
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line], strict=True))
        except csv.Error as err:
            raise ValueError(f"line {number}: malformed CSV ({err}).") from None
        if not X and not header_seen and _is_header(fields):
            if tuple(f.strip().lower() for f in fields) != HEADER:
                raise ValueError(f"line {number}: unexpected header {quoted(line.strip(), 40)}; the only header "
                                 "accepted is x1,x2,label (or no header: numbers from the first line).")
            header_seen = True
            continue
        if len(fields) != 3:
            raise ValueError(f"line {number}: expected 3 columns (x1, x2, label), found {len(fields)}.")
        if len(X) >= max_rows:
            raise ValueError(f"Too many rows: more than {max_rows:,} points (line {number}); this page takes at most "
                             f"{max_rows:,}.")
        p = [_number(fields[0], number, "x1"), _number(fields[1], number, "x2")]
        if max(abs(p[0]), abs(p[1])) > max_abs:
            raise ValueError(f"line {number}: coordinate {max(p, key=abs):g} is out of range (|x| ≤ {max_abs:g}).")
        y.append(_label(fields[2], number, n_classes))
        X.append(p)
    if len(X) < min_points:
        raise ValueError(f"Too few points: {len(X)} (at least {min_points}).")
    classes = np.unique(y)
    if classes.size < min_classes:
        raise ValueError(f"Only {classes.size} class (label {classes[0]}): this page needs at least {min_classes} "
                         "classes (different labels).")
    return np.asarray(X, dtype=float).reshape(-1, 2), np.asarray(y, dtype=np.int64)


def points_csv(X: np.ndarray, y: np.ndarray) -> bytes:
    """The points as CSV (header ``x1,x2,label``, ``repr`` precision): what :func:`parse_points_csv` reads back."""
    X, y = np.asarray(X, dtype=float).reshape(-1, 2), np.asarray(y).astype(int).ravel()
    rows = [",".join(HEADER)] + [f"{a!r},{b!r},{k}" for (a, b), k in zip(X.tolist(), y.tolist())]
    return ("\n".join(rows) + "\n").encode()


def apply_click(X: np.ndarray, y: np.ndarray, point: tuple[float, float], *, mode: str, label: int,
                target: int | None = None, radius: float = 0.0,
                max_points: int = MAX_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """The data after a click at ``point``.

    ``mode="add"``: a point of class ``label`` at ``point`` (unless there are ``max_points`` already).
    ``mode="remove"``: the point with index ``target`` (a click on a data point), or else the data point nearest
    to ``point`` if it is within ``radius`` (a click on the empty plot next to it); nothing if none is.

    Parameters
    ----------
    X : ndarray, shape (n, 2); y : ndarray, shape (n,)
    point : (float, float)
    mode : {"add", "remove"}
    label : int
    target : int, optional
    radius : float
    max_points : int

    Returns
    -------
    X, y : new arrays (the inputs are not changed)

    Examples
    --------
    >>> X, y = apply_click(np.zeros((0, 2)), np.zeros(0, int), (1.0, 2.0), mode="add", label=1)
    >>> X.tolist(), y.tolist()
    ([[1.0, 2.0]], [1])
    >>> apply_click(X, y, (1.1, 2.0), mode="remove", label=0, radius=0.2)[1].size
    0
    """
    X, y = np.asarray(X, dtype=float).reshape(-1, 2), np.asarray(y, dtype=np.int64).ravel()
    if mode == "add":
        if y.size >= max_points:
            return X.copy(), y.copy()
        return np.vstack([X, [[float(point[0]), float(point[1])]]]), np.append(y, int(label))
    if mode != "remove":
        raise ValueError(f"mode must be 'add' or 'remove', got {mode!r}")
    if target is None and y.size:
        d = np.hypot(X[:, 0] - point[0], X[:, 1] - point[1])
        target = int(np.argmin(d)) if d.min() <= radius else None
    if target is None or not 0 <= target < y.size:
        return X.copy(), y.copy()
    keep = np.arange(y.size) != target
    return X[keep], y[keep]


def apply_selection(X: np.ndarray, y: np.ndarray, point: dict, *, classes: int, mode: str, label: int,
                    radius: float, max_points: int = MAX_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """The data after a click reported by ``st.plotly_chart`` (a selected point: ``curve_number``,
    ``point_index``, ``x``, ``y``) on the editor's figure: trace 0 is the grid of click targets, trace
    :math:`c \\ge 1` the points of the :math:`c`-th class present in ``y`` (in class order).

    A click on a data point in mode ``"remove"`` removes that point; any other click is :func:`apply_click` at
    the clicked coordinates.

    Examples
    --------
    >>> X, y = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), np.array([0, 2, 2])
    >>> apply_selection(X, y, {"curve_number": 2, "point_index": 1, "x": 2.0, "y": 2.0}, classes=3,
    ...                 mode="remove", label=0, radius=0.1)[0].tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    X, y = np.asarray(X, dtype=float).reshape(-1, 2), np.asarray(y, dtype=np.int64).ravel()
    curve, index = int(point.get("curve_number", 0)), int(point.get("point_index", point.get("point_number", 0)))
    present = [k for k in range(classes) if np.any(y == k)]
    target = None
    if mode == "remove" and 1 <= curve <= len(present):
        rows = np.flatnonzero(y == present[curve - 1])
        target = int(rows[index]) if 0 <= index < rows.size else None
    return apply_click(X, y, (float(point["x"]), float(point["y"])), mode=mode, label=label, target=target,
                       radius=radius, max_points=max_points)
