"""Search across a namespace's archived logs: order, line numbers, filters, paging that
resumes inside a log, byte and time budgets, count mode, bad patterns and auth."""

from __future__ import annotations

from typing import Any

import pytest

from osiris.adapters.store import ObjectStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from osiris.lookup.search import SEARCH_PIECE, SearchBudget, _Allowance
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.lookup.conftest import ValidatingClient

SEARCH = "/api/v1/namespaces/shop/search"


def log_with(marks: dict[int, bytes], lines: int) -> bytes:
    """``lines`` lines of noise, with the given 1-based lines replaced."""
    return b"".join(
        marks.get(n, b"step %d: compiling module %d" % (n, n)) + b"\n" for n in range(1, lines + 1)
    )


@pytest.fixture
def archive(local_store: ObjectStore, layout: KeyLayout) -> list[StoredBuild]:
    builds = [
        StoredBuild(
            "shop",
            "api-1",
            BASE_TIME,
            "Complete",
            "api",
            1,
            log=log_with({5: b"panic: nil map"}, 50),
        ),
        StoredBuild(
            "shop",
            "api-2",
            BASE_TIME + 60,
            "Failed",
            "api",
            2,
            log=log_with({3: b"PANIC: nil map", 40: b"\x1b[31mpanic: nil map\x1b[0m"}, 60),
        ),
        StoredBuild("shop", "web-1", BASE_TIME + 120, "Failed", "web", 1, log=None),
        StoredBuild("shop", "web-2", BASE_TIME + 180, "Failed", "web", 2, log=log_with({}, 30)),
        StoredBuild(
            "shop",
            "web-3",
            BASE_TIME + 240,
            "Complete",
            "web",
            3,
            log=log_with({1: b"panic: nil map", 2: b"panic: nil map"}, 10),
        ),
    ]
    for build in builds:
        store_build(local_store, layout, build)
    return builds


def hits(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["build"]["name"], item["line"]) for item in body["items"]]


def follow(client: ValidatingClient, url: str) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages, token = 0, None
    while True:
        page = client.get(url + (f"&pageToken={token}" if token else "")).get_json()
        items += page["items"]
        pages += 1
        token = page["nextPageToken"]
        if token is None:
            return items, pages


def test_matching_lines_newest_build_first_with_links(
    client: ValidatingClient, archive: list[StoredBuild]
) -> None:
    response = client.get(f"{SEARCH}?q=panic:")
    assert response.status_code == 200 and response.content_type == "application/json"
    body = response.get_json()
    assert hits(body) == [("web-3", 1), ("web-3", 2), ("api-2", 40), ("api-1", 5)]
    first = body["items"][0]
    assert first["text"] == "panic: nil map"
    web3 = archive[4]
    assert first["links"] == {
        "run": f"/api/v1/namespaces/shop/builds/web-3?uid={web3.uid}",
        "line": f"/namespaces/shop/builds/web-3?uid={web3.uid}#L1",
        "log": f"/api/v1/namespaces/shop/builds/web-3/log?uid={web3.uid}",
    }
    assert first["kind"] == "Build" and first["run"] == first["build"]
    assert first["run"]["name"] == "web-3" and "step" not in first
    assert body["items"][2]["text"] == "panic: nil map"  # escape codes removed
    assert body["nextPageToken"] is None and body["budgetExhausted"] is False
    assert body["searched"]["builds"] == 4  # web-1 has no log


def test_ignore_case_and_filters(client: ValidatingClient, archive: list[StoredBuild]) -> None:
    assert hits(client.get(f"{SEARCH}?q=panic:&ignoreCase=1&buildconfig=api").get_json()) == [
        ("api-2", 3),
        ("api-2", 40),
        ("api-1", 5),
    ]
    assert hits(client.get(f"{SEARCH}?q=panic&phase=Complete").get_json()) == [
        ("web-3", 1),
        ("web-3", 2),
        ("api-1", 5),
    ]
    until = "2024-05-01T10:41:00Z"  # BASE_TIME + 60
    assert hits(client.get(f"{SEARCH}?q=panic&until={until}").get_json()) == [
        ("api-2", 40),
        ("api-1", 5),
    ]


def test_count_mode(client: ValidatingClient, archive: list[StoredBuild]) -> None:
    body = client.get(f"{SEARCH}?q=panic&ignoreCase=true&count=1").get_json()
    assert [(item["build"]["name"], item["matches"]) for item in body["items"]] == [
        ("web-3", 2),
        ("api-2", 2),
        ("api-1", 1),
    ]
    assert body["matches"] == 5


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_pages_resume_inside_a_log(
    client: ValidatingClient, archive: list[StoredBuild], limit: int
) -> None:
    items, pages = follow(client, f"{SEARCH}?q=panic&ignoreCase=1&limit={limit}")
    assert [(i["build"]["name"], i["line"]) for i in items] == [
        ("web-3", 1),
        ("web-3", 2),
        ("api-2", 3),
        ("api-2", 40),
        ("api-1", 5),
    ]
    assert pages >= 5 // limit


