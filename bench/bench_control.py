"""Benchmark: the Neural-ODE gradient by discretize-then-optimize (numdl_core.control: RK4 and its hand-written
discrete adjoint) against PyTorch autograd through the same RK4 steps, CPU, one thread.

Plain script (``python bench/bench_control.py``); PyTorch is optional (``pip install -r bench/requirements.txt``):
without it the report gives our times only. Measured, each the best of ``REPEATS`` runs: the loss
``sum_i ||Y(t_i) - C_i||^2`` of the course's spiral fit (field ``tanh(Y^3 K1 + b1) K2 + b2``, width 50, 30
observations on (0, 1.5]) and its gradient in all 252 weights,

- ours: :meth:`numdl_core.control.SpiralFit.value_and_grad` (method ``"dto"``: :func:`rk4_value_and_grad`),
- PyTorch: the same field and RK4 loop on float64 tensors, ``loss.backward()``,

for the course's case (one trajectory, 30 steps), 300 steps, and 100 trajectories at once (rows = examples,
random starts, targets from the true dynamics). Both sides get the same float64 numbers; loss and gradient are
checked to agree (relative 1e-10) before timing. Ratio = ours / PyTorch: below 1 we are faster. Target: at most 1.5.
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
from numdl_core import control  # noqa: E402

REPEATS = 20
TARGET = 1.5
# (label, trajectories, RK4 steps)
CASES = [("the course: 1 trajectory, 30 steps", 1, 30), ("1 trajectory, 300 steps", 1, 300),
         ("100 trajectories, 30 steps", 100, 30)]
SETUP = torch_setup(REPEATS, TARGET)


def _problem(n: int, n_steps: int):
    """(field, theta, Y0, C, every, T): the spiral for n = 1; n random starts in [-2, 2]^2 with true targets."""
    field = control.CubicTanhField(50)
    theta = field.init(seed=0)
    if n == 1:
        d = control.spiral_data()
        Y0, C = d.y0, d.C
    else:
        Y0 = np.random.default_rng(1).uniform(-2.0, 2.0, (n, 2))
        d = control.spiral_data(y0=Y0)
        C = d.C
    return field, theta, Y0, C, n_steps // 30, control.SPIRAL_T


def _ours(field, theta, Y0, C, every, T, n_steps):
    def loss(states):
        d = np.zeros_like(states)
        R = states[every::every] - C
        d[every::every] = 2.0 * R
        return float(np.sum(R * R)), d

    def run():
        L, g, _ = control.rk4_value_and_grad(field, Y0, theta, T, n_steps, loss)
        return L, g
    return run


def _theirs(torch, field, theta, Y0, C, every, T, n_steps):
    Y0t, Ct = torch.tensor(Y0), torch.tensor(C)
    h = T / n_steps

    def run():
        th = torch.tensor(theta, requires_grad=True)
        d, w = field.dim, field.width
        K1, b1 = th[:d * w].reshape(d, w), th[d * w:d * w + w]
        K2, b2 = th[d * w + w:2 * d * w + w].reshape(w, d), th[2 * d * w + w:]

        def f(Y):
            return torch.tanh(Y ** 3 @ K1 + b1) @ K2 + b2
        Y, loss = Y0t, 0.0
        for k in range(n_steps):
            k1 = f(Y)
            k2 = f(Y + 0.5 * h * k1)
            k3 = f(Y + 0.5 * h * k2)
            k4 = f(Y + h * k3)
            Y = Y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            if (k + 1) % every == 0:
                loss = loss + torch.sum((Y - Ct[(k + 1) // every - 1]) ** 2)
        loss.backward()
        return loss.item(), th.grad.numpy()
    return run


def rows(torch) -> list[list]:
    out = []
    for label, n, n_steps in CASES:
        field, theta, Y0, C, every, T = _problem(n, n_steps)
        ours = _ours(field, theta, Y0, C, every, T, n_steps)
        out.append(torch_row(torch, [label, f"{field.n_params}"], ours,
                             lambda: _theirs(torch, field, theta, Y0, C, every, T, n_steps), REPEATS, label))
    return out


def measure() -> dict:
    """The table's rows, the PyTorch version (None when not installed), and the markdown table."""
    torch = _torch()
    with threadpool_limits(1):
        res = {"torch": None if torch is None else torch.__version__, "rows": rows(torch)}
    res["table"] = tables(res)
    return res


def tables(res: dict) -> str:
    extra = torch_columns(res["torch"])
    return torch_report(res["torch"], SETUP, TARGET, [
        "Neural-ODE gradient, discretize-then-optimize (loss and gradient in all weights, RK4 forward + "
        "backward):\n",
        md_table(["case", "weights", "ours (ms)"] + extra, res["rows"])], res["rows"])


if __name__ == "__main__":
    print(measure()["table"])
