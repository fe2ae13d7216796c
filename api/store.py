"""SQLite registry of scenarios and background jobs, so a restart loses nothing registered."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

__all__ = ["Store"]

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
"""


def _json(value: Any) -> str:
    """Strict JSON (NaN and inf as null), so stored results always read back."""
    from api.convert import json_safe

    return json.dumps(json_safe(value), allow_nan=False)


class Store:
    """Scenarios and jobs in one SQLite file (stdlib sqlite3, WAL, one connection, a lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            return cursor.fetchall()

    # scenarios -------------------------------------------------------------------------
    def add_scenario(self, network: str, name: str | None, body: dict[str, Any]) -> str:
        """Register a scenario; returns its new id."""
        scenario_id = uuid.uuid4().hex[:12]
        self._run(
            "INSERT INTO scenarios (id, network, name, body, created) VALUES (?, ?, ?, ?, ?)",
            (scenario_id, network, name, json.dumps(body), time.time()),
        )
        return scenario_id

    def scenario(self, scenario_id: str) -> dict[str, Any] | None:
        rows = self._run("SELECT id, network, name, body, created FROM scenarios WHERE id = ?", (scenario_id,))
        if not rows:
            return None
        sid, network, name, body, created = rows[0]
        return {"id": sid, "network": network, "name": name, "scenario": json.loads(body), "created": created}

    def scenarios(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest registered scenarios: id, network, name, created (no bodies)."""
        rows = self._run("SELECT id, network, name, created FROM scenarios ORDER BY created DESC LIMIT ?", (limit,))
        return [{"id": i, "network": n, "name": name, "created": c} for i, n, name, c in rows]

    # jobs ------------------------------------------------------------------------------
    def add_job(self, kind: str, request: dict[str, Any]) -> str:
        job_id = uuid.uuid4().hex[:12]
        now = time.time()
        self._run(
            "INSERT INTO jobs (id, kind, status, progress, request, created, updated) VALUES (?, ?, 'queued', 0, ?, ?, ?)",
            (job_id, kind, json.dumps(request), now, now),
        )
        return job_id

    def update_job(
        self, job_id: str, *, status: str, progress: float | None = None, result: Any = None, error: str | None = None
    ) -> None:
        self._run(
            "UPDATE jobs SET status = ?, progress = COALESCE(?, progress), result = COALESCE(?, result), "
            "error = COALESCE(?, error), updated = ? WHERE id = ?",
            (status, progress, None if result is None else _json(result), error, time.time(), job_id),
        )

    def job(self, job_id: str) -> dict[str, Any] | None:
        rows = self._run(
            "SELECT id, kind, status, progress, result, error, created, updated FROM jobs WHERE id = ?", (job_id,)
        )
        if not rows:
            return None
        jid, kind, status, progress, result, error, created, updated = rows[0]
        return {
            "id": jid,
            "kind": kind,
            "status": status,
            "progress": progress,
            "result": None if result is None else json.loads(result),
            "error": error,
            "created": created,
            "updated": updated,
        }

    def interrupt_unfinished(self, reason: str) -> int:
        """Mark queued/running jobs (left by a stop or crash) as failed; returns how many."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET status = 'failed', error = ?, updated = ? WHERE status IN ('queued', 'running')",
                (reason, time.time()),
            )
            return cursor.rowcount
