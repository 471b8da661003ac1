"""xAPI ingest through the tool's `POST /xapi/statements`, served for real (`yanxiu serve`, gunicorn),
in batches of 1, 100 and 1,000, on SQLite and on PostgreSQL, against two references measured in
the same run on the same statements and batches:

- a real Ralph LRS (fs backend) on this machine (what an off-the-shelf LRS does);
- the raw insert rate of the same rows into the same database: SQLAlchemy Core executemany into
  the statements table, one transaction per batch, no HTTP, no validation (the store's limit);
- on PostgreSQL also its bulk load, `COPY … FROM STDIN` of the same rows, one transaction per
  batch: faster than any INSERT, so tool/COPY is the stricter measure of what is left on the table.

Beside them, the intake's own work without HTTP or any database ("work"): parse each batch's body,
validate it, write each statement's stored text and add its played segments to watched ranges.
The tool must do that as well as the insert, so work/(work + raw) is the most tool/raw could reach
if everything else cost nothing and nothing ran at the same time ("ceiling" in the table).

One client sends batch after batch (no concurrency), so each figure is the cost of one request.
Then BENCH_INGEST_CLIENTS clients (default 8; 1 skips it) post one statement per request at once,
the shape of an evening peak, to Ralph and the tool: the whole rate and each request's latency.
Sizes: BENCH_INGEST_STATEMENTS="1:300,100:3000,1000:6000" (statements per batch size) by default,
each sent as three slices of which the best is reported; BENCH_INGEST_DB="sqlite,postgresql";
BENCH_INGEST_PRELOAD=N stores N statements in every target first (the same store size for all);
BENCH_INGEST_LRS=0 measures the tool with no LRS to forward to (default: one, so each statement
also gets its outbox row, as in a deployment that forwards).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from . import datagen
from .concurrent_posts import ConcurrentPoster

FIGURES: dict[str, Any] = {}
BATCHES = (1, 100, 1000)
DEFAULT_COUNTS = {1: 300, 100: 3_000, 1000: 6_000}
PARTS = 3  # each count is sent as three equal slices; the best slice's rate is reported
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
REPO = Path(__file__).resolve().parent.parent


def preload() -> int:
    """Statements stored in every target before measuring (BENCH_INGEST_PRELOAD, default 0): the
    rates at the same store size. Ralph's fs backend reads its files on each request, so its rate
    falls as they grow; the databases' does not."""
    return int(os.environ.get("BENCH_INGEST_PRELOAD", "0"))


def forwarding() -> bool:
    """Whether the tool has an LRS to forward to (BENCH_INGEST_LRS, default 1), as the mission's
    deployments do: then every stored statement also writes its outbox row. 0 measures without."""
    value = os.environ.get("BENCH_INGEST_LRS", "1")
    if value not in ("0", "1"):
        raise ValueError(f"BENCH_INGEST_LRS must be 0 or 1, got {value!r}")
    return value == "1"


def counts() -> dict[int, int]:
    """Statements per batch size, from BENCH_INGEST_STATEMENTS ("1:300,100:3000,1000:6000")."""
    raw = os.environ.get("BENCH_INGEST_STATEMENTS", "")
    out = dict(DEFAULT_COUNTS)
    for part in filter(None, raw.split(",")):
        size, _, n = part.partition(":")
        out[int(size)] = max(PARTS * int(size), int(n))
    return out


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    from tests.fixtures.servers import free_port as _free

    return _free()


