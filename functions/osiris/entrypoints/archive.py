"""The archive function's entry point: a CloudEvent in, a status code out.

Status codes follow Knative's delivery rules: 2xx when the event is handled or not ours;
400 for an event that can never be handled (not retried); 503 for a transient failure
(retried by the ApiServerSource and by Brokers). Each event leaves one JSON log line; an
ignored one (a run still running: the ApiServerSource sends several per run) only at DEBUG,
so the log holds what changed the archive or failed to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import BadRequest, ServiceUnavailable

from osiris import allocator, logs
from osiris.adapters.factory import build_store
from osiris.adapters.kube import KubeApi
from osiris.adapters.runs import ClusterRuns
from osiris.archive.service import Archiver, Decision, StreamSettings
from osiris.config import ArchiveConfig, load_archive_config
from osiris.core.events import IgnoredEvent, parse_event
from osiris.core.keys import KeyLayout
from osiris.errors import ConfigError, OsirisError, StorageUnavailableError

log = logging.getLogger("osiris.archive")
_LOG_LEVELS = {
    "retry": logging.WARNING,
    "rejected": logging.WARNING,
    Decision.IGNORED.value: logging.DEBUG,
}


class ArchiveFunction:
    def __init__(self, archiver: Archiver) -> None:
        self._archiver = archiver

    @classmethod
    def from_config(cls, config: ArchiveConfig) -> ArchiveFunction:
        logs.configure(config.log_level)
        allocator.pin_mmap_threshold()
        settings = StreamSettings(
            part_size=config.part_size,
            gzip_level=config.gzip_level,
            compress_workers=config.compress_workers,
            upload_concurrency=config.upload_concurrency,
        )
        store = build_store(config.storage)
        try:
            # Refuse to start on a bucket it cannot use: a pod that is not ready says why
            # in its log, and the broker keeps the events until it is fixed.
            store.check()
        except StorageUnavailableError as exc:
            raise ConfigError(f"the archive cannot use its bucket: {exc.message}") from None
        archiver = Archiver(
            store=store,
            runs=ClusterRuns(KubeApi.from_environment(config.log_read_timeout, config.kubeconfig)),
            layout=KeyLayout(config.storage.prefix, config.cluster),
            settings=settings,
            rules=config.rules,
        )
        log.info(
            "archive function ready",
            extra={
                "storage": config.storage.describe(),
                "cluster": config.cluster,
                "deflate": settings.deflate.name,
            },
        )
        return cls(archiver)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ArchiveFunction:
        return cls.from_config(load_archive_config(environ))

    def __call__(self, attributes: Mapping[str, Any], data: Any) -> None:
        started = time.monotonic()
        record: dict[str, Any] = {
            "event_id": str(attributes.get("id", ""))[:100],
            "event_type": str(attributes.get("type", ""))[:100],
        }
        try:
            event = parse_event(attributes, data)
            if isinstance(event, IgnoredEvent):
                record.update(decision="ignored", reason=event.why)
                return
            record["run"] = f"{event.kind.keys.resource}/{event.namespace}/{event.name}"
            outcome = self._archiver.handle(event)
            record.update(
                decision=outcome.decision.value,
                reason=outcome.reason,
                bytes_in=outcome.bytes_in,
                bytes_out=outcome.bytes_out,
            )
        except OsirisError as exc:
            record.update(decision="retry" if exc.retryable else "rejected", reason=exc.message)
            raise (ServiceUnavailable if exc.retryable else BadRequest)(exc.message) from None
        finally:
            record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            level = _LOG_LEVELS.get(record.get("decision", ""), logging.INFO)
            if log.isEnabledFor(level):  # an ignored event at INFO builds no record at all
                log.log(level, "event handled", extra=record)
