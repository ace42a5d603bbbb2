"""The private APIs the project leans on are still there (a Streamlit or plotly upgrade that removes one fails here).

- ``AppTest._bidi_component_manager`` (tests/pages/helpers.py shares one component scan between AppTests; without
  it the tests only get slower, so this test is what notices).
- ``ThreadState.get().fragment_id`` (app/live.py ``_current_fragment_id``: which of the fragments a rerun runs is
  running now).
- ``get_script_run_ctx().fragment_ids_this_run`` and ``.enqueue`` (app/live.py ``_retime_browser`` sends a playing
  fragment's timer a new interval under load; without them it reruns the page instead, which costs more).
- ``ScriptRunContext.script_requests`` / ``query_string`` / ``cached_message_hashes`` / ``context_info``,
  ``ScriptRequests.request_rerun`` and ``RerunData`` (app/live.py ``chain_next_frame`` queues a playing run's next
  frame; without them the browser's timer asks for every frame, as before), and ``ForwardMsgQueue.clear`` with its
  ``_queue`` (app/serving.py keeps a chained frame's ``script_finished`` status; checked below).
- ``streamlit.runtime.app_session._populate_theme_msg`` and ``_populate_config_msg`` (app/serving.py keeps their
  messages; the test below checks that the kept ones are Streamlit's own), and asyncio's
  ``base_events._set_nodelay`` (app/serving.py gives connections TCP_NODELAY), and uvicorn's
  ``WebSocketsSansIOProtocol.receive`` (app/serving.py resumes a paused connection before the app waits).
- plotly's ``_validate=False`` is guarded by tests/core/test_figures_fast.py (every fast figure rebuilt validated).
- ``st.plotly_chart``'s internals that app/chart.py calls are guarded by tests/kit/test_chart.py (the element it
  sends equals the one ``st.plotly_chart`` sends).
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


def test_script_run_context_can_queue_the_next_frame():
    import dataclasses

    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    from app.live import chain_next_frame

    fields = ScriptRunContext.__dataclass_fields__
    for name in ("script_requests", "query_string", "cached_message_hashes", "context_info"):
        assert name in fields, f"ScriptRunContext.{name} is gone: update app/live.py chain_next_frame"
    assert isinstance(getattr(ScriptRunContext, "page_script_hash", None), property)
    rerun = {f.name for f in dataclasses.fields(RerunData)}
    assert {"query_string", "page_script_hash", "fragment_id", "is_auto_rerun", "cached_message_hashes",
            "context_info"} <= rerun, "update app/live.py chain_next_frame"
    assert callable(getattr(ScriptRequests, "request_rerun", None))
    assert chain_next_frame(0.0, 0.05) is False  # outside a fragment's rerun it declines (the browser's timer asks)


def _queue_with(*msgs):
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

    q = ForwardMsgQueue()
    for m in msgs:
        q.enqueue(m)
    return q


def _finished(status):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    m = ForwardMsg()
    m.script_finished = status
    return m


def test_serving_keeps_a_chained_frame_s_finished_status_when_nothing_is_dropped():
    """A fragment run starting after another: the other's script_finished keeps its status unless its output is
    dropped (then Streamlit's FINISHED_EARLY_FOR_RERUN, as before)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from app.serving import _truthful_finish

    assert _truthful_finish()
    ok = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
    q = _queue_with(_finished(ok))  # the frame's elements were sent already: only its end is queued
    q.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=["frag"])
    assert [m.script_finished for m in q._queue] == [ok]

    delta = ForwardMsg()
    delta.delta.fragment_id = "frag"
    delta.delta.new_element.markdown.body = "unsent"
    delta.metadata.delta_path[:] = [0, 1]
    q = _queue_with(delta, _finished(ok))  # an element of the frame is still queued: it is dropped, the run ended early
    q.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=["frag"])
    assert [m.script_finished for m in q._queue] == [early]

    q = _queue_with(_finished(ok))  # a full run starting: Streamlit's own rule
    q.clear(retain_lifecycle_msgs=True)
    assert [m.script_finished for m in q._queue] == [early]


