"""Server-side savings for a whole class on one machine: Streamlit's per-run work that a live frame repeats.

Every live frame is a (fragment) script run, and Streamlit starts every run by sending the browser a
``new_session`` message with the app's theme and client config read afresh from the config options: seven theme
sections and a dozen options, about 1.5 ms of the ~10 ms a least-squares frame cost the server (py-spy,
Streamlit 1.67). They are fixed while the server runs with this project's config (no file watcher, see
``.streamlit/config.toml``; a re-read config gets new messages), so :func:`install` keeps each message after
the first run and copies it into the next ones.

This patches two private functions of ``streamlit.runtime.app_session``; ``tests/kit/test_private_apis.py``
checks that it is still there and that a patched message equals Streamlit's own. Without it (a Streamlit
that renamed it), the app runs unchanged, only slower.
"""
from __future__ import annotations

import threading

__all__ = ["install"]

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
        app_session._populate_theme_msg = _memo(theme)
        app_session._populate_config_msg = _memo(config)
        _installed = True
        return True
