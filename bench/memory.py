"""The memory a server's worker processes hold, from /proc (Linux): what a deployment must size
its machine for. VmRSS is what each holds now, VmHWM the most it ever held."""

from __future__ import annotations

from pathlib import Path


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


def _kib(value: str) -> int:
    return int(value.split()[0])  # "123456 kB"


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


def workers_mib(master: int) -> dict[str, float]:
    """The largest current (rss) and peak (hwm) resident memory among `master`'s worker
    processes, in MiB, and how many there are."""
    rss, hwm = [], []
    for pid in children(master):
        status = _status(pid)
        rss.append(_kib(status["VmRSS"]) / 1024)
        hwm.append(_kib(status["VmHWM"]) / 1024)
    return {"workers": len(rss), "rss_mib": max(rss, default=0.0), "peak_mib": max(hwm, default=0.0)}
