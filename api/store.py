"""SQLite registry of scenarios, background jobs and idempotency keys, so a restart loses
nothing registered. Storage faults are typed: a full disk is :class:`RegistryFull` (507),
anything else :class:`RegistryUnavailable` (503); both leave the file usable, and writes
succeed again once space is freed."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.convert import json_safe

__all__ = ["Store", "RegistryError", "RegistryFull", "RegistryUnavailable", "QuotaExceeded", "Replay"]

log = logging.getLogger("api.store")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    id TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    name TEXT,
    body TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    request TEXT,
    result TEXT,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    location TEXT,
    resource TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
"""

_FULL = {"SQLITE_FULL"}  # the disk (or the file's size limit) is full


class RegistryError(Exception):
    """The registry cannot be read or written."""

    status = 503


class RegistryFull(RegistryError):
    """No space left for the registry: 507 Insufficient Storage."""

    status = 507


class RegistryUnavailable(RegistryError):
    """Another storage fault (I/O error, read-only, locked): 503."""


class QuotaExceeded(RegistryError):
    """The registry holds ``max_scenarios`` scenarios: 507, as a WebDAV quota (RFC 4331)."""

    status = 507


class Replay:
    """A stored response to a repeated ``Idempotency-Key``."""

    def __init__(self, status: int, body: bytes, location: str | None) -> None:
        self.status, self.body, self.location = status, body, location


def _json(value: Any) -> str:
    """Strict JSON (NaN and inf as null), so stored results always read back."""
    return json.dumps(json_safe(value), allow_nan=False)


def _typed(exc: sqlite3.Error) -> RegistryError:
    name = getattr(exc, "sqlite_errorname", "")
    if name in _FULL or "full" in str(exc).lower():
        return RegistryFull(f"the registry's disk is full ({exc}); free space or raise its quota, then retry.")
    return RegistryUnavailable(f"the registry cannot be used right now ({exc}); retry shortly.")


