"""The built book, loaded page by page in headless Chromium, as a reader sees it.

Builds the book (``jupyter-book build . -W``) into a temporary folder, serves it on
127.0.0.1 and checks every page twice, with the system set to a light and to a dark
colour scheme (``prefers-color-scheme``, as a reader's system sets it): the book follows
it; no missing image, no broken internal link or anchor, every formula typeset by
MathJax (bundled, so no CDN is needed), no error in the browser console, and no WCAG 2.1
A/AA violation found by axe-core (bundled in ``selenium-axe-python``). Writes a
screenshot of each page in each mode and a report with each page's load time and axe
result to ``_build/browser/``. ``COURSEKIT_BOOK_HTML=path/to/_build/html`` serves a book
built before instead of building one.

Needs Debian's ``chromium`` and ``chromium-driver``; the test installs them with
apt-get where they are missing, and skips with a loud message only where it cannot.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REPORT_DIR = ROOT / "_build" / "browser"
PACKAGES = ["chromium", "chromium-driver"]


def _toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("chapters", []) + entry.get("sections", []))

    walk(toc.get("chapters", []) + toc.get("parts", []))
    return pages


def _ensure_chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver, installing Debian's packages if missing."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    apt = ["apt-get", "install", "-y", "-q", *PACKAGES]
    if os.geteuid() != 0:
        apt = ["sudo", "-n", *apt]
    try:
        subprocess.run(apt, check=True, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or error
        pytest.skip(
            "\n" + "!" * 78 + "\nBROWSER TEST SKIPPED: chromium and chromium-driver are "
            "missing and "
            f"could not be installed ({' '.join(apt)}): {str(detail).strip()[-300:]}\n"
            "Install them (Debian/Ubuntu: apt-get install chromium chromium-driver) and rerun.\n"
            + "!" * 78
        )
    return shutil.which("chromium"), shutil.which("chromedriver")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The book built from the stored outputs, served on 127.0.0.1: (base URL, html folder)."""
    if os.environ.get("COURSEKIT_BOOK_HTML"):
        html = Path(os.environ["COURSEKIT_BOOK_HTML"]).resolve()
        assert (html / "index.html").exists(), f"COURSEKIT_BOOK_HTML: no index.html in {html}"
    else:
        out = tmp_path_factory.mktemp("book")
        build = subprocess.run(
            [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "-W",
             "--path-output", str(out)],
            capture_output=True, text=True, cwd=ROOT,
        )
        assert build.returncode == 0, (
            f"jupyter-book build -W failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}")
        html = out / "_build" / "html"
    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", html
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report():
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    yield lines
    (REPORT_DIR / "report.txt").write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const started = Date.now();
// A page without MathJax's script says so only once it has loaded and 2 s have passed:
// a page still being swapped in (seen once in CI under load) is not taken for one without math.
(function wait() {
  const script = document.querySelector('script[src*="mathjax"]');
  if (!script && document.readyState === "complete" && Date.now() - started > 2000) {
    done("not on this page");
  } else if (script && window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done("ok"), (e) => done("error: " + e));
  } else if (Date.now() - started > 20000) {
    done("no MathJax after 20 s");
  } else {
    setTimeout(wait, 50);
  }
})();
"""


def _broken_links(html_dir: Path, page_url: str, hrefs: list[str], base: str) -> list[str]:
    broken = []
    for href in hrefs:
        target = urlparse(urljoin(page_url, href))
        if not target.geturl().startswith(base):
            continue  # external: not ours to check offline
        path = html_dir / unquote(target.path[len(urlparse(base).path):])
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            broken.append(f"{href} (no file {path.relative_to(html_dir)})")
        elif target.fragment and path.suffix == ".html":
            if not re.search(rf'id="{re.escape(unquote(target.fragment))}"', path.read_text()):
                broken.append(f"{href} (no anchor #{target.fragment})")
    return broken


# Every WCAG 2.0 and 2.1 A/AA rule, and headings in order (axe files that rule under
# best practice, not under a WCAG criterion).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "rules": {"heading-order": {"enabled": True}}}


# The theme fades colours in over 0.15 s when the page's mode changes (e.g. when the
# system's setting differs from the one stored at the last visit): contrast is measured
# once the finite animations have finished (at most 5 s).
WAIT_FOR_TRANSITIONS = """
const done = arguments[arguments.length - 1];
const finite = document.getAnimations().filter(a => a.effect.getTiming().iterations !== Infinity);
Promise.race([Promise.allSettled(finite.map(a => a.finished)),
              new Promise(r => setTimeout(r, 5000))]).then(() => done());
