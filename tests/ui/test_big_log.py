"""A 100 MB archived log in the page: the tail only, the DOM and the JS heap bounded.

The numbers (time until the tail is visible, JS heap, DOM size) are printed for the
report (``pytest -s``); only the bounds that are behaviour (heap and DOM size, which
must not follow the log's size) are asserted, never a time.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import CDPSession, Page, expect

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from tests.maintenance.archived import Archived
from tests.ui.archives import UiBuilds
from tests.ui.conftest import TabFactory, serve

MiB = 1024 * 1024
BIG = 100 * MiB
LOADABLE = 6 * MiB
HEAP_BOUND = 100 * MiB
DOM_BOUND = 3000  # elements: the page's own plus a window of log rows


@pytest.fixture(scope="module")
def big_logs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Archived, Archived]]:
    """A 100 MiB log and one of 6 MiB (below the page's 8 MiB whole-log limit)."""
    store = LocalStore(Path(tmp_path_factory.mktemp("big")) / "bucket")
    layout = KeyLayout("osiris", "ui")
    factory = UiBuilds(store, layout)
    started = time.perf_counter()
    big = factory.build("api", "Complete", log_size=BIG, duration=600)
    print(f"\narchived a {BIG // MiB} MiB log in {time.perf_counter() - started:.1f} s")
    loadable = factory.build("api", "Failed", log_size=LOADABLE, duration=60)
    with serve(create_app(lambda: store, layout, None)) as base:
        yield base, big, loadable


def last_line(base: str, built: Archived) -> int:
    path = f"/api/v1/namespaces/shop/builds/{built.ref.name}"
    with urllib.request.urlopen(base + path, timeout=30) as answer:
        document = json.loads(answer.read())
    return int(document["log"]["lines"])


def element_count(page: Page) -> int:
    return int(page.evaluate("() => document.getElementsByTagName('*').length"))


def metric(cdp: CDPSession, name: str) -> int:
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return int(next(m["value"] for m in metrics if m["name"] == name))


def test_a_100_mb_log_shows_its_tail_and_hands_over_to_the_raw_link(
    tabs: TabFactory,
    big_logs: tuple[str, Archived, Archived],
    record_property: Callable[[str, object], None],
) -> None:
    base, built, _ = big_logs
    last = last_line(base, built)
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
        elements.append(element_count(page))
    heap = metric(cdp, "JSHeapUsedSize")
    nodes = metric(cdp, "Nodes")
    print(
        f"100 MiB log ({last:,} lines): tail visible {tail_ms:.0f} ms after navigation start;"
        f" JS heap {heap / MiB:.1f} MiB; DOM elements {max(elements)} (CDP Nodes {nodes})"
    )
    # benchmarks/report.py reads these from the JUnit XML into the README's figures.
    record_property("tail_visible_ms", round(tail_ms))
    record_property("js_heap_mib", round(heap / MiB, 1))
    record_property("dom_elements", max(elements))
    assert heap < HEAP_BOUND
    assert max(elements) < DOM_BOUND


def test_a_6_mb_log_loads_whole_and_stays_windowed(
    tabs: TabFactory, big_logs: tuple[str, Archived, Archived]
) -> None:
    base, _, built = big_logs
    last = last_line(base, built)
    tab = tabs(base)
    page = tab.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(f"{base}/namespaces/shop/builds/{built.ref.name}")
    expect(page.locator(f"#L{last}")).to_be_visible()
    button = page.get_by_role("button", name="Load the whole log (6.0 MiB)")
    clicked = page.evaluate("() => performance.now()")
    button.click()
    whole = page.locator("#log-note")
    expect(whole).to_have_text(f"The whole log: {last:,} lines, 6.0 MiB.", timeout=60_000)
    loaded_ms = page.evaluate("() => performance.now()") - clicked
    elements = []
    for number in (1, last // 2, last):
        page.evaluate(f"() => {{ location.hash = '#L{number}'; }}")
        expect(page.locator(f"#L{number}")).to_be_visible()
        elements.append(element_count(page))
    heap = metric(cdp, "JSHeapUsedSize")
    print(
        f"6 MiB log ({last:,} lines): whole log streamed in {loaded_ms:.0f} ms;"
        f" JS heap {heap / MiB:.1f} MiB; DOM elements {max(elements)}"
    )
    assert heap < HEAP_BOUND
    assert max(elements) < DOM_BOUND
