"""The application's metrics in Prometheus' text format (version 0.0.4), for node_exporter's
textfile collector: rendered from the job journal and the newest run record of each script."""

import signal
from collections.abc import Callable, Sequence
from typing import Any, cast

from journal import KINDS
from records import TIMED_OUT
from times import parse_iso

PREFIX = "backup_integrator_"
# Each outcome's label, and its count in the journal.
OUTCOMES = (("succeeded", "succeeded"), ("failed", "failed"), ("no_result", "noResult"))

Labels = Sequence[tuple[str, object]]
Sample = tuple[Labels, "float | int | bool | None"]


def label_value(text: object) -> str:
    """A label value in Prometheus' text format: backslash, double quote and newline escaped."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def number(value: float | int | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def exit_status_of(record: dict[str, Any]) -> int | None:
    """As the runner exits: 124 when timed out, the exit status, or 128 + the signal's number."""
    if record.get("timedOut"):
        return TIMED_OUT
    if isinstance(record.get("exitStatus"), int):
        return record["exitStatus"]
    try:
        return 128 + signal.Signals[record.get("signal")].value  # pyright: ignore[reportArgumentType]
    except KeyError:
        return None


def family(base: str, name: str, kind: str, help_text: str, samples: list[Sample]) -> str | None:
    """One metric family; None when it has no sample yet (no script has run), so it is left out."""
    lines: list[str] = []
    for labels, value in samples:
        if value is not None:
            extra = "".join(f',{key}="{label_value(v)}"' for key, v in labels)
            lines.append(f"{PREFIX}{name}{{{base}{extra}}} {number(value)}")
    if not lines:
        return None
    return "\n".join([f"# HELP {PREFIX}{name} {help_text}", f"# TYPE {PREFIX}{name} {kind}", *lines])


def jobs_by_kind(journal: dict[str, Any]) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Each kind's jobs (newest first) and counts, whatever the journal holds."""
    kinds: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    for kind in KINDS:
        entry = as_dict(journal.get(kind))
        jobs: object = entry.get("jobs")
        listed = cast("list[object]", jobs) if isinstance(jobs, list) else []
        kinds[kind] = (
            [cast("dict[str, Any]", job) for job in listed if isinstance(job, dict)],
            as_dict(entry.get("counts")),
        )
    return kinds


def as_dict(value: object) -> dict[str, Any]:
    """A JSON object as it is, anything else as an empty one."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def newest(jobs: list[dict[str, Any]], *outcomes: str) -> dict[str, Any] | None:
    return next((job for job in jobs if job.get("outcome") in outcomes), None)


def started(job: dict[str, Any] | None) -> float | None:
    return parse_iso(job.get("started")) if job else None


def ended(job: dict[str, Any] | None) -> float | None:
    # A job with no result never ended as far as anyone saw: its start stands.
    return (parse_iso(job.get("ended")) or parse_iso(job.get("started"))) if job else None


def last_success(jobs: list[dict[str, Any]]) -> float:
    return ended(newest(jobs, "succeeded")) or 0


def last_duration(jobs: list[dict[str, Any]]) -> float | None:
    return next((j["durationMs"] / 1000 for j in jobs if isinstance(j.get("durationMs"), int)), None)


def newest_held(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    """The newest walk of the fileset (held.py) among the backup jobs, newest first; {} before one."""
    for job in jobs:
        held = as_dict(as_dict(job.get("scripts")).get("run-before-backup")).get("held")
        if isinstance(held, dict):
            return cast("dict[str, Any]", held)
    return {}


def held_paths(held: dict[str, Any]) -> list[dict[str, Any]]:
    paths: object = held.get("paths")
    listed = cast("list[object]", paths) if isinstance(paths, list) else []
    return [path for path in map(as_dict, listed) if isinstance(path.get("path"), str)]


def result_deadline(jobs: list[dict[str, Any]]) -> float:
    """When the first running job's result is due (Unix time); 0 when none waits for one."""
    dues = [parse_iso(job.get("resultDue")) for job in jobs if job.get("outcome") == "running"]
    return min((due for due in dues if due is not None), default=0)


def future_timestamps(journal: dict[str, Any], records: dict[str, dict[str, Any]], now: float) -> int:
    """How many times the runner recorded lie ahead of `now`: taken while the clock was ahead,
    and set back since. A result's due is ahead by design, and not counted."""
    times: list[object] = []
    for kind in KINDS:
        entry = as_dict(journal.get(kind))
        times.append(entry.get("lastSuccess"))
        jobs: object = entry.get("jobs")
        for job in map(as_dict, cast("list[object]", jobs) if isinstance(jobs, list) else []):
            results = map(as_dict, as_dict(job.get("scripts")).values())
            times += [job.get("started"), job.get("ended")]
            times += [result.get(key) for result in results for key in ("started", "ended")]
    times += [record.get(key) for record in records.values() for key in ("started", "ended")]
    return sum(1 for seconds in map(parse_iso, times) if seconds is not None and seconds > now)


