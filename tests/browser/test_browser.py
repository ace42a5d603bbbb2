"""Real-browser test: start the server, open the app in Debian's Chromium (headless), press Play, watch it run.

Skips (with the reason) only where Chromium or Playwright cannot be found; `.ci/run` installs Chromium.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.pages.helpers import ROOT

# Under pytest-xdist all browser tests run in one worker: one server and one Chromium (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium not found ({CHROMIUM}); install it with: apt-get install -y chromium", allow_module_level=True)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# Counts, per animation frame, the charts whose curves changed (window.__updates) and the frames in which at
# least one did (window.__frames).
COUNT_UPDATES_JS = """() => {
    window.__updates = 0; window.__frames = 0; window.__last = [];
    const tick = () => {
        const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
        let changed = 0;
        plots.forEach((p, i) => {
            const d = Array.from(p.querySelectorAll('.scatterlayer path.js-line')).map(e => e.getAttribute('d')).join('|');
            if (d !== window.__last[i]) { changed += 1; window.__last[i] = d; }
        });
        window.__updates += changed; if (changed) window.__frames += 1;
        requestAnimationFrame(tick);
    };
    tick();
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if k != "NUMDL_OPEN_PANELS"},  # closed panels as students get them
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the Streamlit server did not become healthy within 60 s:\n" + proc.stdout.read().decode()[-3000:])
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def chrome():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator('[data-testid="stException"]').first.inner_text()


def test_home_and_navigation(server, chrome):
    page = chrome.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_text("Course map").wait_for(timeout=30_000)
    page.get_by_role("link", name="Checking derivatives").first.click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.get_by_text("The adjoint test").first.wait_for()
    _no_exception(page)
    page.close()


def test_least_squares_play_advances_chart(server, chrome):
    page = chrome.new_page(viewport={"width": 1400, "height": 1000})
    # a = 1e-2: steepest descent needs thousands of iterations, so the run keeps going while we watch
    page.goto(f"{server}/least-squares?section=iterative&a=0.01&speed=1")
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=30_000)
    _no_exception(page)
    status = page.get_by_text("paused").first
    status.wait_for()
    assert "iteration 0" in status.inner_text()
    # Count visible chart updates: each chart whose drawn curves changed since the last animation frame counts once.
    page.evaluate(COUNT_UPDATES_JS)
    page.get_by_role("button", name="▶ Play", exact=True).click()
    page.get_by_role("button", name="‖ Pause", exact=True).wait_for(timeout=10_000)
    t0 = time.time()
    page.wait_for_timeout(1000)  # let the first frames settle
    u0, f0 = page.evaluate("[window.__updates, window.__frames]")
    page.wait_for_timeout(3000)
    u1, f1 = page.evaluate("[window.__updates, window.__frames]")
    rate, fps = (u1 - u0) / 3.0, (f1 - f0) / 3.0
    text = page.get_by_text("running").first.inner_text()
    it = int(text.split("iteration ")[1].split(",")[0])
    assert it > 10, text
    assert rate >= 2, f"only {rate:.1f} chart updates per second"  # a floor for a loaded CI machine; the README reports the idle rate
    print(f"\nChromium: {rate:.1f} visible chart updates per second ({fps:.1f} frames/s with two charts each; "
          f"iteration {it} after {time.time() - t0:.1f} s)")
    page.get_by_role("button", name="‖ Pause", exact=True).click()
    page.get_by_role("button", name="▶ Play", exact=True).wait_for(timeout=10_000)
    _no_exception(page)
    page.close()


def test_a_closed_panel_draws_its_content_when_opened(server, chrome):
    """"Compare two settings" is drawn only once opened (app.panels.panel_open): opening it reruns the page."""
    page = chrome.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/least-squares?section=iterative")
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Run both").count() == 0
    page.get_by_text("Compare two settings").first.click()
    page.get_by_role("button", name="Run both").wait_for(timeout=15_000)
    _no_exception(page)
    page.close()


def _page_urls():
    """Every page of the course map at its default section (AppTest covers every section and preset headless)."""
    from app.catalog import available

    for e in available():
        yield pytest.param(e.url_path, id=e.url_path)


@pytest.fixture(scope="module")
def tab(server, chrome):
    """One tab for the page tour: the app's frontend loads once, pages are then opened from the menu (as a student
    does; each page is a rerun, not a new load of the JavaScript)."""
    page = chrome.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_text("Course map").wait_for(timeout=30_000)
    yield page
    page.close()


@pytest.mark.parametrize("url", list(_page_urls()))
def test_every_page_renders_in_chromium(tab, url):
    before = tab.locator('[data-testid="stMain"] h1').first.inner_text()
    tab.locator(f'[data-testid="stSidebarNav"] a[href$="/{url}"]').first.click()
    tab.wait_for_url(f"**/{url}*", timeout=30_000)
    # the new page's title is up and nothing of the previous page is left
    tab.wait_for_function("""(before) => {
        const h = document.querySelector('[data-testid="stMain"] h1');
        return h && h.innerText !== before && !document.querySelector('[data-stale="true"]');
    }""", arg=before, timeout=30_000)
    tab.locator('[data-testid="stMain"] .js-plotly-plot').first.wait_for(timeout=30_000)
    tab.get_by_text("Export this experiment").first.wait_for(timeout=30_000)
    _no_exception(tab)


def test_instructor_link_locks_and_hides_in_chromium(server, chrome):
    page = chrome.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/derivatives?preset=wrong-hessian&lock=function&hide=seed")
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    _no_exception(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Function f")
    assert box.locator("input").first.input_value() == "Rosenbrock"
    assert box.locator("input").first.is_disabled()
    assert page.locator('[data-testid="stSlider"]').filter(has_text="Seed").count() == 0
    assert "function=rosenbrock" in page.url and "lock=function" in page.url
    page.close()


def test_lecture_tour_with_the_keyboard(server, chrome):
    """?tour=1 opens the least-squares tour; → and ← step through its presets, Space plays and pauses."""
    page = chrome.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{server}/least-squares?tour=1")
    page.get_by_text("Lecture tour, step 1 of 5").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.locator("h1").first.click()  # focus the page, not a widget
    page.keyboard.press("ArrowRight")
    page.get_by_text("Lecture tour, step 2 of 5").wait_for(timeout=15_000)
    page.wait_for_function("() => window.location.search.includes('tour=2') && window.location.search.includes('a=0.01')",
                           timeout=15_000)
    page.keyboard.press("ArrowLeft")
    page.get_by_text("Lecture tour, step 1 of 5").wait_for(timeout=15_000)
    page.get_by_role("button", name="Previous").wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    page.locator("h1").first.click()
    page.keyboard.press("Space")  # the Play button shows its key: its name is "‖ Pause Space"
    page.get_by_role("button", name=re.compile("^‖ Pause")).wait_for(timeout=15_000)
    page.keyboard.press("Space")
    page.get_by_role("button", name=re.compile("^▶ Play")).wait_for(timeout=15_000)
    _no_exception(page)
    page.close()
