"""`make bench`: every benchmark, each reported as a ratio to its own reference.

`python -m bench [name ...]` runs the named benchmarks (all by default: xapi grading recompute roster
writeback ingest growth query forward launch pages), prints their table and writes everything
printed, the raw figures, the machine and its load to JSON (BENCH_JSON, default bench/results.json;
entries of benchmarks not run this time are kept from the previous file of the same machine). A
failing benchmark is reported and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from . import (
    forward_bench,
    grading_bench,
    growth_bench,
    ingest_bench,
    launch_bench,
    query_bench,
    recompute_bench,
    roster_bench,
    writeback_bench,
    xapi_bench,
)

# Each entry has run() → printed lines, and optionally FIGURES (a dict filled by run) for the JSON.
BENCHES: dict[str, Any] = {
    "xapi": xapi_bench,
    "grading": grading_bench,
    "recompute": recompute_bench,
    "roster": roster_bench,
    "writeback": writeback_bench,
    "ingest": ingest_bench,
    "growth": growth_bench,
    "query": query_bench,
    "forward": forward_bench,
    "launch": launch_bench,
    "pages": SimpleNamespace(run=launch_bench.run_pages, FIGURES=launch_bench.PAGE_FIGURES),
}


def machine() -> dict[str, Any]:
    """Where the figures came from (the README quotes them with this)."""
    import sqlite3

    info: dict[str, Any] = {"python": platform.python_version(), "os": platform.platform(),
                            "cores": os.cpu_count(), "sqlite": sqlite3.sqlite_version,
                            # Other work on the machine skews every figure; the ratios less so.
                            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                           if line.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0]
        info["memory_gib"] = round(int(meminfo.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    try:
        from tests.fixtures.postgres import _pg_bin

        info["postgresql"] = _pg_bin().parent.name
    except Exception:  # PostgreSQL is optional for the JSON header
        info["postgresql"] = None
    try:
        from importlib.metadata import version

        info["ralph"] = version("ralph-malph")
    except Exception:  # Ralph is optional for the JSON header
        info["ralph"] = None
    return info


def _keep_earlier(path: Path, report: dict[str, Any]) -> None:
    """`make bench BENCH=launch` replaces the launch figures and keeps the others, when they came
    from the same machine (each entry says when it was measured)."""
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    same = all(earlier.get("machine", {}).get(k) == report["machine"].get(k) for k in ("cpu", "cores", "memory_gib"))
    if same and isinstance(earlier.get("benches"), dict):
        report["benches"] = {**earlier["benches"], **report["benches"]}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    chosen = [name for name in BENCHES if name in set(argv)] or list(BENCHES)
    report: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                              "benches": {}}
    m = report["machine"]
    print(f"machine: {m.get('cpu', '?')}, {m['cores']} cores, {m.get('memory_gib', '?')} GiB, Python {m['python']}, "
          f"SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}, Ralph {m['ralph']}; load average "
          f"{m['load_average_at_start'][0]:.1f}", flush=True)
    total = time.perf_counter()
    failed = False
    for name in chosen:
        module = BENCHES[name]
        entry: dict[str, Any] = {"measured": datetime.now(UTC).isoformat(timespec="seconds"), "lines": []}
        start = time.perf_counter()
        try:
            for line in module.run():
                print(line, flush=True)
                entry["lines"].append(line)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed = True
            entry["error"] = f"{type(exc).__name__}: {exc}"
            print(f"{name}: FAILED {entry['error']}", flush=True)
            traceback.print_exc()
        entry["seconds"] = round(time.perf_counter() - start, 1)
        figures = getattr(module, "FIGURES", None)
        if figures:
            entry["figures"] = figures
        report["benches"][name] = entry
    report["seconds"] = round(time.perf_counter() - total, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    parts = ", ".join(f"{name} {entry['seconds']:.0f} s" for name, entry in report["benches"].items())
    print(f"load average at the end {report['load_average_at_end'][0]:.1f}; total {report['seconds']:.0f} s "
          f"({parts})", flush=True)
    out = Path(os.environ.get("BENCH_JSON") or Path(__file__).with_name("results.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    _keep_earlier(out, report)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    tmp.replace(out)
    print(f"written: {out}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
