"""The job journal (jobs.json, root only): Bacula's jobs as this machine's runners saw them,
told by the scripts that start and end each one (src/domain/job-journal.ts is its schema)."""

import errno
import fcntl
import json
import os
import stat
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any, cast

from files import read_trusted, write_atomically
from records import RunRecord, json_bytes, newest_number, save
from report import say
from times import iso, parse_iso_ms

JOBS_KEPT = 30  # ended jobs per kind
RUNNING_KEPT = 100  # running jobs per kind; beyond, the oldest is found without a result
KINDS = ("backup", "restore")
# Each option's kind of job, and its script that starts or ends one.
JOB_SCRIPTS = {
    "run-before-backup": ("backup", "run-before-backup", "run-after-backup"),
    "run-after-backup": ("backup", "run-before-backup", "run-after-backup"),
    "run-before-restore": ("restore", "run-before-restore", "run-after-restore"),
    "run-after-restore": ("restore", "run-before-restore", "run-after-restore"),
}
JOB_STARTS = ("run-before-backup", "run-before-restore")
# When a running job's result is due: its before-script's end plus a window from the unit's own
# history (docs/explanation.md says why these): 3 times the longest successful job of its kind
# among those kept (a month of nightly jobs: the monthly full backup, not only the incrementals),
# at least an hour (a queue for a volume or a device), and 12 hours before any success (the
# first job is a full backup of data of unknown size; still well before the next nightly job).
WINDOW_FACTOR = 3
WINDOW_FLOOR_MS = 3600 * 1000
WINDOW_DEFAULT_MS = 12 * 3600 * 1000

Journal = dict[str, Any]  # its shape is the charm's schema; checked by parse()
Job = dict[str, Any]


def new_journal() -> Journal:
    def kind() -> dict[str, Any]:
        return {"counts": {"succeeded": 0, "failed": 0, "noResult": 0}, "lastSuccess": None, "jobs": []}

    return {"version": 2, "sequence": 0, "backup": kind(), "restore": kind()}


def parse(data: bytes) -> Journal:
    """The journal in `data`, as version 2: a version 1 journal (runners before sequence numbers)
    keeps its counts and jobs, in their order, each numbered below every run to come, and a job
    still running is due back 12 hours after its start. ValueError when it is not a journal."""
    try:
        journal = json.loads(data)
        version = journal.get("version")
        if version not in (1, 2) or (version == 2 and not isinstance(journal.get("sequence"), int)):
            raise ValueError(f"not a journal of version 1 or 2: {version!r}")
        for kind in KINDS:
            entry, counts = journal[kind], journal[kind]["counts"]
            names = ("succeeded", "failed") if version == 1 else ("succeeded", "failed", "noResult")
            if not isinstance(entry["jobs"], list) or not all(isinstance(counts[name], int) for name in names):
                raise ValueError("counts or jobs of another form")
            jobs = cast("list[object]", entry["jobs"])
            if not all(well_formed(job, version) for job in jobs):
                raise ValueError("a job of another form")
            entry.setdefault("lastSuccess", None)
            if version == 1:
                counts["noResult"] = 0
                for i, job in enumerate(cast("list[Job]", jobs)):
                    job["sequence"] = len(jobs) - i
                    started = parse_iso_ms(job.get("started"))
                    running = job.get("outcome") == "running" and started is not None
                    job["resultDue"] = iso((started + WINDOW_DEFAULT_MS) / 1000) if running and started else None
        # Above the numbers the migration gave, so that a new job sorts before them all.
        migrated = max(len(journal[kind]["jobs"]) for kind in KINDS)
        journal["version"], journal["sequence"] = 2, journal.get("sequence", migrated)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a journal: {error}") from None
    return journal


OUTCOMES = {1: ("running", "succeeded", "failed"), 2: ("running", "succeeded", "failed", "no-result")}


def well_formed(job: object, version: int) -> bool:
    """A job whose fields add_run and the metrics rely on are there, each of its type."""
    if not isinstance(job, dict):
        return False
    fields = cast("Job", job)
    times = ("started", "ended", "resultDue") if version == 2 else ("started", "ended")
    return (
        fields.get("outcome") in OUTCOMES[version]
        and all(isinstance(fields.get(name), str | None) for name in times)
        and isinstance(fields.get("durationMs"), int | None)
        and isinstance(fields.get("scripts"), dict)
        and (version == 1 or isinstance(fields.get("sequence"), int))
    )


def next_sequence(journal: Journal, newest_recorded: int) -> int:
    """The number of the next run (of any script, run-script's too): above every number handed
    out and every run record's name (those of runners before sequence numbers are their end in
    ms), so that a record's name places it among the others whatever the clock said."""
    journal["sequence"] = max(journal["sequence"], newest_recorded) + 1
    return journal["sequence"]


def result_window_ms(jobs: list[Job]) -> int:
    """How long after its before-script a job's result may take, from the unit's own history."""
    durations = [
        job["durationMs"] for job in jobs if job["outcome"] == "succeeded" and isinstance(job["durationMs"], int)
    ]
    return max(WINDOW_FLOOR_MS, WINDOW_FACTOR * max(durations)) if durations else WINDOW_DEFAULT_MS


def script_result(record: RunRecord) -> dict[str, object]:
    """What the journal keeps of a run: how and when it ended, and what the fileset held."""
    return {
        "set": record["set"],
        "started": record["started"],
        "ended": record["ended"],
        "durationMs": record["durationMs"],
        "exitStatus": record["exitStatus"],
        "signal": record["signal"],
        "timedOut": record["timedOut"],
        **({"held": record["held"]} if "held" in record else {}),
    }


