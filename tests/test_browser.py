"""The web app in a real browser: headless Debian Chromium driven by selenium against
`namndsok serve` on the real corpus index (fixture `app_server`).

Needs /usr/bin/chromium and /usr/bin/chromedriver (`make browser`, or
`apt-get install chromium chromium-driver`); skipped when they are missing, except in CI
(`CI` set), where a missing browser fails the run (conftest.missing_dependency). Screenshots (desktop 1400×1000, phone
390×844) are saved to $NAMNDSOK_SCREENSHOT_DIR, else tests/artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import missing_dependency, require_module

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path(os.environ.get("NAMNDSOK_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NAMNDSOK_CHROMEDRIVER", "/usr/bin/chromedriver"))
WAIT = 60  # seconds for an answer; the first one also loads the embedder
SIZES = {"desktop": (1400, 1000), "phone": (390, 844)}
KSPU_REF = "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16, KSPU § 10:3, Dnr PU 2020/0011"
# Gradio's own English, which the page must not show (it shows "Använd via API" instead)
ENGLISH = ("Use via API", "Built with Gradio", "Settings", "processing", "Loading", "Examples", "Submit", "Clear",
           "queue:", "Login", "Username", "Password", "Choose File", "No file chosen")


def screenshot_dir() -> Path:
    d = Path(os.environ.get("NAMNDSOK_SCREENSHOT_DIR") or Path(__file__).parent / "artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")  # session: set up before app_server, so a missing browser is found first
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        missing_dependency(f"headless browser not installed ({', '.join(missing)} missing)",
                           "run `make browser` or `apt-get install chromium chromium-driver`")
    require_module("selenium", "pip install -e '.[dev]'")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="namndsok-chromium-")
    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1280,1400", "--lang=sv-SE"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _text_in(driver, css: str, *needles: str, timeout: float = WAIT):
    """Wait until the element `css` shows every needle; return the element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def ready(d):
        els = d.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els and all(n in els[0].text for n in needles) else False

    try:
        return WebDriverWait(driver, timeout).until(ready)
    except Exception:
        els = driver.find_elements(By.CSS_SELECTOR, css)
        shown = els[0].text[:1500] if els else "(no such element)"
        pytest.fail(f"{css} did not show {needles} within {timeout} s; it shows:\n{shown}")