def test_serving_notes_the_browser_s_timer_ticks():
    """Chained frames need to know whether the browser's timer still ticks (a background tab's does not, often)."""
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime.app_session import AppSession

    from app.serving import _record_ticks, browser_ticking

    assert _record_ticks(), "AppSession._handle_rerun_script_request is gone: update app/serving.py"
    handle = AppSession._handle_rerun_script_request
    assert handle.numdl

    class Session:  # the patched method reads only .id, then calls Streamlit's own (which fails on this stand-in)
        id = "tick-test"

    assert not browser_ticking("tick-test", 1.0)
    for cs, ticking in ((ClientState(), False), (ClientState(is_auto_rerun=True), True)):  # a click, then a tick
        try:
            handle(Session(), cs)
        except AttributeError:  # Streamlit's own handler on a stand-in session: the note was taken before it
            pass
        assert browser_ticking("tick-test", 1.0) is ticking
    assert not browser_ticking("tick-test", -1.0)


def test_serving_memo_sends_streamlit_s_own_theme_and_config_messages():
    """app/serving.py keeps the new_session theme and config messages; they must be the ones Streamlit builds."""
    from streamlit import config
    from streamlit.proto.NewSession_pb2 import Config, CustomThemeConfig
    from streamlit.runtime import app_session

    from app.serving import _memo, install

    assert install() and install()  # idempotent
    theme, client = app_session._populate_theme_msg, app_session._populate_config_msg
    assert theme.original and client.original, "app/serving.py no longer patches Streamlit: update it"
    for section in ("theme", *(f"theme.{c.value}" for c in config.CustomThemeCategories)):
        ours, theirs = CustomThemeConfig(), CustomThemeConfig()
        theme(ours, section)
        theme(ours2 := CustomThemeConfig(), section)  # the second call merges the stored bytes
        theme.original(theirs, section)
        assert ours == theirs == ours2, section
    ours, theirs = Config(), Config()
    client(ours)
    client.original(theirs)
    assert ours == theirs
    calls = []
    memo = _memo(lambda msg, *a: calls.append(a))
    memo(Config(), "x")
    memo(Config(), "x")
    memo(Config(), "y")
    assert calls == [("x",), ("y",)]  # once per argument and config


def test_serving_gives_new_connections_tcp_nodelay():
    """asyncio's ``base_events._set_nodelay`` is what selector transports call on each new connection."""
    import asyncio.base_events
    import asyncio.selector_events
    import inspect
    import socket

    from app.serving import _set_nodelay, install

    assert install()
    assert asyncio.base_events._set_nodelay is _set_nodelay
    assert "base_events._set_nodelay(" in inspect.getsource(asyncio.selector_events), "update app/serving.py"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # protocol 0, as Streamlit creates its socket
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        _set_nodelay(s)
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1



def test_serving_resumes_a_paused_websocket_before_waiting():
    """uvicorn's sans-I/O websocket protocol pauses reading after queueing a message; app/serving.py makes
    ``receive`` resume it whenever the app is about to wait on an empty queue (a stalled connection otherwise
    never delivers its student's ticks)."""
    import asyncio

    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    from app.serving import install

    assert install()
    assert getattr(WebSocketsSansIOProtocol.receive, "numdl", False), "update app/serving.py _never_stall_reads"

    class Transport:
        def __init__(self):
            self.resumed = 0

        def resume_reading(self):
            self.resumed += 1

    async def scenario():
        proto = WebSocketsSansIOProtocol.__new__(WebSocketsSansIOProtocol)
        proto.queue, proto.read_paused, proto.transport = asyncio.Queue(), True, Transport()
        waiting = asyncio.ensure_future(proto.receive())  # the stalled state: paused, nothing queued
        await asyncio.sleep(0)
        assert proto.transport.resumed == 1 and not proto.read_paused  # reading resumed before the wait
        proto.queue.put_nowait({"type": "websocket.receive", "bytes": b"tick"})
        assert (await waiting)["bytes"] == b"tick"

    asyncio.run(scenario())


