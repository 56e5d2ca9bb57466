"""One repairing or deleting maintenance run at a time per cluster root.

``retention run`` deletes a build's index entries before its documents, and ``verify
--repair`` re-creates the index entries of a build whose documents it finds. Run together,
the repair can list a build again just before retention deletes its documents, leaving an
entry that points to nothing. Both therefore hold this lease: a small JSON object
``status/maintenance.json`` written with ``If-None-Match: *``, so of two runs that start
together exactly one gets it.

While its run lives, :func:`held` renews the lease every quarter of ``ttl``, so a run may
take as long as it needs; a run that crashed stops renewing and its lease expires after
``ttl`` (10 minutes), when the next run takes it over. Taking over is a delete and a
conditional write, not one atomic step (S3 has no conditional delete here): two runs
starting in the same moment against a crashed run's expired lease could both proceed, and
so could a run whose holder could not renew for three quarters of ``ttl``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from osiris.adapters.store import ObjectStore
from osiris.core.keys import KeyLayout
from osiris.core.rfc3339 import format_epoch, parse_timestamp
from osiris.errors import NotFoundError, OsirisError, PermanentError, PreconditionFailedError

LEASE_COMPONENT = "maintenance"
DEFAULT_TTL = timedelta(minutes=10)

log = logging.getLogger("osiris.maintenance")


class MaintenanceBusyError(PermanentError):
    """Another maintenance run holds the lease."""


@dataclass(frozen=True)
class Lease:
    key: str
    holder: str
    purpose: str
    expires: int  # epoch seconds

    def document(self) -> bytes:
        body = {
            "holder": self.holder,
            "purpose": self.purpose,
            "expires": format_epoch(self.expires),
        }
        return json.dumps(body, sort_keys=True).encode()


def acquire(
    store: ObjectStore,
    layout: KeyLayout,
    *,
    holder: str,
    purpose: str,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> Lease:
    """Take the lease, or raise MaintenanceBusyError naming who holds it and until when."""
    key = layout.status_key(LEASE_COMPONENT)
    lease = Lease(key, holder, purpose, int((now + ttl).timestamp()))
    for _ in range(3):  # later rounds follow a release or the removal of an expired lease
        try:
            store.put(key, lease.document(), content_type="application/json", if_none_match=True)
            return lease
        except PreconditionFailedError:
            current = _read(store, key)
            if current is None:
                continue  # released between our write and our read
            if current.expires > now.timestamp():
                raise MaintenanceBusyError(
                    f"{current.purpose} ({current.holder}) holds the maintenance lease until "
                    f"{format_epoch(current.expires)}; if that run is gone, delete {key} "
                    "or wait until then"
                ) from None
            store.delete([key])  # expired: the run that held it crashed
    raise MaintenanceBusyError(f"the maintenance lease {key} keeps changing hands")


@contextmanager
def held(
    store: ObjectStore,
    layout: KeyLayout,
    *,
    holder: str,
    purpose: str,
    ttl: timedelta = DEFAULT_TTL,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Lease]:
    """Hold the lease for the ``with`` block, renewing it on a thread, then release it."""
    lease = acquire(store, layout, holder=holder, purpose=purpose, now=clock(), ttl=ttl)
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl.total_seconds() / 4):
            try:
                current = _read(store, lease.key)
                if current is None or current.holder != holder:
                    log.warning("maintenance lease lost", extra={"key": lease.key})
                    return
                renewed = replace(lease, expires=int((clock() + ttl).timestamp()))
                store.put(lease.key, renewed.document(), content_type="application/json")
            except OsirisError as exc:  # the store may come back before the lease expires
                log.warning("maintenance lease not renewed", extra={"reason": exc.message})

    renewal = threading.Thread(target=renew, name="lease-renewal", daemon=True)
    renewal.start()
    try:
        yield lease
    finally:
        stop.set()
        renewal.join()
        release(store, lease)


def release(store: ObjectStore, lease: Lease) -> None:
    """Give the lease back, unless it expired and another run took it meanwhile."""
    current = _read(store, lease.key)
    if current is not None and current.holder == lease.holder:
        store.delete([lease.key])


def _read(store: ObjectStore, key: str) -> Lease | None:
    try:
        document = json.loads(store.get(key))
    except NotFoundError:
        return None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        document = {}  # unreadable: read as expired, so it never blocks maintenance for ever
    try:
        expires = parse_timestamp(str(document.get("expires", "")), "expires")
    except OsirisError:
        expires = 0
    return Lease(key, str(document.get("holder", "?")), str(document.get("purpose", "?")), expires)
