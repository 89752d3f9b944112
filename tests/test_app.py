"""The chat page: the real Gradio server in a subprocess, driven by gradio_client and by Chromium.
The module's server is the operator's (started with an admin token); tests/test_hostile.py has the
read-only page readers get."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, free_port, running_server, subprocess_env

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
XSS_ARTICLE = (
    "Bài thử nghiệm bảo mật giao diện\n\n"
    "Nhà máy thủy điện Sơn La vận hành tổ máy thứ bảy vào ngày 5/5/2025. "
    '<script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> '
    "**đậm** [liên kết](javascript:alert(1))"
)
TOKEN = "operator-token-for-tests"


@pytest.fixture(scope="module")
def server(model_dir, tmp_path_factory):
    """`python app.py` on a free port over its own copy of the built-in index."""
    index = tmp_path_factory.mktemp("app-index")
    env = subprocess_env()
    env["NEWSQA_INDEX"] = str(index)
    log = tmp_path_factory.mktemp("app-log") / "server.log"
    started = time.perf_counter()
    command = [sys.executable, "app.py", "--admin-token", TOKEN, "--port", str(free_port())]
    with running_server(command, env, log) as url:
        print(f"chat page ready after {time.perf_counter() - started:.1f} s")
        yield {"url": url, "index": index}


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server["url"], verbose=False)


def test_api_answers_vietnamese_english_and_follow_ups(client):
    vi = client.predict(question="Luật An ninh mạng có hiệu lực từ ngày nào?", history=[], k=3, api_name="/chat")
    top = vi["quotes"][0]
    assert "1/1/2019" in top["text"] and top["title"] and not vi["abstained"]
    start, end = top["highlights"][0]
    assert "1/1/2019" in top["text"][start:end]

    en = client.predict(
        question="Whom did Minister To Lam receive on 27 April 2022?", history=[], k=3, api_name="/chat"
    )
    assert en["language"] == "en" and en["message"].startswith("According to")
    assert en["quotes"][0]["date"] == "2022-04-27" and "Gunnar Wiegand" in en["quotes"][0]["text"]

    follow = client.predict(
        question="Dự án đó kéo dài trong giai đoạn nào?", history=["ESIWA là gì?"], k=3, api_name="/chat"
    )
    assert "ESIWA" in follow["effective_query"] and "2020-2024" in follow["quotes"][0]["text"]

    summary = client.predict(question="Tóm tắt bài này", history=["ESIWA là gì?"], k=3, api_name="/chat")
    lead = summary["quotes"][0]
    start, end = lead["highlights"][0]
    assert summary["message"].startswith("Phần mở đầu bài") and len(summary["quotes"]) == 1
    assert lead["text"][start:end].startswith("Chiều 27/4/2022, tại Hà Nội, Đại tướng Tô Lâm")


def test_api_reports_bad_questions_as_errors(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        client.predict(question="   ", history=[], k=3, api_name="/chat")


@pytest.fixture
def page(server):
    """A headless Debian Chromium page (Playwright, never `playwright install`) on the chat page."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install chromium (the CI script does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server["url"])
        page.wait_for_selector("#question textarea", timeout=60_000)
        yield page
        browser.close()


def _ask(page, question: str):
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_browser_question_highlight_upload_and_xss(page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    _ask(page, "Luật An ninh mạng có hiệu lực từ ngày nào?")
    mark = page.locator("#chat mark.hl").first
    mark.wait_for(timeout=60_000)
    assert "1/1/2019" in mark.inner_text()
    assert "Theo bài" in page.locator("#chat").inner_text()
    assert "1/1/2019" in page.locator("#chat p.short b").first.inner_text()  # the short answer, in bold
    assert page.locator("#evidence mark.hl").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    _ask(page, "Còn được Quốc hội thông qua ngày nào?")
    page.wait_for_function("document.querySelectorAll('#chat mark.hl').length >= 2", timeout=60_000)
    assert "12/6/2018" in page.locator("#chat mark.hl").last.inner_text()

    # upload an article whose text carries markup: it must become answerable and stay text
    probe = tmp_path / "thuy-dien.txt"
    probe.write_text(XSS_ARTICLE, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(probe))
    page.locator("#token input").fill(TOKEN)
    page.locator("#add").click()
    page.wait_for_function("document.querySelector('#report').innerText.includes('Đã thêm')", timeout=120_000)
    assert "Đã thêm 1 bài" in page.locator("#report").inner_text()

    _ask(page, "Nhà máy thủy điện Sơn La vận hành tổ máy thứ bảy khi nào?")
    page.wait_for_function(
        "[...document.querySelectorAll('#chat mark.hl')].some(m => m.innerText.includes('5/5/2025'))",
        timeout=60_000,
    )
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat script, #evidence script").count() == 0
    assert page.locator("#chat img[src=x]").count() == 0
    assert page.locator("#chat a[href^=javascript]").count() == 0
    assert "<script>" in page.locator("#evidence").inner_text()  # shown as text
    page.screenshot(path=str(ARTIFACTS / "chat-upload.png"), full_page=True)


def test_feedback_vote_is_recorded(server, page):
    _ask(page, "ESIWA là gì?")
    page.locator("#chat mark.hl").first.wait_for(timeout=60_000)
    page.locator("#chat button[aria-label='Like']").first.click()
    feedback = Path(server["index"]) / "feedback.jsonl"
    deadline = time.time() + 30
    # the file exists as soon as the server opens it to append; wait for the line itself
    while time.time() < deadline and not (feedback.exists() and feedback.read_text(encoding="utf-8").strip()):
        time.sleep(0.3)
    record = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert record["vote"] == "up" and record["question"] == "ESIWA là gì?"
    assert record["answer"]["quotes"]


def test_label_language_switch(page):
    assert page.locator("#send").inner_text().strip() == "Gửi"
    page.get_by_label("en", exact=True).check()
    page.wait_for_function("document.querySelector('#send').innerText.trim() === 'Send'", timeout=30_000)
    assert page.locator("#clear").inner_text().strip() == "Clear chat"
