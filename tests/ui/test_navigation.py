"""The pages in Chromium over the lookup app (AUTH=none) and real archives: the headers,
every page and its deep link, the cluster switch, navigation and history, the builds list
(filters, paging, history bars), find by commit, latest, phone width and the keyboard."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from osiris.lookup.ui import CONTENT_SECURITY_POLICY
from tests.ui.archives import OTHER_CLUSTER, Catalogue
from tests.ui.conftest import PHONE, TabFactory
from tests.ui.pages import api, build_url, line, row_names


def test_security_headers_and_the_api_page_moved(tabs: TabFactory, base_url: str) -> None:
    tab = tabs(base_url)
    response = tab.page.goto(base_url + "/")
    assert response is not None and response.ok
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert tab.status().startswith("3 namespaces")
    # No inline script or style at all: every script and stylesheet comes from a file.
    assert tab.page.locator("script:not([src]), style, [style]").count() == 0
    docs = tab.page.request.get(base_url + "/api/v1/docs")
    assert docs.ok and b"problem-log-unavailable" in docs.body()
    assert tab.page.request.get(base_url + "/openapi.json").json()["openapi"] == "3.1.0"


def test_namespaces_are_links_named_after_them(tabs: TabFactory, base_url: str) -> None:
    tab = tabs(base_url)
    page = tab.open("/")
    tab.status()
    links = page.locator("#namespaces a")
    assert links.all_inner_texts() == ["secret", "shop", "web-team"]
    assert [links.nth(i).get_attribute("href") for i in range(3)] == [
        "/namespaces/secret",
        "/namespaces/shop",
        "/namespaces/web-team",
    ]
    assert page.locator("#token-input").count() == 0  # AUTH=none: no prompt


def test_cluster_switch_keeps_the_cluster_on_every_link(tabs: TabFactory, base_url: str) -> None:
    tab = tabs(base_url)
    page = tab.open("/")
    switch = page.get_by_label("Cluster")
    expect(switch).to_be_visible()  # two clusters share the bucket
    assert switch.locator("option").all_inner_texts() == [f"{OTHER_CLUSTER}", "ui (default)"]
    assert switch.input_value() == "ui"
    switch.select_option(OTHER_CLUSTER)
    page.get_by_role("button", name="Switch").click()
    expect(page).to_have_url(f"{base_url}/?cluster={OTHER_CLUSTER}")
    assert tab.status() == f"1 namespace in cluster {OTHER_CLUSTER}."
    page.get_by_role("link", name="lab-apps").click()
    expect(page).to_have_url(f"{base_url}/namespaces/lab-apps?cluster={OTHER_CLUSTER}")
    tab.status()
    assert page.get_by_role("link", name="Namespaces", exact=True).first.get_attribute("href") == (
        f"/?cluster={OTHER_CLUSTER}"
    )
    page.get_by_role("link", name="tool-1").click()
    expect(line(page, 1)).to_have_text("1lab")
    assert re.search(rf"/builds/tool-1\?uid=[^&]+&cluster={OTHER_CLUSTER}$", page.url)
    api_calls = [url for url in tab.requests if "/api/v1/namespaces/" in url]
    assert api_calls and all(f"cluster={OTHER_CLUSTER}" in url for url in api_calls)


def test_navigation_and_history(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    page = tab.open("/")
    tab.status()
    page.get_by_role("link", name="shop", exact=True).click()
    expect(page).to_have_url(base_url + "/namespaces/shop")
    assert tab.status().startswith("11 builds")
    newest = catalogue.coloured.ref
    page.get_by_role("link", name=newest.name, exact=True).click()
    expect(page).to_have_url(
        re.compile(rf"/namespaces/shop/builds/{newest.name}\?uid={newest.uid}$")
    )
    expect(line(page, 3000)).to_be_visible()
    page.reload()  # the deep link works on its own
    expect(line(page, 3000)).to_be_visible()
    expect(page.locator("h1")).to_have_text(f"Build {newest.name}")
    page.go_back()
    expect(page).to_have_url(base_url + "/namespaces/shop")
    expect(page.locator("#runs tbody tr")).to_have_count(11)
    page.go_back()
    expect(page).to_have_url(base_url + "/")
    expect(page.locator("#namespaces a")).to_have_count(3)
    page.go_forward()
    expect(page.locator("#runs tbody tr")).to_have_count(11)


def test_builds_newest_first_with_every_column(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop")
    tab.status()
    listed = api(base_url, "/api/v1/namespaces/shop/builds")["items"]
    assert row_names(page) == [item["name"] for item in listed]
    created = [item["created"] for item in listed]
    assert created == sorted(created, reverse=True)
    assert row_names(page)[0] == catalogue.coloured.ref.name
    first = page.locator("#runs tbody tr").first
    cells = first.locator("th, td").all_inner_texts()
    started = listed[0]["started"].replace("T", " ").replace("Z", " UTC")
    assert cells == ["api-8", "api", "8", "Complete", started, "1m 10s", "94.6 KiB", "—"]
    # The phase is text, coloured by class; the BuildConfig links to its builds.
    assert first.locator(".phase").get_attribute("class") == "phase phase-complete"
    assert (
        first.get_by_role("link", name="api", exact=True).get_attribute("href")
        == "/namespaces/shop?buildconfig=api"
    )
    error_row = page.locator("#runs tbody tr", has_text=catalogue.unavailable.ref.name)
    assert error_row.locator("td").nth(-2).inner_text() == "not archived"
    assert page.locator("#runs thead th[scope=col]").count() == 8
    assert page.locator("#history").is_hidden()  # only for one BuildConfig


def test_filters_by_buildconfig_and_phase(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop")
    tab.status()
    page.get_by_label("BuildConfig").select_option("web")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"buildconfig=web"))
    tab.status()
    assert sorted(row_names(page)) == sorted(build.ref.name for build in catalogue.web)
    assert set(row_names(page, 1)) == {"web"}
    page.get_by_label("Phase").select_option("Failed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"buildconfig=web&phase=Failed"))
    tab.status()
    failed_web = [b.ref.name for b in catalogue.web if b.phase == "Failed"]
    assert row_names(page) == failed_web
    page.reload()
    tab.status()
    assert row_names(page) == failed_web
    assert page.get_by_label("Phase").input_value() == "Failed"
    assert page.get_by_label("BuildConfig").input_value() == "web"


def test_paging_by_next_page_token(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop?limit=4")
    tab.status()
    seen = row_names(page)
    assert len(seen) == 4
    while page.get_by_role("link", name="Next page").count():
        page.get_by_role("link", name="Next page").click()
        tab.status()
        query = parse_qs(urlsplit(page.url).query)
        assert query["limit"] == ["4"] and query["pageToken"]
        names = row_names(page)
        assert names and not set(names) & set(seen)
        seen += names
    everything = [b.ref.name for b in catalogue.api + catalogue.web]
    assert sorted(seen) == sorted(everything)
    page.get_by_role("link", name="First page").click()
    tab.status()
    assert row_names(page) == seen[:4]


def test_history_bars_come_from_the_listing(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop?buildconfig=api")
    tab.status()
    bars = page.locator("#history-bars .bar")
    expect(bars).to_have_count(len(catalogue.api))
    labels = [bars.nth(i).get_attribute("aria-label") or "" for i in range(bars.count())]
    oldest_first = [b.ref.name for b in catalogue.api]
    assert [label.split(":")[0] for label in labels] == oldest_first
    for label, build in zip(labels, catalogue.api, strict=True):
        assert f": {build.phase}," in label
        fill = page.locator(f"#history-bars .bar[aria-label='{label}'] .bar-fill")
        assert fill.get_attribute("class") == f"bar-fill phase-{build.phase.lower()}"
    longest = page.locator("#history-bars .bar[aria-label^='api-2:'] .bar-fill")
    assert longest.evaluate("node => node.style.height") == "100%"  # 95 s, the longest
    shorter = page.locator("#history-bars .bar[aria-label^='api-1:'] .bar-fill")
    assert shorter.evaluate("node => node.style.height").startswith("42.1")  # 40 s of 95
    api_calls = [url for url in tab.requests if "/api/v1/namespaces/shop/builds" in url]
    assert len(api_calls) == 1, api_calls  # the bars cost no request of their own
    page.get_by_role("link", name="Latest build of api").click()
    expect(page).to_have_url(base_url + "/namespaces/shop/buildconfigs/api/latest")


def test_find_by_commit(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    page = tab.open("/builds")
    tab.status()
    commit = catalogue.coloured.commit
    assert commit is not None
    page.get_by_label(re.compile("Commit id or prefix")).fill(commit[:7])
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(f"{base_url}/builds?commit={commit[:7]}")
    assert tab.status().endswith(f"of commit {commit[:7]}.")
    expected = [
        item["name"] for item in api(base_url, f"/api/v1/runs?commit={commit[:7]}")["items"]
    ]
    assert catalogue.coloured.ref.name in expected
    assert row_names(page, 1) == expected
    assert set(row_names(page, 0)) == {"shop"}
    assert set(row_names(page, 2)) == {"Build"}  # the Kind column
    page.reload()
    tab.status()
    assert row_names(page, 1) == expected
    page.get_by_role("link", name=catalogue.coloured.ref.name, exact=True).click()
    expect(line(page, 3000)).to_be_visible()
    # From a build, its commit links back to the search.
    page.get_by_role("link", name=commit).click()
    expect(page).to_have_url(f"{base_url}/builds?commit={commit}")
    tab.status()
    assert catalogue.coloured.ref.name in row_names(page, 1)


def test_latest_of_a_buildconfig(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url)
    page = tab.open("/namespaces/shop/buildconfigs/web/latest")
    newest_web = catalogue.web[-1].ref
    expect(page.locator("h1")).to_have_text(f"Latest build of web: {newest_web.name}")
    expect(page.locator("#log-note")).to_contain_text("The whole log")
    page.locator("h1").get_by_role("link", name=newest_web.name).click()
    expect(page).to_have_url(re.compile(rf"/builds/{newest_web.name}\?uid={newest_web.uid}$"))


def test_phone_width(tabs: TabFactory, base_url: str, catalogue: Catalogue) -> None:
    tab = tabs(base_url, viewport=PHONE)
    page = tab.open(build_url(catalogue) + "#L2501")
    expect(line(page, 2501)).to_be_visible()
    # Nothing but the log's own scroll box is wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    builds = tabs(base_url, viewport=PHONE)
    builds.open("/namespaces/shop?buildconfig=api")
    builds.status()
    assert builds.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_keyboard_reaches_the_log_through_links(
    tabs: TabFactory, base_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(base_url)
    page = tab.open("/")
    tab.status()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == "shop":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/namespaces/shop")