def test_a_byte_budget_splits_the_search_and_loses_nothing(
    local_store: ObjectStore, layout: KeyLayout, archive: list[StoredBuild]
) -> None:
    big = log_with({n: b"panic: again %d" % n for n in range(100, 200_000, 997)}, 200_000)
    store_build(
        local_store,
        layout,
        StoredBuild("shop", "big-1", BASE_TIME + 300, "Failed", "big", 1, log=big),
    )
    tiny = SearchBudget(bytes=64 * 1024, seconds=60)  # one decoded piece per request
    client = ValidatingClient(create_app(lambda: local_store, layout, None, search_budget=tiny))
    items, pages = follow(client, f"{SEARCH}?q=panic:&limit=1000")
    expected_big = [("big-1", n) for n in range(100, 200_000, 997)]
    assert [(i["build"]["name"], i["line"]) for i in items] == [
        *expected_big,
        ("web-3", 1),
        ("web-3", 2),
        ("api-2", 40),
        ("api-1", 5),
    ]
    assert pages >= len(big) // SEARCH_PIECE  # the budget really bounded each request
    first = client.get(f"{SEARCH}?q=panic:").get_json()
    assert first["budgetExhausted"] is True and first["nextPageToken"] is not None


def test_a_time_budget_answers_with_a_token(
    local_store: ObjectStore, layout: KeyLayout, archive: list[StoredBuild]
) -> None:
    ticks = iter(range(1_000_000))
    budget = SearchBudget(bytes=1 << 30, seconds=0.5)
    app = create_app(
        lambda: local_store, layout, None, search_budget=budget, search_clock=lambda: next(ticks)
    )  # every reading of the clock is a second later: one chunk per request
    client = ValidatingClient(app)
    items, pages = follow(client, f"{SEARCH}?q=panic:")
    assert [(i["build"]["name"], i["line"]) for i in items] == [
        ("web-3", 1),
        ("web-3", 2),
        ("api-2", 40),
        ("api-1", 5),
    ]
    assert pages > 1


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("q=(unclosed", "q"),
        ("", "q"),
        ("q=" + "a" * 1001, "q"),
        ("q=x&count=maybe", "count"),
        ("q=x&q=y", "q"),
    ],
)
def test_bad_queries_are_400_problems(
    client: ValidatingClient, archive: list[StoredBuild], query: str, parameter: str
) -> None:
    response = client.get(f"{SEARCH}?{query}")
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert parameter in response.get_json()["detail"]


def test_a_token_belongs_to_its_query(client: ValidatingClient, archive: list[StoredBuild]) -> None:
    token = client.get(f"{SEARCH}?q=panic&limit=1").get_json()["nextPageToken"]
    assert client.get(f"{SEARCH}?q=panik&limit=1&pageToken={token}").status_code == 400
    assert client.get(f"/api/v1/namespaces/shop/builds?pageToken={token}").status_code == 400


def test_an_unknown_namespace_is_404(client: ValidatingClient, archive: list[StoredBuild]) -> None:
    response = client.get("/api/v1/namespaces/nope/search?q=x")
    assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_a_catastrophic_pattern_is_searched_in_linear_time(
    local_store: ObjectStore, layout: KeyLayout, client: ValidatingClient
) -> None:
    hostile = (b"a" * 40 + b"b\n") * 5_000
    store_build(
        local_store,
        layout,
        StoredBuild("shop", "evil-1", BASE_TIME, "Failed", "evil", 1, log=hostile),
    )
    body = client.get(f"{SEARCH}?q=^(a%2B)%2B$").get_json()  # ^(a+)+$ stalls backtracking engines
    assert body["items"] == [] and body["nextPageToken"] is None
    assert body["searched"]["bytes"] == len(hostile)


def test_a_refused_reservation_does_not_cut_the_runs_already_promised_their_bytes() -> None:
    allowance = _Allowance(SearchBudget(3 * SEARCH_PIECE, 60.0), lambda: 0.0)
    assert allowance.reserve(2 * SEARCH_PIECE, False)
    assert not allowance.reserve(2 * SEARCH_PIECE, False)  # the page ends before it
    assert allowance.exhausted
    # the run in flight reads all it was promised, then the budget stops it
    assert allowance.spend(SEARCH_PIECE, False) and allowance.spend(SEARCH_PIECE, False)
    assert allowance.spend(SEARCH_PIECE, False)
    assert not allowance.spend(SEARCH_PIECE, False)
    assert allowance.spent == 3 * SEARCH_PIECE
