"""The Performance rows of the lookup and search benchmarks' results files."""

from __future__ import annotations

from benchmarks.figures.row import GIB, JSON, Row, load_note, times


def lookup_rows(data: JSON) -> list[Row]:
    return [
        Row(
            f"{case['name']}, {data['builds']:,} builds in the bucket",
            f"{times(case['ratio'])} the raw S3 call(s) ({case['lookup_ms']:.1f} vs "
            f"{case['raw_ms']:.1f} ms), {case['s3_calls']:.0f} S3 call(s)",
            "≤ 1.5x",
            case["ratio"] <= 1.5,
        )
        for case in data["cases"]
    ]


def cold_rows(data: JSON) -> list[Row]:
    cases = {case["first_200"]: case["median_ms"] for case in data["cases"]}
    hello = cases.pop("hello world /")
    api = cases["/api/v1/namespaces/shop/builds"]
    return [
        Row(
            "lookup cold start: process start → first 200 of the API (a hello-world "
            "functions-framework app in brackets)",
            f"{api} ms ({hello} ms); /healthz {cases['/healthz']} ms, UI {cases['/']} ms",
            "≤ 1.5x the hello world",
            api <= 1.5 * hello,
        )
    ]


def _load_result(data: JSON) -> str:
    kinds = ", ".join(
        f"{kind} p50 {v['p50_ms']:.0f} / p99 {v['p99_ms']:.0f} ms"
        for kind, v in data["by_kind"].items()
    )
    return (
        f"{data['errors']} errors in {data['requests']:,} requests, "
        f"{data['requests_per_second']} requests/s; {kinds}{load_note(data)}"
    )


def load_rows(data: JSON) -> list[Row]:
    mix = "list, latest, document, 200 KB log"
    if "tail" in data["by_kind"]:
        how = {
            "indexed": "from its last restart point",
            "legacy": "archived without restart points: the whole log decoded",
        }[data.get("tail_of", "legacy")]
        mix += f"; 1 in 5 the tail of a 100 MB log, {how}"
    return [
        Row(
            f"lookup under {data['clients']} concurrent clients for {data['seconds']:.0f} s, "
            f"functions-framework's server, {data['builds']:,} builds ({mix})",
            _load_result(data),
            "zero errors",
            data["errors"] == 0,
        )
    ]


def search_rows(data: JSON) -> list[Row]:
    return [
        Row(
            f"search {data['decoded_bytes'] / GIB:.1f} GiB (decoded) of archived logs vs "
            "GetObject + inflate of the same objects, same run",
            f"{times(data['ratio'])} median of {len(data['rounds'])} rounds "
            f"({data['search_mib_per_s']:.0f} vs {data['raw_mib_per_s']:.0f} MiB/s)"
            f"{load_note(data)}",
            "≥ 0.8x",
            data["ratio"] >= 0.8,
        )
    ]
