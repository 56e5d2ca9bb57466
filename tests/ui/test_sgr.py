"""The ANSI SGR parser (static/sgr.js) in Chromium, sequence by sequence: what becomes a
styled segment, what is dropped, and that no escape or control byte survives."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import TabFactory

E = "\x1b"


def parse(tabs: TabFactory, base_url: str, lines: list[str]) -> list[Any]:
    tab = tabs(base_url)
    tab.open("/builds")
    tab.status()
    return tab.page.evaluate(  # type: ignore[no-any-return]
        """async lines => {
            const sgr = await import("/ui/static/sgr.js");
            return lines.map(line => [sgr.segments(line), sgr.plainText(line)]);
        }""",
        lines,
    )


def styled(**flags: Any) -> dict[str, Any]:
    base = {"bold": False, "dim": False, "italic": False, "underline": False, "inverse": False}
    return {**base, "fg": None, "bg": None, **flags}


CASES = [
    ("plain text", [{"text": "plain text", "style": None}]),
    (
        f"{E}[31mred{E}[0m back",
        [{"text": "red", "style": styled(fg={"name": "red"})}, {"text": " back", "style": None}],
    ),
    (
        f"{E}[1;4;92mx{E}[22my",
        [
            {"text": "x", "style": styled(bold=True, underline=True, fg={"name": "bright-green"})},
            {"text": "y", "style": styled(underline=True, fg={"name": "bright-green"})},
        ],
    ),
    (
        f"{E}[38;5;196ma{E}[38;5;244mb{E}[38;5;12mc{E}[m",
        [
            {"text": "a", "style": styled(fg={"rgb": "rgb(255, 0, 0)"})},
            {"text": "b", "style": styled(fg={"rgb": "rgb(128, 128, 128)"})},
            {"text": "c", "style": styled(fg={"name": "bright-blue"})},
        ],
    ),
    (f"{E}[48;2;1;2;3mbg{E}[49m", [{"text": "bg", "style": styled(bg={"rgb": "rgb(1, 2, 3)"})}]),
    (f"{E}[7minv{E}[27m", [{"text": "inv", "style": styled(inverse=True)}]),
    # Not SGR: cursor moves, erase, OSC titles, lone ESC, C0 controls: all dropped.
    (
        f"a{E}[2Kb{E}[1;1Hc{E}]0;title{chr(7)}d{E}e\x00\x08f\tg",
        [{"text": "abcdef\tg", "style": None}],
    ),
    (f"{E}[", [{"text": "[", "style": None}]),
    (f"{E}[999;38;5mz", [{"text": "z", "style": None}]),  # unknown and truncated: ignored
]


def test_segments(tabs: TabFactory, base_url: str) -> None:
    parsed = parse(tabs, base_url, [line for line, _ in CASES])
    for (line, expected), (segments, plain) in zip(CASES, parsed, strict=True):
        assert segments == expected, repr(line)
        assert plain == "".join(segment["text"] for segment in expected)
        assert not any((ord(ch) < 32 and ch != "\t") or ch == E for ch in plain)