class ToolServer:
    """The tool under gunicorn (`python -m lti_tool.cli serve`) in a subprocess on loopback."""

    def __init__(self, db_url: str, root: Path, workers: int = 2, threads: int = 4, repo: Path = REPO) -> None:
        # `repo`: whose code is served (bench.ab serves an earlier commit's checkout next to this one)
        self.db_url, self.root, self.workers, self.threads, self.repo = db_url, root, workers, threads, repo
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = root / "instance"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / "server.log"
        self.client_id: int | None = None

    def config(self) -> dict[str, Any]:
        return {"SQLALCHEMY_DATABASE_URI": self.db_url, "INSTANCE_PATH": str(self.instance),
                "SECRET_KEY": "bench-secret", "BASE_URL": self.url, "YANXIU_ENV": "production"}

    @contextmanager
    def app(self) -> Iterator[Any]:
        """The same app in this process (migrations, clients, registrations); disposed after."""
        from lti_tool import create_app
        from lti_tool.extensions import db

        app = create_app(self.config())
        try:
            with app.app_context():
                yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    def env(self) -> dict[str, str]:
        # Only the settings given here: a YANXIU_* variable of the caller's shell must not change
        # what is measured. BENCH_REDIS_URL measures the production profile's Redis state store.
        env = {k: v for k, v in os.environ.items() if not k.startswith("YANXIU_")}
        if os.environ.get("BENCH_REDIS_URL"):
            env["YANXIU_REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
        env.update({"YANXIU_DATABASE_URL": self.db_url, "YANXIU_INSTANCE_PATH": str(self.instance),
                    "YANXIU_SECRET_KEY": "bench-secret", "YANXIU_BASE_URL": self.url, "YANXIU_ENV": "production"})
        return env

    def migrate(self) -> None:
        """`yanxiu db upgrade`, as a deployment runs it (its log stays out of the bench's table)."""
        done = subprocess.run([sys.executable, "-m", "lti_tool.cli", "db", "upgrade"], env=self.env(), cwd=self.repo,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"yanxiu db upgrade failed: {done.stderr[-2000:]}")

    def add_lrs(self) -> None:
        """`yanxiu xapi lrs add`, as a deployment that forwards runs it, with this side's own code.
        Nothing listens at the address and no forwarder runs here: what is measured is the intake
        queueing every statement for the LRS in its transaction (one outbox row each)."""
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "lti_tool.cli", "xapi", "lrs", "add", "--name", "bench: never delivered",
             "--endpoint", f"http://127.0.0.1:{free_port()}/xAPI/", "--username", "bench", "--password", "bench"],
            env=self.env(), cwd=self.repo, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"yanxiu xapi lrs add failed: {done.stderr[-2000:]}")

    def xapi_auth(self) -> tuple[str, str]:
        from lti_tool.statements.clients import create_client

        with self.app():
            new = create_client("bench H5P")
            self.client_id = new.client.id  # what the tool's rows carry; the raw reference's rows too
            return new.key, new.secret

    def start(self) -> ToolServer:
        env = self.env()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                [sys.executable, "-m", "lti_tool.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers), "--threads", str(self.threads), "--no-forwarder-thread"],
                env=env, cwd=self.repo, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        # Every worker must have booted, not just the first: ask until all answered (pids differ
        # per worker is invisible here, so give the others a moment after the first answer).
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the tool exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).ok:
                    for _ in range(4 * self.workers):
                        requests.get(self.url + "/healthz", timeout=10)
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise TimeoutError("the tool did not start within 60 s")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def errors(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(line for line in text.splitlines() if "Traceback" in line or "Error" in line)[-2000:]


@contextmanager
def postgres() -> Iterator[Any]:
    """A throw-away PostgreSQL cluster (the suite's fixture: initdb, loopback, fsync off)."""
    from tests.fixtures.postgres import PostgresServer

    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


def create_database(server: Any, name: str) -> str:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@contextmanager
def database(kind: str, root: Path) -> Iterator[str]:
    """A fresh database URL: SQLite in `root`, or a new PostgreSQL cluster."""
    if kind == "sqlite":
        yield f"sqlite:///{root / 'bench.sqlite3'}"
        return
    with postgres() as server:
        yield create_database(server, "bench")


# --- clients ----------------------------------------------------------------------------------


def request_bodies(statements: list[dict[str, Any]], batch: int) -> list[bytes]:
    """The JSON bodies a client sends for `statements` in batches of `batch` (encoded outside timings)."""
    return [json.dumps(statements[i : i + batch], ensure_ascii=False).encode()
            for i in range(0, len(statements), batch)]


def post_batches(session: requests.Session, url: str, statements: list[dict[str, Any]], batch: int) -> float:
    """Seconds to POST `statements` in batches of `batch`, one after the other; any refusal fails."""
    bodies = request_bodies(statements, batch)
    start = time.perf_counter()
    for body in bodies:
        resp = session.post(url, data=body, timeout=300)
        if resp.status_code != 200:
            raise RuntimeError(f"POST {url} → {resp.status_code}: {resp.text[:300]}")
    return time.perf_counter() - start


def best_rate(items: list[Any], parts: int, send: Callable[[list[Any]], float]) -> float:
    """Items per second of the least disturbed of `parts` equal slices (other work shares this
    machine: the best slice is the closest to the code's own cost, as in timing.best_of)."""
    size = max(1, len(items) // parts)
    slices = [items[i : i + size] for i in range(0, size * parts, size) if items[i : i + size]]
    return max(len(part) / send(part) for part in slices)


def tool_session(server: ToolServer) -> requests.Session:
    key, secret = server.xapi_auth()
    session = requests.Session()
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    session.headers.update({**XAPI_HEADERS, "Authorization": f"Basic {token}"})
    return session


def ralph_session() -> requests.Session:
    from tests.fixtures.ralph_lrs import PASSWORD, USER

    session = requests.Session()
    session.auth = (USER, PASSWORD)
    session.headers.update(XAPI_HEADERS)
    return session


# What the API adds as `authority` (api._authority), so raw rows have the stored bodies' size.
AUTHORITY = {"objectType": "Agent", "name": "bench H5P",
             "account": {"homePage": "http://127.0.0.1:8000", "name": "yx_0123456789abcdef01234567"}}


def stored_rows(statements: list[dict[str, Any]], client_id: int | None = None) -> list[dict[str, Any]]:
    """The rows the store would write for these statements, built by its own functions
    (store._prepare, store._row) outside the timing: what is timed is the database's own work."""
    from lti_tool.statements.store import _parse_time, _prepare, _row
    from xapi import iso_timestamp

    stamp = iso_timestamp(datetime.now(UTC))
    stored = _parse_time(stamp)
    return [_row(_prepare(raw, stamp, AUTHORITY), None, client_id, stored) for raw in statements]


def product_work(statements: list[dict[str, Any]], batch: int) -> float:
    """Seconds the intake's own Python work takes for these statements in batches of `batch`, with
    no HTTP and no database: what `POST /xapi/statements` does besides its SQL (api.py, store.py,
    progress.py), in the same order and with the same functions, bodies encoded outside the timing.
    The collector is set as in a served worker (server._worker_ready), or it would cost more here."""
    import gc

    from lti_tool.server import GC_THRESHOLDS
    from lti_tool.statements.progress import _merged, played_by_pair
    from lti_tool.statements.store import _parse_time, _prepare, _row
    from lti_tool.statements.workshop_context import named_workshop
    from xapi import iso_timestamp, parse_json, validate_batch

    bodies = request_bodies(statements, batch)
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        start = time.perf_counter()
        for body in bodies:
            items = parse_json(body)
            validate_batch(items)
            now = datetime.now(UTC)
            stamp = iso_timestamp(now)
            stored = _parse_time(stamp)
            prepared = [_prepare(raw, stamp, AUTHORITY) for raw in items]
            for statement in prepared:
                _row(statement, named_workshop(statement), None, stored)  # with its stored text
            for pair in played_by_pair(prepared).values():
                _merged(None, pair, now)  # a new viewing-time row's values, as the intake computes them
        return time.perf_counter() - start
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def raw_inserter(db_url: str) -> tuple[Callable[[list[dict[str, Any]], int], float], Callable[[], None]]:
    """(insert(rows, batch) → seconds, dispose): Core executemany, one transaction per batch."""
    from sqlalchemy import create_engine, insert

    from lti_tool import sqlite_setup
    from lti_tool.models import Statement

    engine = create_engine(db_url)
    sqlite_setup.install(engine)  # the same database as the tool sees it (WAL, synchronous=FULL)
    table = Statement.__table__

    def run(rows: list[dict[str, Any]], batch: int) -> float:
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            with engine.begin() as conn:
                conn.execute(insert(table), rows[i : i + batch])
        return time.perf_counter() - start

    return run, engine.dispose


def raw_copier(db_url: str) -> tuple[Callable[[list[dict[str, Any]], int], float], Callable[[], None]]:
    """(copy(rows, batch) → seconds, close): PostgreSQL's COPY FROM STDIN through psycopg, the same
    COPY and column order as the intake's (statement_insert.py), one transaction per batch."""
    import psycopg

    from lti_tool.statements.statement_insert import _COPY, _values

    conn = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"))

    def run(rows: list[dict[str, Any]], batch: int) -> float:
        start = time.perf_counter()
        for i in range(0, len(rows), batch):
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(_COPY) as copy:
                for row in rows[i : i + batch]:
                    copy.write_row(_values(row))
        return time.perf_counter() - start

    return run, conn.close


def count_statements(db_url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from lti_tool.models import Statement

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Statement.__table__)) or 0)
    finally:
        engine.dispose()


