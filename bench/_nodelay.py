"""``python bench/_nodelay.py run app/main.py ...``: ``streamlit`` with TCP_NODELAY on its connections (benchmarks only).

Streamlit 1.67 creates its listening socket as ``socket.socket(family)`` (protocol 0), and asyncio sets
``TCP_NODELAY`` only on sockets whose protocol is ``IPPROTO_TCP``; so Nagle's algorithm holds the rest of every
frame after its first small message until the client's delayed ACK (about 40 ms on Linux). ``bench_frames.py
--nodelay`` starts the app through this launcher to see the server's own time per frame. The app as shipped is
measured without it.
"""
from __future__ import annotations

import asyncio.base_events
import socket
import sys


def _set_nodelay(sock: socket.socket) -> None:
    """asyncio's own helper, without its test of ``sock.proto`` (0 for Streamlit's socket)."""
    if sock.family in {socket.AF_INET, socket.AF_INET6} and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


if __name__ == "__main__":
    asyncio.base_events._set_nodelay = _set_nodelay  # looked up at each new connection by asyncio.selector_events
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(main())
