"""The UI tests' browser and server.

A real Chromium (Debian's, through Playwright; never ``playwright install``) drives the
lookup app served over real HTTP on 127.0.0.1. Each test's :class:`Tab` records every
request, console message and page error; on teardown it saves a screenshot into
``test-screenshots/`` and asserts that nothing left the function's origin and that the
console stayed clean.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, sync_playwright
from werkzeug.serving import make_server

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from tests.ui.archives import Catalogue, archive_catalogue

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HTTP_STATUS_MESSAGE = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d{3}) "
)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # No skip: a missing or broken chromium fails every UI test with its own error.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/install-system-deps"
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app over real HTTP on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


class Tab:
    """One browser tab on the UI: records what it requests and what it logs."""

    def __init__(self, page: Page, base: str, answered: frozenset[int] = frozenset()) -> None:
        self.page = page
        self.base = base
        # Chromium logs every non-2xx answer to fetch() as a console error; the statuses
        # a test provokes on purpose (401 before the token, 403) are not the page's errors.
        self.answered = answered
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "warning"):
            return
        status = HTTP_STATUS_MESSAGE.match(message.text)
        api = message.location.get("url", "").startswith(f"{self.base}/api/v1/")
        if status and api and int(status[1]) in self.answered:
            return
        self.console_errors.append(f"{message.type}: {message.text}")

    def open(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def status(self) -> str:
        status = self.page.locator("#status")
        # Every page ends its loading by saying what it shows (or why not).
        status.filter(has_text=re.compile(r"^(?!Loading|Searching)\S")).wait_for()
        return status.inner_text()

    def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def check_clean(self) -> None:
        foreign = [url for url in self.requests if not url.startswith(self.base + "/")]
        assert not foreign, f"requests left the function's origin: {foreign}"
        assert not self.console_errors, self.console_errors


TabFactory = Callable[..., Tab]


@pytest.fixture
def tabs(browser: Browser, request: pytest.FixtureRequest) -> Iterator[TabFactory]:
    """Opens tabs on a base URL; each is screenshotted and checked when the test ends."""
    opened: list[Tab] = []
    contexts = []

    def open_tab(
        base: str, viewport: dict[str, int] | None = None, answered: frozenset[int] = frozenset()
    ) -> Tab:
        context = browser.new_context(viewport=viewport or DESKTOP)  # type: ignore[arg-type]
        contexts.append(context)
        tab = Tab(context.new_page(), base, answered)
        opened.append(tab)
        return tab

    yield open_tab
    try:
        for number, tab in enumerate(opened):
            suffix = f"-{number}" if number else ""
            tab.screenshot(f"{request.node.name}{suffix}")
        for tab in opened:
            tab.check_clean()
    finally:
        for context in contexts:
            context.close()


@pytest.fixture(scope="session")
def layout() -> KeyLayout:
    return KeyLayout("osiris", "ui")


@pytest.fixture(scope="session")
def archived(
    tmp_path_factory: pytest.TempPathFactory, layout: KeyLayout
) -> tuple[LocalStore, Catalogue]:
    store = LocalStore(tmp_path_factory.mktemp("ui") / "bucket")
    return store, archive_catalogue(store, layout)


@pytest.fixture(scope="session")
def catalogue(archived: tuple[LocalStore, Catalogue]) -> Catalogue:
    return archived[1]


@pytest.fixture(scope="session")
def base_url(archived: tuple[LocalStore, Catalogue], layout: KeyLayout) -> Iterator[str]:
    """The lookup app (AUTH=none) over the catalogue, for the whole session."""
    store = archived[0]
    with serve(create_app(lambda: store, layout, None)) as base:
        yield base
