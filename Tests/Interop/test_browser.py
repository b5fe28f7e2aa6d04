"""The demo page, and wsevent.js under it, in a real headless Chromium: EventSource, WebSocket,
publishing, CORS, restart, a relay killed mid-stream."""

import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

TOKEN = "browser-token"


@pytest.fixture
def browser():
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "chromium and chromium-driver must be installed (scripts/test installs them)"
    profile = tempfile.mkdtemp(prefix="wsevent-chromium-")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=DriverService(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, what, seconds=30):
    return WebDriverWait(driver, seconds).until(lambda d: condition(d), message=what)


def count(driver):
    return int(driver.find_element(By.ID, "count").text)


def event_texts(driver):
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#events li") if li.get_attribute("class") != "gap"]


@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_page_receives_events_and_publishes(browser, start_service, transport):
    service = start_service("-interval", "100ms", "-publish-token", TOKEN)
    browser.get(f"{service.base}/?stream=/events&transport={transport}&token={TOKEN}")
    wait(browser, lambda d: count(d) >= 3, f"3 events over {transport}")
    status = browser.find_element(By.ID, "status").text
    assert status == f"open ({transport})"
    texts = event_texts(browser)
    # Each produced event says its own id first: the page shows payload and id consistently.
    assert all(text.split(":")[0].strip().isdigit() for text in texts), texts
    ids = [int(li.get_attribute("data-id")) for li in browser.find_elements(By.CSS_SELECTOR, "#events li[data-id]") if li.get_attribute("data-id")]
    assert ids == list(range(ids[0], ids[0] + len(ids))), ids

    browser.find_element(By.ID, "payload").clear()
    browser.find_element(By.ID, "payload").send_keys(f"typed in the browser over {transport}")
    browser.find_element(By.ID, "publish").click()
    wait(browser, lambda d: d.find_element(By.ID, "published").text.startswith("200"), "the publish answer")
    wait(browser, lambda d: any(f"typed in the browser over {transport}" in t for t in event_texts(d)), "the published event")


def test_page_resumes_across_a_server_restart(browser, start_service):
    service = start_service("-interval", "100ms")
    browser.get(f"{service.base}/?stream=/events&transport=sse")
    wait(browser, lambda d: count(d) >= 2, "events before the restart")
    port = service.port
    assert service.stop() == 0
    restarted = start_service("-interval", "100ms", port=port)
    before = count(browser)
    wait(browser, lambda d: count(d) >= before + 3, "events after the restart", seconds=60)
    gaps = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#events li.gap")]
    assert any("new epoch" in text or "gap 0" in text for text in gaps), gaps
    assert restarted.port == port


def test_disallowed_origin_is_refused_in_the_browser(browser, start_service):
    page = start_service("-interval", "1h")
    closed = start_service("-interval", "100ms")
    opened = start_service("-interval", "100ms", "-allowed-origins", page.base)

    browser.get(f"{page.base}/?stream=/events&transport=ws&server={closed.base}")
    wait(browser, lambda d: d.find_element(By.ID, "status").text.startswith("closed"), "the refused WebSocket")
    browser.get(f"{page.base}/?stream=/events&transport=sse&server={closed.base}")
    wait(browser, lambda d: "sse" in d.find_element(By.ID, "status").text and not d.find_element(By.ID, "status").text.startswith("open"), "the refused EventSource")
    assert count(browser) == 0

    # A disallowed origin's refusal carries no CORS headers: the page cannot read why.
    wait(browser, lambda d: "no answer this page may read" in d.find_element(By.ID, "status").text, "the unreadable refusal")

    browser.get(f"{page.base}/?stream=/events&transport=ws&server={opened.base}")
    wait(browser, lambda d: count(d) >= 2, "events from an allowed origin")
    # An allowed origin's refusal does carry them: the page reads the reason.
    browser.get(f"{page.base}/?stream=/nope&transport=sse&server={opened.base}")
    wait(browser, lambda d: d.find_element(By.ID, "status").text == "refused (sse): 404 no stream at /nope", "the readable refusal")


@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_page_takes_a_stream_without_its_leading_slash(browser, start_service, transport):
    service = start_service("-interval", "100ms")
    browser.get(f"{service.base}/?stream=events&transport={transport}")
    wait(browser, lambda d: count(d) >= 2, f"events of stream=events over {transport}")
    assert browser.find_element(By.ID, "stream").get_attribute("value") == "/events"


@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_page_says_why_a_stream_is_refused(browser, start_service, transport):
    service = start_service("-interval", "100ms", "-subscribe-token", TOKEN)
    status = lambda d: d.find_element(By.ID, "status").text  # noqa: E731
    browser.get(f"{service.base}/?stream=/nope&transport={transport}&token={TOKEN}")
    wait(browser, lambda d: status(d) == f"refused ({transport}): 404 no stream at /nope", f"the 404 over {transport}")
    browser.get(f"{service.base}/?stream=/events&transport={transport}&token=wrong")
    wait(browser, lambda d: status(d).startswith(f"refused ({transport}): 401 subscribing needs the subscribe token"), f"the 401 over {transport}")
    assert count(browser) == 0


def page_ids(driver):
    return [int(li.get_attribute("data-id")) for li in driver.find_elements(By.CSS_SELECTOR, "#events li[data-id]") if li.get_attribute("data-id")]


@pytest.mark.parametrize("transport", ["sse", "ws"])
def test_wsevent_js_resumes_through_a_killed_relay(browser, start_service, transport):
    """The relay the page reads from is killed mid-stream (SIGKILL) and another relay of the
    same origin takes its port: wsevent.js reconnects with backoff, resumes with since/epoch
    (Last-Event-ID over SSE), and the page's ids end consecutive: none lost, none twice, no gap."""
    origin = start_service("-interval", "50ms")
    relay_flags = ("-no-produce", "-consume", f"127.0.0.1:{origin.port}/events")
    relay = start_service(*relay_flags)
    browser.get(f"{relay.base}/?stream=/events&transport={transport}")
    wait(browser, lambda d: count(d) >= 10, f"events through the first relay over {transport}")
    port = relay.port
    relay.kill()
    status = lambda d: d.find_element(By.ID, "status").text  # noqa: E731
    wait(browser, lambda d: "reconnecting" in status(d), "the page notices the relay is gone")
    before = count(browser)
    start_service(*relay_flags, port=port)
    wait(browser, lambda d: count(d) >= before + 30, "events through the second relay", seconds=60)
    assert status(browser) == f"open ({transport})"
    ids = page_ids(browser)
    assert ids == list(range(ids[0], ids[0] + len(ids))), ids
    assert browser.find_elements(By.CSS_SELECTOR, "#events li.gap") == []
