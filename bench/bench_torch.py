"""Benchmark: numdl_core's hand-written backpropagation against PyTorch CPU, one thread, on the pages' shapes.

Plain script (``python bench/bench_torch.py``); PyTorch is optional (``pip install -r bench/requirements.txt``):
without it the report says so and nothing else changes. Measured, each the best of ``REPEATS`` runs:

- **MLP forward + backward** (:func:`numdl_core.mlp.mlp_objective`, ``value_and_grad``: loss and the gradient in
  every weight) against the same network in PyTorch (``tanh`` layers, ``cross_entropy``, ``loss.backward()``),
  at the Deep networks page's sizes: 2-D data and the digits, depth 5 and 30;
- **conv2d forward + backward** (:func:`numdl_core.conv.conv2d` then :func:`numdl_core.conv.conv2d_backward`:
  the output, the gradient in the input and in the kernels) against ``torch.nn.functional.conv2d`` and
  ``autograd``, at the CNN section's two layers (8x8 digits, 3x3 kernels, padding 1) for a mini-batch and
  for the whole training set.

Both sides get the same float64 arrays; the numbers are checked to agree (relative 1e-10) before timing. The
ratio is ours / PyTorch: below 1 we are faster. Target: at most 1.5 on these sizes.
"""
from __future__ import annotations

import os
import pathlib
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench._common import md_table, torch_columns, torch_report, torch_row, torch_setup  # noqa: E402
from bench._common import torch_one_thread as _torch  # noqa: E402
from numdl_core.conv import conv2d, conv2d_backward  # noqa: E402
from numdl_core.mlp import mlp_objective  # noqa: E402

REPEATS = 30
TARGET = 1.5
# (label, n samples, input dim, depth, width, classes): the Deep networks page (2-D data; digits)
MLP_CASES = [("2-D data, depth 5, width 16", 500, 2, 5, 16, 5), ("2-D data, depth 30, width 16", 500, 2, 30, 16, 5),
             ("digits, depth 5, width 32", 1000, 64, 5, 32, 10)]
# (label, N, C_in, H, C_out, k, padding): the CNN section (c1 = 4, c2 = 8, 3x3, 2x2 pooling between)
CONV_CASES = [("conv 1, batch 32", 32, 1, 8, 4, 3, 1), ("conv 2, batch 32", 32, 4, 4, 8, 3, 1),
              ("conv 1, 1000 images", 1000, 1, 8, 4, 3, 1), ("conv 2, 1000 images", 1000, 4, 4, 8, 3, 1)]
SETUP = torch_setup(REPEATS, TARGET)


def _mlp_torch(torch, X, y, widths, n_classes):
    """The same network in PyTorch, weights from theta (packing of mlp_objective)."""
    def unpack(theta):
        out, i, d = [], 0, X.shape[1]
        for w in list(widths) + [n_classes]:
            K = theta[i:i + d * w].reshape(d, w)
            i += d * w
            out.append((torch.tensor(K, requires_grad=True), torch.tensor(theta[i:i + w], requires_grad=True)))
            i += w
            d = w
        return out

    Xt, yt = torch.tensor(X), torch.tensor(y)

    def run(theta):
        params = unpack(theta)
        Y = Xt
        for K, b in params[:-1]:
            Y = torch.tanh(Y @ K + b)
        W, c = params[-1]
        loss = torch.nn.functional.cross_entropy(Y @ W + c, yt)
        loss.backward()
        return loss.item(), np.concatenate([np.r_[K.grad.numpy().ravel(), b.grad.numpy()] for K, b in params])
    return run


def mlp_rows(torch) -> list[list]:
    rows = []
    for label, n, d, depth, width, C in MLP_CASES:
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((n, d)), rng.integers(0, C, n)
        obj = mlp_objective(X, y, [width] * depth, C)
        theta = rng.standard_normal(obj.n_params) / np.sqrt(width)
        run = None if torch is None else _mlp_torch(torch, X, y, [width] * depth, C)
        rows.append(torch_row(torch, [label, f"{obj.n_params}"], lambda: obj.value_and_grad(theta),
                              lambda: lambda: run(theta), REPEATS, label))
    return rows


def conv_rows(torch) -> list[list]:
    rows = []
    for label, N, C, H, O, k, p in CONV_CASES:
        rng = np.random.default_rng(0)
        x, w = rng.standard_normal((N, C, H, H)), rng.standard_normal((O, C, k, k))
        dy = rng.standard_normal(conv2d(x, w, padding=p).shape)

        def ours():
            return conv2d(x, w, padding=p), conv2d_backward(dy, x, w, padding=p)
        dyt = None if torch is None else torch.tensor(dy)

        def theirs():
            xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
            out = torch.nn.functional.conv2d(xt, wt, padding=p)
            out.backward(dyt)
            return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()
        rows.append(torch_row(torch, [label, f"{N}x{C}x{H}x{H} * {O}x{C}x{k}x{k}"], ours, lambda: theirs, REPEATS,
                              label, digits=3))
    return rows


def measure() -> dict:
    """The two tables' rows and the PyTorch version (None when PyTorch is not installed)."""
    torch = _torch()
    with threadpool_limits(1):
        return {"torch": None if torch is None else torch.__version__, "mlp": mlp_rows(torch),
                "conv": conv_rows(torch)}


def tables(res: dict) -> str:
    extra = torch_columns(res["torch"])
    return torch_report(res["torch"], SETUP, TARGET, [
        "MLP forward + backward (`mlp_objective(...).value_and_grad`, tanh, softmax cross-entropy):\n",
        md_table(["network", "parameters", "ours (ms)"] + extra, res["mlp"]), "",
        "conv2d forward + backward (`conv2d`, then `conv2d_backward`: dx and dw):\n",
        md_table(["layer", "shapes", "ours (ms)"] + extra, res["conv"])], res["mlp"] + res["conv"])


if __name__ == "__main__":
    print(tables(measure()))
