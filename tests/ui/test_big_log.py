"""A 100 MB archived log in the page: the tail only, the DOM and the JS heap bounded.

The numbers (time until the tail is visible, JS heap, DOM size) are printed for the
report (``pytest -s``); only the bounds that are behaviour (heap and DOM size, which
must not follow the log's size) are asserted, never a time.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from tests.maintenance.archived import Archived
from tests.ui.archives import UiBuilds
from tests.ui.conftest import TabFactory, serve

MiB = 1024 * 1024
BIG = 100 * MiB
HEAP_BOUND = 100 * MiB
DOM_BOUND = 3000  # elements: the page's own plus a window of log rows


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Archived]]:
    store = LocalStore(Path(tmp_path_factory.mktemp("big")) / "bucket")
    layout = KeyLayout("osiris", "ui")
    started = time.perf_counter()
    built = UiBuilds(store, layout).build("api", "Complete", log_size=BIG, duration=600)
    print(f"\narchived a {BIG // MiB} MiB log in {time.perf_counter() - started:.1f} s")
    with serve(create_app(lambda: store, layout, None)) as base:
        yield base, built


def js_heap(tab_page: object, cdp: object) -> int:
    metrics = cdp.send("Performance.getMetrics")["metrics"]  # type: ignore[attr-defined]
    return int(next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize"))


def test_a_100_mb_log_shows_its_tail_and_hands_over_to_the_raw_link(
    tabs: TabFactory, big_log: tuple[str, Archived]
) -> None:
    base, built = big_log
    path = f"/api/v1/namespaces/shop/builds/{built.ref.name}"
    with urllib.request.urlopen(base + path, timeout=30) as answer:
        document = json.loads(answer.read())
    assert document["log"]["rawBytes"] == BIG
    last = document["log"]["lines"]
    tab = tabs(base)
    page = tab.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(f"{base}/namespaces/shop/builds/{built.ref.name}")
    # performance.now() counts from the navigation's start: the moment the tail is drawn.
    tail_ms = page.wait_for_function(
        f"() => document.getElementById('L{last}') && performance.now()", timeout=60_000
    ).json_value()
    expect(page.locator(f"#L{last}")).to_be_visible()
    note = page.locator("#log-note")
    expect(note).to_contain_text("too big to read in the page")
    expect(note).to_contain_text(f"from line {last - 999:,}")
    assert page.get_by_role("button", name="Load the whole log").is_hidden()
    assert page.get_by_role("link", name="Raw text").is_visible()
    # Scroll through the whole tail: the DOM keeps a window, not the 1,000 lines.
    elements = []
    for position in (0, 10_000, 1e9):
        page.locator("#log-view").evaluate(f"node => {{ node.scrollTop = {position}; }}")
        page.wait_for_timeout(100)
        elements.append(page.evaluate("() => document.getElementsByTagName('*').length"))
    page.evaluate("() => window.gc && window.gc()")
    heap = js_heap(page, cdp)
    nodes = next(
        int(m["value"])
        for m in cdp.send("Performance.getMetrics")["metrics"]
        if m["name"] == "Nodes"
    )
    print(
        f"100 MiB log ({last:,} lines): tail visible {tail_ms:.0f} ms after navigation start;"
        f" JS heap {heap / MiB:.1f} MiB; DOM elements {max(elements)} (CDP Nodes {nodes})"
    )
    assert heap < HEAP_BOUND
    assert max(elements) < DOM_BOUND
