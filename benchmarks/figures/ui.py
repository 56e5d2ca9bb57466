"""The Performance row of the web UI's figures, recorded by its browser test."""

from __future__ import annotations

from benchmarks.figures.row import JSON, Row


def ui_rows(data: JSON) -> list[Row]:
    big = data["properties"]["test_a_100_mb_log_shows_its_tail_and_hands_over_to_the_raw_link"]
    tail_ms, heap = float(big["tail_visible_ms"]), float(big["js_heap_mib"])
    return [
        Row(
            "web UI (Chromium), 100 MiB log: tail visible / JS heap / DOM elements",
            f"{tail_ms / 1000:.1f} s / {heap} MiB / {big['dom_elements']}",
            "< 2 s / < 100 MB",
            tail_ms < 2000 and heap < 100,
        )
    ]
