"""The benchmarks cannot rot: the websocket frame client against the real server, and the facts the bench relies on.

- ``bench_frames`` plays one live run (least squares, 'iterative', the page's default section) for ~2 s against
  a real ``streamlit run`` on a free loopback port and must count frames and bytes (about 10-15 s);
- ``st.cache_data.clear()`` / ``st.cache_resource.clear()`` must make cached functions compute again outside a
  server (``bench_pages`` measures cold first renders that way, in AppTest, where there is no runtime);
- the helpers (section discovery, element keys, chart anatomy) against hand-computed values.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import streamlit as st

from bench import bench_frames
from bench._common import StreamlitServer, md_table, page_sections
from tests.pages.helpers import ROOT


def test_page_sections_reads_the_section_dict_without_importing(tmp_path):
    src = tmp_path / "p.py"
    src.write_text('import streamlit as st\nraise SystemExit("must not run")\nSECTIONS = {"a": "A", "b": "B"}\nX = 1\n')
    assert page_sections(src) == ["a", "b"]
    src.write_text("SECTIONS = compute()\n")
    assert page_sections(src) == []
    assert {"iterative", "deblur"} <= set(page_sections(ROOT / "pages" / "least_squares.py"))


def test_element_key_and_md_table():
    assert bench_frames.element_key("$$ID-0123456789abcdef0123456789abcdef-lstsq.iter.conv") == "lstsq.iter.conv"
    assert bench_frames.element_key("$$ID-0123456789abcdef0123456789abcdef-None") == ""
    assert bench_frames.element_key("") == ""
    lines = md_table(["name", "KB"], [["a", 1.25], ["bb", 10.0]]).splitlines()
    assert lines[0] == "| name |   KB |" and lines[1] == "|------|-----:|" and lines[3] == "| bb   | 10.0 |"


def test_chart_anatomy_counts_base64_arrays():
    n = 300  # 300 float64 = 2400 bytes -> base64 of length 4 * ceil(2400 / 3) = 3200
    x = base64.b64encode(np.arange(n, dtype="f8").tobytes()).decode()
    fig = {"data": [{"type": "scatter", "name": "big", "x": {"dtype": "f8", "bdata": x}},
                    {"type": "scatter", "name": "small", "x": [1, 2]}],
           "layout": {"title": {"text": "t"}}}
    a = bench_frames.chart_anatomy(json.dumps(fig))
    assert a["base64_arrays"] == 3200 and a["images"] == 0 and a["static"] is None
    assert [name for name, _, _ in a["traces"]] == ["big (scatter)", "small (scatter)"]
    big = len(json.dumps(fig["data"][0], separators=(",", ":")))
    assert a["traces"][0][1] == big
    assert a["layout"] == len('{"title":{"text":"t"}}') and a["layout_parts"] == [("title", len('{"text":"t"}'))]
    # one frame later only the small trace changed: the big trace and the layout were resent for nothing
    later = json.loads(json.dumps(fig))
    later["data"][1]["x"] = [1, 2, 3]
    b = bench_frames.chart_anatomy(json.dumps(later), previous=json.dumps(fig))
    assert b["static"] == big + a["layout"]
    assert [same for _, _, same in b["traces"]] == [True, False]


def test_public_cache_clear_works_outside_a_server():
    calls = []

    @st.cache_data
    def data(x):
        calls.append(("data", x))
        return x

    @st.cache_resource
    def resource(x):
        calls.append(("resource", x))
        return x

    for _ in range(2):
        data(1), resource(1)
    assert len(calls) == 2  # the second round came from the caches
    st.cache_data.clear()
    st.cache_resource.clear()
    data(1), resource(1)
    assert calls == [("data", 1), ("resource", 1)] * 2


def test_frame_client_counts_live_frames_on_the_real_server():
    target = bench_frames.Target("Linear least squares", "least-squares", "iterative")
    with StreamlitServer() as server:
        results, info = bench_frames.measure_target(server.port, target, seconds=2.0, timeout=60)
    assert not info["errors"], info["errors"]
    assert info["first_load_kb"] > 1  # a whole page with two charts
    assert len(results) == 1, info["live_runs"]
    r = results[0]
    assert not r.errors, r.errors
    assert r.n >= 5, f"only {r.n} frames in 2 s"
    assert all(f.nbytes > 0 for f in r.frames)
    assert r.kb_median > 0 and r.kb_max >= r.kb_median and r.fps > 0
    # every byte of a frame is attributed to an element, and a chart is among them
    assert all(sum(f.by_label.values()) == f.nbytes for f in r.frames)
    assert any(label.startswith("plotly_chart") for label, _ in r.breakdown())


def test_torch_bench_runs_without_pytorch(monkeypatch):
    """bench_torch measures our side and reports PyTorch as missing when it is not installed (CI has no torch)."""
    from bench import bench_torch

    monkeypatch.setattr(bench_torch, "REPEATS", 1)
    monkeypatch.setattr(bench_torch, "_torch", lambda: None)
    res = bench_torch.measure()
    assert res["torch"] is None and len(res["mlp"]) == len(bench_torch.MLP_CASES)
    assert all(len(r) == 3 and float(r[2]) > 0 for r in res["mlp"] + res["conv"])
    assert "PyTorch is not installed" in bench_torch.tables(res)
