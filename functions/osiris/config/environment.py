"""Typed reads of an environment mapping; every error names the variable that is wrong."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from osiris.config.variables import VARIABLES
from osiris.errors import ConfigError

_DECLARED = frozenset(variable.name for variable in VARIABLES)


class Environment:
    """Typed access to an environment mapping; every error names the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def get(self, name: str, default: str | None = None) -> str | None:
        assert name in _DECLARED, f"{name} must be declared in VARIABLES"
        value = self._env.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def require(self, name: str, hint: str) -> str:
        value = self.get(name)
        if value is None:
            raise ConfigError(f"{name} is not set: {hint}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        return int(self._bounded(name, default, low, high, int, "an integer"))

    def number(self, name: str, default: float, low: float, high: float) -> float:
        return self._bounded(name, default, low, high, float, "a number")

    def _bounded(
        self,
        name: str,
        default: float,
        low: float,
        high: float,
        parse: Callable[[str], float],
        kind: str,
    ) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = parse(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not {kind}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={value} is out of range [{low}, {high}]")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.get(name)
        if raw is None:
            return default
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name}={raw!r} is not a boolean (true/false)")

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        raw = self.get(name, default) or default
        for option in choices:
            if raw.lower() == option.lower():
                return option
        raise ConfigError(f"{name}={raw!r} must be one of {', '.join(choices)}")
