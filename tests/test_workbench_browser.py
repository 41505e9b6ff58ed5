"""The workbench used as a planner uses it, in a real headless Chromium (selenium, as tests/test_browser.py).

A real server (uvicorn, on a free loopback port, a fresh workspace) is opened at its first page; the
test picks the baseline, changes a field through the form generated from the schema and saves it
as a scenario of its own, runs it (following the progress bar to its end), compares it with the
baseline and reads the verdicts, builds the comparison's report and opens it. Screenshots of each
step go to ``$BORDERSIM_ARTEFACTS`` (``workbench_*.png``). Skipped with the reason where Chromium,
its driver or the web extra is missing.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from test_browser import ARTEFACTS, _console_errors, _screenshot, browser  # noqa: F401 - the fixture

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install -e '.[web]')")
pytestmark = pytest.mark.browser

FIELD = "field:demand.streams.export_perishable.trucks_per_day"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from sim.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(tmp_path_factory.mktemp("workbench") / "ws", workers=2, hosts={f"127.0.0.1:{port}"})
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the workbench did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


def _wait_for(driver, condition, timeout: float = 240):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def _follow_job(driver) -> None:
    """On a job's page: the progress bar moves, the job ends done, its study opens."""
    from selenium.webdriver.common.by import By

    _wait_for(
        driver,
        lambda d: d.find_element(By.ID, "job").get_attribute("data-state") in ("done", "failed", "stopped"),
    )
    state = driver.find_element(By.ID, "job").get_attribute("data-state")
    problems = driver.find_element(By.ID, "job-problems").text
    assert state == "done", f"the study ended {state}: {problems}"
    assert driver.execute_script("return document.getElementById('job-progress').value") == 1


def _fill(driver, form_id: str, **values: str) -> None:
    from selenium.webdriver.common.by import By

    form = driver.find_element(By.ID, form_id)
    for name, value in values.items():
        box = form.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def test_edit_run_compare_and_report_in_the_browser(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(server + "/")
    Select(browser.find_element(By.ID, "pick-scenario")).select_by_value("packaged:baseline")
    browser.find_element(By.ID, "open-scenario").click()
    _wait_for(browser, lambda d: d.find_element(By.ID, "scenario-name").text == "baseline")
    assert "Q1 2023" in browser.find_element(By.ID, "about").text  # the question, from the file's comment

    # Change one field through the form: 50% more perishable exports (a harvest week's fruit).
    group = browser.find_element(By.CSS_SELECTOR, "details[data-group='demand.streams']")
    browser.execute_script("arguments[0].open = true; arguments[0].scrollIntoView();", group)
    field = browser.find_element(By.ID, FIELD)
    before = float(field.get_attribute("value"))
    field.clear()
    field.send_keys(f"{before * 1.5:g}")
    browser.find_element(By.ID, "new-name").send_keys("more_fruit")
    browser.find_element(By.NAME, "description").send_keys("50% more perishable exports than the baseline")
    _screenshot(browser, "workbench_form.png", full_page=False)
    browser.find_element(By.ID, "save").click()
    _wait_for(browser, lambda d: d.find_element(By.ID, "scenario-name").text == "more_fruit")
    diff = browser.find_element(By.ID, "diff").text
    assert f"~ demand.streams.export_perishable.trucks_per_day: {before:g}" in diff.replace(".0 ", " ")
    _screenshot(browser, "workbench_scenario.png", full_page=True)

    # Run it: 3 replications of 7 days.
    _fill(browser, "run-form", replications="3", days="7")
    browser.find_element(By.ID, "run").click()
    _follow_job(browser)
    _screenshot(browser, "workbench_run.png", full_page=False)
    browser.find_element(By.ID, "open-study").click()
    assert "Vehicles cleared per day" in browser.find_element(By.ID, "kpis").text

    # Compare it with the baseline (its parent, chosen already).
    browser.back()
    browser.back()
    browser.get(server + "/scenario?ref=workspace:more_fruit.toml")
    assert Select(browser.find_element(By.ID, "compare-with")).first_selected_option.get_attribute(
        "value") == "packaged:baseline"  # fmt: skip
    _fill(browser, "compare-form", replications="3", days="7")
    browser.find_element(By.ID, "compare").click()
    _follow_job(browser)
    browser.find_element(By.ID, "open-study").click()
    verdicts = browser.find_element(By.ID, "verdicts").text
    assert "cleared/day" in verdicts and "a real difference" in verdicts, verdicts
    assert "more_fruit (B) against baseline (A)" in browser.page_source
    _screenshot(browser, "workbench_comparison.png", full_page=True)

    # Its report, opened from the study's page.
    browser.find_element(By.ID, "build-report").click()
    _follow_job(browser)
    browser.find_element(By.ID, "open-study").click()
    link = browser.find_element(By.ID, "open-report").get_attribute("href")
    browser.get(link)
    _wait_for(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    images = browser.execute_script("return Array.from(document.images).map(i => i.naturalWidth)")
    assert len(images) >= 4 and all(w > 0 for w in images), images
    assert _console_errors(browser) == []
    _screenshot(browser, "workbench_report.png", full_page=False)
    assert (ARTEFACTS / "workbench_report.png").is_file()
