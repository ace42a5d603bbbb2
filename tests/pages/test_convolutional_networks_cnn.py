"""The CNN section (app/lessons/convolutional_networks_cnn.py), headless.

Run through pages/convolutional_networks.py once that page lists the section, else through a minimal driver page
written here (the same calls a page makes). Oracles: the exported script in a fresh process (it must print every
number the page records, equal to round-off); the frame-size limit of tests/pages/test_frames.py.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from app.lesson import EXPORT_KEY
from tests.pages.helpers import ROOT, _share_components, assert_clean, figures, frame_bytes
from tests.pages.test_export import _numbers

PAGE = ROOT / "pages" / "convolutional_networks.py"
DRIVER = '''
from app.lesson import Lesson
from app.lessons.convolutional_networks_cnn import EXPERIMENTS, SCRIPTS, cnn_section

lesson = Lesson("cnn_driver", "CNN section driver", presets=EXPERIMENTS, slides="05-NumDNN-ConvNets.tex")
lesson.sections({"cnn": "A small CNN"})
run, solvers = cnn_section(lesson)
lesson.try_this()
lesson.export(SCRIPTS["cnn"], run=run)
lesson.finish()
'''


def _registered() -> bool:
    return PAGE.exists() and re.search(r"""["']cnn["']\s*:""", PAGE.read_text()) is not None


@pytest.fixture
def section(tmp_path):
    """A function ``query -> AppTest`` (not yet run) of the section."""
    from streamlit.testing.v1 import AppTest

    path = PAGE if _registered() else tmp_path / "cnn_driver.py"
    if not _registered():
        path.write_text(DRIVER)

    def make(query: dict | None = None) -> AppTest:
        at = _share_components(AppTest.from_file(str(path), default_timeout=60))
        for k, v in {"section": "cnn", **(query or {})}.items():
            at.query_params[k] = v
        return at
    return make


def _export_matches(at) -> dict:
    export = next(iter(at.session_state[EXPORT_KEY].values()))
    proc = subprocess.run([sys.executable, "-c", export["script"]], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "PATH": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = _numbers(proc.stdout)
    for k, v in export["numbers"].items():
        assert printed.get(k) == pytest.approx(v, rel=1e-6, abs=1e-12), k
    return export["numbers"]


def test_cnn_section_plays_steps_and_exports(section):
    at = section().run()
    assert_clean(at)
    keys = {b.key for b in at.button if b.key}
    play = next(k for k in keys if k.endswith(".play"))
    step = next(k for k in keys if k.endswith(".step"))
    # paused at epoch 0: curves, kernels, feature maps and the confusion counts
    assert len(figures(at)) >= 4
    at.button(key=play).click().run()
    at.run()
    assert_clean(at)
    sizes = frame_bytes(at)
    assert {"cnn.fig.train", "cnn.fig.kernels", "cnn.fig.maps"} <= set(sizes), sizes
    assert "cnn.fig.confusion" not in sizes  # drawn only when paused
    assert sum(sizes.values()) <= 20_000, sizes  # measured: ~12 KB at the defaults
    at.button(key=play).click().run()  # pause
    for _ in range(2):
        at.button(key=step).click().run()
    assert_clean(at)
    numbers = _export_matches(at)
    assert numbers["weights"] == 666 and numbers["epochs"] >= 3
    assert 0.5 < numbers["test accuracy"] <= 1.0
    assert numbers["Taylor E1 order"] == pytest.approx(2.0, abs=0.2)


def test_step_too_large_preset_kills_the_relus_without_a_traceback(section):
    at = section({"preset": "step-too-large"}).run()
    assert_clean(at)
    step = next(b.key for b in at.button if b.key and b.key.endswith(".step"))
    for _ in range(3):
        at.button(key=step).click().run()
    assert_clean(at)
    numbers = _export_matches(at)
    # measured: loss 2.33 (about log 10), test accuracy at chance after 3 epochs
    assert numbers["test accuracy"] < 0.2 and numbers["training loss"] > 2.0
