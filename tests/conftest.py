"""Put the repository root on sys.path so tests import ``numdl_core`` and ``app`` as packages."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

# As in app/main.py: one BLAS thread (small problems; multithreaded BLAS is much slower on a busy 2-core machine).
threadpool_limits(1)
