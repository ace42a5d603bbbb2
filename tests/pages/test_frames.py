"""Every live run sends compact frames: at default settings, the charts of one playing frame are at most 20 KB.

For each page and section with a Play button, the page runs headless, Play is pressed and two frames are drawn;
the figure JSON of every chart drawn in the playing fragment is measured (``app.panels.show`` records it when
``NUMDL_MEASURE_FRAMES=1``, set in tests/conftest.py). The wire adds a few hundred bytes of protobuf framing per
chart; ``bench/bench_frames.py`` measures the real websocket messages.
"""
from __future__ import annotations

import pytest

from tests.pages.helpers import PAGES, assert_clean, frame_bytes, page
from tests.pages.test_export import _cases

LIMIT = 20_000


@pytest.mark.parametrize("name,query", [c for c in _cases() if "preset" not in c.values[1]])
def test_live_frame_at_most_20_kb(name, query):
    at = page(name, query).run()
    plays = [b for b in at.button if b.key and b.key.endswith(".play") and not b.disabled]
    if not plays:
        pytest.skip("no live run in this section")
    at.button(key=plays[0].key).click().run()
    at.run()
    assert_clean(at)
    sizes = frame_bytes(at)
    assert sizes, "a playing frame drew no chart"
    assert sum(sizes.values()) <= LIMIT, sizes