# --- the benchmark ----------------------------------------------------------------------------


def _sets(tag: str) -> dict[int, list[dict[str, Any]]]:
    return {b: datagen.statements(n, tag=f"{tag}{b}", seed=b) for b, n in counts().items() if b in BATCHES}


Send = Callable[[list[Any], int], float]  # (statements or rows, batch) → seconds


@dataclass
class ToolTarget:
    post: Send
    references: dict[str, Send]  # "raw" insert, and "copy" on PostgreSQL: (rows, batch) → seconds
    count: Callable[[], int]  # statements stored
    client_id: int | None  # of the client that posts
    poster: Callable[[int], ConcurrentPoster]  # clients → a poster with that many


@contextmanager
def _tool_target(kind: str, root: Path) -> Iterator[ToolTarget]:
    """A served tool on a fresh `kind` database; everything stopped and removed after."""
    with database(kind, root) as url:
        server = ToolServer(url, root)
        server.migrate()
        if forwarding():
            server.add_lrs()
        session = tool_session(server)
        insert_rows, dispose = raw_inserter(url)
        references = {"raw": insert_rows}
        close_copier: Callable[[], None] = lambda: None  # noqa: E731
        try:
            if kind == "postgresql":
                references["copy"], close_copier = raw_copier(url)
            server.start()
            endpoint = server.url + "/xapi/statements"
            yield ToolTarget(lambda items, batch: post_batches(session, endpoint, items, batch), references,
                             lambda: count_statements(url), server.client_id,
                             lambda clients: ConcurrentPoster(endpoint, lambda: tool_session(server), clients))
            if server.proc is None or server.proc.poll() is not None:
                raise RuntimeError(f"the tool died: {server.errors()}")
        finally:
            session.close()
            close_copier()
            dispose()
            server.stop()


