"""The reference of ``archive_events``: a functions-framework CloudEvent function that does
nothing, served by the same server as the archive function."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent


@functions_framework.cloud_event
def noop(event: CloudEvent) -> None:
    del event
