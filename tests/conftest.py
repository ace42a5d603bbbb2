"""Put the repository root on sys.path so tests import ``numdl_core`` and ``app`` as packages."""
import os
import pathlib
import sys

# Live frames compute exactly `speed` iterations in tests, whatever the load (app.live.frame_budget_ms).
os.environ.setdefault("NUMDL_FRAME_BUDGET_MS", "0")

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

# As in app/main.py: one BLAS thread (small problems; multithreaded BLAS is much slower on a busy 2-core machine).
threadpool_limits(1)
