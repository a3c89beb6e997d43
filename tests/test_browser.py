"""The web app in a real browser: headless Debian Chromium driven by selenium against
`namndsok serve` on the real corpus index (fixture `app_server`).

Needs /usr/bin/chromium and /usr/bin/chromedriver (`make browser`, or
`apt-get install chromium chromium-driver`); skipped when they are missing, except in CI
(CI=true), where a missing browser fails the run. A screenshot of the answer is saved to
$NAMNDSOK_SCREENSHOT_DIR, else tests/artifacts/."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path(os.environ.get("NAMNDSOK_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NAMNDSOK_CHROMEDRIVER", "/usr/bin/chromedriver"))
WAIT = 60  # seconds for an answer; the first one also loads the embedder


def screenshot_dir() -> Path:
    d = Path(os.environ.get("NAMNDSOK_SCREENSHOT_DIR") or Path(__file__).parent / "artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")  # session: set up before app_server, so a missing browser is found first
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        why = (f"headless browser not installed ({', '.join(missing)} missing): "
               "run `make browser` or `apt-get install chromium chromium-driver`")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)  # CI must run the browser test, not report a skip as a pass
        pytest.skip(why)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")

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


def test_ask_decisions_and_matter_in_the_browser(browser, app_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.get(app_server)
    box = WebDriverWait(d, 30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#ns-question textarea")))

    # --- Fråga: a cited answer
    box.clear()
    box.send_keys("Vad beslutade vi om Minirosen?")
    d.find_element(By.ID, "ns-ask").click()
    answer = _text_in(d, "#ns-answer", "[1]")
    assert "Minirosen" in answer.text
    result = _text_in(d, "#ns-result", "KSPU § 10:3", "PU 2020/0011")
    assert "Källor" in result.text
    # every marker in the answer has its own source card, and each card links to its document
    import re

    markers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.text)})
    cards = result.find_elements(By.CSS_SELECTOR, ".ns-card")
    heads = [c.find_element(By.CSS_SELECTOR, ".ns-cite").text for c in cards]
    assert markers == list(range(1, len(cards) + 1)) and len(cards) >= 1, (answer.text, heads)
    assert [h.split("]", 1)[0] + "]" for h in heads] == [f"[{n}]" for n in markers]
    assert heads[0] == "[1] Kommunstyrelsens produktionsutskott · 2020-09-16 · KSPU § 10:3 · Dnr PU 2020/0011"
    for card in cards:
        links = card.find_elements(By.CSS_SELECTOR, "a[href^='/dokument/']")
        assert len(links) == 1 and links[0].get_attribute("target") == "_blank"
    first_doc = cards[0].find_element(By.CSS_SELECTOR, "a[href^='/dokument/']").get_attribute("href")
    assert re.search(r"/dokument/\d+\?h=[0-9a-f]{16}#L\d+$", first_doc), first_doc
    d.execute_script("window.scrollTo(0, 0);")
    shot = screenshot_dir() / "answer.png"
    assert d.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # --- Beslut: the list of decisions
    _tab(d, "Beslut")
    d.find_element(By.ID, "ns-decisions").click()
    out = _text_in(d, "#ns-decisions-out", "KSPU § 10:4")
    card = next(c for c in out.find_elements(By.CSS_SELECTOR, ".ns-card") if "KSPU § 10:4" in c.text)
    assert "Beslut" in card.text
    d.save_screenshot(str(screenshot_dir() / "decisions.png"))

    # --- Ärende: a matter's steps, with the step linked by its heading flagged as inferred
    _tab(d, "Ärende")
    key = WebDriverWait(d, 10).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#ns-matter-key textarea, #ns-matter-key input")))
    key.clear()
    key.send_keys("2023/428")
    d.find_element(By.ID, "ns-matter").click()
    out = _text_in(d, "#ns-matter-out", "§ 43", "UBN.2023.428", "kopplat via rubrik")
    assert out.find_elements(By.CSS_SELECTOR, ".ns-note")
    d.save_screenshot(str(screenshot_dir() / "matter.png"))

    # a source card's dnr opens that matter: /?arende=DNR selects the Ärende tab with its timeline
    dnr_link = next(a for a in result.find_elements(By.CSS_SELECTOR, "a.ns-dnr"))
    assert dnr_link.get_attribute("href").endswith("/?arende=PU%202020%2F0011")
    d.get(app_server.rstrip("/") + "/?arende=UBN.2023.428")
    out = _text_in(d, "#ns-matter-out", "§ 43", "Samverkansavtal för familjecentraler")
    assert out.is_displayed()

    # nothing the page did made the browser log a script error
    errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors


def test_login_in_the_browser_then_ask_and_open_a_document(browser, corpus_index, tmp_path):
    """With --auth: Gradio's login form, a wrong password refused, then the app and a
    document link, which passes the login with the session cookie."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import Server

    server = Server(["--index", str(corpus_index), "--auth", "anna:hemligt lösen"], tmp_path / "serve.log")
    d = browser
    try:
        d.delete_all_cookies()
        d.get(server.url.rstrip("/") + "/dokument/0")
        assert "Minirosen" not in d.page_source  # refused before the login
        d.get_log("browser")  # that refusal (401) is logged as an error: drained here
        for password, ok in (("fel", False), ("hemligt lösen", True)):
            d.get(server.url)
            user = WebDriverWait(d, 30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input[type=text]")))
            user.clear()
            user.send_keys("anna")
            d.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(password)
            d.find_element(By.XPATH, "//button[normalize-space()='Login']").click()
            if not ok:
                WebDriverWait(d, 30).until(lambda d: "Incorrect" in d.page_source or "incorrect" in d.page_source)
                assert not d.find_elements(By.CSS_SELECTOR, "#ns-question textarea")
        box = WebDriverWait(d, 30).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#ns-question textarea")))
        box.send_keys("Vad beslutade vi om Minirosen?")
        d.find_element(By.ID, "ns-ask").click()
        result = _text_in(d, "#ns-result", "KSPU § 10:3")
        href = result.find_element(By.CSS_SELECTOR, "a[href^='/dokument/']").get_attribute("href")
        d.get(href)
        assert "Minirosen" in d.page_source and "KSPU § 10:3" in d.page_source
        errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE" and "/login" not in e.get("message", "")]
        assert not errors, errors
    finally:
        d.delete_all_cookies()
        server.stop()
