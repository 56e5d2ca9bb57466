"""A build's page in Chromium over the lookup app (AUTH=none) and real archives: its
document and the log viewer (tail, whole log, ANSI, markup as text, line anchors, search),
and a log that was not archived."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.ui.archives import XSS_LINE, Catalogue, coloured_log
from tests.ui.conftest import TabFactory
from tests.ui.pages import ESC, api, build_url, in_log_view, line


def test_build_page_shows_the_document_and_the_numbered_tail(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open(build_url(catalogue))
    expect(line(page, 3000)).to_be_visible()
    document = api(base_url, f"/api/v1/namespaces/shop/builds/{catalogue.coloured.ref.name}")
    facts = dict(
        zip(
            page.locator("#facts dt").all_inner_texts(),
            page.locator("#facts dd").all_inner_texts(),
            strict=True,
        )
    )
    git = document["source"]["git"]
    assert facts["Phase"] == "Complete" and facts["BuildConfig"] == "api"
    assert facts["Number"] == "8" and facts["Triggered by"] == document["triggeredBy"][0]
    assert facts["Commit"] == git["commit"] and facts["Git repository"] == git["uri"]
    assert facts["Git ref"] == git["ref"] and facts["Commit message"] == git["message"]
    assert facts["Author"] == f"{git['author']['name']} <{git['author']['email']}>"
    assert facts["Output image"] == document["output"]["imageReference"]
    assert facts["Image digest"] == document["output"]["imageDigest"]
    assert facts["Log SHA-256"] == document["log"]["sha256"]
    assert facts["Duration"] == "1m 10s"
    assert facts["Archived at"] == document["archivedAt"].replace("T", " ").replace("Z", " UTC")
    assert facts["Log size"].startswith("94.6 KiB (3,000 lines, ")
    expect(page.locator("#log-note")).to_have_text("The last 1,000 lines, from line 2,001.")
    assert line(page, 3000).locator(".log-text").inner_text() == "step 3000: compiling module-3000"
    assert line(page, 3000).locator("a").get_attribute("href") == "#L3000"
    # Windowed: only the rows near the view are in the DOM, not the 1,000 lines.
    assert 0 < page.locator(".log-line").count() < 200
    assert line(page, 2001).count() == 0
    raw = page.get_by_role("link", name="Raw text").get_attribute("href")
    gzip_link = page.get_by_role("link", name="Download (gzip)").get_attribute("href")
    uid = catalogue.coloured.ref.uid
    assert raw == f"/api/v1/namespaces/shop/builds/api-8/log?uid={uid}"
    assert gzip_link == f"{raw}&download=1"
    download = page.request.get(base_url + gzip_link)
    assert download.headers["content-disposition"] == 'attachment; filename="shop_api-8.log"'
    assert page.request.get(base_url + raw).body() == coloured_log()


def test_ansi_colours_become_spans_and_markup_stays_text(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open(build_url(catalogue) + "#L2501")
    expect(line(page, 2501)).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    tab.screenshot("build-page-coloured-log", full_page=True)  # docs/ui-build-page.png
    error = line(page, 2500).locator(".log-text")
    assert error.inner_text() == "ERROR test_checkout failed "
    assert error.locator("span.sgr-bold.sgr-fg-red").inner_text() == "ERROR"
    passed = line(page, 2501).locator(".log-text")
    assert passed.locator("span.sgr-fg-green").inner_text() == "PASSED"
    orange = passed.locator("span", has_text="orange")
    assert orange.evaluate("node => getComputedStyle(node).color") == "rgb(255, 135, 0)"
    deep = passed.locator("span", has_text="deep")
    assert deep.evaluate("node => node.style.color") == "rgb(10, 20, 30)"
    blue = line(page, 2503).locator("span.sgr-fg-yellow.sgr-bg-blue")
    assert blue.inner_text() == "warning on blue"
    assert line(page, 2503).locator(".log-text").inner_text() == "warning on blue and plain"
    green = passed.locator("span.sgr-fg-green").evaluate("node => getComputedStyle(node).color")
    assert green != passed.evaluate("node => getComputedStyle(node).color")  # really coloured
    text = page.locator("#log-lines").evaluate("node => node.textContent")
    assert ESC not in text and "\x07" not in text and "[0m" not in text
    # The line of markup is text: no element was made of it and its script never ran.
    markup = line(page, 2502).locator(".log-text")
    assert markup.inner_text() == XSS_LINE
    assert markup.evaluate("node => node.children.length") == 0
    assert page.locator("#log-lines script, #log-lines img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    page.get_by_label("Search the log").fill("window title")
    page.get_by_label("Search the log").press("Enter")
    expect(page.locator("#log-matches")).to_have_text("no match")  # the OSC title is gone
    page.evaluate("() => { location.hash = '#L2999'; }")
    assert line(page, 2999).locator(".log-text").inner_text() == "Push successful"


def test_line_anchor_in_the_tail_scrolls_there(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open(build_url(catalogue) + "#L2600")
    expect(line(page, 2600)).to_have_class(re.compile("log-target"))
    assert in_log_view(page, 2600)
    assert page.locator("#log-view").evaluate("node => node.getBoundingClientRect().top") < 900
    line(page, 2605).locator("a").click()  # a line number is its own link
    expect(page).to_have_url(re.compile(r"#L2605$"))
    expect(line(page, 2605)).to_have_class(re.compile("log-target"))


def test_line_anchor_before_the_tail_loads_the_whole_log(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open(build_url(catalogue) + "#L123")
    expect(page.locator("#log-note")).to_have_text("The whole log: 3,000 lines, 94.6 KiB.")
    expect(line(page, 123)).to_have_class(re.compile("log-target"))
    assert in_log_view(page, 123)
    assert line(page, 123).locator(".log-text").inner_text() == "step 123: compiling module-123"
    assert page.get_by_role("button", name=re.compile("Load the whole log")).is_hidden()


def test_whole_log_on_request(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    page = tab.open(build_url(catalogue))
    expect(line(page, 3000)).to_be_visible()
    page.get_by_role("button", name="Load the whole log (94.6 KiB)").click()
    expect(page.locator("#log-note")).to_have_text("The whole log: 3,000 lines, 94.6 KiB.")
    page.locator("#log-view").evaluate("node => { node.scrollTop = 0; }")
    expect(line(page, 1)).to_be_visible()
    assert line(page, 1).locator(".log-text").inner_text() == "step 1: compiling module-1"
    assert page.locator(".log-line").count() < 200
    streamed = [
        url for url in tab.requests if url.endswith(f"log?uid={catalogue.coloured.ref.uid}")
    ]
    assert len(streamed) == 1


def test_search_inside_the_log(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    page = tab.open(build_url(catalogue))
    expect(line(page, 3000)).to_be_visible()
    search = page.get_by_label("Search the log")
    search.fill("passed")
    search.press("Enter")
    counter = page.locator("#log-matches")
    expect(counter).to_have_text("1 of 2")
    current = page.locator("mark.match-current")
    expect(current).to_have_text("PASSED")
    assert current.evaluate("node => node.closest('.log-line').id") == "L2501"
    assert in_log_view(page, 2501)
    page.get_by_role("button", name="Next").click()
    expect(counter).to_have_text("2 of 2")
    assert current.evaluate("node => node.closest('.log-line').id") == "L2991"
    page.get_by_role("button", name="Next").click()
    expect(counter).to_have_text("1 of 2")  # wraps around
    page.get_by_role("button", name="Previous").click()
    expect(counter).to_have_text("2 of 2")
    assert in_log_view(page, 2991)
    # A match inside a coloured span keeps the colour and gains the highlight.
    assert page.locator("#L2991 mark.match-current span.sgr-fg-green").inner_text() == "PASSED"
    search.fill("module-29")
    search.press("Enter")
    tail = coloured_log().decode().splitlines()[2000:]
    expect(counter).to_have_text(f"1 of {sum('module-29' in text for text in tail)}")


def test_log_unavailable_says_why(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    name = catalogue.unavailable.ref.name
    page = tab.open(f"/namespaces/shop/builds/{name}")
    answer = page.request.get(f"{base_url}/api/v1/namespaces/shop/builds/{name}/log")
    assert answer.status == 404
    problem = answer.json()
    assert problem["type"].endswith("#problem-log-unavailable") and problem["reason"]
    expect(page.locator("#log-note")).to_have_text(
        f"The log of this build was not archived: {problem['reason']}."
    )
    assert page.locator("#log-view").is_hidden()
    assert "not archived" in page.locator("#facts").inner_text()
