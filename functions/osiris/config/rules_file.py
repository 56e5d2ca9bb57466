"""The finding rules an archiving process runs: the built-in ones, and the user's on top."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from osiris.errors import ConfigError

if TYPE_CHECKING:
    from osiris.core.rules import RuleSet


def load_rules_file(path: str | None) -> RuleSet:
    """The built-in rules, with the user's file (validated now, at start-up) on top."""
    # Imported here: only archiving processes compile rules; the lookup starts without RE2.
    import yaml

    from osiris.core.builtin_rules import builtin_rules
    from osiris.core.rules import RuleSet, rules_from_document

    if path is None:
        return RuleSet(builtin_rules())
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"OSIRIS_RULES_FILE: cannot read {path}: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"OSIRIS_RULES_FILE: {path} is not valid YAML: {exc}") from None
    try:
        return rules_from_document(document, builtin_rules())
    except ConfigError as exc:
        raise ConfigError(f"OSIRIS_RULES_FILE: {exc.message}") from None
