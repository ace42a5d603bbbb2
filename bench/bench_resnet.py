"""Benchmark: the residual network's forward + backward pass (numdl_core.resnet) against PyTorch CPU autograd through
the same steps, one thread.

Plain script (``python bench/bench_resnet.py``); PyTorch is optional (``pip install -r bench/requirements.txt``):
without it the report gives our times only. For each case, loss 0.5 ||Y_L - C||_F^2 with Y_L from
``resnet.forward`` and the gradient in (Y0, K, b) from ``resnet.backward``, against the same integrator written
with torch tensors and ``loss.backward()``. Sizes: the training section's (500 points, width 2-16, depth 10-50)
for forward Euler (the ResNet), RK4 and the leapfrog (Hamiltonian, parabolic) network. Both sides get the same
float64 arrays; the loss and gradients are checked to agree (relative 1e-10) before timing. Ratio = ours / PyTorch
(below 1: we are faster); target at most 1.5.
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
from numdl_core import resnet  # noqa: E402

REPEATS = 20
TARGET = 1.5
# (n samples, width d, depth L, scheme, architecture)
CASES = [(500, 2, 10, "euler", "standard"), (500, 2, 50, "euler", "standard"), (500, 8, 50, "euler", "standard"),
         (500, 16, 50, "euler", "standard"), (500, 2, 50, "rk4", "standard"), (500, 16, 50, "rk4", "standard"),
         (500, 8, 50, "leapfrog", "parabolic"), (500, 8, 50, "heun", "antisymmetric")]
SETUP = torch_setup(REPEATS, TARGET, "tanh; ")


def _torch_run(torch, Y0, K, b, h, C, scheme, arch, gamma=0.1):
    """The same network as resnet.forward, written with torch tensors; autograd gives the gradient."""
    Ct = torch.tensor(C)
    eye = torch.eye(K.shape[1], dtype=torch.float64)

    def run():
        y0, k, bb = (torch.tensor(a, requires_grad=True) for a in (Y0, K, b))

        def f(j, Y):
            W = k[j] - k[j].T - gamma * eye if arch == "antisymmetric" else k[j]
            S = torch.tanh(Y @ W + bb[j])
            return -S @ k[j].T if arch == "parabolic" else S

        Y, prev = y0, None
        for j in range(K.shape[0]):
            if scheme == "euler":
                Y = Y + h * f(j, Y)
            elif scheme == "heun":
                k1 = f(j, Y)
                Y = Y + h / 2 * (k1 + f(j, Y + h * k1))
            elif scheme == "rk4":
                k1 = f(j, Y)
                k2 = f(j, Y + h / 2 * k1)
                k3 = f(j, Y + h / 2 * k2)
                k4 = f(j, Y + h * k3)
                Y = Y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            else:  # leapfrog
                Y, prev = (Y + h * h / 2 * f(j, Y) if j == 0 else 2 * Y - prev + h * h * f(j, Y)), Y
        loss = 0.5 * ((Y - Ct) ** 2).sum()
        loss.backward()
        return loss.item(), (y0.grad.numpy(), k.grad.numpy(), bb.grad.numpy())
    return run


def rows(torch) -> list[list]:
    out = []
    for n, d, L, scheme, arch in CASES:
        rng = np.random.default_rng(0)
        Y0, K, b = rng.standard_normal((n, d)), rng.standard_normal((L, d, d)) / np.sqrt(d), 0.1 * rng.standard_normal(
            (L, d))
        C, h = rng.standard_normal((n, d)), 1.0 / L
        opts = dict(scheme=scheme, architecture=arch, gamma=0.1)

        def ours():
            Y = resnet.forward(Y0, K, b, h, **opts)
            r = Y[-1] - C
            return 0.5 * float(np.sum(r * r)), resnet.backward(Y, K, b, h, r, **opts)
        out.append(torch_row(torch, [f"{scheme} ({arch})", f"{n} x {d}, {L} layers"], ours,
                             lambda: _torch_run(torch, Y0, K, b, h, C, scheme, arch), REPEATS, scheme))
    return out


def measure() -> dict:
    """The table's rows and the PyTorch version (None when PyTorch is not installed)."""
    torch = _torch()
    with threadpool_limits(1):
        return {"torch": None if torch is None else torch.__version__, "resnet": rows(torch)}


def tables(res: dict) -> str:
    extra = torch_columns(res["torch"])
    return torch_report(res["torch"], SETUP, TARGET, [
        "ResNet forward + backward (`resnet.forward`, then `resnet.backward`: gradient in Y0, K, b):\n",
        md_table(["integrator", "shape", "ours (ms)"] + extra, res["resnet"])], res["resnet"])


if __name__ == "__main__":
    print(tables(measure()))
