"""Findings and search in Chromium: why a build failed on its list and its page (linked to
the line), the "why" filter, and the namespace's log search with paging."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.ui.archives import STEP_LINES, Catalogue
from tests.ui.conftest import SCREENSHOTS, TabFactory
from tests.ui.pages import line, row_names

WHY_COLUMN = 7


def hit_builds(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#hits tbody tr th a").all_inner_texts()]


def failed(catalogue: Catalogue) -> list[str]:
    return [b.ref.name for b in reversed(catalogue.api + catalogue.web) if b.phase == "Failed"]


def first_line(log: bytes, prefix: bytes) -> int:
    return next(n for n, text in enumerate(log.split(b"\n"), 1) if text.startswith(prefix))


def test_the_builds_list_says_why_and_filters_by_it(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop")
    tab.status()
    whys = dict(zip(row_names(page), row_names(page, WHY_COLUMN), strict=True))
    for build in catalogue.api + catalogue.web:
        expected = "test-failure" if build.phase == "Failed" else "—"
        assert whys[build.ref.name] == expected, build
    page.get_by_label("Why").select_option("test-failure")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"finding=test-failure"))
    assert "why test-failure" in tab.status()
    assert sorted(row_names(page)) == sorted(failed(catalogue))


def test_a_failed_build_page_shows_its_findings_linked_to_the_line(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    build = next(b for b in catalogue.api if b.phase == "Failed")
    assert build.log is not None
    number = first_line(build.log, b"FAILED ")
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/builds/{build.ref.name}?uid={build.ref.uid}")
    tab.status()
    findings = page.locator("#findings")
    expect(findings).to_be_visible()
    item = findings.locator("li").first
    expect(item.locator(".severity")).to_have_text("error")  # as text, not only colour
    expect(item).to_contain_text("Tests failed")
    expect(item.locator("mark")).to_have_text(re.compile(r"^FAILED tests/"))
    item.get_by_role("link", name=f"line {number:,}").click()
    expect(page).to_have_url(re.compile(rf"#L{number}$"))
    expect(line(page, number)).to_have_class(re.compile("log-target"))
    findings.scroll_into_view_if_needed()
    tab.screenshot("build-page-findings")
    # A build that did not fail has nothing to explain.
    good = catalogue.api[0]
    page.goto(f"{base_url}/namespaces/shop/builds/{good.ref.name}?uid={good.ref.uid}")
    tab.status()
    expect(page.locator("#findings")).to_be_hidden()


def test_search_the_logs_of_a_namespace(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop")
    tab.status()
    page.get_by_label("Search the logs of shop").fill("^FAILED tests/")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/namespaces/shop/search\?q="))
    said = tab.status()
    names = hit_builds(page)
    # Builds and TaskRuns (the failed pipeline's test step prints the same lines).
    assert said.startswith(f"{len(names)} matching lines")
    builds = page.locator('#hits tbody tr[data-kind="Build"]')
    assert [text.strip() for text in builds.locator("th a").all_inner_texts()] == failed(catalogue)
    assert len(names) > builds.count()
    assert all(
        text.startswith("FAILED tests/")
        for text in page.locator("#hits tbody tr code").all_inner_texts()
    )
    # The line number is a link to the line on the build's page.
    newest = next(b for b in reversed(catalogue.api + catalogue.web) if b.phase == "Failed")
    assert newest.log is not None
    number = first_line(newest.log, b"FAILED ")
    builds.first.get_by_role("link", name=f"{number:,}").click()
    expect(page).to_have_url(re.compile(rf"/builds/{newest.ref.name}\?uid=.*#L{number}$"))
    expect(line(page, number)).to_have_class(re.compile("log-target"))
    page.go_back()
    tab.status()
    assert hit_builds(page) == names


def test_search_pages_and_markup_stays_text(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop/search?q=%5Estep%2024%5B89%5D%5B0-9%5D%3A&limit=7")
    assert tab.status().startswith("7 matching lines")
    seen = page.locator("#hits tbody tr code").all_inner_texts()
    pages = 1
    while page.get_by_role("link", name="More results").count():
        page.get_by_role("link", name="More results").click()
        tab.status()
        seen += page.locator("#hits tbody tr code").all_inner_texts()
        pages += 1
    assert seen == [f"step {n}: compiling module-{n}" for n in range(2480, 2500)]
    assert pages == 3
    page.goto(f"{base_url}/namespaces/shop/search?q=window.__xss")
    tab.status()
    expect(page.locator("#hits tbody tr code").first).to_have_text(
        re.compile(r"^<script>window.__xss")
    )
    assert page.evaluate("() => window.__xss") is None


def test_a_bad_pattern_says_so(tabs: TabFactory, base_url: str) -> None:
    tab = tabs(base_url, answered=frozenset({400}))
    page = tab.open("/namespaces/shop/search?q=(unclosed")
    expect(page.locator("#status")).to_contain_text("RE2")


def test_search_finds_tekton_steps_linked_to_the_steps_line(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    lint = catalogue.tekton.lint["metadata"]["name"]
    number = STEP_LINES.index("lint: done") + 1
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop/search?q=%5Elint%3A%20done%24")
    assert tab.status().startswith("1 matching line;")
    row = page.locator("#hits tbody tr")
    assert row.get_attribute("data-kind") == "TaskRun"
    cells = row.evaluate("r => [...r.cells].map(c => c.innerText.trim())")
    assert cells[:2] == [f"{lint} TaskRun", "prepare"] and cells[4] == "lint: done"
    page.screenshot(path=str(SCREENSHOTS / "search-tekton-hits.png"), full_page=True)
    # A step of a pipeline's TaskRun names its PipelineRun.
    failed = catalogue.tekton.failed["metadata"]["name"]
    page.goto(f"{base_url}/namespaces/shop/search?q=%5EFAILED%20tests%2F&kind=taskrun")
    tab.status()
    expect(page.get_by_label("Runs")).to_have_value("taskrun")
    steps = page.locator("#hits tbody tr td:nth-child(2)").all_inner_texts()
    # The pipeline's test step names its PipelineRun; lint's check step is of none.
    assert {text.strip() for text in steps} == {f"test (PipelineRun {failed})", "check"}
    assert page.locator('#hits tbody tr[data-kind="Build"]').count() == 0
    # The line number opens the TaskRun's page at that step, at that line.
    page.goto(f"{base_url}/namespaces/shop/search?q=%5Elint%3A%20done%24")
    tab.status()
    page.locator("#hits tbody tr").get_by_role("link", name=str(number)).click()
    expect(page).to_have_url(re.compile(rf"/taskruns/{lint}\?uid=[^&]+&step=prepare#L{number}$"))
    expect(line(page, number)).to_have_class(re.compile("log-target"))
    expect(line(page, number)).to_contain_text("lint: done")
    page.screenshot(path=str(SCREENSHOTS / "search-tekton-line.png"), full_page=True)
