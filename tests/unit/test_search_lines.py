"""search_lines: resuming after N lines, stopping on the budget, progress guaranteed."""

from __future__ import annotations

from osiris.core.search import compile_search, search_lines

LOG = b"".join(b"line %d%s\n" % (n, b" boom" if n % 10 == 0 else b"") for n in range(1, 101))
REGEX = compile_search("boom", ignore_case=False)


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def always(_size: int, _forced: bool) -> bool:
    return True


def never(_size: int, forced: bool) -> bool:
    return forced


def test_resume_after_skipped_lines_finds_the_rest_once() -> None:
    result = search_lines(chunks(LOG, 7), REGEX, skip_lines=35, max_hits=None, spend=always)
    assert result.complete and result.matches == 7  # lines 40, 50, ..., 100


def test_max_hits_stops_at_the_last_hit_line() -> None:
    result = search_lines(chunks(LOG, 50), REGEX, max_hits=3, spend=always)
    assert [hit.line for hit in result.hits] == [10, 20, 30]
    assert (result.lines_done, result.complete) == (30, False)
    rest = search_lines(chunks(LOG, 50), REGEX, skip_lines=30, max_hits=100, spend=always)
    assert [hit.line for hit in rest.hits] == [40, 50, 60, 70, 80, 90, 100] and rest.complete


def test_a_refusing_budget_stops_before_reading_and_skipped_chunks_are_free() -> None:
    asked: list[int] = []

    def record(size: int, forced: bool) -> bool:
        asked.append(size)
        return False

    result = search_lines(chunks(LOG, 64), REGEX, skip_lines=50, max_hits=10, spend=record)
    assert result.hits == [] and result.lines_done == 50 and not result.complete
    assert len(asked) == 1  # only the first chunk past line 50 was asked for


def test_must_progress_gets_past_a_line_longer_than_many_chunks() -> None:
    data = b"first\n" + b"x" * 500_000 + b" boom\nafter boom\n"
    result = search_lines(
        chunks(data, 4096), REGEX, skip_lines=1, max_hits=10, spend=never, must_progress=True
    )
    assert result.lines_done >= 2  # the long line was finished despite the empty budget
    assert 2 not in [hit.line for hit in result.hits]  # its match is past the scanned head
