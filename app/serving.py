"""Server-side savings for a whole class on one machine: Streamlit's per-run work that a live frame repeats.

Every live frame is a (fragment) script run, and Streamlit starts every run by sending the browser a
``new_session`` message with the app's theme and client config read afresh from the config options: seven theme
sections and a dozen options, about 1.5 ms of the ~10 ms a least-squares frame cost the server (py-spy,
Streamlit 1.67). They are fixed while the server runs with this project's config (no file watcher, see
``.streamlit/config.toml``; a re-read config gets new messages), so :func:`install` keeps each message after
the first run and copies it into the next ones.

The connections get ``TCP_NODELAY``. Streamlit 1.67 creates its listening socket with protocol 0, and asyncio
sets ``TCP_NODELAY`` only on sockets created with ``IPPROTO_TCP``; so Nagle's algorithm held the rest of every
frame after its small first message until the browser's delayed ACK, about 40 ms per frame on Linux (measured:
41 ms for a one-caption fragment, 0.2 ms with the option; ``bench/bench_frames.py``). :func:`install` gives
asyncio's helper the socket test without the protocol check; it applies to the connections opened after the
first page run of the process (the server's warm-up, with ``deploy/classroom``).

A connection's reading never stalls. uvicorn 0.55's websocket protocol pauses reading after each message it
queues for the app and resumes when the app has taken the last one; under a class's load some connections
ended with reading paused, the queue empty and the app waiting on it (seen with an asyncio task dump: 13 of
100 students, their ticks unread in the socket; their live run never updated again). :func:`install` makes
the app's ``receive`` resume reading whenever it is about to wait on an empty queue.

After its warm-up (every page opened once, as ``deploy/classroom`` does), the process moves every object it
holds into the garbage collector's permanent generation (``gc.freeze``). A full collection walks every tracked
object; with the pages' modules, caches and figures that was 100-220 ms with every thread stopped, every few
seconds under a class's load (measured with ``gc.callbacks``: 23 such pauses in 30 s on two replicas); after the
freeze, 20-65 ms. Garbage made later is collected as before; only what existed at the freeze is kept for good.

A live frame's ``script_finished`` keeps its status. A playing run queues its next frame itself
(``app.live.chain_next_frame``), so the next run starts as soon as one ends; Streamlit then marks a
``script_finished`` still in the queue ``FINISHED_EARLY_FOR_RERUN`` (meant for a run whose output it drops), and
the browser kept that frame's charts as stale elements, every other frame. :func:`_truthful_finish` keeps the
status when none of the finished run's messages is dropped. And each session's browser timer ticks are noted
(:func:`browser_ticking`): a tab hidden for a while ticks about once a minute (Chromium's throttling), and its
frames are then left to its ticks instead of being chained at full rate for nobody to see (a disconnected tab's
run stops either way).

Messages leave in batches. Streamlit's flush loop yields to the event loop after every message it sends, and its
websocket client awaits a write per message; with a class playing, every yield waits behind the other tasks, and a
join's ~100 messages went out one loop turn at a time. The flush loop now yields at most every ``YIELD_SLICE``
(2 ms; :class:`_SlicedAsyncio`), and a connection's sender writes all the messages queued for it at once (one
``transport.write``; :func:`_batched_sends`). A/B at 100 students, 2 runs each way, alternating: tick p95
447-486 ms, join median 0.11 s and 3.0-3.2 frames/s with both; 513-657 ms, 0.21-0.64 s and 2.6-2.8 without.

These patch private functions (``app_session._populate_theme_msg`` and ``_populate_config_msg``,
``asyncio.base_events._set_nodelay``, uvicorn's ``WebSocketsSansIOProtocol.receive``,
``ForwardMsgQueue.clear``, ``AppSession._handle_rerun_script_request``, the ``asyncio`` of
``streamlit.runtime.runtime``, ``StarletteSessionClient._sender``); ``tests/kit/test_private_apis.py``
checks that they are still there and that the patched versions do what Streamlit's own do. Where one is missing
(a newer Streamlit), that patch is skipped and the app runs unchanged, only slower.
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
import types
from typing import Any

__all__ = ["after_page_run", "install", "browser_ticking"]

_lock = threading.Lock()
_installed = False


def _memo(populate):
    """``populate(msg, *args)`` (it fills the empty proto ``msg`` from the config) that runs once per ``args``
    and config, then merges the stored bytes into ``msg``."""
    from streamlit import config

    cache: dict[tuple, bytes] = {}

    def memo(msg, *args) -> None:
        key = (args, id(getattr(config, "_config_options", None)))  # a re-read config makes a new dict
        blob = cache.get(key)
        if blob is None:
            fresh = type(msg)()
            populate(fresh, *args)
            blob = cache[key] = fresh.SerializeToString()
        msg.MergeFromString(blob)

    memo.original = populate
    return memo


def _set_nodelay(sock: socket.socket) -> None:
    """asyncio's ``_set_nodelay`` without its test of ``sock.proto`` (0 for Streamlit's sockets)."""
    if sock.family in {socket.AF_INET, socket.AF_INET6} and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _nodelay() -> bool:
    """Give asyncio's new TCP connections ``TCP_NODELAY`` (looked up by ``asyncio.selector_events`` at each new
    connection); False when asyncio has no such helper."""
    import asyncio.base_events

    if not callable(getattr(asyncio.base_events, "_set_nodelay", None)):
        return False
    asyncio.base_events._set_nodelay = _set_nodelay
    return True


def _never_stall_reads() -> bool:
    """Patch uvicorn's sans-I/O websocket ``receive``; False when that protocol is not there."""
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    except ImportError:
        return False
    receive = WebSocketsSansIOProtocol.receive
    if getattr(receive, "numdl", False):
        return True

    async def receive_resuming(self):
        if getattr(self, "read_paused", False) and self.queue.empty():  # about to wait: let the data in
            self.read_paused = False
            self.transport.resume_reading()
        return await receive(self)

    receive_resuming.numdl = True
    WebSocketsSansIOProtocol.receive = receive_resuming
    return True


