"""``kubectl osiris search PATTERN``: matching lines of a namespace's archived logs.

The lookup searches (``/namespaces/{ns}/search``, docs/findings.md) within a budget per
request; the plugin follows ``nextPageToken`` until the search is done or ``--limit`` lines
are printed, so a page without items (its budget spent on logs without a match) is
normal. Lines print as grep prints them with a file name: ``BUILD:LINE:TEXT``; ``-c``
prints ``BUILD:COUNT``; ``-o json`` prints a ``List`` of the API's items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from osiris.plugin.commands import Session


@dataclass(frozen=True)
class SearchRequest:
    pattern: str
    ignore_case: bool = False
    count: bool = False
    buildconfig: str | None = None
    phase: str | None = None
    limit: int | None = None

    def query(self) -> dict[str, str]:
        query = {"q": self.pattern}
        if self.ignore_case:
            query["ignoreCase"] = "1"
        if self.count:
            query["count"] = "1"
        if self.buildconfig:
            query["buildconfig"] = self.buildconfig
        if self.phase:
            query["phase"] = self.phase
        return query


def search_logs(session: Session, request: SearchRequest, *, json_output: bool) -> None:
    path = f"/namespaces/{quote(session.namespace)}/search"
    items = session.lookup.pages(path, request.query(), request.limit)
    if json_output:
        # Collected first: nothing reaches stdout if a later page fails.
        document = {"apiVersion": "v1", "kind": "List", "items": list(items)}
        session.write(json.dumps(document, indent=2) + "\n")
        return
    for item in items:
        build = item["build"]["name"]
        if request.count:
            session.write(f"{build}:{item['matches']}\n")
        else:
            session.write(f"{build}:{item['line']}:{item['text']}\n")
