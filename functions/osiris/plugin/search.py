"""``kubectl osiris search PATTERN``: matching lines of a namespace's archived logs.

The lookup searches (``/namespaces/{ns}/search``, docs/findings.md) within a budget per
request; the plugin follows ``nextPageToken`` until the search is done or ``--limit`` lines
are printed, so a page without items (its budget spent on logs without a match) is
normal. Lines print as grep prints them with a file name: a Build's as ``BUILD:LINE:TEXT``,
a TaskRun step's as ``taskrun/NAME/STEP:LINE:TEXT`` (a Build's name has no ``/``, so the
two never read alike); ``-c`` prints ``BUILD:COUNT`` and ``taskrun/NAME/STEP:COUNT``;
``-o json`` prints a ``List`` of the API's items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from osiris.plugin.commands import Session


@dataclass(frozen=True)
class SearchRequest:
    pattern: str
    ignore_case: bool = False
    count: bool = False
    buildconfig: str | None = None
    task: str | None = None
    pipeline: str | None = None
    kind: str | None = None  # "build", "taskrun"
    phase: str | None = None
    limit: int | None = None

    def query(self) -> dict[str, str]:
        query = {"q": self.pattern}
        if self.ignore_case:
            query["ignoreCase"] = "1"
        if self.count:
            query["count"] = "1"
        for name in ("buildconfig", "task", "pipeline", "kind", "phase"):
            value = getattr(self, name)
            if value:
                query[name] = value
        return query


def hit_source(item: dict[str, Any]) -> str:
    """What a line is in: ``BUILD``, or ``taskrun/NAME/STEP``."""
    if item.get("kind", "Build") == "Build":
        return str(item["run"]["name"])
    return f"taskrun/{item['run']['name']}/{item['step']}"


def search_logs(session: Session, request: SearchRequest, *, json_output: bool) -> None:
    path = f"/namespaces/{quote(session.namespace)}/search"
    items = session.lookup.pages(path, request.query(), request.limit)
    if json_output:
        # Collected first: nothing reaches stdout if a later page fails.
        document = {"apiVersion": "v1", "kind": "List", "items": list(items)}
        session.write(json.dumps(document, indent=2) + "\n")
        return
    for item in items:
        source = hit_source(item)
        if request.count:
            session.write(f"{source}:{item['matches']}\n")
        else:
            session.write(f"{source}:{item['line']}:{item['text']}\n")
