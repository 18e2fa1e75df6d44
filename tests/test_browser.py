"""The pages in a real browser (headless Chromium driven by Selenium) against the real seed
index: ask, click a citation and see the quote highlighted in its article; a briefing; an
upload with its progress; and hostile article text that never runs. Screenshots go to the
folder printed at the end; the tests skip, saying why, where Chromium cannot be had."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from serve_helpers import seed_server

from rag.embed import Embedder

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

SHOTS = ROOT / ".cache" / "screenshots"


def _browser_paths() -> tuple[str, str] | None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        _browser_paths() is None,
        reason="no Chromium and chromedriver here; `make test` installs them where it may (root with apt)",
    ),
]


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards nothing: it records the request line of each
    request the browser sends it and answers 403."""

    def __init__(self) -> None:
        import socketserver
        import threading

        seen = self.requests = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                seen.append(self.rfile.readline().decode("latin-1").strip())
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def proxy() -> Iterator[RefusingProxy]:
    refusing = RefusingProxy()
    yield refusing
    refusing.close()


@pytest.fixture(scope="module")
def browser(proxy: RefusingProxy) -> Iterator[Any]:
    from selenium.webdriver.chrome.service import Service as DriverService

    binary, driver = _browser_paths()  # type: ignore[misc]
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    # The browser talks to the test's server on 127.0.0.1 and nothing else: no name resolves but
    # that address, anything else goes to a proxy on 127.0.0.1 that forwards nothing (loopback
    # itself bypasses proxies), and none of its own background traffic (updates, sync, field
    # trials) starts.
    for flag in (
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
    ):
        options.add_argument(flag)
    # An explicit driver: Selenium never goes looking for one on the network.
    chrome = webdriver.Chrome(service=DriverService(executable_path=driver), options=options)
    chrome.set_page_load_timeout(120)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def site(seed_index_master: Path, minilm: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seed_server(seed_index_master, minilm, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module", autouse=True)
def screenshots(request: pytest.FixtureRequest) -> Iterator[Path]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield SHOTS
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"browser screenshots: {SHOTS}")


def wait(browser: Any, seconds: float = 90) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def test_a_clicked_citation_shows_the_quote_highlighted_in_its_article(browser: Any, site: str) -> None:
    browser.get(f"{site}/ask")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("Who offered Musk political asylum?")
    box.submit()
    citation = wait(browser).until(ready.element_to_be_clickable((By.CSS_SELECTOR, "#answer a.cite")))
    citation.click()
    mark = wait(browser, 30).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#panel mark#quote")))
    assert len(mark.text.split()) >= 5
    assert browser.find_element(By.ID, "panel").is_displayed()
    browser.save_screenshot(str(SHOTS / "ask-citation.png"))


def test_a_disagreement_is_shown_side_by_side(browser: Any, site: str) -> None:
    browser.get(f"{site}/ask?q=Did+Musk+respond+to+the+Russian+offers%3F")
    sides = wait(browser).until(ready.presence_of_all_elements_located((By.CSS_SELECTOR, "#answer .conflict .side")))
    assert len(sides) >= 2
    browser.save_screenshot(str(SHOTS / "ask-disagreement.png"))


def test_a_briefing_renders_with_its_sections(browser: Any, site: str) -> None:
    browser.get(f"{site}/brief?topic=asylum+offer&go=1")
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section.brief h2")]
    assert "Summary" in headings and "Sources" in headings
    browser.save_screenshot(str(SHOTS / "brief.png"))


def test_an_uploaded_file_is_ingested_with_its_progress_shown(browser: Any, site: str, tmp_path: Path) -> None:
    article = tmp_path / "regatta.txt"
    article.write_text("Coast Daily\n\nLena Ostrova won the harbour regatta on Sunday in light winds.\n")
    browser.get(f"{site}/index")
    browser.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(article))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    done = wait(browser).until(ready.presence_of_element_located((By.CSS_SELECTOR, "#ingest-progress .done")))
    assert "1 added" in done.text
    browser.save_screenshot(str(SHOTS / "upload.png"))


def test_script_in_an_article_never_runs(browser: Any, site: str, tmp_path: Path) -> None:
    record = {
        "id": "hostile-2",
        "title": "<script>window.pwned = 1; alert(1)</script>Harbour",
        "url": "javascript:window.pwned = 2",
        "text": 'The harbour reopened. <img src=x onerror="window.pwned = 3"> <script>window.pwned = 4</script>',
    }
    feed = tmp_path / "hostile.jsonl"
    feed.write_text(json.dumps(record) + "\n")
    browser.get(f"{site}/index")
    browser.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(feed))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    wait(browser).until(ready.presence_of_element_located((By.CSS_SELECTOR, "#ingest-progress .done")))
    browser.get(f"{site}/articles/hostile-2")
    assert "<script>" in browser.find_element(By.TAG_NAME, "h2").text  # shown as text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript']")
    browser.save_screenshot(str(SHOTS / "hostile-article.png"))


def test_a_question_the_server_refuses_shows_its_one_line_reason(browser: Any, site: str) -> None:
    browser.get(f"{site}/ask")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("?!")
    box.submit()
    error = wait(browser, 30).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#answer .error")))
    assert "no words" in error.text


def test_an_upload_of_the_wrong_kind_shows_what_to_send(browser: Any, site: str, tmp_path: Path) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n")
    browser.get(f"{site}/index")
    browser.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(picture))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    error = wait(browser, 30).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#ingest-progress .error")))
    assert ".jsonl" in error.text


def test_the_browser_sends_what_is_not_for_127_0_0_1_to_a_proxy_that_forwards_nothing(
    browser: Any, proxy: RefusingProxy
) -> None:
    # A name that never resolves (RFC 6761): should the proxy flag fail, the resolver rules still
    # keep it from any lookup, so no test can send traffic beyond this machine.
    browser.get("http://news.invalid/page")
    assert "GET http://news.invalid/page HTTP/1.1" in proxy.requests
