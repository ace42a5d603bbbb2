"""Benchmark: the stability grid of the residual-networks page (``numdl_core.resnet_stability.loss_grid``).

Plain script (``python bench/bench_resnet_stability.py``). The course's experiment (``EResNet_Stability.m``):
101 x 101 values of theta in [0.2, 2]^2, for each a residual network of N layers (N = 5, 100, 200; T = 10) run on
20 training and 20 fresh inputs of 3 features: 10,201 forward solves per N (each on both input sets). Target: each
grid in under 2 s (the issue), and the page's default grid (N = 5) well inside the 0.3 s first render.

Compared, per N:

- ``loss_grid`` (ours): all theta of a block advance together; the block state (d, m, n) stays in the CPU cache
  and a layer is d^2 = 9 broadcast multiply-adds, one tanh, one axpy;
- the same sweep with ``numpy.matmul`` over the stack of 3 x 3 matrices (``(m, n, 3) @ (m, 3, 3)``, whole grid at
  once): the obvious vectorization;
- the plain loop: ``numdl_core.resnet.forward`` network by network (timed on 101 networks, scaled to 10,201).

Times are the best of ``REPEATS`` runs with BLAS limited to one thread. The grids of the three methods agree
(largest relative difference reported).
"""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench._common import best_time, md_table  # noqa: E402
from numdl_core import resnet  # noqa: E402
from numdl_core import resnet_stability as rs  # noqa: E402

NS = rs.COURSE_N
N_GRID = 101
REPEATS = 3
LOOP_SAMPLE = 101  # networks timed with the plain loop (one row of the grid)
TARGET_S = 2.0


def _thetas(n_grid: int) -> np.ndarray:
    theta = np.linspace(*rs.THETA_RANGE, n_grid)
    t1, t2 = np.meshgrid(theta, theta)
    return np.swapaxes(rs.circulant_K(t1.ravel(), t2.ravel()), 1, 2)  # rows convention: Y K^T


def matmul_grid(problem: rs.StabilityProblem, N: int, n_grid: int = N_GRID) -> tuple[np.ndarray, np.ndarray]:
    """The grid with numpy.matmul over the whole stack (m, n, 3) @ (m, 3, 3): training and test misfits, flat."""
    W = _thetas(n_grid)
    Y0 = np.vstack([problem.Y0, problem.Y0_test])
    C = np.vstack([problem.C, problem.C_test])
    h = problem.T / N
    Y = np.broadcast_to(Y0, (W.shape[0], *Y0.shape)).copy()
    for _ in range(N):
        Y += h * np.tanh(Y @ W)
    R = 0.5 * ((Y - C) ** 2).sum(axis=2)
    n = problem.Y0.shape[0]
    return R[:, :n].sum(axis=1), R[:, n:].sum(axis=1)


def loop_sample(problem: rs.StabilityProblem, N: int, count: int = LOOP_SAMPLE) -> np.ndarray:
    """Training misfits of the first ``count`` grid networks with resnet.forward, one network at a time."""
    W = _thetas(N_GRID)[:count]
    h = problem.T / N
    out = np.empty(count)
    for i in range(count):
        Y = resnet.forward(problem.Y0, np.repeat(W[i][None], N, 0), np.zeros((N, 3)), h)[-1]
        resnet.forward(problem.Y0_test, np.repeat(W[i][None], N, 0), np.zeros((N, 3)), h)
        out[i] = 0.5 * np.sum((Y - problem.C) ** 2)
    return out


def measure() -> dict:
    """Per N: seconds for the grid by loss_grid, by matmul, by the plain loop (scaled); agreement; the table."""
    problem = rs.stability_problem()
    m = N_GRID ** 2
    rows = []
    with threadpool_limits(1):
        for N in NS:
            t_ours, g = best_time(lambda N=N: rs.loss_grid(problem, N, n_grid=N_GRID), REPEATS)
            t_mm, (tr, te) = best_time(lambda N=N: matmul_grid(problem, N), REPEATS)
            t_loop, sample = best_time(lambda N=N: loop_sample(problem, N), 1)
            scale = np.maximum(np.abs(g.train.ravel()), 1e-300)
            rows.append({"N": N, "h": problem.T / N, "networks": m, "ours_s": t_ours, "matmul_s": t_mm,
                         "loop_s": t_loop * m / LOOP_SAMPLE,
                         "rel_diff_matmul": float(np.max(np.abs(tr - g.train.ravel()) / scale)),
                         "rel_diff_loop": float(np.max(np.abs(sample - g.train.ravel()[:LOOP_SAMPLE])
                                                       / scale[:LOOP_SAMPLE])),
                         "ns_per_layer_and_number": 1e9 * t_ours / (m * N * problem.Y0.size * 2)})
    total = sum(r["ours_s"] for r in rows)
    return {"rows": rows, "total_s": total, "target_s": TARGET_S,
            "met": all(r["ours_s"] < TARGET_S for r in rows), "table": table(rows, total)}


HEADERS = ["N", "h", "networks", "loss_grid (s)", "matmul stack (s)", "plain loop (s, scaled)", "speed-up vs loop",
           "ns / (layer · number)", "rel. diff matmul", "rel. diff loop"]


def table(rows: list[dict], total: float) -> str:
    body = [[str(r["N"]), f"{r['h']:g}", str(r["networks"]), f"{r['ours_s']:.3f}", f"{r['matmul_s']:.3f}",
             f"{r['loop_s']:.1f}", f"{r['loop_s'] / r['ours_s']:.0f}", f"{r['ns_per_layer_and_number']:.2f}",
             f"{r['rel_diff_matmul']:.1e}", f"{r['rel_diff_loop']:.1e}"] for r in rows]
    body.append(["all", "", "", f"{total:.3f}", "", "", "", "", "", ""])
    return md_table(HEADERS, body)


SETUP = (f"The course's stability grid: {N_GRID} x {N_GRID} theta, 20 training + 20 fresh inputs of 3 features, "
         f"T = 10; best of {REPEATS}, one thread; target: each grid < {TARGET_S:g} s")


def main() -> None:
    out = measure()
    print(SETUP + "\n")
    print(out["table"])
    print(f"\nevery grid under {TARGET_S:g} s: {'yes' if out['met'] else 'NO'} (all three: {out['total_s']:.2f} s)")


if __name__ == "__main__":
    main()