class Store:
    """Scenarios, jobs and idempotency keys in one SQLite file (stdlib sqlite3, WAL, one
    connection, a lock). Job updates that cannot be written (disk full) are kept in memory
    and written with the next successful write, so a job never looks stuck."""

    def __init__(self, path: str | Path, *, max_scenarios: int = 500, max_jobs_kept: int = 1000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_scenarios = max_scenarios
        self.max_jobs_kept = max_jobs_kept
        self._lock = threading.RLock()
        self._unsaved: dict[str, dict[str, Any]] = {}  # job id -> fields not yet written
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(idempotency)")}
            if "resource" not in columns:  # a registry written before idempotency records named their resource
                self._db.execute("ALTER TABLE idempotency ADD COLUMN resource TEXT")
        except sqlite3.Error as exc:
            raise _typed(exc) from None

    def close(self) -> None:
        with self._lock:
            self._flush()
            self._db.close()

    @contextmanager
    def _transaction(self):
        """One atomic write (rolled back on any error); storage faults become typed."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:  # SQLite may have rolled back already (SQLITE_FULL does)
                    try:
                        self._db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if isinstance(exc, sqlite3.Error):
                    raise _typed(exc) from None
                raise

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _typed(exc) from None

    def _flush(self) -> None:
        """Write job updates kept in memory by an earlier failed write."""
        for job_id, fields in list(self._unsaved.items()):
            try:
                with self._transaction() as db:
                    _update_job(db, job_id, fields)
            except RegistryError:
                return
            self._unsaved.pop(job_id, None)

    # scenarios -------------------------------------------------------------------------
    def add_scenario(
        self, network: str, name: str | None, body: dict[str, Any], *, idempotency: tuple | None = None
    ) -> str:
        """Register a scenario (and the idempotency record of its response, atomically); its id.

        :class:`QuotaExceeded` when ``max_scenarios`` are registered."""
        scenario_id = uuid.uuid4().hex[:12]
        with self._lock:
            self._flush()
            with self._transaction() as db:
                (count,) = db.execute("SELECT COUNT(*) FROM scenarios").fetchone()
                if count >= self.max_scenarios:
                    raise QuotaExceeded(
                        f"the registry holds {count} scenarios (max_scenarios={self.max_scenarios}); "
                        "delete some with DELETE /scenarios/{id}."
                    )
                db.execute(
                    "INSERT INTO scenarios (id, network, name, body, created) VALUES (?, ?, ?, ?, ?)",
                    (scenario_id, network, name, json.dumps(body), time.time()),
                )
                if idempotency is not None:
                    _remember(db, idempotency, scenario_id)
        return scenario_id

    def delete_scenario(self, scenario_id: str) -> bool:
        """Remove a scenario and the idempotency records that created it (a retry after the
        delete registers it anew rather than answering with a gone id)."""
        with self._transaction() as db:
            db.execute("DELETE FROM idempotency WHERE resource = ?", (scenario_id,))
            return db.execute("DELETE FROM scenarios WHERE id = ?", (scenario_id,)).rowcount > 0

    def scenario(self, scenario_id: str) -> dict[str, Any] | None:
        rows = self._read("SELECT id, network, name, body, created FROM scenarios WHERE id = ?", (scenario_id,))
        if not rows:
            return None
        sid, network, name, body, created = rows[0]
        return {"id": sid, "network": network, "name": name, "scenario": json.loads(body), "created": created}

    def scenarios(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest registered scenarios: id, network, name, created (no bodies)."""
        rows = self._read("SELECT id, network, name, created FROM scenarios ORDER BY created DESC LIMIT ?", (limit,))
        return [{"id": i, "network": n, "name": name, "created": c} for i, n, name, c in rows]

    # jobs ------------------------------------------------------------------------------
    def add_job(self, kind: str, request: dict[str, Any], *, idempotency: tuple | None = None) -> str:
        """A queued job holding its full ``request`` (resubmittable as it was); its id.
        The oldest finished jobs beyond ``max_jobs_kept`` are pruned."""
        job_id = uuid.uuid4().hex[:12]
        now = time.time()
        with self._lock:
            self._flush()
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO jobs (id, kind, status, progress, request, created, updated) "
                    "VALUES (?, ?, 'queued', 0, ?, ?, ?)",
                    (job_id, kind, _json(request), now, now),
                )
                db.execute(
                    "DELETE FROM jobs WHERE status IN ('done', 'failed') AND id NOT IN "
                    "(SELECT id FROM jobs ORDER BY created DESC LIMIT ?)",
                    (self.max_jobs_kept,),
                )
                if idempotency is not None:
                    _remember(db, idempotency, job_id)
        return job_id

    def update_job(
        self, job_id: str, *, status: str, progress: float | None = None, result: Any = None, error: str | None = None
    ) -> None:
        """Record a job's new state; when the registry cannot be written the update is kept
        in memory (reads see it) and written later. Raises :class:`RegistryError` only for
        a result that cannot be stored, so the caller can record the failure instead."""
        fields = {"status": status, "progress": progress, "error": error, "updated": time.time()}
        if result is not None:
            fields["result"] = _json(result)
        with self._lock:
            try:
                with self._transaction() as db:
                    _update_job(db, job_id, fields)
                self._unsaved.pop(job_id, None)
                self._flush()
            except RegistryError:
                if result is not None:
                    raise
                log.warning("job %s: state %s kept in memory until the registry can be written", job_id, status)
                merged = {**self._unsaved.get(job_id, {}), **{k: v for k, v in fields.items() if v is not None}}
                self._unsaved[job_id] = merged

    def job(self, job_id: str, *, with_request: bool = False) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT id, kind, status, progress, result, error, created, updated, request FROM jobs WHERE id = ?",
            (job_id,),
        )
        if not rows:
            return None
        jid, kind, status, progress, result, error, created, updated, request = rows[0]
        record = {
            "id": jid,
            "kind": kind,
            "status": status,
            "progress": progress,
            "result": None if result is None else json.loads(result),
            "error": error,
            "created": created,
            "updated": updated,
        }
        with self._lock:
            pending = dict(self._unsaved.get(job_id, {}))
        if "result" in pending:
            pending["result"] = json.loads(pending["result"])
        record.update(pending)
        if with_request:
            record["request"] = None if request is None else json.loads(request)
        return record

    def interrupt_unfinished(self, reason: str) -> int:
        """Mark queued/running jobs (left by a stop or crash) as failed, each error naming
        how to resubmit it; returns how many."""
        with self._transaction() as db:
            return db.execute(
                "UPDATE jobs SET status = 'failed', error = ? || '; resubmit it with POST /jobs/' || id || "
                "'/resubmit.', updated = ? WHERE status IN ('queued', 'running')",
                (reason, time.time()),
            ).rowcount

    # idempotency keys ------------------------------------------------------------------
    def replay(self, scope: str, key: str, fingerprint: str, ttl_s: float) -> Replay | None:
        """The stored response to ``key`` in ``scope``, None when unknown or expired;
        ``ValueError`` when the key was used with another request body."""
        rows = self._read(
            "SELECT fingerprint, status, body, location, created FROM idempotency WHERE scope = ? AND key = ?",
            (scope, key),
        )
        if not rows:
            return None
        stored, status, body, location, created = rows[0]
        if time.time() - created > ttl_s:
            with self._transaction() as db:
                db.execute("DELETE FROM idempotency WHERE created < ?", (time.time() - ttl_s,))
            return None
        if stored != fingerprint:
            raise ValueError("this Idempotency-Key was used with a different request; use a new key.")
        return Replay(status, bytes(body), location)


def _update_job(db: sqlite3.Connection, job_id: str, fields: dict[str, Any]) -> None:
    db.execute(
        "UPDATE jobs SET status = ?, progress = COALESCE(?, progress), result = COALESCE(?, result), "
        "error = COALESCE(?, error), updated = ? WHERE id = ?",
        (
            fields["status"],
            fields.get("progress"),
            fields.get("result"),
            fields.get("error"),
            fields["updated"],
            job_id,
        ),
    )


def _remember(db: sqlite3.Connection, idempotency: tuple, resource_id: str) -> None:
    """Store the response of an idempotent request; ``idempotency`` is (scope, key,
    fingerprint, status, body-builder(resource_id) -> bytes, location-builder)."""
    scope, key, fingerprint, status, body_of, location_of = idempotency
    db.execute(
        "INSERT OR REPLACE INTO idempotency (scope, key, fingerprint, status, body, location, resource, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (scope, key, fingerprint, status, body_of(resource_id), location_of(resource_id), resource_id, time.time()),
    )
