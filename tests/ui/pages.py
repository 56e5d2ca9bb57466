"""What the UI tests share: the API read as JSON, a page's list rows and log lines,
whether a log line is inside the log's visible box, the path of a build's page, and
signing in at the token prompt (with the answers such tests provoke on purpose)."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.ui.archives import Catalogue

ESC = "\x1b"
REFUSED = frozenset({401, 403})  # answers the token-prompt tests provoke on purpose


def api(base: str, path: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def row_names(page: Page, column: int = 0) -> list[str]:
    rows = page.locator("#runs tbody tr")
    texts = rows.evaluate_all("(rows, column) => rows.map(r => r.cells[column].innerText)", column)
    return [text.strip() for text in texts]


def line(page: Page, number: int) -> Locator:
    return page.locator(f"#L{number}")


_ROW_IN_VIEW = """number => {
    const row = document.getElementById(`L${number}`);
    const view = document.getElementById("log-view");
    if (!row || !view) return false;
    const box = row.getBoundingClientRect(), frame = view.getBoundingClientRect();
    return frame.top <= box.top && box.bottom <= frame.bottom;
}"""


def in_log_view(page: Page, number: int, timeout: float = 5000) -> bool:
    """Whether line ``number`` is rendered inside the log's visible box within ``timeout`` ms.

    Measured in one evaluation in the page, and waited for: the windowed viewer replaces
    rows as it scrolls, so a row found by one call may be detached by the next.
    """
    try:
        page.wait_for_function(_ROW_IN_VIEW, arg=number, timeout=timeout)
    except PlaywrightTimeoutError:
        return False
    return True


def build_url(catalogue: Catalogue, index: int = -1) -> str:
    return f"/namespaces/shop/builds/{catalogue.api[index].ref.name}"


def sign_in(page: Page, token: str) -> None:
    field = page.get_by_label("Token", exact=True)
    expect(field).to_have_attribute("type", "password")
    field.fill(token)
    page.get_by_role("button", name="Sign in").click()
