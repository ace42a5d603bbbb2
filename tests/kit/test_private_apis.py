"""The private APIs the project leans on are still there (a Streamlit or plotly upgrade that removes one fails here).

- ``AppTest._bidi_component_manager`` (tests/pages/helpers.py shares one component scan between AppTests; without
  it the tests only get slower, so this test is what notices).
- ``get_script_run_ctx().fragment_ids_this_run`` and ``.enqueue`` (app/live.py ``_retime_browser`` sends a playing
  fragment's timer a new interval under load; without them it reruns the page instead, which costs more).
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



def test_script_run_context_can_send_a_fragment_timer():
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    from app.live import _retime_browser

    assert "fragment_ids_this_run" in ScriptRunContext.__dataclass_fields__, "update app/live.py _retime_browser"
    assert callable(getattr(ScriptRunContext, "enqueue", None)), "update app/live.py _retime_browser"
    assert _retime_browser(1.0) is False  # outside a fragment run it declines (the caller reruns the page)
