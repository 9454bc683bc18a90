"""The record of one run of a script, as the charm reads it (src/domain/run-record.ts is its
schema): built in one place, saved whole or not at all in runs/<option>/, the newest kept."""

import contextlib
import json
import os
import signal
import time
from typing import NamedTuple, TypedDict

from files import read_json, remove_stale_temporaries, trusted_directory, write_atomically
from held import Held
from times import iso

RECORDS_KEPT = 10  # per script
TAIL_BYTES = 4096  # of output kept in a record...
TAIL_LINES = 40  # ...and at most this many lines of it
TIMED_OUT = 124  # the exit status of a run stopped at its time limit, as timeout(1)'s


class RunRecordFields(TypedDict):
    version: int
    script: str
    set: bool
    pid: int
    started: str
    ended: str
    durationMs: int
    exitStatus: int | None
    signal: str | None
    timedOut: bool
    timeout: int | None
    forwardedSignals: list[str]
    stoppedLeftovers: int
    outputBytes: int
    output: str


class RunRecord(RunRecordFields, total=False):
    held: Held  # run-before-backup's, in a job of Bacula's, when it succeeded: what the fileset held


class Outcome(NamedTuple):
    """How a run went, as the supervisor saw it."""

    set: bool  # False: the option has no script, and this runner stood in for bacula-fd's no-op
    started: float
    ended: float
    wait_status: int  # as waitpid gives it
    timed_out: bool
    timeout: int | None
    forwarded: list[str]
    stopped: int  # leftover processes stopped
    output_bytes: int
    tail: bytes  # the end of the output, at least TAIL_BYTES of it


def unset_outcome() -> Outcome:
    """A run of an option with no script: bacula-fd runs a no-op of its own for an unset key,
    which this runner stands in for, so that the published path never changes."""
    now = time.time()
    return Outcome(False, now, now, 0, False, None, [], 0, 0, b"")


def output_tail(tail: bytes) -> str:
    """The last TAIL_LINES lines of the output, at most TAIL_BYTES of it."""
    output = "".join(tail.decode("utf-8", "replace").splitlines(keepends=True)[-TAIL_LINES:])
    while len(output.encode()) > TAIL_BYTES:
        output = output[1:]
    return output


def record_of(option: str, outcome: Outcome) -> RunRecord:
    status = outcome.wait_status
    return {
        "version": 1,
        "script": option,
        "set": outcome.set,
        "pid": os.getpid(),
        "started": iso(outcome.started),
        "ended": iso(outcome.ended),
        "durationMs": round((outcome.ended - outcome.started) * 1000),
        "exitStatus": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None,
        "timedOut": outcome.timed_out,
        "timeout": outcome.timeout,
        "forwardedSignals": outcome.forwarded,
        "stoppedLeftovers": outcome.stopped,
        "outputBytes": outcome.output_bytes,
        "output": output_tail(outcome.tail),
    }


def save(app: int, app_dir: str, record: RunRecord, sequence: int) -> None:
    """Atomically (a whole record or none), named by the run's sequence number (journal.py),
    then keeps the newest RECORDS_KEPT by that number, in runs/<option>/ (made root's alone;
    one others could change is refused)."""
    runs_parent = os.path.join(app_dir, "runs")
    runs = trusted_directory(app, "runs", runs_parent, create=True)
    try:
        option = trusted_directory(runs, record["script"], os.path.join(runs_parent, record["script"]), create=True)
        try:
            name = f"{sequence:013d}-{record['pid']}.json"
            write_atomically(option, name, json_bytes(record), 0o600)
            names = os.listdir(option)
            remove_stale_temporaries(option, names)
            for old in sorted(n for n in names if n.endswith(".json") and not n.startswith("."))[:-RECORDS_KEPT]:
                with contextlib.suppress(FileNotFoundError):  # Another run of the same script pruned it first.
                    os.unlink(old, dir_fd=option)
        finally:
            os.close(option)
    finally:
        os.close(runs)


def json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def record_number(name: str) -> int | None:
    """The number a record's name starts with: its sequence, or, for runners before sequence
    numbers, its end in ms (which the first sequence number is then above)."""
    number, dash, rest = name.partition("-")
    return int(number) if dash and number.isdigit() and rest.endswith(".json") else None


def newest_number(app: int) -> int:
    """The highest number of any run record, 0 when there is none."""
    newest = 0
    with contextlib.suppress(OSError):
        runs = os.open("runs", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=app)
        try:
            for option in os.listdir(runs):
                with contextlib.suppress(OSError):
                    directory = os.open(
                        option, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=runs
                    )
                    try:
                        numbers = (record_number(name) for name in os.listdir(directory))
                        newest = max([newest, *(n for n in numbers if n is not None)])
                    finally:
                        os.close(directory)
        finally:
            os.close(runs)
    return newest


def newest_records(app: int) -> dict[str, dict[str, object]]:
    """The newest readable run record of each script, by script name."""
    found: dict[str, dict[str, object]] = {}
    try:
        runs = os.open("runs", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=app)
    except OSError:
        return found
    try:
        for option in os.listdir(runs):
            try:
                directory = os.open(option, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=runs)
            except OSError:
                continue
            try:
                names = sorted(n for n in os.listdir(directory) if n.endswith(".json") and not n.startswith("."))
                for name in reversed(names):
                    record = read_json(directory, name)
                    if record is not None:
                        found[option] = record
                        break
            finally:
                os.close(directory)
    finally:
        os.close(runs)
    return found