def _truthful_finish() -> bool:
    """Patch ``ForwardMsgQueue.clear`` so that a fragment run starting right after another keeps the other's
    ``script_finished`` status when none of its output is dropped; False when the queue is not there.

    When a run starts, Streamlit drops from the session's queue the unsent messages of the fragments it reruns,
    and marks any ``script_finished`` still queued ``FINISHED_EARLY_FOR_RERUN`` (the browser keeps that run's
    elements as stale). A live frame's run whose elements were all sent already (``app.live.chain_next_frame``
    sleeps after drawing, the event loop sends them meanwhile) then finished early in the browser's eyes, every
    other frame: its stale elements piled up in Chromium. If no message would be dropped, the status stays.
    """
    try:
        from streamlit.runtime.forward_msg_queue import ForwardMsgQueue
    except ImportError:
        return False
    clear = getattr(ForwardMsgQueue, "clear", None)
    if clear is None or getattr(clear, "numdl", False):
        return clear is not None

    def clear_truthfully(self, retain_lifecycle_msgs: bool = False, fragment_ids_this_run=None) -> None:
        queue = getattr(self, "_queue", None)
        if retain_lifecycle_msgs and fragment_ids_this_run is not None and queue is not None and not any(
                m.WhichOneof("type") == "delta" and m.delta.fragment_id in fragment_ids_this_run for m in queue):
            self._delta_index_map = {}  # nothing is dropped: the queue stays as it is, statuses included
            return
        clear(self, retain_lifecycle_msgs, fragment_ids_this_run)

    clear_truthfully.numdl = True
    clear_truthfully.original = clear
    ForwardMsgQueue.clear = clear_truthfully
    return True


YIELD_SLICE = 0.002  # seconds: Streamlit's flush loop sends messages for this long before it yields


class _SlicedAsyncio(types.ModuleType):
    """``asyncio`` as ``streamlit.runtime.runtime`` sees it: ``sleep(0)`` yields to the event loop only when the
    last yield is ``YIELD_SLICE`` old. Streamlit's flush loop yields after every message it sends; a page's first
    run is about 100 messages, a frame 5-10, and with a class playing each yield waited behind every other task."""

    _last = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def sleep(self, delay: float, result: Any = None) -> Any:
        now = time.monotonic()
        if delay == 0 and now - _SlicedAsyncio._last < YIELD_SLICE:
            return _no_wait(result)
        _SlicedAsyncio._last = now
        return asyncio.sleep(delay, result)


async def _no_wait(result: Any = None) -> Any:
    return result


def _sliced_flush_yields() -> bool:
    """Give ``streamlit.runtime.runtime`` the sliced ``asyncio``; False when its flush loop is not found."""
    try:
        from streamlit.runtime import runtime
    except ImportError:
        return False
    if isinstance(getattr(runtime, "asyncio", None), _SlicedAsyncio):
        return True
    if getattr(runtime, "asyncio", None) is not asyncio:
        return False
    runtime.asyncio = _SlicedAsyncio("asyncio")
    return True