# Six inputs, each distinct, of one pure function: bundling them would only rename them.
def render(  # noqa: PLR0913, PLR0917
    identity: Labels,
    journal: dict[str, Any],
    records: dict[str, dict[str, Any]],
    since: int,
    max_age: int | None,
    now: float,
) -> str:
    """`identity`: the labels every series carries; `journal`: jobs.json's content ({} before
    any job); `records`: the newest run record of each script that ran; `since`: when the
    metrics began (Unix seconds); `max_age`: the longest wait for a successful backup, in
    seconds, or None (backup-max-age unset: no deadline, as the status has none); `now`: the
    time (Unix seconds)."""
    base = ",".join(f'{key}="{label_value(value)}"' for key, value in identity)
    kinds = jobs_by_kind(journal)

    def per_kind(value_of: Callable[[list[dict[str, Any]]], "float | int | None"]) -> list[Sample]:
        return [((("kind", kind),), value_of(kinds[kind][0])) for kind in KINDS]

    def per_path(value_of: Callable[[dict[str, Any]], "float | int | bool | None"]) -> list[Sample]:
        return [((("path", path["path"]),), value_of(path)) for path in paths]

    held = newest_held(kinds["backup"][0])
    paths = held_paths(held)
    checked = parse_iso(held.get("checked"))
    scripts = sorted(records)
    families = [
        family(
            base,
            "last_start_timestamp_seconds",
            "gauge",
            "When the newest job of this kind started (Unix time; 0: none yet).",
            per_kind(lambda jobs: next((s for s in map(started, jobs) if s), 0)),
        ),
        family(
            base,
            "last_success_timestamp_seconds",
            "gauge",
            "When the newest successful job of this kind ended (Unix time; 0: none yet).",
            per_kind(last_success),
        ),
        family(
            base,
            "last_failure_timestamp_seconds",
            "gauge",
            "When the newest failed job of this kind (a failed before-script, or no result by its due)"
            " ended, or started if its end was not seen (Unix time; 0: none yet).",
            per_kind(lambda jobs: ended(newest(jobs, "failed", "no-result")) or 0),
        ),
        family(
            base,
            "last_duration_seconds",
            "gauge",
            "How long the newest job of this kind that ended took, before-script start to after-script end.",
            per_kind(last_duration),
        ),
        family(
            base,
            "job_running",
            "gauge",
            "1 while the newest job of this kind has started and not ended.",
            per_kind(lambda jobs: 1 if jobs and jobs[0].get("outcome") == "running" else 0),
        ),
        family(
            base,
            "job_result_deadline_timestamp_seconds",
            "gauge",
            "When the result of the running job of this kind due first is overdue: its before-script's end"
            " plus 3 times the longest recent success, at least 1h, 12h before any (Unix time; 0: none waits).",
            per_kind(result_deadline),
        ),
        family(
            base,
            "jobs_total",
            "counter",
            "Jobs of this kind by outcome since the unit's journal began (no_result: not ended by its due).",
            [
                ((("kind", kind), ("outcome", outcome)), count if isinstance(count := counts.get(key), int) else 0)
                for kind, (_jobs, counts) in kinds.items()
                for outcome, key in OUTCOMES
            ],
        ),
        family(
            base,
            "backup_max_age_seconds",
            "gauge",
            "The longest wait for a successful backup before it is overdue (backup-max-age; absent when unset).",
            [((), max_age)],
        ),
        family(
            base,
            "backup_deadline_timestamp_seconds",
            "gauge",
            "When a backup is overdue: the end of the last successful one (before any, the start of these"
            " metrics) plus backup-max-age; absent when it is unset.",
            [((), None if max_age is None else (last_success(kinds["backup"][0]) or since) + max_age)],
        ),
        family(
            base,
            "future_timestamps",
            "gauge",
            "How many times recorded in the journal and the newest run records lie in the future: the clock"
            " was ahead and was set back.",
            [((), future_timestamps(journal, records, now))],
        ),
        family(
            base,
            "metrics_since_timestamp_seconds",
            "gauge",
            "When this application's metrics began on this machine (Unix time).",
            [((), since)],
        ),
        family(
            base,
            "script_last_exit_status",
            "gauge",
            "The exit status of the newest run of this script (128 + the signal's number when killed by one;"
            " 124 when timed out).",
            [((("script", name),), exit_status_of(records[name])) for name in scripts],
        ),
        family(
            base,
            "script_last_timed_out",
            "gauge",
            "1 when the newest run of this script was stopped at script-timeout.",
            [((("script", name),), bool(records[name].get("timedOut"))) for name in scripts],
        ),
        family(
            base,
            "script_last_run_timestamp_seconds",
            "gauge",
            "When the newest run of this script ended (Unix time).",
            [((("script", name),), parse_iso(records[name].get("ended"))) for name in scripts],
        ),
        family(
            base,
            "path_present",
            "gauge",
            "1 when this fileset path could be looked at before the newest backup read it, 0 when it was missing"
            " (the backup saved nothing of it).",
            per_path(lambda path: path.get("present") is True),
        ),
        family(
            base,
            "path_files",
            "gauge",
            "What the newest backup found in this fileset path but directories (links as links); at least this"
            " many when path_complete is 0.",
            per_path(lambda path: count if isinstance(count := path.get("files"), int) else None),
        ),
        family(
            base,
            "path_bytes",
            "gauge",
            "The bytes of the regular files the newest backup found in this fileset path; at least this many"
            " when path_complete is 0.",
            per_path(lambda path: count if isinstance(count := path.get("bytes"), int) else None),
        ),
        family(
            base,
            "path_newest_change_timestamp_seconds",
            "gauge",
            "The newest modification time in this fileset path when the newest backup looked (Unix time).",
            per_path(lambda path: parse_iso(path.get("newestChange"))),
        ),
        family(
            base,
            "path_complete",
            "gauge",
            "0 when the walk of this fileset path stopped at its bound (100,000 entries or about a second a"
            " job): its files and bytes are at least those.",
            per_path(lambda path: path.get("complete") is True),
        ),
        family(
            base,
            "path_checked_timestamp_seconds",
            "gauge",
            "When the newest backup's runner looked at this fileset path, before Bacula read it (Unix time).",
            per_path(lambda _path: checked),
        ),
    ]
    return "\n".join(text for text in families if text is not None) + "\n"
