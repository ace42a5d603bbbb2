"""Put the repository root on sys.path so tests import ``numdl_core`` and ``app`` as packages."""
import os
import pathlib
import sys

# Live frames compute exactly `speed` iterations in tests, whatever the load (app.live.frame_budget_ms).
os.environ.setdefault("NUMDL_FRAME_BUDGET_MS", "0")
# The live timer keeps its base interval in tests (app.load), whatever the machine's load.
os.environ.setdefault("NUMDL_ADAPTIVE_FRAMES", "0")
# Every chart a playing live frame draws records the size of its figure JSON (app.panels.FRAME_BYTES_KEY).
os.environ.setdefault("NUMDL_MEASURE_FRAMES", "1")
# One BLAS thread, as in app/main.py: for libraries loaded later, through the environment ...
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402,F401
import scipy.linalg  # noqa: E402,F401
from threadpoolctl import threadpool_limits  # noqa: E402

# ... and for those already loaded (threadpoolctl reaches only loaded libraries, hence the imports above).
threadpool_limits(1)
# Collapsed panels drawn on opening (app.panels.panel_open) draw their content in every test;
# tests/kit/test_panels.py checks the closed ones without it.
os.environ.setdefault("NUMDL_OPEN_PANELS", "1")
