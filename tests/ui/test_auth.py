"""The token prompt (AUTH=openshift) against the simulated API server: TokenReview and
SubjectAccessReview over real HTTPS; valid, refused and forbidden; the token stays in
sessionStorage (no cookie, never in a URL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from osiris.adapters.localdisk import LocalStore
from osiris.core.keys import KeyLayout
from osiris.lookup.app import create_app
from osiris.lookup.auth import CachedAccessReviewer
from osiris.lookup.kubeaccess import KubeAccessReviewer
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.openshift_auth import TOKENS, connector, policy
from tests.ui.archives import Catalogue
from tests.ui.conftest import Tab, TabFactory, serve
from tests.ui.pages import REFUSED, sign_in


@pytest.fixture(scope="module")
def apiserver() -> Iterator[SimulatedApiServer]:
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=policy(), tls=True) as api:
        yield api


@pytest.fixture(scope="module")
def secured_url(
    apiserver: SimulatedApiServer,
    archived: tuple[LocalStore, Catalogue],
    layout: KeyLayout,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    store = archived[0]
    reviewer = CachedAccessReviewer(
        KubeAccessReviewer(connector(apiserver, Path(tmp_path_factory.mktemp("kube")))), 10.0
    )
    with serve(create_app(lambda: store, layout, reviewer)) as base:
        yield base


def assert_token_kept_private(tab: Tab, token: str) -> None:
    assert all(token not in url for url in tab.requests)
    assert tab.page.context.cookies() == []
    assert tab.page.evaluate("() => sessionStorage.getItem('osiris.token')") == token
    assert tab.page.evaluate("() => localStorage.length") == 0


def test_token_prompt_refused_then_valid_then_forbidden(
    tabs: TabFactory, secured_url: str, catalogue: Catalogue
) -> None:
    tab = tabs(secured_url, answered=REFUSED)
    page = tab.open("/")
    expect(page.locator("#token-form")).to_be_visible()
    assert "oc whoami -t" in page.locator("#token-form").inner_text()
    assert page.locator("#token-refused").count() == 0
    sign_in(page, "not-a-token")
    expect(page.locator("#token-refused")).to_have_text(re.compile("The token was refused"))
    expect(page.get_by_label("Token", exact=True)).to_be_focused()
    tab.screenshot("token-prompt-refused")
    assert page.evaluate("() => sessionStorage.getItem('osiris.token')") is None
    sign_in(page, "alice-token")
    expect(page.locator("#namespaces a")).to_have_text(["shop"])  # only what she may read
    assert page.locator("#auth").is_hidden()
    page.get_by_role("link", name="shop", exact=True).click()
    assert tab.status().startswith("11 builds")
    page.get_by_role("link", name=catalogue.coloured.ref.name, exact=True).click()
    expect(page.locator("#L3000")).to_be_visible()
    # Links cannot carry the header: the page says how to fetch the raw log with a token.
    expect(page.locator(".log-section .hint")).to_contain_text(
        "Authorization: Bearer $(oc whoami -t)"
    )
    page.goto(secured_url + "/namespaces/secret")
    expect(page.locator("#status")).to_have_text("You may not read builds in secret.")
    expect(page.locator("#status")).to_have_attribute("role", "alert")
    page.goto(secured_url + "/namespaces/secret/builds/app-1")
    expect(page.locator("#status")).to_have_text("You may not read builds in secret.")
    assert page.locator("#token-form").count() == 0
    assert_token_kept_private(tab, "alice-token")


def test_forgetting_the_token_brings_the_prompt_back(tabs: TabFactory, secured_url: str) -> None:
    tab = tabs(secured_url, answered=REFUSED)
    page = tab.open("/")
    sign_in(page, "bob-token")
    expect(page.locator("#status")).to_have_text("No archived runs you may read in cluster ui.")
    page.get_by_role("button", name="Forget token").click()
    expect(page.locator("#token-form")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
