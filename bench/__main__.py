"""`make bench`: every benchmark, each reported as a ratio to its own reference."""

from __future__ import annotations

import sys

from . import grading_bench, recompute_bench, xapi_bench


def main(argv: list[str]) -> None:
    chosen = set(argv) or {"xapi", "grading", "recompute"}
    for name, module in (("xapi", xapi_bench), ("grading", grading_bench), ("recompute", recompute_bench)):
        if name in chosen:
            for line in module.run():
                print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
