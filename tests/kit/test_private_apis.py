"""The private APIs the project leans on are still there (a Streamlit or plotly upgrade that removes one fails here).

- ``AppTest._bidi_component_manager`` (tests/pages/helpers.py shares one component scan between AppTests; without
  it the tests only get slower, so this test is what notices).
- plotly's ``_validate=False`` is guarded by tests/core/test_figures_fast.py (every fast figure rebuilt validated).
"""
from __future__ import annotations

from tests.pages.helpers import ROOT, _share_components

from streamlit.testing.v1 import AppTest


def test_apptest_component_manager_is_shared():
    a = _share_components(AppTest.from_file(str(ROOT / "pages" / "derivatives.py")))
    b = _share_components(AppTest.from_file(str(ROOT / "pages" / "derivatives.py")))
    assert hasattr(a, "_bidi_component_manager"), "AppTest no longer has _bidi_component_manager: update helpers.py"
    assert a._bidi_component_manager is b._bidi_component_manager
