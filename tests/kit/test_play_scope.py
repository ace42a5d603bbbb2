"""Play reruns only the buttons and the live picture, not the page (on the real server, over the websocket).

A class presses Play within seconds of opening the page: a rerun of the whole page per click was as much work for
the server as the join itself. Play's callback reruns the two fragments by key (``st.rerun(scope=[keys])``); the
live picture then starts the browser's timer itself. Pause, Step and Reset rerun the page: the numbers below the
picture follow the run, and a full rerun stops the browser's timer.
"""
from __future__ import annotations

import time

from bench import bench_frames
from bench._common import StreamlitServer

KEY = "lstsq.iterative.run"


def _until_finished(s: bench_frames.Session, timeout: float = 30.0) -> bench_frames.Run:
    deadline = time.monotonic() + timeout
    while True:
        run = s._receive(deadline)
        assert run is not None, "no run finished"
        if run.status != bench_frames.EARLY:
            return run


def test_play_reruns_the_buttons_and_the_live_picture_and_pause_the_page():
    with StreamlitServer() as server, bench_frames.Session(server.port, "least-squares",
                                                           "section=iterative&a=0.01&speed=1", 60,
                                                           estimate_deflate=False) as s:
        s.load()
        controls = s.widget_fragment[KEY + ".play"]
        assert controls and s.widget_fragment[KEY + ".step"] == controls  # the buttons are drawn in a fragment
        assert not s.timers  # paused: no timer
        n = len(s.runs)
        assert s.click(KEY + ".play")
        runs = [r for r in s.runs[n:] if r.status != bench_frames.EARLY]
        assert runs and all(r.fragment_ids for r in runs), "Play reran the page"
        assert s.labels[KEY + ".play"] == "‖ Pause"
        (frame,) = s.timers  # the browser's timer is the live picture's, not the buttons'
        assert frame != controls and set(runs[-1].fragment_ids) == {controls, frame}
        assert any(label.startswith("plotly_chart") for label in runs[-1].by_label)  # the first frame, drawn at once
        frames = len(s.frames)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            s._receive(deadline)
        assert len(s.frames) >= frames + 5, "the timer did not bring frames"

        s.rerun((bench_frames.WidgetState(id=s.widgets[KEY + ".play"], trigger_value=True),), fragment_id=controls)
        while (run := _until_finished(s)).fragment_ids:  # frames already asked for may come first
            pass
        assert not s.timers and s.labels[KEY + ".play"] == "▶ Play"  # Pause reran the page: no timer
