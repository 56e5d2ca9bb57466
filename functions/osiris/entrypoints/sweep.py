"""The sweep function's entry point: a PingSource CloudEvent in, one sweep run, a status out.

2xx when the run finished, even if some builds failed (they are counted and retried by
the next run); 503 when the cluster or the bucket could not be listed, so the trigger may
try again; 400 for an event that is not a ping. Each run leaves one JSON summary line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from werkzeug.exceptions import BadRequest, ServiceUnavailable

from osiris import allocator, logs
from osiris.compression import DEFAULT
from osiris.config import SweepConfig, load_sweep_config
from osiris.contract import PING_EVENT_TYPE
from osiris.errors import OsirisError
from osiris.sweep.run import Scope, Sweeper
from osiris.sweep.wiring import build_sweeper

log = logging.getLogger("osiris.sweep")


class SweepFunction:
    def __init__(self, sweeper: Sweeper, config: SweepConfig) -> None:
        self._sweeper = sweeper
        self._config = config

    @classmethod
    def from_config(cls, config: SweepConfig) -> SweepFunction:
        logs.configure(config.archive.log_level)
        allocator.pin_mmap_threshold()
        sweeper = build_sweeper(config)
        log.info(
            "sweep function ready",
            extra={
                "storage": config.archive.storage.describe(),
                "cluster": config.archive.cluster,
                "selector": config.namespace_selector,
                "max_builds": config.max_builds,
                "deflate": DEFAULT.name,
            },
        )
        return cls(sweeper, config)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SweepFunction:
        return cls.from_config(load_sweep_config(environ))

    def __call__(self, attributes: Mapping[str, Any], data: Any) -> dict[str, Any]:
        started = time.monotonic()
        event_id = str(attributes.get("id", ""))[:100]
        event_type = str(attributes.get("type", ""))[:100]
        record: dict[str, Any] = {"event_id": event_id, "event_type": event_type}
        try:
            if event_type != PING_EVENT_TYPE:
                record.update(decision="rejected", reason=f"not a {PING_EVENT_TYPE} event")
                raise BadRequest(f"the sweep runs on {PING_EVENT_TYPE} events")
            budget = self._config.time_budget
            # Listing gets at most half the budget, so archiving what it found has time too.
            plan = self._sweeper.plan(
                Scope(selector=self._config.namespace_selector),
                self._config.max_builds,
                resume_after=self._sweeper.resume_point(),
                time_budget=budget / 2,
            )
            summary = self._sweeper.run(
                plan,
                event_id=event_id,
                event_type=event_type,
                time_budget=max(0.0, budget - (time.monotonic() - started)),
            )
            record.update(summary.record())
            self._sweeper.publish(summary, datetime.now(UTC))
            if summary.retry:
                record["decision"] = "retry"
                raise ServiceUnavailable("some namespaces could not be listed")
            record["decision"] = "swept"
            return summary.record()
        except OsirisError as exc:
            record.update(decision="retry" if exc.retryable else "rejected", reason=exc.message)
            raise (ServiceUnavailable if exc.retryable else BadRequest)(exc.message) from None
        finally:
            record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            level = logging.INFO if record.get("decision") == "swept" else logging.WARNING
            log.log(level, "sweep finished", extra=record)
