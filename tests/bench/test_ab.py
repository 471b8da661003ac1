"""`python -m bench.ab REV`: the interleaved A/B of ingest against an earlier commit."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest

from bench import ab
from bench.ingest_bench import REPO


def _worktrees() -> list[str]:
    listed = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=REPO, capture_output=True, text=True)
    return [line for line in listed.stdout.splitlines() if line.startswith("worktree ")]


@pytest.mark.parametrize(("argv", "env", "message"), [
    ([], {}, "usage: python -m bench.ab REV"),
    (["no-such-commit-anywhere"], {}, "not a commit in this repository: 'no-such-commit-anywhere'"),
    (["--help"], {}, "not a commit in this repository: '--help'"),
    (["HEAD"], {"BENCH_AB_DB": "mysql"}, "BENCH_AB_DB must be postgresql or sqlite, got 'mysql'"),
    (["HEAD"], {"BENCH_AB_BATCH": "many"}, "BENCH_AB_BATCH and BENCH_AB_ROUNDS must be whole numbers"),
    (["HEAD"], {"BENCH_AB_ROUNDS": "0"}, "must be at least 1"),
    (["HEAD"], {"BENCH_INGEST_LRS": "yes"}, "BENCH_INGEST_LRS must be 0 or 1, got 'yes'"),
])
def test_bad_arguments_are_named(argv: list[str], env: dict[str, str], message: str, monkeypatch: Any,
                                 capsys: Any) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert ab.main(argv) == 2
    assert message in capsys.readouterr().err


def test_compares_this_tree_with_a_commit_and_cleans_up(monkeypatch: Any, capsys: Any) -> None:
    before = _worktrees()
    monkeypatch.setenv("BENCH_AB_DB", "sqlite")
    monkeypatch.setenv("BENCH_AB_BATCH", "100")
    monkeypatch.setenv("BENCH_AB_ROUNDS", "2")
    assert ab.main(["HEAD"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("ingest A/B on sqlite, batches of 100, 2 rounds of 1,000 statements a side, "
                      "one LRS to forward to")
    head = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=REPO, capture_output=True, text=True)
    assert re.fullmatch(rf"\s+HEAD \({head.stdout.strip()}\): [\d,]+ [\d,]+  median [\d,]+/s", out[1])
    assert re.fullmatch(r"\s+this tree: [\d,]+ [\d,]+  median [\d,]+/s", out[2])
    ratios = re.fullmatch(r"  tree/REV by round: (\d+\.\d\d) (\d+\.\d\d); median (\d+\.\d\d)×", out[3])
    assert ratios and all(float(r) > 0 for r in ratios.groups())
    assert _worktrees() == before  # the checkout of REV is gone again
