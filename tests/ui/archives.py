"""Archives for the UI tests, written by the real Archiver (real gzip objects, real
metadata documents) from builds the simulated cluster runs.

A build's log is the simulator's unless the test scripts it: the ANSI, ``<script>`` and
line-number checks need lines of their own, and :class:`ScriptedLogs` hands those to the
Archiver exactly where the cluster's log stream would come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from osiris.adapters.store import ObjectStore
from osiris.archive.service import Archiver, StreamSettings
from osiris.core.builtin_rules import builtin_rules
from osiris.core.keys import KeyLayout
from osiris.core.rules import RuleSet
from osiris.simulator.cluster import SimulatedCluster
from tests.lookup.archive_data import BASE_TIME, StoredBuild, store_build
from tests.maintenance.archived import Archived, BuildFactory
from tests.support.events import build_event
from tests.support.inprocess import InProcessBuilds, InProcessLog

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PART_SIZE = 5 * 1024 * 1024
ESC = "\x1b"
XSS_LINE = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'
SCRIPTED_LINES = 3000
OTHER_CLUSTER = "lab"  # more than the page's 1,000-line tail


class ScriptedLogs(InProcessBuilds):
    """The cluster's builds; the logs named in ``scripted`` come from the test instead."""

    def __init__(self, cluster: SimulatedCluster) -> None:
        super().__init__(cluster)
        self.scripted: dict[str, bytes] = {}

    def open_build_log(self, namespace: str, name: str) -> InProcessLog:
        text = self.scripted.get(name)
        if text is None:
            return super().open_build_log(namespace, name)
        chunks = (text[at : at + 65536] for at in range(0, len(text), 65536))
        log = InProcessLog(chunks, None)
        self.opened.append(log)
        return log


class UiBuilds(BuildFactory):
    """:class:`BuildFactory` whose Archiver reads :class:`ScriptedLogs`."""

    def __init__(self, store: ObjectStore, layout: KeyLayout) -> None:
        super().__init__(store, layout, START)
        self.logs = ScriptedLogs(self.cluster)
        self.archiver = Archiver(
            store, self.logs, layout, StreamSettings(PART_SIZE), rules=RuleSet(builtin_rules())
        )

    def scripted(self, buildconfig: str, phase: str, text: bytes, duration: int) -> Archived:
        number = self.cluster.get_buildconfig("shop", buildconfig)["status"]["lastVersion"] + 1
        self.logs.scripted[f"{buildconfig}-{number}"] = text
        return self.build(buildconfig, phase, duration=duration)


def coloured_log() -> bytes:
    """3,000 numbered lines; near the end ANSI colours and a line of markup."""
    lines = [f"step {n}: compiling module-{n}" for n in range(1, SCRIPTED_LINES + 1)]
    lines[2499] = f"{ESC}[1;31mERROR{ESC}[0m test_checkout failed {ESC}[2K"
    lines[2500] = (
        f"{ESC}[32mPASSED{ESC}[0m test_cart {ESC}[38;5;208morange{ESC}[39m {ESC}[38;2;10;20;30mdeep{ESC}[0m"
    )
    lines[2501] = XSS_LINE
    lines[2502] = f"{ESC}[33;44mwarning on blue{ESC}[0m and plain"
    lines[2990] = f"{ESC}[32mPASSED{ESC}[0m test_pay"
    lines[2998] = "\x1b]0;window title\x07Push successful"
    return ("\n".join(lines) + "\n").encode()


# A step's log of its own: markup, entities, a tab, trailing blanks and non-ASCII text,
# which the page must show exactly as these bytes say (and never as markup).
STEP_LINES = [
    "lint: checking 3 files",
    XSS_LINE,
    "&lt;not an entity&gt; &amp; a\ttab and trailing blanks   ",
    "naïve café → ✓ Ωμέγα",
    "lint: done",
]
STEP_LOG = ("\n".join(STEP_LINES) + "\n").encode()
PIPELINE = "shop-ci"
TASK = "lint"

JSON = dict[str, Any]


