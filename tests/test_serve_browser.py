"""`postcheck serve` in a real browser: Debian's chromium driven by Selenium through Debian's
chromium-driver, against a real uvicorn on 127.0.0.1 (a free port). CI installs both
(.ci/run); without them these tests are skipped."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REAL_CREATE_CONNECTION

from postcheck.cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
        reason="Debian's chromium and chromium-driver are not installed (see .ci/run)",
    ),
]

DRAFT = "Mums and dads, text me on 07700 900346 about the bake sale"  # §5.4: a personal channel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scan_file(tmp_path_factory, request):
    """A scan's JSONL (with texts) of a few posts, two of them the same insult."""
    folder = tmp_path_factory.mktemp("review")
    config = folder / "postcheck.yml"
    config.write_text("toxicity: {backend: keyword-double}\n")
    posts = [
        {"id": "1", "text": "Honestly Mr Green you are such an idiot", "created_at": "2024-03-01"},
        {"id": "2", "text": "Sports day is on Friday", "created_at": "2024-03-02"},
        {"id": "3", "text": "Honestly Mr Green you are such an idiot", "created_at": "2024-04-01"},
    ]
    export = folder / "posts.jsonl"
    export.write_text("".join(json.dumps(p) + "\n" for p in posts))
    out = folder / "verdicts.jsonl"
    assert main(["scan", str(export), "--config", str(config), "-o", str(out), "--with-text"]) == 1
    return out