def _tab(driver, name: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    tab = next(b for b in driver.find_elements(By.CSS_SELECTOR, "button[role=tab]") if b.text.strip() == name)
    tab.click()
    WebDriverWait(driver, 10).until(lambda d: tab.get_attribute("aria-selected") == "true")
    WebDriverWait(driver, 10).until(EC.visibility_of_element_located(
        (By.ID, {"Beslut": "ns-decisions", "Ärende": "ns-matter", "Fråga": "ns-ask"}[name])))


def _size(driver, name: str) -> None:
    driver.set_window_size(*SIZES[name])


def _shot(driver, name: str, whole: bool = True) -> Path:
    """A screenshot of the whole page (the window made as tall as the page, then restored), or
    of what the window shows."""
    w, h = driver.get_window_size()["width"], driver.get_window_size()["height"]
    full = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    if whole:
        driver.set_window_size(w, min(max(full + 120, h), 5000))
    path = screenshot_dir() / f"{name}.png"
    try:
        assert driver.save_screenshot(str(path)) and path.stat().st_size > 10_000
    finally:
        driver.set_window_size(w, h)
    return path


def _question_box(driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#ns-question textarea, #ns-question input")))


def _visible_text(driver) -> str:
    return driver.execute_script("return document.body.innerText")


def _severe(driver, allow: str = "") -> list:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE" and not (allow and allow in e.get("message", ""))]


@pytest.mark.parametrize("size", list(SIZES))
def test_swedish_page_enter_asks_and_an_example_answers(browser, app_server, size):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    _size(d, size)
    d.get(app_server)
    box = _question_box(d)
    assert d.execute_script("return document.documentElement.lang") == "sv"
    # the API link, in Swedish (Gradio hides its text on a phone's width)
    WebDriverWait(d, 30).until(lambda d: "Använd via API" in d.execute_script("return document.querySelector('footer').textContent"))
    if size == "desktop":
        _text_in(d, "footer", "Använd via API")
    text = _visible_text(d)
    assert not [w for w in ENGLISH if w in text], text
    # Enter asks (it does not add a line), and the address bar then names the question
    box.clear()
    box.send_keys("Vad beslutade vi om Minirosen?" + Keys.ENTER)
    answer = _text_in(d, "#ns-answer", "[1]")
    assert "\n" not in box.get_attribute("value")
    result = _text_in(d, "#ns-result", "Käll", "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16")  # Källa/Källor
    assert "Minirosen" in answer.text + result.text
    assert d.current_url.endswith("/?q=Vad+beslutade+vi+om+Minirosen%3F")
    text = _visible_text(d)
    assert not [w for w in ENGLISH if w in text], text
    _shot(d, f"answer-{size}")
    # an example answers when clicked
    example = next(b for b in d.find_elements(By.CSS_SELECTOR, "#ns-examples button") if b.text.strip() == "2023/395")
    example.click()
    _text_in(d, "#ns-result", "Dnr 2023/395")
    assert _question_box(d).get_attribute("value") == "2023/395"
    assert not _severe(d)


@pytest.mark.parametrize("size", list(SIZES))
def test_search_copy_a_reference_and_open_the_document_at_the_quote(browser, app_server, size):
    from selenium.webdriver.common.by import By

    d = browser
    _size(d, size)
    # a link that lasts: the search is in the address, with its mode and filter
    d.get(app_server.rstrip("/") + "/?q=Minirosen&lage=sok&organ=Kommunstyrelsens+produktionsutskott")
    result = _text_in(d, "#ns-result", "träffar", "KSPU § 10:3")
    cards = [c for c in result.find_elements(By.CSS_SELECTOR, ".ns-card") if "KSPU § 10:3" in c.text]
    assert cards and cards[0].find_elements(By.CSS_SELECTOR, "mark.ns-word")
    assert "*" not in cards[0].find_element(By.CSS_SELECTOR, ".ns-passage").text
    # "Kopiera hänvisning": on the clipboard where the browser allows it, and in a field to select always
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": app_server.rstrip("/"),
                                                   "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    button = cards[0].find_element(By.CSS_SELECTOR, ".ns-copy")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    field = cards[0].find_element(By.CSS_SELECTOR, "input.ns-ref")
    assert field.is_displayed() and field.get_attribute("value") == KSPU_REF
    copied = d.execute_async_script("var done = arguments[0]; navigator.clipboard.readText().then(done, function () { done(null); });")
    assert copied in (KSPU_REF, None)
    if size == "desktop":
        assert copied == KSPU_REF  # headless Chromium on loopback (a secure context) copies
    _shot(d, f"search-{size}")

    # the card's document opens at the quote: a viewport for phones, the passage marked and in view
    href = cards[0].find_element(By.CSS_SELECTOR, "a.ns-open").get_attribute("href")
    assert re.search(r"/dokument/\d+\?h=[0-9a-f]{16}&markera=\d+-\d+#ns-hit$", href), href
    d.get(href)
    assert d.find_element(By.CSS_SELECTOR, "meta[name=viewport]").get_attribute("content").startswith("width=device-width")
    hit = d.find_element(By.ID, "ns-hit")
    assert "Minirosen" in hit.text
    import time

    time.sleep(0.5)  # the page centres the quote once it has loaded
    top, inner, scrolled = d.execute_script(
        "var r = document.getElementById('ns-hit').getBoundingClientRect(); return [r.top, window.innerHeight, window.scrollY];")
    assert 0 <= top < inner and scrolled > 0, (top, inner, scrolled)  # in view, the page scrolled to it
    assert hit.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    _shot(d, f"document-{size}", whole=False)  # what a reader sees on arrival
    assert not _severe(d)


def test_decisions_matter_and_documents_in_the_browser(browser, app_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    _size(d, "desktop")
    d.get(app_server)
    _question_box(d)

    # --- Beslut: the list of decisions, with its label, and a link that reproduces it
    _tab(d, "Beslut")
    d.find_element(By.ID, "ns-decisions").click()
    out = _text_in(d, "#ns-decisions-out", "KSPU § 10:4", "beslut och")
    card = next(c for c in out.find_elements(By.CSS_SELECTOR, ".ns-card") if "KSPU § 10:4" in c.text)
    assert card.find_element(By.CSS_SELECTOR, ".ns-badge").text == "Beslut"
    assert d.current_url.endswith("/?flik=beslut")
    _shot(d, "decisions-desktop")

    # --- Ärende: a matter's steps, the step linked by its heading flagged compactly as inferred
    _tab(d, "Ärende")
    key = WebDriverWait(d, 10).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#ns-matter-key textarea, #ns-matter-key input")))
    key.clear()
    key.send_keys("2023/428")
    d.find_element(By.ID, "ns-matter").click()
    out = _text_in(d, "#ns-matter-out", "§ 43", "UBN.2023.428", "kopplat via rubrik")
    assert out.find_elements(By.CSS_SELECTOR, "details.ns-inferred")
    assert "punkt 10 Samverkansavtal Familjecentral" in out.text  # the SRO item with its title
    _shot(d, "matter-desktop")

    # a dnr opens its matter: /?arende=DNR selects the Ärende tab with its timeline
    d.get(app_server.rstrip("/") + "/?arende=UBN.2023.428")
    out = _text_in(d, "#ns-matter-out", "§ 43", "Samverkansavtal för familjecentraler")
    assert out.is_displayed()

    # --- Dokument: every indexed document by its title, with what it is and when it was indexed
    d.get(app_server.rstrip("/") + "/?flik=dokument")
    docs = _text_in(d, "#ns-docs", "5 dokument i indexet", "Tjänsteutlåtande 2016-03-20, till Kommunfullmäktige")
    assert "Svar på motion 5/2015" in docs.text and "000_9df5db38a3213482.txt" not in docs.text
    _shot(d, "documents-desktop")
    _size(d, "phone")
    _shot(d, "documents-phone")
    assert not _severe(d)


def _login(d, url: str, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    d.get(url)
    box = WebDriverWait(d, 30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input[type=text]")))
    box.clear()
    box.send_keys(user)
    d.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(password)
    d.find_element(By.XPATH, "//button[normalize-space()='Logga in']").click()


def test_login_in_the_browser_then_ask_and_open_a_document(browser, corpus_index, tmp_path):
    """With --auth: Gradio's login form in Swedish, a wrong password refused, then the app and
    a document link, which passes the login with the session cookie."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import Server

    server = Server(["--index", str(corpus_index), "--auth", "anna:hemligt lösen"], tmp_path / "serve.log")
    d = browser
    _size(d, "desktop")
    try:
        d.delete_all_cookies()
        d.get(server.url.rstrip("/") + "/dokument/0")
        assert "Minirosen" not in d.page_source  # refused before the login
        d.get_log("browser")  # that refusal (401) is logged as an error: drained here
        _login(d, server.url, "anna", "fel")
        WebDriverWait(d, 30).until(lambda d: "Felaktiga inloggningsuppgifter" in d.page_source)
        assert not d.find_elements(By.CSS_SELECTOR, "#ns-question textarea")
        _login(d, server.url, "anna", "hemligt lösen")
        box = _question_box(d)
        box.send_keys("Vad beslutade vi om Minirosen?")
        d.find_element(By.ID, "ns-ask").click()
        result = _text_in(d, "#ns-result", "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16")
        href = result.find_element(By.CSS_SELECTOR, "a.ns-open").get_attribute("href")
        d.get(href)
        assert "Minirosen" in d.page_source and "KSPU § 10:" in d.page_source
        assert not _severe(d, allow="/login")
    finally:
        d.delete_all_cookies()
        server.stop()


def test_upload_a_pdf_in_the_browser_then_find_it(browser, tmp_path):
    """serve --allow-upload with a login: a PDF built here is uploaded on the Dokument tab,
    ingested in the background, listed and searchable; without a login the upload is refused."""
    from selenium.webdriver.common.by import By

    from conftest import Server, corpus_file
    from namndsok.index.builder import ingest
    from namndsok.index.embedders import create_embedder
    from test_uploads import SIMHALL_PAGES
    from pdfs import make_pdf

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus_file("004"), docs)
    root = tmp_path / "ix"
    assert ingest([docs], root, create_embedder("toy"), progress=False).ok
    pdf = tmp_path / "Simhall protokoll 2024-03-12.pdf"
    make_pdf(SIMHALL_PAGES, pdf)
    folder = tmp_path / "uppladdat"
    server = Server(["--index", str(root), "--auth", "sara:rätt lösen", "--allow-upload", str(folder)], tmp_path / "serve.log")
    d = browser
    try:
        # without a login there is only the login form (the route itself answers 401: test_uploads.py)
        d.delete_all_cookies()
        _size(d, "desktop")
        d.get(server.url + "?flik=dokument")
        _text_in(d, "body", "Logga in")
        assert not d.find_elements(By.ID, "ns-upload-file") and not any(folder.iterdir())
        d.get_log("browser")
        for size in SIZES:
            _size(d, size)
            if size == "desktop":
                _login(d, server.url + "?flik=dokument", "sara", "rätt lösen")
                _text_in(d, "#ns-docs", "1 dokument i indexet")
                d.find_element(By.ID, "ns-upload-file").send_keys(str(pdf))
                assert d.find_element(By.ID, "ns-upload-chosen").text == pdf.name
                d.find_element(By.ID, "ns-upload-send").click()
                _text_in(d, "#ns-upload-status", "Simhall protokoll 2024-03-12.pdf: klar – indexerad", timeout=180)
            else:
                d.get(server.url + "?flik=dokument")
            docs_out = _text_in(d, "#ns-docs", "2 dokument i indexet", "Sammanträdesprotokoll för Kultur- och fritidsnämnden")
            assert "Kultur- och fritidsnämnden, protokoll 2024-03-12" in docs_out.text
            text = _visible_text(d)
            assert not [w for w in ENGLISH if w in text], text
            _shot(d, f"upload-{size}")
        assert [p.name for p in folder.iterdir()] == [pdf.name]
        d.get(server.url + "?q=ny+simhall+25-metersbassäng&lage=sok")
        _text_in(d, "#ns-result", "Kultur- och fritidsnämnden, protokoll 2024-03-12", "§ 12 Ny simhall i Åkersberga")
        assert not _severe(d, allow="/uppladdning")
    finally:
        d.delete_all_cookies()
        server.stop()
