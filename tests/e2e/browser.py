"""Real-browser helpers shared by the end-to-end tests: Debian's Chromium, headless.

Playwright's own browser download is never used (registries only on this project's machines):
Chromium comes from ``scripts/install_browser.sh`` and is launched by path. Every page records
console errors and uncaught exceptions so a test can assert the page ran cleanly, and
screenshots go to the git-ignored ``tests/artifacts/screenshots/``.

``tests/e2e/conftest.py`` registers the ``browser`` and ``open_page`` fixtures once for every
end-to-end test (one Playwright instance per test session: two at once cannot share a thread).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = PROJECT_ROOT / "tests" / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class BrowserTab:
    """A page in its own browser context (own cookies and localStorage), with its console log."""

    context: BrowserContext
    page: Page
    console_errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        """Save a screenshot of the viewport as ``tests/artifacts/screenshots/<name>.png``."""
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


def _record_console_error(tab: BrowserTab, message: ConsoleMessage) -> None:
    if message.type == "error":
        tab.console_errors.append(f"console: {message.text} ({message.location.get('url', '')})")


def _record_page_error(tab: BrowserTab, error: Error) -> None:
    tab.console_errors.append(f"uncaught: {error.message}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole test session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'sudo scripts/install_browser.sh' (never 'playwright install')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., BrowserTab]]:
    """Factory: ``open_page(url, viewport=DESKTOP, locale="en-US")`` → a fresh :class:`BrowserTab`.

    Each call gets a new context, so two calls are two unrelated visitors. Contexts close at
    the end of the test.
    """
    contexts: list[BrowserContext] = []

    def open_(url: str | None = None, viewport: dict | None = None, locale: str = "en-US") -> BrowserTab:
        context = browser.new_context(viewport=viewport or DESKTOP, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = BrowserTab(context=context, page=context.new_page())
        tab.page.on("console", lambda message: _record_console_error(tab, message))
        tab.page.on("pageerror", lambda error: _record_page_error(tab, error))
        if url:
            tab.page.goto(url)
        return tab

    yield open_
    for context in contexts:
        context.close()
