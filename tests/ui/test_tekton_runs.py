"""Tekton run pages in Chromium: a PipelineRun (its TaskRuns in pipeline order, skipped
tasks, the combined log with its ``[task : step]`` prefixes), a TaskRun (steps, each step's
log byte-exact in the log viewer, markup as text, findings naming their step), navigation
PipelineRun → TaskRun → back, a step log not archived, and phone width."""

from __future__ import annotations

import gzip
import re

from playwright.sync_api import expect

from tests.ui.archives import PIPELINE, STEP_LINES, STEP_LOG, XSS_LINE, Catalogue
from tests.ui.conftest import PHONE, TabFactory
from tests.ui.pages import api, in_log_view, line
from tests.ui.tekton_pages import cells, duration_text, facts, line_text, name, raw, time_text


def test_pipelinerun_page_with_its_taskruns_and_combined_log(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    run = catalogue.tekton.failed
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/pipelineruns/{name(run)}")
    assert tab.status() == f"Failed PipelineRun of {PIPELINE} in shop: 3 TaskRuns."
    expect(page.locator("h1")).to_have_text(f"PipelineRun {name(run)}")
    document = api(base_url, f"/api/v1/namespaces/shop/pipelineruns/{name(run)}")
    shown = facts(page)
    assert shown["Phase"] == "Failed" and shown["Pipeline"] == PIPELINE
    assert shown["Reason"] == document["reason"] and shown["Message"] == document["message"]
    assert shown["Commit"] == document["git"]["commit"] and shown["Git ref"] == "main"
    assert shown["Git repository"] == "https://github.com/example/shop.git"
    assert shown["Started"] == time_text(document["started"])
    assert shown["Completed"] == time_text(document["completed"])
    assert shown["UID"] == run["metadata"]["uid"]
    # Its TaskRuns in pipeline order, each linked to its page; the skipped task and why.
    rows = cells(page, "taskruns")
    assert [row[:3] for row in rows] == [
        ["clone", f"{name(run)}-clone", "Succeeded"],
        ["build", f"{name(run)}-build", "Succeeded"],
        ["test", f"{name(run)}-test", "Failed"],
    ]
    assert [row[5:] for row in rows] == [
        ["archived", "—"],
        ["archived", "—"],
        ["archived", "test-failure"],
    ]
    assert rows[2][4] == duration_text(document["taskRuns"][2]["durationSeconds"])
    expect(page.locator("#skipped li")).to_have_text(["push: PipelineRun was stopping"])
    params = dict(cells(page, "params"))
    assert params == {"git-url": "https://github.com/example/shop.git", "git-revision": "main"}
    assert dict(cells(page, "results"))["commit"] == document["git"]["commit"]
    # The combined log: every line prefixed "[<pipeline task> : <step>] ", in pipeline order.
    log_link = page.get_by_role("link", name="Raw text").get_attribute("href") or ""
    assert log_link.startswith(f"/api/v1/namespaces/shop/pipelineruns/{name(run)}/log?uid=")
    combined = raw(base_url, log_link).decode().splitlines()
    last = len(combined)
    assert last > 1000
    prefixes = [re.match(r"^\[([^\]]+)\] ", text)[1] for text in combined]  # type: ignore[index]
    assert list(dict.fromkeys(prefixes)) == [
        "clone : clone",
        "build : build",
        "build : push",
        "test : test",
    ]
    # Its tail is numbered at once: the steps' line counts say where in the whole it starts.
    expect(page.locator("#log-note")).to_have_text(
        f"The last 1,000 lines, from line {last - 999:,}."
    )
    rows = page.locator("#log-lines .log-line")
    expect(rows.last.locator(".log-text")).to_have_text(combined[-1])
    assert combined[-1].startswith("[test : test] ")
    assert line_text(page, last) == combined[-1]
    view = page.locator("#log-view")
    view.evaluate("node => { node.scrollTop = 0; }")
    assert in_log_view(page, last - 999)  # the tail's first line, by its number
    assert line_text(page, last - 999) == combined[-1000]
    tab.screenshot("pipelinerun-tail", full_page=True)
    view.evaluate("node => { node.scrollTop = node.scrollHeight; }")
    assert in_log_view(page, last)
    page.get_by_role("button", name="Load the whole log").click()
    expect(page.locator("#log-note")).to_have_text(f"The whole log: {last:,} lines.")
    assert line_text(page, last) == combined[-1]
    page.locator("#log-view").evaluate("node => { node.scrollTop = 0; }")
    expect(line(page, 1)).to_be_visible()
    assert line_text(page, 1) == combined[0] and combined[0].startswith("[clone : clone] ")
    search = page.get_by_label("Search the log")
    search.fill("[build : push]")
    search.press("Enter")
    expect(page.locator("#log-matches")).to_have_text(
        f"1 of {sum(text.count('[build : push]') for text in combined):,}"
    )
    page.evaluate("() => window.scrollTo(0, 0)")
    tab.screenshot("pipelinerun-page", full_page=True)


def test_a_short_pipeline_log_is_whole_and_numbered_at_once(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    run = catalogue.tekton.passed
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/pipelineruns/{name(run)}#L5")
    path = f"/api/v1/namespaces/shop/pipelineruns/{name(run)}/log?uid={run['metadata']['uid']}"
    combined = raw(base_url, path).decode().splitlines()
    assert len(combined) < 1000
    expect(page.locator("#log-note")).to_have_text(f"The whole log: {len(combined):,} lines.")
    expect(line(page, 5)).to_have_class(re.compile("log-target"))
    assert line_text(page, 5) == combined[4]
    steps = [re.match(r"^\[([^\]]+)\] ", text)[1] for text in combined]  # type: ignore[index]
    assert list(dict.fromkeys(steps)) == [
        "clone : clone",
        "build : build",
        "build : push",
        "test : test",
        "push : push",
    ]
    assert tab.status() == f"Succeeded PipelineRun of {PIPELINE} in shop: 4 TaskRuns."
    assert page.locator("#skipped-section").is_hidden()


def test_from_a_pipelinerun_to_a_taskrun_and_back(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    run = catalogue.tekton.failed
    child = f"{name(run)}-test"
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/pipelineruns?pipeline={PIPELINE}")
    tab.status()
    page.get_by_role("link", name=name(run), exact=True).click()
    expect(page).to_have_url(
        re.compile(rf"/pipelineruns/{name(run)}\?uid={run['metadata']['uid']}$")
    )
    tab.status()
    page.locator("#taskruns").get_by_role("link", name=child).click()
    expect(page).to_have_url(re.compile(rf"/namespaces/shop/taskruns/{child}\?uid=[0-9a-f-]+$"))
    expect(page.locator("h1")).to_have_text(f"TaskRun {child}")
    assert tab.status() == "Failed TaskRun of test in shop."
    shown = facts(page)
    assert shown["PipelineRun"] == name(run) and shown["Pipeline task"] == "test"
    assert shown["Task"] == "test"
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/pipelineruns/{name(run)}\?uid="))
    expect(page.locator("#taskruns tbody tr")).to_have_count(3)
    page.go_forward()
    expect(page.locator("h1")).to_have_text(f"TaskRun {child}")
    page.get_by_role("link", name=name(run), exact=True).click()  # its PipelineRun fact
    expect(page).to_have_url(f"{base_url}/namespaces/shop/pipelineruns/{name(run)}")
    expect(page.locator("#taskruns tbody tr")).to_have_count(3)
    page.get_by_role("link", name="shop PipelineRuns").click()  # the breadcrumb
    expect(page).to_have_url(f"{base_url}/namespaces/shop/pipelineruns")
    tab.status()


def test_taskrun_page_shows_a_step_log_byte_exact_and_markup_as_text(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    lint = catalogue.tekton.lint
    uid = lint["metadata"]["uid"]
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/taskruns/{name(lint)}?uid={uid}&step=prepare")
    expect(page.locator("#log-note")).to_have_text(f"The whole log: 5 lines, {len(STEP_LOG)} B.")
    expect(page.locator("#log-heading")).to_have_text("Log of step prepare")
    for number, expected in enumerate(STEP_LINES, 1):
        assert line_text(page, number) == expected
    markup = line(page, 2).locator(".log-text")
    assert markup.inner_text() == XSS_LINE and markup.evaluate("n => n.children.length") == 0
    assert page.locator("#log-lines script, #log-lines img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    raw_link = page.get_by_role("link", name="Raw text").get_attribute("href") or ""
    assert raw_link == f"/api/v1/namespaces/shop/taskruns/{name(lint)}/log?uid={uid}&step=prepare"
    assert raw(base_url, raw_link) == STEP_LOG
    every = page.get_by_role("link", name="Every step, prefixed").get_attribute("href") or ""
    assert every == f"/api/v1/namespaces/shop/taskruns/{name(lint)}/log?uid={uid}"
    assert raw(base_url, every).startswith(
        b"".join(b"[prepare] " + text + b"\n" for text in STEP_LOG.splitlines()) + b"[check] "
    )
    gzip_link = page.get_by_role("link", name="Download (gzip)").get_attribute("href")
    assert gzip_link == f"{raw_link}&download=1"
    body = page.request.get(base_url + gzip_link).body()
    assert (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body) == STEP_LOG
    # The steps: name, exit code, reason, duration, log; the selector marks the one shown.
    steps = cells(page, "steps")
    assert [row[:3] for row in steps] == [["prepare", "0", "Completed"], ["check", "1", "Error"]]
    assert [row[4] for row in steps] == ["20s", "20s"]
    assert steps[0][5].startswith(f"{len(STEP_LOG)} B (5 lines, ")
    choice = page.get_by_role("navigation", name="Steps")
    assert choice.get_by_role("link").all_inner_texts() == ["prepare", "check"]
    assert choice.get_by_role("link", name="prepare").get_attribute("aria-current") == "page"
    shown = facts(page)
    assert shown["Phase"] == "Failed" and shown["Task"] == "lint"
    assert "PipelineRun" not in shown and "Commit" not in shown  # a standalone TaskRun's
    assert shown["Steps"] == "2" and shown["Pod"] == lint["status"]["podName"]
    # Its finding names its step and links to that step's line.
    finding = page.locator("#findings li").first
    link = finding.locator("a.finding-line")
    expect(link).to_have_text(re.compile(r"^step check, line [\d,]+$"))
    number = int((link.inner_text().rsplit(" ", 1)[1]).replace(",", ""))
    assert link.get_attribute("href") == (
        f"/namespaces/shop/taskruns/{name(lint)}?uid={uid}&step=check#L{number}"
    )
    link.click()
    expect(page.locator("#log-heading")).to_have_text("Log of step check")
    expect(line(page, number)).to_have_class(re.compile("log-target"))
    assert in_log_view(page, number)
    check = raw(base_url, f"/api/v1/namespaces/shop/taskruns/{name(lint)}/log?uid={uid}&step=check")
    assert line_text(page, number) == check.decode().splitlines()[number - 1]
    assert choice.get_by_role("link", name="check").get_attribute("aria-current") == "page"
    page.get_by_role("link", name="prepare", exact=True).first.click()
    expect(page.locator("#log-heading")).to_have_text("Log of step prepare")
    page.evaluate("() => window.scrollTo(0, 0)")
    tab.screenshot("taskrun-page", full_page=True)


def test_a_step_log_has_the_tail_the_whole_log_anchors_and_search(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    lint = catalogue.tekton.lint
    uid = lint["metadata"]["uid"]
    check = raw(base_url, f"/api/v1/namespaces/shop/taskruns/{name(lint)}/log?uid={uid}&step=check")
    lines = check.decode().splitlines()
    total = len(lines)
    assert total > 1000
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/taskruns/{name(lint)}?uid={uid}")  # the failed step first
    expect(page.locator("#log-heading")).to_have_text("Log of step check")
    first = total - 999
    expect(page.locator("#log-note")).to_have_text(f"The last 1,000 lines, from line {first:,}.")
    expect(line(page, total)).to_be_visible()
    assert line_text(page, total) == lines[-1]
    page.get_by_role("button", name=re.compile(r"Load the whole log \(")).click()
    expect(page.locator("#log-note")).to_have_text(
        re.compile(rf"^The whole log: {total:,} lines, ")
    )
    page.locator("#log-view").evaluate("node => { node.scrollTop = 0; }")
    expect(line(page, 1)).to_be_visible()
    assert line_text(page, 1) == lines[0]
    search = page.get_by_label("Search the log")
    search.fill("FAILED")
    search.press("Enter")
    expected = sum(text.lower().count("failed") for text in lines)
    expect(page.locator("#log-matches")).to_have_text(f"1 of {expected:,}")
    # An anchor before the tail loads the whole step log.
    other = tabs(base_url)
    anchored = other.open(f"/namespaces/shop/taskruns/{name(lint)}?uid={uid}&step=check#L7")
    expect(line(anchored, 7)).to_have_class(re.compile("log-target"))
    assert line_text(anchored, 7) == lines[6]


def test_an_unavailable_step_log_says_why(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    gone = catalogue.tekton.gone
    tab = tabs(base_url)
    page = tab.open(f"/namespaces/shop/taskruns/{name(gone)}?step=push")
    expect(page.locator("#log-note")).to_have_text(
        "The log of this step was not archived: NotFound."
    )
    assert page.locator("#log-view").is_hidden()
    steps = cells(page, "steps")
    assert [(row[0], row[5]) for row in steps] == [
        ("build", "not archived: NotFound"),
        ("push", "not archived: NotFound"),
    ]
    assert tab.status() == "Succeeded TaskRun of buildah in shop."


def test_tekton_pages_at_phone_width(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    run = catalogue.tekton.failed
    for path in (
        f"/namespaces/shop/pipelineruns/{name(run)}",
        f"/namespaces/shop/taskruns/{name(catalogue.tekton.lint)}",
        "/namespaces/shop/taskruns",
    ):
        tab = tabs(base_url, viewport=PHONE)
        tab.open(path)
        tab.status()
        assert tab.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], (
            path
        )
