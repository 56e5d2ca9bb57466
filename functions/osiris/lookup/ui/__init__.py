"""The web UI: server-rendered page shells, filled in the browser from ``/api/v1``.

Each page is a Jinja shell (layout, navigation, heading, what to fetch) with its own
URL; ``static/osiris.js`` fetches the API's JSON with the token the user typed (kept in
``sessionStorage``) and renders it with DOM calls and ``textContent`` only. The server
thus needs no session, no cookie and no auth of its own: a 401 or 403 from the API is
shown by the page. Every answer of the UI carries a strict Content-Security-Policy: no
inline script or style anywhere, nothing fetched from another origin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, render_template, request

from osiris.core.builtin_rules import BUILTIN_RULE_IDS
from osiris.core.keys import TERMINAL_PHASES as BUILD_PHASES
from osiris.kinds.tekton import PHASES as TEKTON_PHASES


@dataclass(frozen=True)
class RunList:
    """One of a namespace's lists: a kind's runs (``static/lists.js`` fills it)."""

    kind: str
    path: str  # after /namespaces/<namespace>
    title: str
    group: str  # the kind the runs are grouped by, a filter
    filter: str  # that filter's query parameter
    phases: tuple[str, ...]


RUN_LISTS = (
    RunList("Build", "", "Builds", "BuildConfig", "buildconfig", BUILD_PHASES),
    RunList("PipelineRun", "/pipelineruns", "PipelineRuns", "Pipeline", "pipeline", TEKTON_PHASES),
    RunList("TaskRun", "/taskruns", "TaskRuns", "Task", "task", TEKTON_PHASES),
)

# The page shells name the API paths and the build they are about; the values are checked
# by the API itself when the page fetches them (and are escaped here by Jinja).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
STATIC_PATH = "/ui/static"
RUN_PAGES = (
    ("/namespaces/<namespace>/builds/<name>", "build.html"),
    ("/namespaces/<namespace>/taskruns/<name>", "taskrun.html"),
    ("/namespaces/<namespace>/pipelineruns/<name>", "pipelinerun.html"),
    ("/namespaces/<namespace>/buildconfigs/<group>/latest", "latest.html"),
    ("/namespaces/<namespace>/tasks/<group>/latest", "task_latest.html"),
    ("/namespaces/<namespace>/pipelines/<group>/latest", "pipeline_latest.html"),
)


def register(app: Flask) -> None:
    """Adds the UI's pages and assets to the lookup app (outside ``/api``)."""
    ui = Blueprint(
        "ui",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path=STATIC_PATH,
    )

    def page(template: str, **context: object) -> str:
        return render_template(template, cluster=request.args.get("cluster", ""), **context)

    @ui.get("/")
    def namespaces() -> str:
        return page("namespaces.html")

    def run_list(chosen: RunList) -> None:
        def view(namespace: str) -> str:
            return page(
                "runs.html",
                namespace=namespace,
                list=chosen,
                lists=RUN_LISTS,
                rules=BUILTIN_RULE_IDS,
            )

        ui.add_url_rule(f"/namespaces/<namespace>{chosen.path}", f"runs-{chosen.kind}", view)

    for chosen in RUN_LISTS:
        run_list(chosen)

    @ui.get("/namespaces/<namespace>/search")
    def search(namespace: str) -> str:
        return page("search.html", namespace=namespace)

    def shell(template: str) -> Callable[..., str]:
        def view(**path: str) -> str:
            return page(template, **path)

        return view

    # One page per run and per group's latest run; its path's values go to its shell.
    for path, template in RUN_PAGES:
        ui.add_url_rule(path, template.removesuffix(".html"), shell(template))

    @ui.get("/builds")
    def by_commit() -> str:
        return page("commit.html", commit=request.args.get("commit", ""))

    @ui.after_request
    def protect(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-cache")
        return response

    app.register_blueprint(ui)
