"""Property-based tests of the public numerical functions of numdl_core (issue 13, "faults and bad input").

Each function in ``SPECS`` (38 across lstsq, checks, derivatives, data, conv, resnet, classify, logistic,
spectral, sparse, mlp and the theory modules) gets random *valid* arguments (small shapes, finite entries) from a
hypothesis strategy: the result must be finite (every number, array entry or sparse entry; objectives are
evaluated). Then each listed corruption of each argument is tried on random valid arguments: a nan or inf entry,
a wrong number of dimensions, shapes that do not match, a zero-size array, a zero, negative, fractional or
non-finite number or size, an unknown name, a string or None where a number or an array is expected. A
corrupted call must raise ``ValueError`` or ``TypeError`` whose message names the corrupted argument (for a
mismatch between two arguments, either of them) -- never another exception (IndexError, ZeroDivisionError,
LinAlgError, AttributeError...), never a numpy RuntimeWarning (warnings are errors here), never a silent result.

Two deliberate exceptions, marked in the table:

- ``propagates``: the kernels the iterative methods call on every iterate (softmax, sigmoid, soft
  thresholding, the ResNet forward and backward passes, the losses; for the dropout loss only the weights). A nan or inf entry flows through to the
  result, so that a diverging run ends with a Step that says ``diverged`` and why (numdl_core.iterate, rule 3);
  raising there would end the run with an exception instead. Wrong types and shapes are still refused.
- labels ``"edge: ..."``: limit cases with a meaningful answer (an empty batch, a 1-D array documented as points
  on a line or one sample, a zero truncation index, an all-zero matrix): a finite answer or a refusal.

Seeded and deterministic (``derandomize=True``, no shrinking phase), about 20 s on one core.
"""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Callable

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from numdl_core import checks, classify, conv, data, derivatives, logistic, lstsq, mlp, resnet, spectral
from numdl_core import sparse as nsparse
from numdl_core.theory import dropout, dynamics, generative, implicit_bias, information, ntk
from numdl_core.theory import sparse as tsparse

EXAMPLES = 30
BAD_EXAMPLES = 3

# entries on a 1e-6 grid: tiny distinct values (1e-276) whose squared distances underflow to 0 are another story
# (scipy's k-means++ divides 0 by 0 on them), left out here
F = st.floats(-3.0, 3.0, allow_nan=False).map(lambda v: round(v, 6))


def arr(draw, *shape, elements=F) -> np.ndarray:
    return draw(hnp.arrays(np.float64, shape, elements=elements))


def dim(lo: int = 1, hi: int = 5) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


