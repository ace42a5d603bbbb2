"""Shared by the benchmark scripts in this folder (imported as ``bench._common``)."""
from __future__ import annotations

import time

import numpy as np


def best_time(fun, repeats: int):
    """Call ``fun()`` ``repeats`` times; return the best wall time in seconds and the last result."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fun()
        best = min(best, time.perf_counter() - t0)
    return best, out
