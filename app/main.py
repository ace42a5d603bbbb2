"""NumDL Studio entry point: ``streamlit run app/main.py`` from the repository root."""
from __future__ import annotations

import os
import sys
from pathlib import Path

# One BLAS thread (see below); the variables reach the BLAS libraries that are not loaded yet.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/main.py` puts only app/ on sys.path
    sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402,F401  (load numpy's and scipy's BLAS before limiting them)
import scipy.linalg  # noqa: E402,F401
import streamlit as st  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# One BLAS thread: the server runs many small problems for many students; on 2 cores, multithreaded BLAS made
# small factorizations up to 100x slower under load (measured), and the GIL already bounds a process to one core.
# threadpoolctl only reaches libraries already loaded, hence the imports above (and the variables for later ones).
threadpool_limits(1)

from app.catalog import GROUPS, available  # noqa: E402
from app.home import home  # noqa: E402
from app.load import LOAD  # noqa: E402
from app.panels import presentation_toggle  # noqa: E402
from app.serving import after_page_run, install  # noqa: E402

install()  # once per process: Streamlit's per-run work that every live frame repeats (app/serving.py)

st.set_page_config(page_title="NumDL Studio", page_icon=":material/functions:", layout="wide")

nav: dict[str, list] = {"": [st.Page(home, title="Home", icon=":material/home:", url_path="home", default=True)]}
for group in GROUPS:
    pages = [st.Page(e.path, title=e.title, icon=e.icon, url_path=e.url_path) for e in available() if e.group == group]
    if pages:
        nav[group] = pages
page = st.navigation(nav, expanded=True)  # the whole course map, not "View n more"
presentation_toggle()
st.sidebar.caption("Every control is in the URL: copy it to share the exact experiment.")
with LOAD.page_run():  # live frames of this process wait while a page runs (app/load.py): joins come first
    page.run()
after_page_run(warm_runs=1 + len(available()))  # after the warm-up (every page once), gc.freeze() (app/serving.py)
