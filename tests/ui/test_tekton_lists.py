"""Tekton runs listed in Chromium: a namespace's PipelineRuns and TaskRuns (tabs, filters,
paging, history, why), the latest TaskRun of a Task, and the runs of a commit of every kind."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.ui.archives import PIPELINE, Catalogue
from tests.ui.conftest import TabFactory
from tests.ui.pages import api, row_names
from tests.ui.tekton_pages import cells, duration_text, facts, name, time_text


def test_pipelineruns_of_a_namespace_by_its_tab(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop")
    tab.status()
    kinds = page.get_by_role("navigation", name="Kinds of runs")
    assert kinds.get_by_role("link").all_inner_texts() == ["Builds", "PipelineRuns", "TaskRuns"]
    assert kinds.get_by_role("link", name="Builds").get_attribute("aria-current") == "page"
    kinds.get_by_role("link", name="PipelineRuns").click()
    expect(page).to_have_url(base_url + "/namespaces/shop/pipelineruns")
    assert tab.status() == "2 PipelineRuns."
    expect(page.locator("h1")).to_have_text("PipelineRuns in shop")
    assert kinds.get_by_role("link", name="PipelineRuns").get_attribute("aria-current") == "page"
    listed = api(base_url, "/api/v1/namespaces/shop/pipelineruns")["items"]
    tekton = catalogue.tekton
    assert row_names(page) == [item["name"] for item in listed]
    assert row_names(page) == [name(tekton.failed), name(tekton.passed)]  # newest first
    headers = page.locator("#runs thead th").all_inner_texts()
    assert headers == ["PipelineRun", "Pipeline", "Phase", "Started", "Duration", "Why"]
    failed = listed[0]
    why = failed["finding"] or "—"
    assert cells(page, "runs")[0] == [
        name(tekton.failed),
        PIPELINE,
        "Failed",
        time_text(failed["started"]),
        duration_text(failed["durationSeconds"]),
        why,
    ]
    first = page.locator("#runs tbody tr").first
    assert first.locator(".phase").get_attribute("class") == "phase phase-failed"
    succeeded = page.locator("#runs tbody tr").nth(1).locator(".phase")
    assert succeeded.get_attribute("class") == "phase phase-succeeded"
    assert first.get_by_role("link", name=PIPELINE, exact=True).get_attribute("href") == (
        f"/namespaces/shop/pipelineruns?pipeline={PIPELINE}"
    )
    assert first.get_by_role("link", name=name(tekton.failed)).get_attribute("href") == (
        f"/namespaces/shop/pipelineruns/{name(tekton.failed)}?uid={tekton.failed['metadata']['uid']}"
    )


def test_pipelineruns_filtered_by_pipeline_and_phase_with_history(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop/pipelineruns")
    tab.status()
    assert page.get_by_label("Pipeline").locator("option").all_inner_texts() == ["all", PIPELINE]
    assert page.get_by_label("Phase").locator("option").all_inner_texts() == [
        "all",
        "Succeeded",
        "Failed",
        "Cancelled",
        "TimedOut",
    ]
    page.get_by_label("Pipeline").select_option(PIPELINE)
    page.get_by_label("Phase").select_option("Succeeded")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"/pipelineruns\?pipeline={PIPELINE}&phase=Succeeded"))
    assert tab.status() == f"1 PipelineRun (Pipeline {PIPELINE}, phase Succeeded)."
    assert row_names(page) == [name(catalogue.tekton.passed)]
    bars = page.locator("#history-bars .bar")
    expect(bars).to_have_count(1)
    assert (bars.first.get_attribute("aria-label") or "").startswith(
        f"{name(catalogue.tekton.passed)}: Succeeded, "
    )
    page.get_by_role("link", name=f"Latest PipelineRun of {PIPELINE}").click()
    expect(page).to_have_url(f"{base_url}/namespaces/shop/pipelines/{PIPELINE}/latest")
    expect(page.locator("h1")).to_have_text(
        f"Latest PipelineRun of {PIPELINE}: {name(catalogue.tekton.failed)}"
    )


def test_taskruns_with_log_size_why_filters_and_paging(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tekton = catalogue.tekton
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop/taskruns")
    listed = api(base_url, "/api/v1/namespaces/shop/taskruns?limit=100")["items"]
    assert tab.status() == f"{len(listed)} TaskRuns."
    assert len(listed) == 9  # 4 + 3 of the pipeline's, lint, buildah
    assert row_names(page) == [item["name"] for item in listed]
    headers = page.locator("#runs thead th").all_inner_texts()
    assert headers == ["TaskRun", "Task", "Phase", "Started", "Duration", "Log", "Why"]
    by_name = {row[0]: row for row in cells(page, "runs")}
    assert by_name[name(tekton.gone)][5] == "not archived"
    assert by_name[name(tekton.lint)][1:3] == ["lint", "Failed"]
    assert by_name[name(tekton.lint)][6] == "test-failure"
    assert by_name[f"{name(tekton.failed)}-test"][6] == "test-failure"
    assert by_name[f"{name(tekton.passed)}-test"][6] == "—"
    assert re.fullmatch(r"[\d.]+ KiB", by_name[name(tekton.lint)][5])
    page.get_by_label("Why").select_option("test-failure")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/taskruns\?.*finding=test-failure$"))
    assert tab.status() == "2 TaskRuns (why test-failure)."
    assert sorted(row_names(page)) == sorted([name(tekton.lint), f"{name(tekton.failed)}-test"])
    page.get_by_label("Task").select_option("test")
    page.get_by_label("Why").select_option("")
    page.get_by_role("button", name="Filter").click()
    tab.status()
    assert row_names(page) == [f"{name(tekton.failed)}-test", f"{name(tekton.passed)}-test"]
    # Paging by nextPageToken, four at a time.
    page = tab.open("/namespaces/shop/taskruns?limit=4")
    tab.status()
    seen = row_names(page)
    while page.get_by_role("link", name="Next page").count():
        page.get_by_role("link", name="Next page").click()
        tab.status()
        assert parse_qs(urlsplit(page.url).query)["limit"] == ["4"]
        names = row_names(page)
        assert names and not set(names) & set(seen)
        seen += names
    assert seen == [item["name"] for item in listed]


def test_latest_taskrun_of_a_task(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    lint = catalogue.tekton.lint
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop/taskruns?task=lint")
    tab.status()
    page.get_by_role("link", name="Latest TaskRun of lint").click()
    expect(page).to_have_url(f"{base_url}/namespaces/shop/tasks/lint/latest")
    expect(page.locator("h1")).to_have_text(f"Latest TaskRun of lint: {name(lint)}")
    expect(page.locator("#log-heading")).to_have_text("Log of step check")
    assert facts(page)["Steps"] == "2"
    page.locator("h1").get_by_role("link", name=name(lint)).click()
    expect(page).to_have_url(re.compile(rf"/taskruns/{name(lint)}\?uid={lint['metadata']['uid']}$"))
    tab.status()


def test_runs_of_a_commit_of_every_kind(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    run = catalogue.tekton.passed
    commit = api(base_url, f"/api/v1/namespaces/shop/pipelineruns/{name(run)}")["git"]["commit"]
    tab = tabs(base_url)
    page = tab.open(f"/builds?commit={commit[:10]}")
    assert tab.status() == f"2 runs of commit {commit[:10]}."
    headers = page.locator("#runs thead th").all_inner_texts()
    assert headers == [
        "Namespace",
        "Run",
        "Kind",
        "BuildConfig / Task / Pipeline",
        "Phase",
        "Started",
        "Duration",
        "Log",
        "Why",
    ]
    expected = api(base_url, f"/api/v1/runs?commit={commit[:10]}")["items"]
    rows = cells(page, "runs")
    assert [row[1:5] for row in rows] == [
        [item["name"], item["kind"], item.get("pipeline") or item.get("task"), item["phase"]]
        for item in expected
    ]
    assert sorted(row[2] for row in rows) == ["PipelineRun", "TaskRun"]
    clone = next(row for row in rows if row[2] == "TaskRun")
    assert clone[1] == f"{name(run)}-clone" and clone[3] == "clone"
    page.get_by_role("link", name=name(run), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/namespaces/shop/pipelineruns/{name(run)}\?uid="))
    tab.status()
    page.get_by_role("link", name=commit).click()  # the run's commit links back
    expect(page).to_have_url(f"{base_url}/builds?commit={commit}")
    tab.status()
    page.locator("#runs").get_by_role("link", name=f"{name(run)}-clone").click()
    expect(page.locator("h1")).to_have_text(f"TaskRun {name(run)}-clone")
    expect(page.locator("#log-heading")).to_have_text("Log of step clone")