@contextmanager
def _ralph_target() -> Iterator[tuple[Send, Callable[[int], ConcurrentPoster]]]:
    from tests.fixtures.ralph_lrs import RalphServer

    ralph = RalphServer()
    session = ralph_session()
    try:
        ralph.start()
        endpoint = ralph.endpoint + "statements"
        yield ((lambda items, batch: post_batches(session, endpoint, items, batch)),
               lambda clients: ConcurrentPoster(endpoint, ralph_session, clients))
    finally:
        session.close()
        ralph.close()


def run() -> list[str]:
    kinds = [k for k in os.environ.get("BENCH_INGEST_DB", "sqlite,postgresql").split(",") if k]
    sets = _sets("api")
    reference_sets = {"raw": _sets("raw"), **({"copy": _sets("copy")} if "postgresql" in kinds else {})}
    size = datagen.body_bytes(sets[min(sets)])
    # Every target runs at once and they take turns slice by slice, so a burst of other work on
    # this shared machine hits all of them alike instead of one whole measurement.
    rates: dict[str, dict[int, list[float]]] = {}
    with ExitStack() as stack:
        ralph_post, ralph_poster = stack.enter_context(_ralph_target())
        senders: dict[str, Send] = {"ralph_fs": ralph_post, "work": product_work}
        posters = {"ralph_fs": ralph_poster}
        counters: dict[str, Callable[[], int]] = {}
        # The raw rows carry the posting client's id as the tool's do (a NULL would skip the foreign
        # key check that every row the tool stores costs).
        clients: dict[str, int | None] = {}
        rows: dict[str, dict[int, list[dict[str, Any]]]] = {}  # "kind/reference" → batch → rows
        for kind in kinds:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"yanxiu-bench-{kind}-")))
            target = stack.enter_context(_tool_target(kind, tmp))
            senders[f"{kind}/api"], counters[kind], clients[kind] = target.post, target.count, target.client_id
            posters[kind] = target.poster
            for ref, insert_rows in target.references.items():
                senders[f"{kind}/{ref}"] = insert_rows
                rows[f"{kind}/{ref}"] = {batch: stored_rows(items, clients[kind])
                                         for batch, items in reference_sets[ref].items()}
        # What each store was sent: each database (the tool's and the references' rows), to check
        # at the end, and Ralph's.
        stored: dict[str, int] = dict.fromkeys([*kinds, "ralph_fs"], 0)

        def timed(name: str, items: list[Any], batch: int) -> float:
            store = name.partition("/")[0]
            if store in stored:
                stored[store] += len(items)
            return senders[name](items, batch)

        for name in senders:  # warm: connections, caches, every worker's first request
            warm = datagen.statements(40, tag=f"warm-{name}")
            kind = name.partition("/")[0]
            timed(name, stored_rows(warm, clients.get(kind)) if name in rows else warm, 1)
            if preload() and name != "work":
                filler = datagen.statements(preload(), tag=f"preload-{name}")
                timed(name, stored_rows(filler, clients.get(kind)) if name in rows else filler, 1000)
        for batch in sorted(sets):
            part = max(batch, len(sets[batch]) // PARTS)
            for start in range(0, part * PARTS, part):
                for name in senders:
                    items = (rows[name] if name in rows else sets)[batch][start : start + part]
                    if items:
                        rates.setdefault(name, {}).setdefault(batch, []).append(len(items) / timed(name, items, batch))
        concurrent = _concurrent(posters, stored)
        for kind in kinds:
            if counters[kind]() != stored[kind]:
                raise RuntimeError(f"{kind}: {counters[kind]()} statements stored, {stored[kind]} sent")
    best = {name: {batch: max(values) for batch, values in by_batch.items()} for name, by_batch in rates.items()}
    ralph = best["ralph_fs"]
    results: dict[str, Any] = {"statement_bytes": round(size), "counts": counts(), "preload": preload(),
                               "lrs": int(forwarding()), "ralph_fs": ralph, "work": best["work"],
                               "all_slices": rates, "concurrent": concurrent}
    for kind in kinds:
        results[kind] = {ref: best[f"{kind}/{ref}"] for ref in ("api", "raw", "copy") if f"{kind}/{ref}" in best}
    FIGURES.update(results)
    out = [f"xAPI ingest, POST /xapi/statements (gunicorn, 2 workers, one client; statements of "
           f"{size:,.0f} bytes: video sessions + 10 % other events; {preload():,} stored first; "
           f"{'one LRS' if forwarding() else 'no LRS'} to forward to); statements/s",
           f"  {'store':10} {'batch':>6} {'tool':>9} {'Ralph fs':>9} {'raw insert':>11} "
           f"{'tool/Ralph':>11} {'tool/raw':>9} {'ceiling':>8} {'COPY':>9} {'tool/COPY':>10}"]
    for kind in kinds:
        for batch in sorted(sets):
            api, raw = results[kind]["api"][batch], results[kind]["raw"][batch]
            line = (f"  {kind:10} {batch:>6,} {api:>9,.0f} {ralph[batch]:>9,.0f} {raw:>11,.0f} "
                    f"{api / ralph[batch]:>10.1f}× {api / raw:>8.2f}× {ceiling(best['work'][batch], raw):>7.2f}×")
            if "copy" in results[kind]:
                copied = results[kind]["copy"][batch]
                line += f" {copied:>9,.0f} {api / copied:>9.2f}×"
            out.append(line)
    out += _concurrent_lines(concurrent, {kind: results[kind]["api"].get(1) for kind in kinds})
    work = ", ".join(f"{best['work'][b]:,.0f}/s at {b:,}" for b in sorted(sets))
    out.append(f"  the intake's own work without HTTP or database (parse, validate, stored text, viewing time): "
               f"{work}; ceiling = the tool/raw it leaves if nothing else cost anything")
    return out


def concurrent_clients() -> int:
    return int(os.environ.get("BENCH_INGEST_CLIENTS", "8"))


def _concurrent(posters: dict[str, Callable[[int], ConcurrentPoster]], stored: dict[str, int]) -> dict[str, Any]:
    """One statement per request from several clients at once, each target in turn slice by slice
    (as above); the best slice's rate, and every request's latency."""
    clients = concurrent_clients()
    if clients < 2:
        return {}
    # As many as one client sent one at a time above: Ralph takes ~10 a second at this store size.
    statements = datagen.statements(counts().get(1, DEFAULT_COUNTS[1]), tag="concurrent", seed=7)
    held = dict(stored)  # statements (or rows) in each store before
    rates: dict[str, list[float]] = {}
    opened = {name: make(clients) for name, make in posters.items()}
    try:
        warm = datagen.statements(clients * 2, tag="concurrent-warm")
        for name, poster in opened.items():  # every client's connection, every worker
            poster.post(warm)
            poster.latencies.clear()
            if name in stored:
                stored[name] += len(warm)
        part = len(statements) // PARTS
        for start in range(0, part * PARTS, part):
            for name, poster in opened.items():
                items = statements[start : start + part]
                rates.setdefault(name, []).append(len(items) / poster.post(items))
                if name in stored:
                    stored[name] += len(items)
        figures = {name: {"per_s": max(rates[name]), "slices": rates[name], **poster.summary()}
                   for name, poster in opened.items()}
        return {"clients": clients, "held": held, **figures}
    finally:
        for poster in opened.values():
            poster.close()


def _concurrent_lines(figures: dict[str, Any], alone: dict[str, float | None]) -> list[str]:
    if not figures:
        return []
    ralph = figures["ralph_fs"]
    # Ralph's fs backend reads its files on every request, so its rate falls as its store grows:
    # the comparison holds at this store size, not at an empty store (BENCH_INGEST_PRELOAD above).
    held = figures["held"]
    out = [f"  one statement per request from {figures['clients']} clients at once (an evening peak's shape), "
           f"after the above: Ralph fs holding {held['ralph_fs']:,} statements {ralph['per_s']:,.0f}/s "
           f"(p50 {ralph['p50_ms']:.1f} ms, p95 {ralph['p95_ms']:.1f} ms); each tool's database holding the same "
           f"and the references' rows ({', '.join(f'{held[kind]:,}' for kind in alone)} rows)"]
    for kind, one in alone.items():
        tool = figures[kind]
        out.append(f"    {kind:10} tool {tool['per_s']:,.0f}/s (p50 {tool['p50_ms']:.1f} ms, "
                   f"p95 {tool['p95_ms']:.1f} ms) = {tool['per_s'] / ralph['per_s']:.1f}× Ralph"
                   + (f", {tool['per_s'] / one:.1f}× the tool's rate with one client" if one else ""))
    return out


def ceiling(work_rate: float, raw_rate: float) -> float:
    """The highest tool/raw possible when the tool does `work` and the raw insert one after the other
    (per statement 1/work + 1/raw seconds): work/(work + raw). Equal rates leave 0.5."""
    return work_rate / (work_rate + raw_rate)