def add_run(journal: Journal, option: str, record: RunRecord, sequence: int) -> None:
    """The job a run opens or ends. Bacula gives a script no job id (docs/explanation.md), so
    jobs are paired by order. A before-script's run opens a job: running, due back at its end
    plus its kind's window; failed at once when the script failed (Bacula runs no after-script
    then). An after-script's run ends the newest running job of its kind that started before it
    ended (else the newest), succeeded (Bacula ran
    it because the data was saved: a failing after-script is "OK -- with warnings", its result
    says so); with none running, a job whose start the journal never saw. The newest, because
    an older job still running is most often one Bacula failed or cancelled after its
    before-script (jobs of one Bacula job do not overlap unless its Maximum Concurrent Jobs
    allows), which its due then finds. Each run first finds the running jobs past their due
    without a result, but for the one an after-script ends when every running job is past due:
    a job slower than ever, ending now. Jobs are ordered by sequence, the newest first."""
    kind, before, after = JOB_SCRIPTS[option]
    entry = journal[kind]
    jobs: list[Job] = entry["jobs"]
    counts = entry["counts"]
    now = parse_iso_ms(record["ended"]) or 0
    running = sorted((job for job in jobs if job["outcome"] == "running"), key=lambda job: job["sequence"])
    overdue = [job for job in running if (parse_iso_ms(job["resultDue"]) or now + 1) <= now]
    if option == after and running and len(overdue) == len(running):
        overdue = overdue[:-1]
    for job in overdue:
        job["outcome"] = "no-result"
        counts["noResult"] += 1
    result = script_result(record)
    if option == before:
        ok = record["exitStatus"] == 0 and not record["timedOut"]
        jobs.append(
            {
                "sequence": sequence,
                "started": record["started"],
                "ended": None if ok else record["ended"],
                "outcome": "running" if ok else "failed",
                "durationMs": None if ok else record["durationMs"],
                "resultDue": iso((now + result_window_ms(jobs)) / 1000) if ok else None,
                "scripts": {before: result, after: None},
            }
        )
        if not ok:
            counts["failed"] += 1
    else:
        waiting = [job for job in running if job["outcome"] == "running"]
        # Of those that started before this run ended (a run that ended first waits for the lock
        # while a later start takes it: that job is not this one's).
        before_end = [job for job in waiting if (parse_iso_ms(job["started"]) or 0) <= now]
        ending: Job | None = (before_end or waiting or [None])[-1]
        if ending is None:  # Started before this journal did (an upgrade), or its start went unrecorded.
            ending = {"sequence": sequence, "started": None, "resultDue": None, "scripts": {before: None, after: None}}
            jobs.append(ending)
        ending["scripts"][after] = result
        ending["outcome"] = "succeeded"
        ending["ended"] = record["ended"]
        started = parse_iso_ms(ending["started"])
        ending["durationMs"] = None if started is None else max(0, now - started)
        counts["succeeded"] += 1
        entry["lastSuccess"] = record["ended"]
    jobs.sort(key=lambda job: job["sequence"], reverse=True)
    still_running = [job for job in jobs if job["outcome"] == "running"]
    for job in still_running[RUNNING_KEPT:]:
        job["outcome"] = "no-result"
        counts["noResult"] += 1
    ended = [job for job in jobs if job["outcome"] != "running"]
    kept = {id(job) for job in still_running[:RUNNING_KEPT] + ended[:JOBS_KEPT]}
    jobs[:] = [job for job in jobs if id(job) in kept]


def own_lock(app: int) -> int:
    """jobs.lock, opened only as root's own file: one another user left there (before the charm
    took the directory over) could be held by them for ever, hanging every run and hook that
    waits for it. Such a one (or a link) is unlinked, the application's directory being root's
    alone, and made anew: whoever holds the old one holds nothing."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        lock = os.open("jobs.lock", flags, 0o600, dir_fd=app)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise  # A directory there (EISDIR): the run says it could not journal; nothing waits.
    else:
        info = os.fstat(lock)
        if stat.S_ISREG(info.st_mode) and info.st_uid in (0, os.geteuid()) and info.st_nlink == 1:
            os.fchmod(lock, 0o600)
            return lock
        os.close(lock)
    say("jobs.lock was not root's own file: made anew")
    os.unlink("jobs.lock", dir_fd=app)
    return os.open("jobs.lock", flags | os.O_EXCL, 0o600, dir_fd=app)


@contextmanager
def locked(app: int) -> Generator[None]:
    """The journal's lock (jobs.lock): two scripts may end at once, and the metrics are written
    from the journal under it too."""
    lock = own_lock(app)
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


def journal_run(app: int, app_dir: str, option: str, record: RunRecord, job: bool) -> None:
    """Numbers the run, saves its record under that number and, when it is one of Bacula's
    (`job`), adds it to the journal: all under the journal's lock, so that the numbers follow
    the order in which runs end whatever the clock says."""
    with locked(app):
        journal = read_journal(app)
        sequence = next_sequence(journal, newest_number(app))
        try:
            save(app, app_dir, record, sequence)
        except OSError as error:
            say(f"could not record this run of {option}: {error.strerror}")
        if job:
            add_run(journal, option, record, sequence)
        write_atomically(app, "jobs.json", json_bytes(journal), 0o600)
