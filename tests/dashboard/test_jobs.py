"""Background jobs: progress, results, failures and the slot cap."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bubblescope.dashboard.jobs import JobManager, JobView, Progress, TooManyJobsError
from bubblescope.model import ScenarioError


def wait(jobs: JobManager, job_id: str) -> JobView:
    for _ in range(500):
        view = jobs.view(job_id)
        if view.finished:
            return view
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} did not finish")


def test_job_reports_progress_then_its_result() -> None:
    jobs = JobManager()
    seen: list[float] = []
    gate = threading.Event()

    def work(progress: Progress) -> dict[str, Any]:
        progress(0.5, "half way")
        seen.append(jobs.view(job.id).progress)
        gate.wait(5)
        return {"answer": 42}

    job = jobs.submit("test", work)
    assert job.status == "queued"
    assert not job.finished
    for _ in range(500):
        if seen:
            break
        time.sleep(0.01)
    mid = jobs.view(job.id)
    assert (mid.status, mid.progress, mid.message) == ("running", 0.5, "half way")
    gate.set()
    done = wait(jobs, job.id)
    assert (done.status, done.progress, done.result) == ("done", 1.0, {"answer": 42})
    assert str(done).startswith(f"job {job.id} (test): done 100%")
    jobs.shutdown()


@pytest.mark.parametrize(("exc", "text"), [(ScenarioError("bad shock"), "bad shock"),
                                           (ValueError("boom"), "internal error: ValueError")])
def test_failures_are_reported_on_the_job(exc: Exception, text: str) -> None:
    jobs = JobManager()

    def work(progress: Progress) -> dict[str, Any]:
        raise exc

    view = wait(jobs, jobs.submit("test", work).id)
    assert view.status == "failed"
    assert view.error is not None
    assert text in view.error
    jobs.shutdown()


def test_progress_is_clamped() -> None:
    jobs = JobManager()
    fractions: list[float] = []

    def work(progress: Progress) -> dict[str, Any]:
        progress(7.0, "over")
        fractions.append(jobs.view(job.id).progress)
        progress(-1.0, "under")
        fractions.append(jobs.view(job.id).progress)
        return {}

    job = jobs.submit("test", work)
    wait(jobs, job.id)
    assert fractions == [1.0, 0.0]
    jobs.shutdown()


def test_full_slots_refuse_new_jobs_and_finished_ones_make_room() -> None:
    jobs = JobManager(capacity=2)
    gate = threading.Event()

    def blocked(progress: Progress) -> dict[str, Any]:
        gate.wait(5)
        return {}

    first = jobs.submit("a", blocked)
    jobs.submit("b", blocked)
    with pytest.raises(TooManyJobsError, match="2 job slots"):
        jobs.submit("c", blocked)
    gate.set()
    wait(jobs, first.id)
    for _ in range(500):
        if all(j.finished for j in jobs._jobs.values()):
            break
        time.sleep(0.01)
    third = jobs.submit("c", lambda progress: {})
    with pytest.raises(KeyError):
        jobs.view(first.id)  # the oldest finished job made room
    assert wait(jobs, third.id).status == "done"
    jobs.shutdown()
