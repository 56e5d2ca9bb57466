"""What the Tekton UI tests share: a log read raw, a page's facts, table cells and log
line text, a run's name, and times and durations as the pages write them."""

from __future__ import annotations

import urllib.request

from playwright.sync_api import Page

from tests.ui.pages import line


def raw(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return answer.read()  # type: ignore[no-any-return]


def facts(page: Page) -> dict[str, str]:
    terms = page.locator("#facts dt").all_inner_texts()
    return dict(zip(terms, page.locator("#facts dd").all_inner_texts(), strict=True))


def cells(page: Page, table: str) -> list[list[str]]:
    rows = page.locator(f"#{table} tbody tr")
    script = "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    return rows.evaluate_all(script)  # type: ignore[no-any-return]


def line_text(page: Page, number: int) -> str:
    # textContent: every character of the line, blanks included, as the DOM holds it.
    return line(page, number).locator(".log-text").evaluate("node => node.textContent")  # type: ignore[no-any-return]


def name(obj: dict) -> str:  # type: ignore[type-arg]
    return obj["metadata"]["name"]  # type: ignore[no-any-return]


def time_text(rfc3339: str) -> str:
    return rfc3339.replace("T", " ").replace("Z", " UTC")


def duration_text(seconds: float) -> str:
    """As the page writes a duration (dom.js formatDuration)."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest}s" if minutes else f"{rest}s"