# ------------------------------------------------------------------------------------------------
# corruptions: (label, function of the valid value) -> the bad value
# ------------------------------------------------------------------------------------------------
def _poke(value, bad):
    a = np.array(value, dtype=float, copy=True)
    a.flat[a.size // 2] = bad
    return a


NAN = ("nan entry", lambda v: _poke(v, np.nan))
INF = ("inf entry", lambda v: _poke(v, np.inf))
TEXT = ("a string", lambda v: "abc")
NONE = ("None", lambda v: None)
FLAT = ("one dimension less", lambda v: np.asarray(v).ravel())
EMPTY = ("zero size", lambda v: np.asarray(v, float)[:0])
SHORT = ("one row less", lambda v: np.asarray(v)[:-1])
EDGE_EMPTY = ("edge: zero size", EMPTY[1])  # an empty batch: an empty answer is as good as a refusal
EDGE_FLAT = ("edge: one dimension less", FLAT[1])  # documented: a 1-D array is points on a line or one sample
ARRAY = [NAN, INF, TEXT, NONE]
POSITIVE = [("zero", lambda v: 0.0), ("negative", lambda v: -1.0), ("nan", lambda v: math.nan),
            ("inf", lambda v: math.inf), TEXT, NONE]
FINITE = [("nan", lambda v: math.nan), ("inf", lambda v: math.inf), TEXT, NONE]  # any sign: h < 0 runs backwards
NONNEG = [("negative", lambda v: -0.5), ("nan", lambda v: math.nan), ("inf", lambda v: math.inf), TEXT, NONE]
COUNT = [("zero", lambda v: 0), ("negative", lambda v: -1), ("fraction", lambda v: 1.5), TEXT, NONE]
NAME = [("unknown name", lambda v: "no_such_name"), ("a number", lambda v: 3), NONE]


@dataclass
class Spec:
    """A function, a strategy for valid keyword arguments, and the corruptions of each argument."""

    fn: Callable
    valid: Callable  # hypothesis composite: draw -> dict of arguments
    bad: dict  # {argument: [(label, corrupt)]}
    post: Callable | None = None  # the result -> what must be finite (e.g. an objective's value and gradient)
    names: dict | None = None  # {argument: other words a message may use for it}
    propagates: bool | set = False  # nan and inf entries (of these arguments) propagate to the result


def _finite(value: Any) -> bool:
    """Every number inside ``value`` is finite (arrays, sparse matrices, tuples, dataclasses)."""
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return True
    if sp.issparse(value):
        return bool(np.all(np.isfinite(value.data)))
    if isinstance(value, (int, float, complex, np.number)):
        return bool(np.isfinite(value))
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or bool(np.all(np.isfinite(value)))
    if isinstance(value, (tuple, list)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if is_dataclass(value):
        return all(_finite(getattr(value, f.name)) for f in fields(value))
    return True


def _vg(obj) -> tuple:
    return obj.value_and_grad(np.linspace(-0.5, 0.5, obj.n_params))


# ------------------------------------------------------------------------------------------------
# valid arguments
# ------------------------------------------------------------------------------------------------
@st.composite
def v_solve(draw):
    m = draw(dim(1, 6))
    n = draw(dim(1, m))
    A = arr(draw, m, n)
    A[:n] += 10 * np.eye(n)  # full column rank (rank-deficient A with alpha = 0 is refused by "normal")
    return {"A": A, "b": arr(draw, m), "method": draw(st.sampled_from(["normal", "qr", "svd"])),
            "alpha": draw(st.sampled_from([0.0, 1e-3, 1.0]))}


@st.composite
def v_tsvd(draw):
    m, n = draw(dim(1, 6)), draw(dim(1, 6))
    return {"A": arr(draw, m, n), "b": arr(draw, m), "k": draw(st.integers(1, min(m, n)))}


@st.composite
def v_objective(draw):
    m, n = draw(dim()), draw(dim())
    return {"A": arr(draw, m, n), "b": arr(draw, m), "x": arr(draw, n), "alpha": draw(st.sampled_from([0.0, 0.5]))}


@st.composite
def v_filter_factors(draw):
    s = np.sort(arr(draw, draw(dim()), elements=st.floats(0.01, 5.0)))[::-1]
    return {"s": s, "alpha": draw(st.sampled_from([1e-3, 0.1, 1.0]))}


def _quad(x):
    x = np.asarray(x, float)
    return float(x @ x + np.sum(np.sin(x))), 2 * x + np.cos(x)


@st.composite
def v_derivative_check(draw):
    n = draw(dim())
    return {"fun": _quad, "x": arr(draw, n), "v": arr(draw, n, elements=st.floats(0.1, 1.0)),
            "n": draw(st.integers(2, 12))}


@st.composite
def v_make_dataset(draw):
    return {"name": draw(st.sampled_from(["moons", "circles", "spirals", "blobs", "peaks"])),
            "n_samples": draw(st.integers(5, 60)), "noise": draw(st.sampled_from([0.0, 0.1, 0.5])),
            "seed": draw(st.integers(0, 5))}


@st.composite
def v_conv2d(draw):
    N, C, Co, H, W = draw(dim(1, 2)), draw(dim(1, 2)), draw(dim(1, 2)), draw(dim(2, 6)), draw(dim(2, 6))
    kh, kw = draw(dim(1, H)), draw(dim(1, W))
    return {"x": arr(draw, N, C, H, W), "w": arr(draw, Co, C, kh, kw), "stride": draw(dim(1, 2)),
            "padding": draw(st.integers(0, 1))}


@st.composite
def v_conv2d_matrix(draw):
    d = draw(v_conv2d())
    return {"w": d["w"], "input_shape": d["x"].shape[1:], "stride": d["stride"], "padding": d["padding"]}


@st.composite
def v_conv_output_shape(draw):
    H, W = draw(dim(1, 9)), draw(dim(1, 9))
    return {"input_hw": (H, W), "kernel_hw": (draw(dim(1, H)), draw(dim(1, W))), "stride": draw(dim(1, 3)),
            "padding": draw(st.integers(0, 2))}


@st.composite
def v_pool(draw):
    size = draw(dim(1, 3))
    return {"x": arr(draw, draw(dim(1, 2)), draw(dim(1, 2)), draw(dim(size, 6)), draw(dim(size, 6))), "size": size}


@st.composite
def v_conv1d_periodic(draw):
    n = draw(dim(1, 8))
    return {"y": arr(draw, n), "kernel": arr(draw, 2 * draw(st.integers(0, (n - 1) // 2)) + 1)}  # odd taps


@st.composite
def v_gaussian_kernel(draw):
    return {"size": 2 * draw(st.integers(0, 4)) + 1, "sigma": draw(st.floats(0.1, 5.0))}  # odd sizes


@st.composite
def v_forward(draw):
    L, n, d = draw(dim(1, 4)), draw(dim(1, 4)), draw(dim(1, 3))
    return {"Y0": arr(draw, n, d), "K": arr(draw, L, d, d), "b": arr(draw, L, d), "h": draw(st.floats(0.01, 1.0)),
            "activation": draw(st.sampled_from(["tanh", "relu", "identity"])),
            "scheme": draw(st.sampled_from(["euler", "rk4"]))}


@st.composite
def v_backward(draw):
    f = draw(v_forward())
    f["scheme"] = "euler"
    Y = resnet.forward(**f)
    return {"Y": Y, "K": f["K"], "b": f["b"], "h": f["h"], "dYL": arr(draw, *Y.shape[1:]),
            "activation": f["activation"]}


@st.composite
def v_matrix(draw):
    return {"Z": arr(draw, draw(dim()), draw(dim()), elements=st.floats(-800, 800))}


@st.composite
def v_scores(draw):
    return {"z": arr(draw, draw(dim()), elements=st.floats(-800, 800))}


@st.composite
def v_classifier(draw):
    n, d, c = draw(dim(1, 8)), draw(dim(1, 3)), draw(dim(2, 3))
    return {"X": arr(draw, n, d), "y": draw(hnp.arrays(np.int64, n, elements=st.integers(0, c - 1))),
            "n_classes": c, "alpha": draw(st.sampled_from([0.0, 0.1]))}


@st.composite
def v_mlp(draw):
    d = draw(v_classifier())
    return {**d, "widths": draw(st.lists(dim(1, 4), min_size=1, max_size=3)),
            "activation": draw(st.sampled_from(["tanh", "relu"]))}


@st.composite
def v_similarity(draw):
    n = draw(dim(2, 8))
    return {"X": arr(draw, n, 2), "sigma": draw(st.floats(0.1, 3.0)),
            "n_neighbors": draw(st.one_of(st.none(), st.integers(1, n - 1)))}


@st.composite
def v_laplacian(draw):
    n = draw(dim(2, 6))
    W = arr(draw, n, n, elements=st.floats(0.0, 1.0))
    W = np.triu(W, 1) + np.triu(W, 1).T + 1e-3 * (1 - np.eye(n))
    return {"W": W, "kind": draw(st.sampled_from(["unnormalized", "sym", "rw"]))}


@st.composite
def v_spectral_clustering(draw):
    n = draw(dim(4, 12))
    return {"X": arr(draw, n, 2), "n_clusters": draw(dim(1, 3)), "sigma": draw(st.floats(0.3, 3.0)),
            "laplacian": draw(st.sampled_from(["unnormalized", "sym", "rw"])), "n_init": 2}


@st.composite
def v_kmeans(draw):
    X = arr(draw, draw(dim(2, 10)), draw(dim(1, 3)))
    return {"X": X, "k": draw(dim(1, len(np.unique(X, axis=0)))), "n_init": 2}  # no more clusters than points


@st.composite
def v_ari(draw):
    n = draw(dim(1, 10))
    lab = hnp.arrays(np.int64, n, elements=st.integers(0, 3))
    return {"labels_true": draw(lab), "labels_pred": draw(lab)}


@st.composite
def v_soft_threshold(draw):
    return {"v": arr(draw, draw(dim())), "tau": draw(st.floats(0.0, 2.0))}


@st.composite
def v_dropout_loss(draw):
    n, d = draw(dim()), draw(dim())
    return {"X": arr(draw, n, d), "y": arr(draw, n), "w": arr(draw, d), "p": draw(st.floats(0.05, 1.0))}


@st.composite
def v_logistic_loss(draw):
    n, d = draw(dim()), draw(dim())
    return {"X": arr(draw, n, d), "y": draw(hnp.arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0]))),
            "w": arr(draw, d)}


@st.composite
def v_effective_rank(draw):
    return {"W": arr(draw, draw(dim()), draw(dim()), elements=st.floats(0.5, 3.0))}


@st.composite
def v_entropy(draw):
    return {"a": draw(hnp.arrays(np.int64, draw(dim(1, 12)), elements=st.integers(0, 3)))}


@st.composite
def v_mutual_information(draw):
    n = draw(dim(1, 12))
    lab = hnp.arrays(np.int64, n, elements=st.integers(0, 3))
    return {"a": draw(lab), "b": draw(lab)}


@st.composite
def v_relu_ntk(draw):
    d = draw(dim(1, 3))
    unit = st.floats(0.2, 3.0)
    return {"X1": arr(draw, draw(dim()), d, elements=unit), "X2": arr(draw, draw(dim()), d, elements=unit)}


@st.composite
def v_gaussian_kl(draw):
    n, k = draw(dim()), draw(dim(1, 3))
    return {"mu": arr(draw, n, k), "logvar": arr(draw, n, k)}


@st.composite
def v_lasso(draw):
    m, n = draw(dim()), draw(dim())
    return {"A": arr(draw, m, n), "b": arr(draw, m), "lam": draw(st.floats(0.0, 2.0)), "x": arr(draw, n)}


@st.composite
def v_terminal_loss(draw):
    n, d = draw(dim()), draw(dim(1, 3))
    return {"YL": arr(draw, n, d), "C": arr(draw, n, d)}


@st.composite
def v_make_function(draw):
    return {"name": draw(st.sampled_from(derivatives.FUNCTIONS)), "n": draw(dim(2, 8)), "seed": draw(st.integers(0, 3))}


def _at_start(fun) -> tuple:
    return fun.value_and_grad(fun.x0), fun.hess_vec(fun.x0, np.ones(fun.n))


MISMATCH_ROWS = ("rows that do not match", lambda v: np.asarray(v)[:-1] if np.shape(v)[0] > 1 else
                 np.concatenate([v, v]))

SPECS = {
    "lstsq.solve": Spec(lstsq.solve, v_solve, {
        "A": ARRAY + [FLAT, MISMATCH_ROWS], "b": ARRAY + [MISMATCH_ROWS], "alpha": NONNEG, "method": NAME}),
    "lstsq.tsvd": Spec(lstsq.tsvd, v_tsvd, {"A": ARRAY + [FLAT], "b": ARRAY + [MISMATCH_ROWS],
                                            "k": [("edge: zero", lambda v: 0), *COUNT[1:],
                                                  ("too large", lambda v: 100)]}),
    "lstsq.objective": Spec(lstsq.objective, v_objective, {
        "A": ARRAY, "b": ARRAY + [MISMATCH_ROWS], "x": ARRAY + [MISMATCH_ROWS], "alpha": NONNEG}),
    "lstsq.filter_factors": Spec(lstsq.filter_factors, v_filter_factors, {"s": ARRAY + [EDGE_EMPTY], "alpha": NONNEG[:-1]}),
    "checks.derivative_check": Spec(checks.derivative_check, v_derivative_check, {
        "x": ARRAY + [EMPTY], "v": ARRAY[:-1] + [MISMATCH_ROWS], "n": COUNT,
        "fun": [("not callable", lambda v: 3.0), NONE]},
        post=lambda r: (r.h, r.err0, r.err1, r.order0, r.order)),  # order2 is nan without hess_vec
    "derivatives.make_function": Spec(derivatives.make_function, v_make_function, {
        "name": NAME, "n": COUNT + [("one", lambda v: 1)], "seed": [("negative", lambda v: -1), TEXT]}, post=_at_start),
    "data.make_dataset": Spec(data.make_dataset, v_make_dataset, {
        "name": NAME, "n_samples": COUNT, "noise": NONNEG, "seed": [("negative", lambda v: -1), TEXT]}),
    "conv.conv2d": Spec(conv.conv2d, v_conv2d, {
        "x": ARRAY + [FLAT, EDGE_EMPTY], "w": ARRAY + [FLAT, ("channels that do not match", lambda v: np.concatenate(
            [v, v], axis=1))], "stride": COUNT, "padding": [("negative", lambda v: -1), ("fraction", lambda v: 0.5),
                                                             TEXT]}),
    "conv.conv2d_matrix": Spec(conv.conv2d_matrix, v_conv2d_matrix, {
        "w": ARRAY + [FLAT], "input_shape": [("two numbers", lambda v: v[1:]), ("negative", lambda v: (-1, *v[1:])),
                                             TEXT, NONE], "stride": COUNT}),
    "conv.conv_output_shape": Spec(conv.conv_output_shape, v_conv_output_shape, {
        "input_hw": [("zero", lambda v: (0, v[1])), ("one number", lambda v: v[:1]), TEXT, NONE],
        "kernel_hw": [("too large", lambda v: (100, v[1])), ("zero", lambda v: (0, v[1])), NONE],
        "stride": COUNT, "padding": [("negative", lambda v: -1), TEXT]}),
    "conv.max_pool2d": Spec(conv.max_pool2d, v_pool, {"x": ARRAY + [FLAT, EDGE_EMPTY], "size": COUNT}),
    "conv.avg_pool2d": Spec(conv.avg_pool2d, v_pool, {"x": ARRAY + [FLAT, EDGE_EMPTY], "size": COUNT}),
    "conv.conv1d_periodic": Spec(conv.conv1d_periodic, v_conv1d_periodic, {
        "y": ARRAY + [EMPTY], "kernel": ARRAY + [EMPTY, ("longer than y", lambda v: np.zeros(20))]}),
    "conv.gaussian_kernel": Spec(conv.gaussian_kernel, v_gaussian_kernel, {"size": COUNT, "sigma": POSITIVE}),
    "resnet.forward": Spec(resnet.forward, v_forward, {
        "Y0": ARRAY + [FLAT, ("columns that do not match", lambda v: np.c_[v, v])], "K": ARRAY + [FLAT],
        "b": ARRAY + [SHORT], "h": FINITE, "activation": NAME, "scheme": NAME}, propagates=True),
    "resnet.backward": Spec(resnet.backward, v_backward, {
        "Y": ARRAY + [FLAT, SHORT], "K": ARRAY + [SHORT], "b": ARRAY, "h": FINITE, "dYL": ARRAY + [FLAT],
        "activation": NAME}, propagates=True),
    "classify.softmax": Spec(classify.softmax, v_matrix, {"Z": ARRAY + [EDGE_EMPTY]}, propagates=True),
    "classify.log_softmax": Spec(classify.log_softmax, v_matrix, {"Z": ARRAY + [EDGE_EMPTY]}, propagates=True),
    "classify.softmax_regression": Spec(classify.softmax_regression, v_classifier, {
        "X": ARRAY + [FLAT, EMPTY, MISMATCH_ROWS], "y": [("negative label", lambda v: v - 5), ("fractional labels",
                                                                                              lambda v: v + 0.5),
                                                          MISMATCH_ROWS, NONE], "n_classes": COUNT,
        "alpha": NONNEG}, post=_vg),
    "logistic.sigmoid": Spec(logistic.sigmoid, v_scores, {"z": ARRAY}, propagates=True),
    "logistic.softplus": Spec(logistic.softplus, v_scores, {"z": ARRAY}, propagates=True),
    "logistic.log_sigmoid": Spec(logistic.log_sigmoid, v_scores, {"z": ARRAY}, propagates=True),
    "spectral.similarity_matrix": Spec(spectral.similarity_matrix, v_similarity, {
        "X": ARRAY + [EDGE_FLAT, EMPTY], "sigma": POSITIVE, "n_neighbors": COUNT[:-1] + [("too many", lambda v: 1000)]}),
    "spectral.graph_laplacian": Spec(spectral.graph_laplacian, v_laplacian, {
        "W": ARRAY + [FLAT, SHORT, ("negative weights", lambda v: -v)], "kind": NAME}),
    "spectral.spectral_clustering": Spec(spectral.spectral_clustering, v_spectral_clustering, {
        "X": ARRAY + [EDGE_FLAT], "n_clusters": COUNT + [("more than points", lambda v: 100)], "sigma": POSITIVE,
        "laplacian": NAME}),
    "spectral.kmeans": Spec(spectral.kmeans, v_kmeans, {
        "X": ARRAY + [EDGE_FLAT, EMPTY], "k": COUNT + [("more than points", lambda v: 100)]}),
    "spectral.adjusted_rand_index": Spec(spectral.adjusted_rand_index, v_ari, {
        "labels_true": [MISMATCH_ROWS, NONE], "labels_pred": [MISMATCH_ROWS, NONE]}),  # any hashable labels
    "sparse.soft_threshold": Spec(nsparse.soft_threshold, v_soft_threshold, {"v": ARRAY, "tau": NONNEG}, propagates=True),
    "mlp.mlp_objective": Spec(mlp.mlp_objective, v_mlp, {
        "X": ARRAY + [FLAT, MISMATCH_ROWS], "y": [("negative label", lambda v: v - 5), MISMATCH_ROWS, NONE],
        "widths": [("a zero width", lambda v: [0, *v]), ("empty", lambda v: []), ("a fraction", lambda v: [1.5]),
                   NONE], "n_classes": COUNT, "activation": NAME, "alpha": NONNEG}, post=_vg),
    "dropout.expected_dropout_loss": Spec(dropout.expected_dropout_loss, v_dropout_loss, {
        "X": ARRAY + [FLAT], "y": ARRAY + [MISMATCH_ROWS], "w": ARRAY + [MISMATCH_ROWS],
        "p": [("zero", lambda v: 0.0), ("above 1", lambda v: 1.5), ("nan", lambda v: math.nan), TEXT, NONE]},
        propagates={"w"}),  # the weights are the iterate of dropout_sgd and monte_carlo
    "implicit_bias.logistic_loss": Spec(implicit_bias.logistic_loss, v_logistic_loss, {
        "X": ARRAY + [FLAT], "y": [("labels other than -1, 1", lambda v: v * 2), MISMATCH_ROWS, NAN, NONE],
        "w": ARRAY + [MISMATCH_ROWS]}, propagates=True),
    "implicit_bias.effective_rank": Spec(implicit_bias.effective_rank, v_effective_rank, {
        "W": ARRAY + [EMPTY, ("edge: all zero", lambda v: np.zeros_like(v))]}),
    "information.entropy": Spec(information.entropy, v_entropy, {"a": [EDGE_EMPTY]}),  # any hashable symbols
    "information.mutual_information": Spec(information.mutual_information, v_mutual_information, {
        "a": [EMPTY, MISMATCH_ROWS, NONE], "b": [MISMATCH_ROWS, NONE]}),
    "ntk.relu_ntk": Spec(ntk.relu_ntk, v_relu_ntk, {
        "X1": ARRAY + [EDGE_FLAT, ("columns that do not match", lambda v: np.c_[v, v]), ("edge: zero rows", lambda v: v * 0)],
        "X2": ARRAY + [EDGE_FLAT]}),
    "generative.gaussian_kl": Spec(generative.gaussian_kl, v_gaussian_kl, {
        "mu": ARRAY + [MISMATCH_ROWS], "logvar": ARRAY + [MISMATCH_ROWS]}, propagates=True),
    "theory.sparse.lasso_objective": Spec(tsparse.lasso_objective, v_lasso, {
        "A": ARRAY + [FLAT], "b": ARRAY + [MISMATCH_ROWS], "lam": NONNEG, "x": ARRAY + [MISMATCH_ROWS]}, propagates=True),
    "dynamics.terminal_loss": Spec(dynamics.terminal_loss, v_terminal_loss, {
        "YL": ARRAY + [FLAT, MISMATCH_ROWS], "C": ARRAY + [MISMATCH_ROWS]}, propagates=True),
}


def _names_arg(msg: str, name: str, aliases: tuple = ()) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", msg) for n in (name, *aliases))


MISMATCH = {"rows that do not match", "columns that do not match", "channels that do not match", "one row less",
            "longer than y"}
"""Corruptions of one argument against another: a message may name either of them."""

SETTINGS = dict(deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
BAD = [pytest.param(key, arg, label, id=f"{key}-{arg}-{label}")
       for key, spec in sorted(SPECS.items()) for arg, bads in spec.bad.items() for label, _ in bads]


def _call(spec: Spec, kwargs: dict):
    out = spec.fn(**kwargs)
    return spec.post(out) if spec.post else out


def test_coverage():
    assert len(SPECS) >= 30 and len(BAD) >= 200


@pytest.mark.parametrize("key", sorted(SPECS))
@settings(max_examples=EXAMPLES, **SETTINGS)
@given(data=st.data())
def test_valid_input_gives_finite_results(key, data):
    spec = SPECS[key]
    kwargs = data.draw(spec.valid(), label="valid arguments")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning (overflow, division by zero, nan) is a failure
        assert _finite(_call(spec, kwargs)), f"{key}: a non-finite result for valid input"


@pytest.mark.parametrize("key, arg, label", BAD)
@settings(max_examples=BAD_EXAMPLES, **SETTINGS)
@given(data=st.data())
def test_bad_input_raises_naming_the_argument(key, arg, label, data):
    spec = SPECS[key]
    kwargs = data.draw(spec.valid(), label="valid arguments")
    kwargs[arg] = dict(spec.bad[arg])[label](kwargs[arg])
    if (spec.propagates is True or arg in (spec.propagates or ())) and label in (NAN[0], INF[0]):
        # a kernel that the iterative methods call on every iterate: nan and inf must flow through to the loss,
        # where the method reports "diverged" with its reason (an exception here would end the run instead)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                _call(spec, kwargs)
            except ValueError as err:
                assert _names_arg(str(err), arg), f"{key}: {arg} ({label}): {err}"
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = _call(spec, kwargs)
        except (ValueError, TypeError) as err:
            aliases = tuple(spec.bad) if label in MISMATCH else (spec.names or {}).get(arg, ())
            assert _names_arg(str(err), arg, aliases), f"{key}: {arg} ({label}): the message does not name it: {err}"
            return
    if label.startswith("edge:"):  # a limit case: a finite answer is as good as a refusal
        assert _finite(out), f"{key}: {arg} ({label}): a non-finite result"
        return
    raise AssertionError(f"{key}: {arg} ({label}) was accepted (result finite: {_finite(out)})")
