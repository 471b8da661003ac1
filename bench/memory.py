"""The memory a server's worker processes hold, from /proc (Linux): what a deployment must size
its machine for. Counted as RssAnon, the process's own memory: VmRSS also counts the pages of
SQLite's database file that its connections map (PRAGMA mmap_size), which are the kernel's file
cache, shared and given up under pressure."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers under its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_status(int(entry.name)).get("PPid", "0")) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue  # it ended meanwhile
    return sorted(found)


def _anon_mib(pid: int) -> float:
    try:
        return int(_status(pid)["RssAnon"].split()[0]) / 1024  # "123456 kB"
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def workers_mib(master: int) -> dict[str, float]:
    """The largest of `master`'s worker processes' own memory now, in MiB, and how many there are."""
    sizes = [_anon_mib(pid) for pid in children(master)]
    return {"workers": len(sizes), "mib": max(sizes, default=0.0)}


class PeakSampler:
    """The most memory any of `master`'s workers held, sampled every `interval` seconds while the
    block runs (the kernel keeps a peak only for VmRSS, file pages included)."""

    def __init__(self, master: int, interval: float = 0.1) -> None:
        self.master, self.interval, self.peak_mib = master, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        pids = children(self.master)
        while not self._stop.is_set():
            self.peak_mib = max([self.peak_mib, *(_anon_mib(pid) for pid in pids)])
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
