"""The metrics file, backup-integrator-<app>.prom, in each textfile directory of runner.json
that exists (never creating one: an exporter that reads it must be there), written after every
run and when the charm asks (--write-metrics: its settings changed)."""

import contextlib
import os
import time
from typing import Any

from files import OPEN_DIRECTORY, read_json, write_atomically
from journal import locked
from metrics import render
from records import newest_records
from report import say
from settings import Settings


def metrics_since(app: int) -> int:
    """When the metrics began: the modification time of an empty file made by the first write."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open("metrics-since", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=app))
    return int(os.stat("metrics-since", dir_fd=app, follow_symlinks=False).st_mtime)


def units(app: int) -> list[str]:
    """The numbers of this application's units on the machine."""
    try:
        fd = os.open("units", OPEN_DIRECTORY, dir_fd=app)
    except OSError:
        return []
    try:
        return sorted((n for n in os.listdir(fd) if n.isdigit()), key=int)
    finally:
        os.close(fd)


def write_text(directory: str, name: str, text: str) -> None:
    """Mode 0644 (node_exporter runs as `prometheus`), atomically: the exporter never reads half
    a file (it skips names not ending .prom). The directory itself is never followed as a link."""
    fd = os.open(directory, OPEN_DIRECTORY)
    try:
        write_atomically(fd, name, text.encode(), 0o644)
    finally:
        os.close(fd)


def write_metrics(app: int, app_name: str, settings: Settings) -> None:
    """Renders the metrics and writes them. Best effort: a failure is said on stderr and never
    changes the run's exit status."""
    present = [d for d in settings.metrics_directories if os.path.isdir(d) and not os.path.islink(d)]
    if not present:
        return
    try:
        # Under the journal's lock: of two runs ending at once, the last to write has read
        # the journal both left, so the file never goes back to an older one.
        with locked(app):
            journal: dict[str, Any] = read_json(app, "jobs.json") or {}
            text = render(
                (("application", app_name), ("unit", ",".join(f"{app_name}/{n}" for n in units(app)))),
                journal,
                newest_records(app),
                metrics_since(app),
                settings.backup_max_age,
                time.time(),
            )
            for directory in present:
                try:
                    write_text(directory, f"backup-integrator-{app_name}.prom", text)
                except OSError as error:
                    say(f"could not write metrics in {directory}: {error.strerror}")
    except OSError as error:
        say(f"could not write metrics: {error.strerror}")