def test_the_warm_process_is_frozen_once_after_its_warm_up_runs():
    """``after_page_run`` freezes the heap at the warm-up's last page run (one per page), and never again."""
    import gc

    from app import serving

    saved = serving._page_runs
    serving._page_runs = 0
    try:
        assert [serving.after_page_run(warm_runs=3) for _ in range(5)] == [False, False, True, False, False]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        serving._page_runs = saved


def test_presentation_mode_finds_the_container_being_drawn_into():
    """``app.lesson._current`` reads Streamlit's ``_active_dg`` (to draw a live run right under the controls when
    presenting); without it the kit falls back to the normal placement."""
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from app.lesson import _current

        with st.container(key="box"):
            st.session_state["found"] = _current() is not None and _current() is not st._main

    at = AppTest.from_function(script)
    at.run()
    assert at.session_state["found"] is True


def test_thread_state_names_the_fragment_that_is_running():
    """app/live.py ``_current_fragment_id``: one rerun can run two fragments (Play reruns the buttons and the live
    picture); Streamlit's thread state says which one is running. Without it the picture's timer is not started
    from a fragment run and Play reruns the page (tests/kit/test_play_scope.py then fails)."""
    import dataclasses

    from streamlit.runtime.scriptrunner_utils.script_run_context import FragmentThreadState, ThreadState

    assert "fragment_id" in {f.name for f in dataclasses.fields(FragmentThreadState)}, "update app/live.py"
    assert callable(getattr(ThreadState, "get", None)), "update app/live.py _current_fragment_id"


def test_the_flush_loop_and_the_websocket_sender_that_serving_batches_are_there():
    """app/serving.py ``_sliced_flush_yields`` and ``_batched_sends``: Streamlit's flush loop yields with
    ``asyncio.sleep(0)`` after each message (module ``streamlit.runtime.runtime``), its websocket client drains a
    send queue in a ``_sender`` task, and uvicorn's sans-I/O protocol has the connection and the state ``send``
    checks. A 100-student A/B: tick p95 447-486 ms and joins 0.11 s with both, 513-657 ms and 0.21-0.64 s without."""
    import inspect

    from streamlit.runtime import runtime
    from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    from app import serving

    assert "await asyncio.sleep(0)" in inspect.getsource(runtime.Runtime), "update app/serving._sliced_flush_yields"
    assert runtime.asyncio is __import__("asyncio") or isinstance(runtime.asyncio, serving._SlicedAsyncio)
    client = inspect.getsource(StarletteSessionClient)
    for name in ("self._send_queue", "self._websocket", "self._closed", "async def _sender"):
        assert name in client, f"StarletteSessionClient lost {name}: update app/serving._batched_sends"
    proto = inspect.getsource(WebSocketsSansIOProtocol)
    for name in ("self.conn", "self.writable", "self.handshake_complete", "self.close_sent", "self.disconnected",
                 "self.initial_response", "self.conn.send_binary(bytes_data)", "self.conn.data_to_send()"):
        assert name in proto, f"uvicorn's websocket protocol lost {name}: update app/serving._batched_sends"


def test_sliced_yields_wait_only_once_a_slice():
    import asyncio
    import time

    from app import serving

    sliced = serving._SlicedAsyncio("asyncio")
    assert sliced.Queue is asyncio.Queue  # everything else is asyncio's

    async def main():
        order = []

        async def other():
            order.append("other")

        serving._SlicedAsyncio._last = 0.0
        asyncio.get_running_loop().create_task(other())
        await sliced.sleep(0)  # the first yield of a slice: the other task runs
        assert order == ["other"]
        asyncio.get_running_loop().create_task(other())
        await sliced.sleep(0)  # within the slice: no yield
        assert order == ["other"]
        time.sleep(serving.YIELD_SLICE * 1.5)
        await sliced.sleep(0)  # the slice is over: it yields again
        assert order == ["other", "other"]
        assert await sliced.sleep(0.001, "r") == "r"

    asyncio.run(main())
