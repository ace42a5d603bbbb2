"""Benchmark: numdl_core Newton-CG on softmax regression vs scikit-learn's LogisticRegression.

Plain script (``python bench/bench_classify.py``). Problem: the 8x8 digits (1797 x 64, 10 classes,
650 parameters), objective ``mean_i(-log softmax(x_i W + b)[y_i]) + alpha/2 ||W||_F^2``, which is
scikit-learn's multinomial ``LogisticRegression(C = 1 / (alpha n))`` (sklearn sums the losses and adds
``||W||^2 / (2C)``; the intercept is not penalized in either). For each alpha:

- ``f*`` = the lower of a very tight Newton-CG run and scikit-learn with ``tol=1e-12``;
- ours: ``newton_cg`` from ``theta = 0``, stopped at the first iterate with ``f <= f* (1 + 1e-6)``;
- scikit-learn (``lbfgs``, and its own ``newton-cg``): the smallest ``max_iter`` whose fit reaches the same
  gap (found by a scan), then that fit is timed (its own ``tol=1e-12``, so only ``max_iter`` stops it).

Times are the best of ``REPEATS`` runs, all with BLAS/OpenMP limited to one thread (scikit-learn's
OpenMP loss oversubscribes a busy 2-core machine by 10-100x; one thread is the fair and stable number).
The last table times the building blocks of one Newton step: ``value_and_grad`` and ``hess_vec``.
"""
from __future__ import annotations

import pathlib
import sys
import warnings

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bench._common import best_time, md_table  # noqa: E402
from numdl_core.classify import softmax_regression  # noqa: E402
from numdl_core.data import load_digits  # noqa: E402
from numdl_core.optim import newton_cg  # noqa: E402

ALPHAS = (1e-2, 1e-4)
GAP = 1e-6
REPEATS = 7


def sk_fit(X, y, C, solver, max_iter, tol=1e-12):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(C=C, solver=solver, tol=tol, max_iter=max_iter).fit(X, y)


def ours_to_gap(obj, target, **kw):
    """Run newton_cg until f <= target; return (iterations, hess_vecs, final loss)."""
    for s in newton_cg(obj, np.zeros(obj.n_params), **kw):
        if s.loss <= target:
            return s.iteration, s.info.get("hess_vecs", 0), s.loss
    return s.iteration, s.info.get("hess_vecs", 0), s.loss


def sk_min_iter(obj, X, y, C, solver, target):
    """Smallest max_iter whose fit reaches target (doubling, then bisection)."""
    def ok(m):
        clf = sk_fit(X, y, C, solver, m)
        return obj.loss(obj.pack(clf.coef_.T, clf.intercept_)) <= target

    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > 10**5:
            raise RuntimeError(f"{solver} never reached the target gap")
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def measure() -> tuple[list[dict], list[dict]]:
    """(rows, blocks): time to the target gap per alpha and method, and the building blocks of a Newton step."""
    X, y = load_digits()
    n = X.shape[0]
    rows = []
    blocks = []
    with threadpool_limits(1):
        for alpha in ALPHAS:
            obj = softmax_regression(X, y, 10, alpha)
            C = 1.0 / (alpha * n)
            tight = list(newton_cg(obj, np.zeros(obj.n_params), cg_tol=1e-10, cg_maxiter=obj.n_params, tol=1e-13))
            ref = sk_fit(X, y, C, "lbfgs", 100_000)
            f_star = min(tight[-1].loss, obj.loss(obj.pack(ref.coef_.T, ref.intercept_)))
            target = f_star * (1 + GAP)

            configs = {
                "ours newton_cg (cg_maxiter=20, cg_tol=0.1)": dict(),
                "ours newton_cg (cg_maxiter=100, cg_tol=1e-2)": dict(cg_maxiter=100, cg_tol=1e-2),
            }
            for name, kw in configs.items():
                t, (its, hv, f) = best_time(lambda kw=kw: ours_to_gap(obj, target, **kw), REPEATS)
                rows.append(_row(alpha, name, t, its, hv, f, f_star))
            for solver in ("lbfgs", "newton-cg"):
                m = sk_min_iter(obj, X, y, C, solver, target)
                t, clf = best_time(lambda m=m, solver=solver: sk_fit(X, y, C, solver, m), REPEATS)
                f = obj.loss(obj.pack(clf.coef_.T, clf.intercept_))
                rows.append(_row(alpha, f"sklearn {solver}", t, int(clf.n_iter_[0]), None, f, f_star))
            # sklearn with its default tolerance: how far from the optimum does it stop?
            t, clf = best_time(lambda: sk_fit(X, y, C, "lbfgs", 100, tol=1e-4), REPEATS)
            f = obj.loss(obj.pack(clf.coef_.T, clf.intercept_))
            rows.append(_row(alpha, "sklearn lbfgs (defaults tol=1e-4)", t, int(clf.n_iter_[0]), None, f, f_star))

            th = tight[3].x
            v = np.random.default_rng(0).standard_normal(obj.n_params)
            fresh = softmax_regression(X, y, 10, alpha)

            def vg_uncached():
                fresh._cache = None
                return fresh.value_and_grad(th)

            t_vg, _ = best_time(vg_uncached, 50)
            obj.value_and_grad(th)
            t_hv, _ = best_time(lambda: obj.hess_vec(th, v), 50)
            blocks.append({"alpha": alpha, "value_and_grad_ms": 1e3 * t_vg, "hess_vec_ms": 1e3 * t_hv})
    return rows, blocks


def _row(alpha, method, t, its, hv, f, f_star) -> dict:
    return {"alpha": alpha, "method": method, "ms": 1e3 * t, "iterations": its, "hess_vecs": hv,
            "ms_per_iteration": 1e3 * t / max(its, 1), "rel_gap": (f - f_star) / f_star}


SETUP = (f"The 8x8 digits (1797 x 64, 10 classes, 650 parameters); target: relative loss gap <= {GAP:g}; "
         f"best of {REPEATS}, one thread")
HEADERS = ["alpha", "method", "time (ms)", "iterations", "Hv products", "ms/iteration", "relative gap"]
BLOCK_HEADERS = ["alpha", "value_and_grad (ms)", "hess_vec, cached S (ms)"]


def table(rows: list[dict]) -> str:
    return md_table(HEADERS, [[f"{r['alpha']:.0e}", r["method"], f"{r['ms']:.1f}", str(r["iterations"]),
                               "–" if r["hess_vecs"] is None else str(r["hess_vecs"]), f"{r['ms_per_iteration']:.2f}",
                               f"{r['rel_gap']:.1e}"] for r in rows])


def block_table(blocks: list[dict]) -> str:
    return md_table(BLOCK_HEADERS, [[f"{b['alpha']:.0e}", f"{b['value_and_grad_ms']:.3f}", f"{b['hess_vec_ms']:.3f}"]
                                    for b in blocks])


def main() -> None:
    rows, blocks = measure()
    print(SETUP + "\n")
    print(table(rows))
    print("\nbuilding blocks (best of 50):")
    print(block_table(blocks))


if __name__ == "__main__":
    main()
