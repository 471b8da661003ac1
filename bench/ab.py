"""Interleaved A/B of xAPI ingest: this working tree against an earlier commit, on this machine.

`python -m bench.ab REV` (or `make bench-ab REV=…`) checks REV out into a temporary git worktree,
serves it and this tree side by side (each `yanxiu serve` on its own fresh database), and sends
the same kind of batches to both in alternating rounds, swapping which goes first each round.
Each round's rate of this tree over REV's is printed, and their median.

Why: on a shared machine the speed of everything drifts by a third or more within minutes, so
two runs of `make bench` cannot tell a 10 % change from noise. Rounds of a few seconds, taken
alternately, see the same drift. Both sides use this tree's virtualenv; a REV that needs other
packages cannot be compared this way.
Settings: BENCH_AB_DB=postgresql|sqlite (default postgresql), BENCH_AB_BATCH (default 1000),
BENCH_AB_ROUNDS (default 8); BENCH_INGEST_LRS as in bench.ingest_bench (default: one LRS).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from . import datagen
from .ingest_bench import REPO, ToolServer, database, forwarding, post_batches, tool_session

GIT = shutil.which("git") or "git"


def _commit(rev: str) -> str | None:
    """The commit `rev` names, or None (`--end-of-options`: a REV that starts with "-" is no option)."""
    found = subprocess.run(  # noqa: S603 - git with fixed options; rev is data after --end-of-options
        [GIT, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], cwd=REPO,
        capture_output=True, text=True)
    return found.stdout.strip() or None


def _worktree(stack: ExitStack, commit: str) -> Path:
    path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "rev"
    subprocess.run([GIT, "worktree", "add", "--detach", "--quiet", str(path), commit],  # noqa: S603 - a commit id
                   cwd=REPO, check=True)
    stack.callback(subprocess.run, [GIT, "worktree", "remove", "--force", str(path)], cwd=REPO, check=False)
    return path


def run(rev: str, commit: str, kind: str, batch: int, rounds: int) -> list[str]:
    per_round = max(batch, 1000) if batch > 1 else 100  # statements each side gets per round
    with ExitStack() as stack:
        sides = {}
        for name, repo in (("REV", _worktree(stack, commit)), ("tree", REPO)):
            root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            server = ToolServer(stack.enter_context(database(kind, root)), root, repo=repo)
            server.migrate()
            if forwarding():
                server.add_lrs()
            stack.callback(server.stop)
            server.start()
            session = tool_session(server)
            url = server.url + "/xapi/statements"
            post_batches(session, url, datagen.statements(3000, tag="warm", seed=1), 1000)
            sides[name] = (session, url)
        rates: dict[str, list[float]] = {"REV": [], "tree": []}
        for r in range(rounds):
            items = datagen.statements(2 * per_round, tag=f"ab{r}", seed=r)
            order = ("REV", "tree") if r % 2 == 0 else ("tree", "REV")
            for i, name in enumerate(order):
                part = items[i * per_round : (i + 1) * per_round]
                session, url = sides[name]
                rates[name].append(len(part) / post_batches(session, url, part, batch))
    ratios = [t / b for t, b in zip(rates["tree"], rates["REV"], strict=True)]

    def line(label: str, values: list[float]) -> str:
        figures = " ".join(f"{x:,.0f}" for x in values)
        return f"  {label:>20}: {figures}  median {statistics.median(values):,.0f}/s"

    return [
        f"ingest A/B on {kind}, batches of {batch:,}, {rounds} rounds of {per_round:,} statements a side, "
        f"{'one LRS' if forwarding() else 'no LRS'} to forward to",
        line(commit[:7] if commit.startswith(rev) else f"{rev[:10]} ({commit[:7]})", rates["REV"]),
        line("this tree", rates["tree"]),
        "  tree/REV by round: " + " ".join(f"{x:.2f}" for x in ratios) + f"; median {statistics.median(ratios):.2f}×",
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.ab REV   (a commit, branch or tag to compare this tree with)", file=sys.stderr)
        return 2
    kind = os.environ.get("BENCH_AB_DB", "postgresql")
    if kind not in ("postgresql", "sqlite"):
        print(f"BENCH_AB_DB must be postgresql or sqlite, got {kind!r}", file=sys.stderr)
        return 2
    commit = _commit(argv[0])
    if commit is None:
        print(f"not a commit in this repository: {argv[0]!r}", file=sys.stderr)
        return 2
    try:
        batch, rounds = int(os.environ.get("BENCH_AB_BATCH", "1000")), int(os.environ.get("BENCH_AB_ROUNDS", "8"))
    except ValueError as exc:
        print(f"BENCH_AB_BATCH and BENCH_AB_ROUNDS must be whole numbers: {exc}", file=sys.stderr)
        return 2
    try:
        forwarding()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if batch < 1 or rounds < 1:
        print("BENCH_AB_BATCH and BENCH_AB_ROUNDS must be at least 1", file=sys.stderr)
        return 2
    print("\n".join(run(argv[0], commit, kind, batch, rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
