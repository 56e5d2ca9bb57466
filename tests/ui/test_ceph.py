"""The UI over real Ceph with auth on: the Archiver writes into an RGW bucket, the lookup
app built by its entry point (OSIRIS_AUTH=openshift, KUBECONFIG of the simulated API
server) serves it over HTTP, and Chromium signs in and reads a coloured log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from osiris.adapters.factory import build_store
from osiris.config import load_lookup_config
from osiris.core.keys import KeyLayout
from osiris.entrypoints.lookup import build_app
from osiris.simulator.apiserver import SimulatedApiServer
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.openshift_auth import TOKENS, policy
from tests.support.s3 import S3Bucket
from tests.ui.archives import UiBuilds, coloured_log
from tests.ui.conftest import TabFactory, serve
from tests.ui.pages import REFUSED, sign_in


@pytest.fixture
def ceph_ui(s3_bucket: S3Bucket, tmp_path: Path) -> Iterator[tuple[str, UiBuilds]]:
    with SimulatedApiServer(SimulatedCluster(), tokens=TOKENS, policy=policy(), tls=True) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", token="sa-token")
        environment = {
            **s3_bucket.environ(),
            "OSIRIS_CLUSTER": "ceph-ui",
            "OSIRIS_AUTH": "openshift",
            "KUBECONFIG": str(kubeconfig),
        }
        config = load_lookup_config(environment)
        store = build_store(config.storage)
        factory = UiBuilds(store, KeyLayout(config.storage.prefix, config.cluster))
        factory.build("api", "Failed", duration=30)
        factory.clock.advance(60)  # created after the first
        factory.scripted("api", "Complete", coloured_log(), duration=45)
        with serve(build_app(environment)) as base:
            yield base, factory


@pytest.mark.one_s3_target
def test_ui_over_ceph_with_auth(tabs: TabFactory, ceph_ui: tuple[str, UiBuilds]) -> None:
    base, _ = ceph_ui
    tab = tabs(base, answered=REFUSED)
    page = tab.open("/")
    sign_in(page, "alice-token")
    expect(page.locator("#namespaces a")).to_have_text(["shop"])
    page.get_by_role("link", name="shop", exact=True).click()
    assert tab.status() == "2 builds."
    page.get_by_role("link", name="api", exact=True).first.click()
    expect(page.locator("#history-bars .bar")).to_have_count(2)
    assert (
        page.locator("#history-bars .bar").first.get_attribute("aria-label") == "api-1: Failed, 30s"
    )
    page.get_by_role("link", name="api-2", exact=True).click()
    expect(page.locator("#L3000")).to_be_visible()
    expect(page.locator("#log-note")).to_have_text("The last 1,000 lines, from line 2,001.")
    page.evaluate("() => { location.hash = '#L2501'; }")
    expect(page.locator("#L2501 span.sgr-fg-green")).to_have_text("PASSED")
    page.get_by_role("button", name="Load the whole log (94.6 KiB)").click()
    expect(page.locator("#log-note")).to_have_text("The whole log: 3,000 lines, 94.6 KiB.")
    assert page.evaluate("() => window.__xss") is None