@dataclass(frozen=True)
class Tekton:
    """The Tekton runs of namespace shop (the simulator's objects as archived)."""

    passed: JSON  # a PipelineRun of shop-ci that succeeded (clone, build, test, push)
    failed: JSON  # one whose test failed: push was skipped
    lint: JSON  # a standalone TaskRun of Task lint (steps prepare, check): check failed
    gone: JSON  # a TaskRun whose pod was gone: no step log archived

    def taskruns(self, pipelinerun: JSON) -> list[JSON]:
        return [dict(child) for child in pipelinerun["status"]["childReferences"]]


def archive_tekton(factory: UiBuilds) -> Tekton:
    """Runs and archives shop's PipelineRuns and TaskRuns, TaskRuns before their PipelineRun."""
    runs = factory.cluster.tekton

    def archive(obj: JSON) -> JSON:
        outcome = factory.archiver.handle(build_event(obj))
        assert outcome.decision.name in ("ARCHIVED", "LOG_UNAVAILABLE"), outcome
        factory.clock.advance(30)
        return obj

    def pipeline(**options: Any) -> JSON:
        run = runs.run_pipeline("shop", PIPELINE, **options)
        for child in run["status"]["childReferences"]:
            archive(runs.get_taskrun("shop", child["name"]))
        return archive(run)

    passed = pipeline(seed=1, step_log_size=3000)
    # The failed one's log is longer than the page's tail (its test step is).
    sizes = {"clone": 3000, "build": 3000, "push": 3000, "test": 100_000}
    failed = pipeline(outcome="Failed", failing_task="test", seed=2, step_log_size=sizes)
    lint = runs.run_task(
        "shop",
        TASK,
        steps=("prepare", "check"),
        outcome="Failed",
        seed=3,
        step_log_size={"check": 200_000},  # more lines than the page's tail
    )
    runs.replace_step_log("shop", lint["metadata"]["name"], "prepare", lambda: [STEP_LOG])
    archive(lint)
    gone = runs.run_task("shop", "buildah", steps=("build", "push"), seed=4)
    runs.delete_pod("shop", gone["metadata"]["name"])
    archive(gone)
    return Tekton(passed, failed, lint, gone)


@dataclass(frozen=True)
class Catalogue:
    """What :func:`archive_catalogue` wrote, for the tests to look for."""

    api: list[Archived]  # oldest first
    web: list[Archived]
    coloured: Archived  # the newest api build, with coloured_log()
    unavailable: Archived  # an Error build: its log could not be archived
    tekton: Tekton


def archive_catalogue(store: ObjectStore, layout: KeyLayout) -> Catalogue:
    """Namespace shop (BuildConfigs api and web, every phase; Pipeline shop-ci, Tasks lint
    and buildah), plus two namespaces
    written by the key layout's helper (``web-team``, ``secret``) for lists and auth, and
    one namespace of another cluster in the same bucket."""
    factory = UiBuilds(store, layout)
    plan = [
        ("api", "Complete", 40),
        ("web", "Complete", 30),
        ("api", "Failed", 95),
        ("api", "Complete", 45),
        ("web", "Failed", 20),
        ("api", "Error", 10),
        ("api", "Complete", 50),
        ("api", "Cancelled", 15),
        ("web", "Complete", 35),
        ("api", "Complete", 60),
    ]
    api: list[Archived] = []
    web: list[Archived] = []
    for buildconfig, phase, seconds in plan:
        # Creation times follow the plan (a build is created its duration before it ends).
        factory.clock.advance(seconds + 10)
        built = factory.build(buildconfig, phase, log_size=20_000, duration=seconds)
        (api if buildconfig == "api" else web).append(built)
    factory.clock.advance(80)
    coloured = factory.scripted("api", "Complete", coloured_log(), duration=70)
    api.append(coloured)
    tekton = archive_tekton(factory)
    for namespace in ("web-team", "secret"):
        store_build(
            store,
            layout,
            StoredBuild(namespace, "app-1", BASE_TIME, buildconfig="app", number=1, log=b"hi\n"),
        )
    # Another cluster's archive in the same bucket: the UI offers a cluster switch.
    other = KeyLayout(layout.prefix, OTHER_CLUSTER)
    store_build(
        store,
        other,
        StoredBuild("lab-apps", "tool-1", BASE_TIME, buildconfig="tool", number=1, log=b"lab\n"),
    )
    unavailable = next(build for build in api if build.log is None)
    return Catalogue(api, web, coloured, unavailable, tekton)
