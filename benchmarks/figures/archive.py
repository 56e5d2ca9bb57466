"""The Performance rows of the archive benchmarks' results files."""

from __future__ import annotations

import statistics

from benchmarks.figures.row import JSON, MIB, Row, load_note, size_label, times


def _ingest_cases(data: JSON, text: str) -> list[JSON]:
    return sorted((c for c in data["results"] if c["text"] == text), key=lambda c: c["size"])


def _compression(cases: list[JSON], deflate: str) -> float:
    archive = next(a for a in cases[-1]["archives"] if a["deflate"] == deflate)
    return float(cases[-1]["size"] / archive["compressed_bytes"])


def ingest_rows(data: JSON) -> list[Row]:
    rows = []
    deflates = data["options"]["deflates"]
    main, others = deflates[-1], deflates[:-1]
    for text, what in (("tests", "test output"), ("digests", "lines with digests")):
        cases = _ingest_cases(data, text)
        if not cases:
            continue
        ratios = [c["archive_over_raw"][main] for c in cases]
        result = " / ".join(times(r) for r in ratios)
        for other in others:
            result += f" ({other}: " + " / ".join(
                times(c["archive_over_raw"][other]) for c in cases
            )
            result += ")"
        sizes = " / ".join(size_label(c["size"]) for c in cases)
        loads = sorted(c["load_average"] for c in cases)
        rows.append(
            Row(
                f"archive vs raw boto3 `upload_fileobj` of the same bytes, {main}, findings "
                f"{'off' if main.endswith('-norules') else 'on'} "
                f"({sizes}), {what} compressing {_compression(cases, main):.1f}x",
                f"{result}; load {loads[0]}-{loads[-1]}",
                "≥ 1.0x",
                min(ratios) >= 1.0,
            )
        )
    biggest = max(data["results"], key=lambda c: c["size"])["size"]
    peaks = [
        a["worker_peak_rss"] / MIB
        for c in data["results"]
        if c["size"] == biggest
        for a in c["archives"]
    ]
    rows.append(
        Row(
            f"archive function worker peak RSS at {size_label(biggest)}",
            f"{min(peaks):.0f}-{max(peaks):.0f} MiB",
            "< 150 MB",
            max(peaks) * MIB < 150e6,
        )
    )
    return rows


def _round_costs(case: JSON) -> list[float]:
    """What the rules cost in each round, 1 - (seconds off / seconds on) of that round.

    The two functions run in the same round, one after the other, so a round in which
    the machine was slower (its Ceph, its API server, another process) weighs on both
    alike; medians of each side taken apart let a slow round of one meet a fast one of
    the other (the 100 MiB rounds last under a second and move by 20 % between rounds).
    """
    seconds = {a["deflate"]: [run["seconds"] for run in a["runs"]] for a in case["archives"]}
    return [1 - off / on for on, off in zip(seconds["isal"], seconds["isal-norules"], strict=True)]


def rules_rows(data: JSON) -> list[Row]:
    parts, costs = [], []
    for case in sorted(data["results"], key=lambda c: (c["text"], c["size"])):
        ratios = case["archive_over_raw"]
        rounds = _round_costs(case)
        cost = statistics.median(rounds)
        costs.append(cost)
        parts.append(
            f"{case['text']} {size_label(case['size'])}: {times(ratios['isal'])} vs "
            f"{times(ratios['isal-norules'])} raw, rules cost {cost * 100:.1f} % "
            f"(rounds {min(rounds) * 100:.0f} to {max(rounds) * 100:.0f} %)"
        )
    return [
        Row(
            "archive with the built-in finding rules on vs off, same run (cost: the median "
            f"of {len(rounds)} rounds' own on/off times)",
            "; ".join(parts),
            "within 10 %",
            max(costs) <= 0.10,
        )
    ]


def events_rows(data: JSON) -> list[Row]:
    rates = data["ignored_events_per_second"]
    archived = data["archived"]
    rounds = data.get("ignored_round_ratios", [])
    spread = f", rounds {min(rounds):.2f}-{max(rounds):.2f}" if rounds else ""
    return [
        Row(
            "ignored (non-terminal) events/s vs a no-op functions-framework CloudEvent "
            "function, one client, same run",
            f"{times(data['ignored_ratio'])} (median of {len(rates['archive'])} rounds{spread}; "
            f"{min(rates['archive']):.0f}-{max(rates['archive']):.0f} vs "
            f"{min(rates['noop']):.0f}-{max(rates['noop']):.0f}/s){load_note(data)}",
            "≥ 0.9x",
            data["ignored_ratio"] >= 0.9,
        ),
        Row(
            f"{archived['builds']:,} finished builds ({archived['log_bytes'] // 1000} KB logs) "
            "archived back to back, one client",
            f"{archived['builds_per_second']} builds/s, p50 {archived['p50_ms']:.0f} ms, "
            f"p99 {archived['p99_ms']:.0f} ms; {archived['documents_in_bucket']:,} documents "
            "counted in the bucket",
            "every one archived",
            archived["documents_in_bucket"] == archived["builds"],
        ),
    ]


def concurrent_rows(data: JSON) -> list[Row]:
    return [
        Row(
            f"{data['builds']} logs of {size_label(data['log_bytes'])} archived at once by one "
            "function (containerConcurrency 4)",
            f"{data['seconds']} s ({data['mib_per_second']} MiB/s together), worker peak RSS "
            f"{data['worker_peak_rss_mib']} MiB{load_note(data)}",
            f"< {data['template_limit_mib']} MiB (the Template's limit)",
            data["worker_peak_rss_mib"] < data["template_limit_mib"],
        )
    ]


def taskrun_rows(data: JSON) -> list[Row]:
    cases = data["results"]
    shapes = " / ".join(f"{c['steps']} x {size_label(c['step_size'])}" for c in cases)
    ratios = [c["archive_over_raw"] for c in cases]
    peaks = " / ".join(f"{c['worker_peak_rss'] / MIB:.0f}" for c in cases)
    loads = sorted(c["load_average"] for c in cases)
    return [
        Row(
            f"TaskRun ingest, steps x size: {shapes}",
            f"archive/raw {min(ratios):.2f}-{max(ratios):.2f}x; worker peak RSS {peaks} MiB; "
            f"load {loads[0]}-{loads[-1]}",
            "memory flat in the steps' number and size",
            max(c["worker_peak_rss"] for c in cases) < 150e6,
        )
    ]