def _batched_sends() -> bool:
    """Patch Streamlit's websocket sender task (``StarletteSessionClient._sender``) to write every message already
    queued for a connection at once: one ``transport.write`` through uvicorn's sans-I/O websocket connection instead
    of an ``await`` per message (the same frames on the wire: the connection encodes each message as uvicorn's
    ``send`` does). Where the connection is not in a plain open state, messages go through ``send_bytes``."""
    try:
        from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient
    except ImportError:
        return False
    sender = getattr(StarletteSessionClient, "_sender", None)
    if sender is None or getattr(sender, "numdl", False):
        return sender is not None

    async def batched_sender(self) -> None:
        from starlette.websockets import WebSocketDisconnect

        queue, ws = self._send_queue, self._websocket
        try:
            while True:
                batch = [await queue.get()]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                proto = getattr(getattr(ws, "_send", None), "__self__", None)
                conn = getattr(proto, "conn", None)
                if len(batch) > 1 and conn is not None and _plain_open(proto) and \
                        getattr(getattr(ws, "application_state", None), "name", "") == "CONNECTED":
                    for payload in batch:
                        conn.send_binary(payload)
                    proto.transport.write(b"".join(conn.data_to_send()))
                else:
                    for payload in batch:
                        await ws.send_bytes(payload)
        except WebSocketDisconnect:
            pass
        except Exception:
            import logging

            logging.getLogger(__name__).exception("Error sending websocket payload")
        finally:
            self._closed.set()

    batched_sender.numdl = True
    batched_sender.original = sender
    StarletteSessionClient._sender = batched_sender
    return True


def _plain_open(proto: Any) -> bool:
    """Whether uvicorn's websocket protocol object is open for writing with nothing special pending (what its
    ``send`` checks before it encodes a message)."""
    try:
        return bool(proto.handshake_complete and not proto.close_sent and not proto.disconnected
                    and proto.writable.is_set() and proto.initial_response is None
                    and not proto.transport.is_closing())
    except AttributeError:
        return False


_ticks: dict[str, float] = {}  # session id -> when its browser's timer last asked for a live frame


def browser_ticking(session_id: str, window: float) -> bool:
    """Whether the browser of ``session_id`` asked for a live frame (a fragment's timer tick) within the last
    ``window`` seconds. A tab hidden for a while ticks about once a minute (the browser throttles its timers): its
    frames are then left to its ticks instead of being chained (``app.live.chain_next_frame``)."""
    t = _ticks.get(session_id)
    return t is not None and time.monotonic() - t <= window


def _record_ticks() -> bool:
    """Patch ``AppSession._handle_rerun_script_request`` (a browser's rerun request) to note when each session's
    browser last sent a timer tick; False when it is missing."""
    try:
        from streamlit.runtime.app_session import AppSession
    except ImportError:
        return False
    handle = getattr(AppSession, "_handle_rerun_script_request", None)
    if handle is None or getattr(handle, "numdl", False):
        return handle is not None

    def handle_noting_ticks(self, client_state=None):
        if client_state is not None and getattr(client_state, "is_auto_rerun", False):
            now = time.monotonic()
            if len(_ticks) > 5000:  # sessions long gone
                for sid in [k for k, t in list(_ticks.items()) if now - t > 600]:
                    _ticks.pop(sid, None)
            _ticks[self.id] = now
        return handle(self, client_state)

    handle_noting_ticks.numdl = True
    handle_noting_ticks.original = handle
    AppSession._handle_rerun_script_request = handle_noting_ticks
    return True


_page_runs = 0


def after_page_run(warm_runs: int) -> bool:
    """Count a full page run; at the ``warm_runs``-th (one per page: the warm-up) collect and ``gc.freeze()``
    what the process holds, once. True when this call froze it."""
    import gc

    global _page_runs
    with _lock:
        _page_runs += 1
        if _page_runs != warm_runs:
            return False
    gc.collect()
    gc.freeze()
    return True


def install() -> bool:
    """Apply the savings once per process; True when they are in place."""
    global _installed
    with _lock:
        if _installed:
            return True
        try:
            from streamlit.runtime import app_session
            theme, config = app_session._populate_theme_msg, app_session._populate_config_msg
        except (ImportError, AttributeError):
            return False
        _nodelay()
        _never_stall_reads()
        _truthful_finish()
        _record_ticks()
        _sliced_flush_yields()
        _batched_sends()
        app_session._populate_theme_msg = _memo(theme)
        app_session._populate_config_msg = _memo(config)
        _installed = True
        return True