@pytest.fixture(scope="module")
def server(scan_file, tmp_path_factory):
    """`postcheck serve --scan` as a user starts it: its own process, real uvicorn."""
    folder = tmp_path_factory.mktemp("server")
    config = folder / "postcheck.yml"
    config.write_text("max_chars: 20000\n")  # the default models
    port = free_port()
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "postcheck.cli", "serve", "--port", str(port),
         "--config", str(config), "--scan", str(scan_file)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HOME": str(folder)},
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while True:
        try:
            with REAL_CREATE_CONNECTION(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError((folder / "server.log").read_text()) from None
            time.sleep(0.25)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture
def browser(loopback, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never download
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", f"--user-data-dir={tmp_path / 'profile'}",
                "--window-size=1200,900"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout=60):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def tab_to(driver, element_id: str, limit: int = 15):
    """Press Tab until the element has the focus (keyboard only), and return it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        if active.get_attribute("id") == element_id:
            return active
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_staff_page_checks_as_you_type_with_the_keyboard_alone(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=draft]").text == "Your draft post"
    draft = tab_to(browser, "draft")
    draft.send_keys(DRAFT)  # no button pressed: checked as it is typed
    verdict = browser.find_element(By.ID, "verdict")
    wait_for(browser, lambda d: "breach" in verdict.get_attribute("class").split())
    assert verdict.text.startswith("BREACH:")
    marks = browser.find_elements(By.CSS_SELECTOR, "#preview mark")
    assert marks and all(m.text and m.text in DRAFT for m in marks)
    in_place = browser.find_elements(By.CSS_SELECTOR, "#backdrop mark")  # behind the textarea
    assert [m.get_attribute("textContent") for m in in_place] == [m.text for m in marks]
    box, mark = draft.rect, in_place[0].rect
    assert box["x"] <= mark["x"] < box["x"] + box["width"]
    assert box["y"] <= mark["y"] < box["y"] + box["height"]
    findings = browser.find_elements(By.CSS_SELECTOR, "#findings li")
    assert any("§5.4" in f.text and "Why:" in f.text and "Try:" in f.text for f in findings)
    blocked = [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert blocked == []  # the page needs nothing the CSP forbids

    # at phone width nothing needs scrolling sideways
    browser.set_window_size(375, 800)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    inner = browser.execute_script("return window.innerWidth")
    assert width <= inner


def test_review_page_marks_a_false_alarm_into_the_decisions_file(server, browser, scan_file):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/review")
    groups = browser.find_elements(By.CSS_SELECTOR, "li.group")
    assert len(groups) == 1 and "posted 2 times" in groups[0].text
    browser.find_element(By.ID, "reviewer").send_keys("J. Hughes")
    fieldset = groups[0].find_element(By.CSS_SELECTOR, "fieldset.decide")
    rule = fieldset.get_attribute("data-rule")
    radio = fieldset.find_element(By.CSS_SELECTOR, "input[value=false_alarm]")
    radio.send_keys(Keys.SPACE)  # select it with the keyboard
    assert radio.is_selected()
    status = fieldset.find_element(By.CSS_SELECTOR, ".current")
    save = fieldset.find_element(By.CSS_SELECTOR, "button.save")
    save.send_keys(Keys.ENTER)  # no reason yet: refused, with the reason field focused
    wait_for(browser, lambda d: "needs a reason" in status.text)
    reason = browser.switch_to.active_element
    assert "reason" in reason.get_attribute("class")
    reason.send_keys("a line from the Year 6 play script")
    reason.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.ENTER)  # the Save button
    wait_for(browser, lambda d: status.text.startswith("Saved: False alarm"))

    decisions = scan_file.with_name("verdicts.decisions.jsonl")
    (record,) = [json.loads(line) for line in decisions.read_text().splitlines()]
    assert record["decision"] == "false_alarm" and record["rule"] == rule
    assert record["reason"] == "a line from the Year 6 play script"
    assert record["by"] == "J. Hughes" and record["at"] and record["id"] == "1"

    browser.refresh()  # stored: shown again after a reload
    assert (
        "False alarm: a line from the Year 6 play script"
        in browser.find_element(By.CSS_SELECTOR, "li.group").text
    )

    browser.set_window_size(375, 800)  # usable at phone width: nothing scrolls sideways
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth")


#: WCAG 2.x contrast of every visible piece of text on the page against the background it
#: is drawn on (backgrounds composited up the tree); returns the pieces under AA (4.5:1, or
#: 3:1 for large text). Text drawn transparent (the highlight layer behind the draft box,
#: whose words the box itself shows) has no contrast to meet.
CONTRAST_JS = r"""
const parse = s => { const m = s && s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const lum = c => { const f = v => { v /= 255;
  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const background = el => { const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
  let out = [255, 255, 255];
  for (let i = layers.length - 1; i >= 0; i--) { const c = layers[i];
    out = [0, 1, 2].map(k => c[k] * c[3] + out[k] * (1 - c[3])); }
  return out; };
const ratio = (fg, bg) => { const f = [0, 1, 2].map(k => fg[k] * fg[3] + bg[k] * (1 - fg[3]));
  const a = lum(f), b = lum(bg); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
const bad = []; let checked = 0;
const check = (el, st, what) => {
  const fg = parse(st.color); if (!fg || fg[3] === 0) return;
  const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
  const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  const r = ratio(fg, background(el)); checked++;
  if (r < need) bad.push([el.tagName, el.className, what, r.toFixed(2)]); };
for (const el of document.body.querySelectorAll('*')) {
  const st = getComputedStyle(el);
  if (st.display === 'none' || st.visibility === 'hidden') continue;
  const box = el.getBoundingClientRect(); if (!box.width || !box.height) continue;
  if ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    check(el, st, el.textContent.trim().slice(0, 40));
  if (el.value && (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT')) check(el, st, 'its value');
  if (el.placeholder) check(el, getComputedStyle(el, '::placeholder'), 'placeholder');
}
return [checked, bad];
"""


def test_every_text_on_both_pages_meets_wcag_aa_contrast(server, browser):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 900)
    browser.get(server + "/")
    browser.find_element(By.ID, "draft").send_keys(DRAFT)
    verdict = browser.find_element(By.ID, "verdict")
    wait_for(browser, lambda d: "breach" in verdict.get_attribute("class").split())
    checked, bad = browser.execute_script(CONTRAST_JS)  # the verdict, findings, highlights
    assert checked > 10 and bad == [], bad

    browser.get(server + "/review")
    checked, bad = browser.execute_script(CONTRAST_JS)  # groups, badges, filters, decisions
    assert checked > 10 and bad == [], bad
