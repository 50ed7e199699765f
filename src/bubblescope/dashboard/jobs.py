"""Background jobs with progress, for runs too long for one request.

A job runs a function ``work(progress)`` on a worker thread; ``progress(fraction, message)``
reports how far it is. :meth:`JobManager.view` returns a frozen snapshot.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bubblescope.model.errors import BubblescopeError, TooManyJobsError

__all__ = ["JobManager", "JobView", "Progress", "TooManyJobsError"]

JobStatus = Literal["queued", "running", "done", "failed"]
Progress = Callable[[float, str], None]
Work = Callable[[Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobView:
    """A snapshot of one job: status, progress from 0 to 1, message, result or error."""

    id: str
    kind: str
    status: JobStatus = "queued"
    progress: float = 0.0
    message: str = "queued"
    result: dict[str, Any] | None = None
    error: str | None = None

    def __str__(self) -> str:
        return f"job {self.id} ({self.kind}): {self.status} {self.progress:.0%} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The snapshot as JSON: what ``/api/jobs/{id}`` returns."""
        return {"id": self.id, "kind": self.kind, "status": self.status,
                "progress": self.progress, "message": self.message, "result": self.result,
                "error": self.error}

    @property
    def finished(self) -> bool:
        """Whether the job is done or failed."""
        return self.status in ("done", "failed")


@dataclass
class JobManager:
    """Runs jobs on ``workers`` threads and keeps at most ``capacity`` of them in memory."""

    capacity: int = 32
    workers: int = 1
    _jobs: dict[str, JobView] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor | None = None

    def submit(self, kind: str, work: Work) -> JobView:
        """Queue ``work`` and return its first snapshot.

        Raises
        ------
        TooManyJobsError
            When ``capacity`` jobs are all still queued or running.
        """
        job = JobView(id=uuid.uuid4().hex, kind=kind)
        with self._lock:
            self._make_room()
            self._jobs[job.id] = job
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="bubblescope-job")
            self._pool.submit(self._run, job.id, work)
        return job

    def view(self, job_id: str) -> JobView:
        """The current snapshot of job ``job_id`` (``KeyError`` when unknown)."""
        with self._lock:
            return self._jobs[job_id]

    def shutdown(self) -> None:
        """Stop accepting work and wait for running jobs."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _make_room(self) -> None:
        if len(self._jobs) < self.capacity:
            return
        done = [k for k, j in self._jobs.items() if j.finished]
        if not done:
            raise TooManyJobsError(f"all {self.capacity} job slots are busy; try again later")
        del self._jobs[done[0]]

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _run(self, job_id: str, work: Work) -> None:
        self._update(job_id, status="running", message="running")

        def progress(fraction: float, message: str) -> None:
            self._update(job_id, progress=min(max(float(fraction), 0.0), 1.0), message=message)

        try:
            result = work(progress)
        except BubblescopeError as exc:
            self._update(job_id, status="failed", error=str(exc), message="failed")
            return
        except Exception as exc:  # reported on the job, never swallowed: the page shows it
            self._update(job_id, status="failed", error=f"internal error: {exc!r}",
                         message="failed")
            return
        self._update(job_id, status="done", progress=1.0, message="done", result=result)
