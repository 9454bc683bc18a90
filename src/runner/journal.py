"""The job journal (jobs.json, root only): Bacula's jobs as this machine's runners saw them,
told by the scripts that start and end each one (src/domain/job-journal.ts is its schema)."""

import fcntl
import json
import os
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from files import read_trusted, write_atomically
from records import RunRecord, json_bytes
from report import say
from times import parse_iso_ms

JOBS_KEPT = 30  # per kind
KINDS = ("backup", "restore")
# Each option's kind of job, and its script that starts or ends one.
JOB_SCRIPTS = {
    "run-before-backup": ("backup", "run-before-backup", "run-after-backup"),
    "run-after-backup": ("backup", "run-before-backup", "run-after-backup"),
    "run-before-restore": ("restore", "run-before-restore", "run-after-restore"),
    "run-after-restore": ("restore", "run-before-restore", "run-after-restore"),
}
JOB_STARTS = ("run-before-backup", "run-before-restore")

Journal = dict[str, Any]  # its shape is the charm's schema; checked by parse()


def new_journal() -> Journal:
    return {
        "version": 1,
        "backup": {"counts": {"succeeded": 0, "failed": 0}, "lastSuccess": None, "jobs": []},
        "restore": {"counts": {"succeeded": 0, "failed": 0}, "lastSuccess": None, "jobs": []},
    }


def parse(data: bytes) -> Journal:
    """The journal in `data`; ValueError when it is not a journal of this version."""
    try:
        journal = json.loads(data)
        kinds = [journal[kind] for kind in KINDS]
        if journal.get("version") != 1 or not all(
            isinstance(kind["jobs"], list)
            and all(isinstance(kind["counts"][outcome], int) for outcome in ("succeeded", "failed"))
            for kind in kinds
        ):
            raise ValueError("not version 1")
        for kind in kinds:
            kind.setdefault("lastSuccess", None)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a journal: {error}") from None
    return journal


def script_result(record: RunRecord) -> dict[str, object]:
    """What the journal keeps of a run: how and when it ended."""
    return {
        "set": record["set"],
        "started": record["started"],
        "ended": record["ended"],
        "durationMs": record["durationMs"],
        "exitStatus": record["exitStatus"],
        "signal": record["signal"],
        "timedOut": record["timedOut"],
    }


def add_run(journal: Journal, option: str, record: RunRecord) -> None:
    """The job a run starts or ends. A start fails a job still running (it never reached its
    after-script: Bacula failed or cancelled it); a failed start fails its own job at once;
    an after-script's run ends the running job, succeeded (Bacula ran it because the data was
    saved: a failing after-script is "OK -- with warnings", its result says so)."""
    kind, before, after = JOB_SCRIPTS[option]
    entry = journal[kind]
    jobs, counts = entry["jobs"], entry["counts"]
    result = script_result(record)
    running = [job for job in jobs if job.get("outcome") == "running"]
    if option == before:
        for job in running:
            job["outcome"] = "failed"
            counts["failed"] += 1
        ok = record["exitStatus"] == 0 and not record["timedOut"]
        jobs.insert(
            0,
            {
                "started": record["started"],
                "ended": None if ok else record["ended"],
                "outcome": "running" if ok else "failed",
                "durationMs": None if ok else record["durationMs"],
                "scripts": {before: result, after: None},
            },
        )
        if not ok:
            counts["failed"] += 1
    else:
        ending: dict[str, Any] | None = running[0] if running else None
        if ending is None:  # Started before this journal did (an upgrade), or its start went unrecorded.
            ending = {"started": None, "scripts": {before: None, after: None}}
            jobs.insert(0, ending)
        ending["scripts"][after] = result
        ending["outcome"] = "succeeded"
        ending["ended"] = record["ended"]
        started, ended = parse_iso_ms(ending["started"]), parse_iso_ms(record["ended"])
        ending["durationMs"] = None if started is None or ended is None else ended - started
        counts["succeeded"] += 1
        entry["lastSuccess"] = record["ended"]
    del jobs[JOBS_KEPT:]


@contextmanager
def locked(app: int) -> Generator[None]:
    """The journal's lock (jobs.lock): two scripts may end at once, and the metrics are written
    from the journal under it too."""
    lock = os.open("jobs.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=app)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)


def read_journal(app: int) -> Journal:
    """The journal, or a new one when there is none or it is not one (said in the job report)."""
    try:
        return parse(read_trusted(app, "jobs.json"))
    except FileNotFoundError:
        return new_journal()
    except (OSError, ValueError):
        say("the job journal was unreadable: starting a new one")
        return new_journal()


def journal_run(app: int, option: str, record: RunRecord) -> Journal:
    """Adds the run to the job journal, under its lock. Returns the journal written."""
    with locked(app):
        journal = read_journal(app)
        add_run(journal, option, record)
        write_atomically(app, "jobs.json", json_bytes(journal), 0o600)
        return journal
