"""The HTML a planner opens, checked in a real browser: the system's headless Chromium.

A report, a comparison report and an animation are rendered; the page must log no console
error, every figure must have loaded (an ``<img>`` with a natural width), a comparison's
warnings must open the page, above every number, and the plotly animation must have drawn
its trucks and its frames. A screenshot of each goes to ``$BORDERSIM_ARTEFACTS`` (default
``tests/artefacts/``) for CI to keep, and of the comparison's figures one by one
(``comparison_*.png``) for a reviewer to open.

Needs Chromium and its driver from the system's packages (Debian: ``apt-get install
chromium chromium-driver``; ``.ci/run`` installs them when it can) and selenium; skipped
with the reason otherwise. Selenium is pointed at the system's driver, so nothing is
downloaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sim.cli import main

pytestmark = pytest.mark.browser

ARTEFACTS = Path(os.environ.get("BORDERSIM_ARTEFACTS") or Path(__file__).parent / "artefacts")
WIDTH = 1400


def _find(*names: str) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')"
    )
    chromium = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip(
            "headless Chromium is not installed: apt-get install chromium chromium-driver "
            f"(found browser: {chromium}, driver: {driver_path})"
        )
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium's manager must not look for downloads
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WIDTH},1000", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


def _open(driver, page: Path) -> None:
    driver.get_log("browser")  # forget what earlier pages logged
    driver.get(page.resolve().as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 120).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _screenshot(driver, name: str, full_page: bool) -> Path:
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(WIDTH, min(max(int(height), 600), 12000))
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    assert driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, 1000)
    assert path.stat().st_size > 10_000  # a picture, not a blank page
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser") / "baseline"
    args = ["run", "baseline", "--days", "5", "--replications", "2", "--records", "--out", str(folder)]
    assert main(args) == 0
    return folder


def test_report_renders_with_every_figure_and_no_console_error(browser, results) -> None:
    assert main(["report", str(results)]) == 0
    _open(browser, results / "report" / "report.html")
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]);"
    )
    assert len(images) >= 4, images
    not_loaded = [alt for alt, complete, w, h in images if not (complete and w > 0 and h > 0)]
    assert not not_loaded, f"figures that did not load: {not_loaded}"
    assert browser.execute_script("return document.querySelectorAll('table').length") > 0
    assert _console_errors(browser) == []
    _screenshot(browser, "report.png", full_page=True)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """Office hours against the baseline over eight days: office hours' backlog spills onto the
    road from about the sixth day and is still there at the end (unstable and censored)."""
    folder = tmp_path_factory.mktemp("browser") / "office_vs_base"
    args = ["compare", "baseline", "office_hours", "--days", "8", "--replications", "2", "--out", str(folder)]
    assert main(args) == 0
    assert main(["report", str(folder)]) == 0
    return folder / "report" / "report.html"


def test_comparison_report_opens_with_its_warnings_and_every_figure_loads(browser, comparison) -> None:
    _open(browser, comparison)
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]);"
    )
    assert len(images) >= 7, images
    assert not [alt for alt, complete, w, h in images if not (complete and w > 0 and h > 0)]
    banner = browser.execute_script(
        "const b = document.querySelector('.warning'); const t = document.querySelector('table');"
        "return b && [b.innerText, b.getBoundingClientRect().top, t.getBoundingClientRect().top];"
    )
    assert banner, "the comparison report has no warning banner"
    text, top, first_table = banner
    assert "office_hours) is unstable" in text and "is censored" in text
    assert top < first_table, "the warnings come before the first number"
    assert _console_errors(browser) == []
    _screenshot(browser, "comparison_report.png", full_page=True)
    from selenium.webdriver.common.by import By

    for name in ("differences", "throughput", "backlog", "capacity_over_time_a"):
        image = browser.find_element(By.CSS_SELECTOR, f"img[alt][src^='data:image/png'][data-name='{name}']")
        browser.execute_script("arguments[0].scrollIntoView();", image)
        path = ARTEFACTS / f"comparison_{name}.png"
        assert image.screenshot(str(path)) and path.stat().st_size > 10_000


def test_animation_renders_its_trucks_and_frames_with_no_console_error(browser, results, tmp_path) -> None:
    page = tmp_path / "animation.html"
    assert main(["animate", str(results), "--crossing", "road_1119_1120", "--from", "2023-02-16T06:00",
                 "--hours", "12", "--out", str(page)]) == 0  # fmt: skip
    _open(browser, page)
    from selenium.webdriver.support.ui import WebDriverWait

    svg = "return document.querySelectorAll('#bordersim-animation .main-svg').length > 0"
    WebDriverWait(browser, 120).until(lambda d: d.execute_script(svg))
    frames = browser.execute_script(
        "return document.getElementById('bordersim-animation')._transitionData._frames.length"
    )
    assert frames == 12 * 60 // 5 + 1
    # on to the afternoon (frame 100: 14:20), drawn as a user's slider would
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Plotly.animate('bordersim-animation', ['100'], {mode: 'immediate',"
        " frame: {duration: 0, redraw: true}, transition: {duration: 0}}).then(() => done(true));"
    )
    drawn = browser.execute_script(
        "return document.querySelectorAll('#bordersim-animation .scatterlayer .trace .point').length"
    )
    assert drawn > 20  # lane slots and trucks
    title = browser.execute_script(
        "return document.querySelector('#bordersim-animation .gtitle').textContent"
    )
    assert "Thursday 16 February 2023" in title and "Việt Nam 14:20" in title and "China 15:20" in title
    assert _console_errors(browser) == []
    _screenshot(browser, "animation.png", full_page=False)