"""


def _axe_violations(browser) -> list[str]:
    """axe-core's violations of AXE_OPTIONS' rules on the loaded page: one line per rule broken,
    with the number of elements and the first three of them."""
    from selenium_axe_python import Axe

    browser.execute_async_script(WAIT_FOR_TRANSITIONS)
    axe = Axe(browser)
    axe.inject()
    results = axe.run(options=json.dumps(AXE_OPTIONS))
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): " + "; ".join(
                f"{node['target']}: {node['failureSummary'][:240]}" for node in v["nodes"][:3])
            for v in results["violations"]]


def _wait_until_loaded(browser, url: str) -> None:
    """Until the browser shows ``url`` fully loaded (60 s at most): ``get`` alone once let a
    test read the page before, in CI under load."""
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(browser, 60).until(
        lambda b: b.current_url.split("#")[0] == url
        and b.execute_script("return document.readyState") == "complete")


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", _toc_pages())
def test_page_renders_in_chromium(page, mode, site, browser, report):
    base, html_dir = site
    url = urljoin(base, page + ".html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": mode}]})
    browser.get_log("browser")  # drop what earlier pages left
    browser.get(url)
    _wait_until_loaded(browser, url)
    mathjax = browser.execute_async_script(WAIT_FOR_MATHJAX)
    load_ms = browser.execute_script(
        "const t = performance.getEntriesByType('navigation')[0];"
        " return t.loadEventEnd - t.startTime;"
    )
    state = browser.execute_script("""
        return {
          images: [...document.images].map(
            i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]),
          hrefs: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
          math: document.querySelectorAll('.math').length,
          typeset: document.querySelectorAll('mjx-container').length,
          texErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent),
          title: document.title,
          theme: document.documentElement.dataset.theme,
        };""")
    console = browser.get_log("browser")
    violations = _axe_violations(browser)
    name = page.replace("/", "_")
    browser.save_screenshot(str(REPORT_DIR / f"{name}-{mode}.png"))
    messages = [f"{c['level']}: {c['message']}" for c in console]
    report.append(f"{page} ({mode}): {load_ms:.0f} ms to load, {len(state['images'])} images, "
                  f"{state['typeset']} formulas, axe: {len(violations)} violations, "
                  f"console: {messages or 'empty'}")

    assert state["theme"] == mode, f"{page}: system asks for {mode}, page shows {state['theme']}"
    missing = [src for src, ok in state["images"] if not ok]
    assert not missing, f"{page}: images that did not load: {missing}"
    broken = _broken_links(html_dir, url, state["hrefs"], base)
    assert not broken, f"{page}: broken internal links: {broken}"
    if state["math"]:
        assert mathjax == "ok", f"{page}: MathJax did not start: {mathjax}"
        assert state["typeset"] >= state["math"], (
            f"{page}: {state['math']} formulas on the page but MathJax typeset {state['typeset']}")
    assert not state["texErrors"], f"{page}: TeX errors: {state['texErrors']}"
    errors = [m for m, c in zip(messages, console) if c["level"] == "SEVERE"]
    assert not errors, f"{page}: errors in the browser console: {errors}"
    assert not violations, f"{page} ({mode}): WCAG 2.1 A/AA violations (axe-core):\n" + (
        "\n".join(violations))


BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main>
<h1>Title</h1><h4>skips two levels</h4><p style="color:#00d7ff;background:#f3f4f5">pale</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="8" height="8"></main></body></html>"""


def test_axe_finds_what_it_checks_for(browser):
    """The check itself: on a page with a skipped heading level, text at 1.6:1 contrast
    and an image without alt text, axe reports exactly those three rules."""
    browser.get("data:text/html;charset=utf-8," + quote(BAD_PAGE))
    found = {line.split(" ", 1)[0] for line in _axe_violations(browser)}
    assert found == {"heading-order", "color-contrast", "image-alt"}, found


def test_every_image_has_a_text_alternative(site):
    """WCAG 1.1.1: an image's alt text says what it shows. axe-core only checks that an
    alt attribute exists, and myst-nb fills a plot's with its file name unless the cell
    sets one (cell metadata ``{"mystnb": {"image": {"alt": "..."}}}``)."""
    _, html_dir = site
    named_by_file = []
    for page in _toc_pages():
        text = (html_dir / f"{page}.html").read_text()
        for img in re.findall(r"<img\b[^>]*>", text):
            alt = re.search(r'\balt="([^"]*)"', img)
            if alt is None or not alt.group(1).strip() or re.search(
                    r"\.(png|jpe?g|gif|svg)$", alt.group(1)):
                named_by_file.append(f"{page}: {img[:120]}")
    assert not named_by_file, (
        f"{len(named_by_file)} images without a text alternative (alt is empty or a file "
        "name):\n" + "\n".join(named_by_file))
