"""A screenshot of the running GUI in headless Chromium (``--screenshot``).

`screenshot` opens the GUI's page in headless Chromium (through selenium and Debian's
``chromium`` and ``chromium-driver``), presses play, waits until the simulator has run and
the prediction is shown, saves a PNG and returns what the page showed, for the tests and
the documentation's picture.
"""

import shutil
import time
from pathlib import Path

from ..errors import MissingDependencyError

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Chromium's options here: headless, quiet, no background traffic."""


def _selenium():
    """selenium's modules, or a one-line `MissingDependencyError`."""
    try:
        from selenium import webdriver
        from selenium.common import exceptions
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
    except ImportError:
        raise MissingDependencyError(
            "selenium is not installed: pip install selenium==4.10.0"
        ) from None
    return webdriver, exceptions, Service, By


def _chromium(webdriver, service_cls, width, height):
    """A headless Chromium of ``width`` x ``height`` pixels, driven by chromedriver."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver")
    if not (chromium and driver_bin):
        raise MissingDependencyError(
            "Chromium and its driver are needed: sudo apt-get install chromium chromium-driver"
        )
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--window-size={width},{height}"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=service_cls(driver_bin), options=opts)


def _press_play(gui, driver, by, stale):
    """Wait (at most 60 s) for the page and its model, then press play."""
    deadline = time.time() + 60
    while time.time() < deadline and not driver.find_elements(by.ID, "pause_button"):
        time.sleep(0.2)
    while time.time() < deadline and not gui.server.pages:
        time.sleep(0.2)
    time.sleep(2.0)  # let the page build the model and draw the layout
    for _ in range(20):  # the page may redraw the button while loading
        try:
            driver.find_element(by.ID, "pause_button").click()
            break
        except stale:
            time.sleep(0.5)


def _wait_for_prediction(gui, driver):
    """Wait until the simulator has run and the prediction is shown (`ImageReadout`; a
    loaded machine is slower, not different), at most 60 s; ``(page, steps, html)``."""
    deadline = time.time() + 60
    while True:
        page = gui.server.pages[0] if gui.server.pages else None
        steps = int(getattr(getattr(page, "sim", None), "n_steps", 0) or 0)
        shown_html = driver.execute_script(
            "return Array.from(document.querySelectorAll('.htmlview')).map(e => e.textContent)"
        )
        shown = steps > 0 and any("predicted: " in t for t in shown_html)
        if shown or (page is not None and page.error) or time.time() > deadline:
            return page, steps, shown_html
        time.sleep(0.5)


def screenshot(gui, path, *, seconds=4.0, width=1400, height=900):
    """Open the GUI in headless Chromium, press play, wait ``seconds`` (then until the
    simulator has run and the prediction is shown), save a PNG.

    Parameters
    ----------
    gui : nengo_gui.gui.GuiThread
        A started GUI (`nengo_fashion.gui.make_gui` with ``threaded=True``).
    path : str or Path
        The PNG to write (its folder is made).
    seconds : float
        Seconds to let the simulation run after pressing play.
    width, height : int
        The browser window's size, in pixels.

    Returns
    -------
    dict
        What the page showed: ``errors`` (error texts shown), ``names`` (object labels
        drawn), ``html`` (the texts of the HTML displays: the true class or picture name,
        the prediction) and ``steps`` (the simulator's step count).
    """
    webdriver, exceptions, service_cls, by = _selenium()
    driver = _chromium(webdriver, service_cls, width, height)
    try:
        driver.get(str(gui.server.get_url(token="one-time")))
        _press_play(gui, driver, by, exceptions.StaleElementReferenceException)
        time.sleep(seconds)
        page, steps, shown_html = _wait_for_prediction(gui, driver)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))
        errors = driver.execute_script(
            "return Array.from(document.querySelectorAll('.ace_error, .error'))"
            ".map(e => e.textContent).filter(t => t.trim())"
        )
        if page is not None and page.error:
            errors.append(str(page.error))
        names = driver.execute_script(
            "return Array.from(document.querySelectorAll('text')).map(e => e.textContent)"
        )
        return {"errors": errors, "names": names, "html": shown_html, "steps": steps}
    finally:
        driver.quit()
