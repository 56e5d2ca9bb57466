"""RFC 3339 timestamps ↔ epoch seconds, the unit of the key layout's index entries."""

from __future__ import annotations

from datetime import UTC, datetime

from osiris.errors import InvalidNameError


def format_epoch(epoch_seconds: int | None) -> str | None:
    """Epoch seconds → ``2024-05-01T12:00:00Z`` (None stays None)."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str, what: str) -> int:
    """An RFC 3339 date-time with an offset → epoch seconds (fractions are dropped).

    The error message names the parameter but never repeats the value.
    """
    # Spaces around the value are forgiven; a line break or any other control character
    # is not (``since=...Z%0D%0A`` was accepted: str.strip() removes CR and LF too).
    if any(ord(character) < 0x20 or character == "\x7f" for character in value):
        raise InvalidNameError(f"{what} must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
    text = value.strip(" ")
    # RFC 3339 allows a lower-case 't'/'z'; fromisoformat wants the upper-case forms.
    normalised = text.upper()
    if len(normalised) < 20 or normalised[10] != "T":
        raise InvalidNameError(f"{what} must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(normalised)
    except ValueError:
        raise InvalidNameError(
            f"{what} must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidNameError(f"{what} needs a time-zone offset (e.g. Z or +02:00)")
    epoch = int(parsed.timestamp())
    if epoch < 0:
        raise InvalidNameError(f"{what} must not be before 1970")
    return epoch
