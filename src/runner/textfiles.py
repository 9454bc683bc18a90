"""The metrics file, backup-integrator-<app>.prom, in each textfile directory of runner.json
that exists (never creating one: an exporter that reads it must be there), written after every
run and when the charm asks (--write-metrics: its settings changed), deleted from a directory
that is no longer listed, and from all when the charm asks (--remove-metrics: the application's
last unit goes).

These directories are not root's alone (Debian's /var/lib/prometheus is the `prometheus`
user's, and metrics-directory may be anywhere), so each is reached from / one component at a
time without following a link, and the file is created, renamed and deleted as one name under
that descriptor, never recursively. Anything else than a directory on the way, or than a file
of root's at the file's name, is left alone and said (stderr: Bacula's job report, the charm's
log). The directories written in are kept in metrics-directories.json, root's alone, so that
none is forgotten when the settings change or the application goes."""

import contextlib
import errno
import json
import os
import stat
import time
from collections.abc import Iterable
from typing import Any

from files import OPEN_DIRECTORY, Refused, read_json, write_atomically
from journal import locked
from metrics import render
from records import newest_records
from report import say
from settings import Settings

KEPT = "metrics-directories.json"

# Failures that may pass on their own: the hook that asked fails, so that Juju runs it again.
# Any other (a link, a directory at the name, another user's file) is left alone and said.
PASSING = frozenset(
    {
        errno.EIO,
        errno.ENOMEM,
        errno.EAGAIN,
        errno.EINTR,
        errno.EBUSY,
        errno.ENFILE,
        errno.EMFILE,
        errno.ENOBUFS,
        errno.ENOSPC,
    }
)


def file_name(app_name: str) -> str:
    return f"backup-integrator-{app_name}.prom"


def open_directory(path: str) -> int:
    """The directory at `path`, opened from / one component at a time, each with
    O_NOFOLLOW|O_DIRECTORY under the one before: a component that is a link or not a
    directory raises Refused; a missing one FileNotFoundError."""
    fd = os.open("/", OPEN_DIRECTORY)
    try:
        for name in path.split("/"):
            if name in ("", "."):
                continue
            if name == "..":
                raise Refused("..", "climbs: left alone")
            try:
                below = os.open(name, OPEN_DIRECTORY, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Refused(name, "is a link or a file, not a directory: left alone") from None
                raise
            os.close(fd)
            fd = below
        return fd
    except BaseException:
        os.close(fd)
        raise


def check_ours(directory: int, name: str) -> bool:
    """Whether a file of root's is at `name` (False: nothing is); Refused when something else is
    (a link, a directory, another user's file): never replaced, followed or deleted."""
    try:
        info = os.stat(name, dir_fd=directory, follow_symlinks=False)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise Refused(name, "is a link, not the metrics file: left alone")
    if stat.S_ISDIR(info.st_mode):
        raise Refused(name, "is a directory, not the metrics file: left alone")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(name, "is not a regular file: left alone")
    if info.st_uid != os.geteuid():
        raise Refused(name, f"is owned by uid {info.st_uid}, not the metrics file: left alone")
    return True


def write_file(directory: int, name: str, text: str) -> None:
    """Mode 0644 (node_exporter runs as `prometheus`), atomically: the exporter never reads half
    a file (it skips names not ending .prom)."""
    check_ours(directory, name)
    write_atomically(directory, name, text.encode(), 0o644)


def delete_file(path: str, name: str) -> None:
    """Deletes the one name, if it is a file of root's, from the directory at `path`; a
    directory that is gone holds nothing to delete."""
    try:
        directory = open_directory(path)
    except FileNotFoundError:
        return
    try:
        if check_ours(directory, name):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=directory)
    finally:
        os.close(directory)


def kept(app: int) -> list[str]:
    """The directories a metrics file was written in, as metrics-directories.json has them."""
    found = (read_json(app, KEPT) or {}).get("directories")
    items: list[object] = found if isinstance(found, list) else []  # pyright: ignore[reportUnknownVariableType]
    return [d for d in items if isinstance(d, str) and d.startswith("/")]


def keep(app: int, directories: list[str]) -> None:
    write_atomically(app, KEPT, json.dumps({"directories": directories}).encode(), 0o600)


def delete_from(app: int, app_name: str, directories: Iterable[str], still: list[str]) -> bool:
    """Deletes the file from each directory; those where that failed for a passing reason stay
    kept, beside `still`. Whether one did."""
    passing = False
    for directory in directories:
        try:
            delete_file(directory, file_name(app_name))
        except OSError as error:
            say(f"could not delete the metrics file in {directory}: {error.strerror}")
            if error.errno in PASSING:
                passing = True
                still.append(directory)
    keep(app, still)
    return passing


def forget_unlisted(app: int, app_name: str, listed: list[str]) -> bool:
    """Deletes the file from each directory kept that is no longer listed (metrics-directory
    changed). Whether a delete failed for a passing reason."""
    was = kept(app)
    gone = [d for d in was if d not in listed]
    return bool(gone) and delete_from(app, app_name, gone, [d for d in was if d in listed])


def open_listed(listed: list[str]) -> list[tuple[str, int]]:
    """Each listed directory that exists, opened; one that is not as it should be is said."""
    opened: list[tuple[str, int]] = []
    for path in listed:
        try:
            opened.append((path, open_directory(path)))
        except FileNotFoundError:
            pass
        except OSError as error:
            say(f"could not write metrics in {path}: {error.strerror}")
    return opened


def write_in(app: int, app_name: str, settings: Settings, opened: list[tuple[str, int]]) -> None:
    # Kept before the first write: a file is never where the list does not say.
    was = kept(app)
    if any(path not in was for path, _ in opened):
        keep(app, [*was, *(path for path, _ in opened if path not in was)])
    journal: dict[str, Any] = read_json(app, "jobs.json") or {}
    text = render(
        # The application alone: the units on the machine share its scripts and jobs, and a
        # series must keep its identity when they come and go (COS's agent adds each unit's
        # juju_unit to what it scrapes for that unit).
        (("application", app_name),),
        journal,
        newest_records(app),
        metrics_since(app),
        settings.backup_max_age,
        time.time(),
    )
    for path, directory in opened:
        try:
            write_file(directory, file_name(app_name), text)
        except OSError as error:
            say(f"could not write metrics in {path}: {error.strerror}")


def write_metrics(app: int, app_name: str, settings: Settings) -> bool:
    """Renders the metrics, writes them in each listed directory that exists, and deletes the
    file from each directory kept that is no longer listed. Best effort: a failure is said on
    stderr and never changes the run's exit status. Whether a delete failed for a passing
    reason (the charm's hook then fails, to be run again)."""
    try:
        # Under the journal's lock: of two runs ending at once, the last to write has read
        # the journal both left, so the file never goes back to an older one.
        with locked(app):
            passing = forget_unlisted(app, app_name, settings.metrics_directories)
            opened = open_listed(settings.metrics_directories)
            try:
                if opened:
                    write_in(app, app_name, settings, opened)
            finally:
                for _, directory in opened:
                    os.close(directory)
            return passing
    except OSError as error:
        say(f"could not write metrics: {error.strerror}")
        return error.errno in PASSING


def remove_metrics(app: int, app_name: str, settings: Settings) -> bool:
    """Deletes the file from every directory kept or listed (the application's last unit goes).
    Whether a delete failed for a passing reason."""
    try:
        with locked(app):
            return delete_from(app, app_name, dict.fromkeys([*kept(app), *settings.metrics_directories]), [])
    except OSError as error:
        say(f"could not delete the metrics files: {error.strerror}")
        return error.errno in PASSING


def metrics_since(app: int) -> int:
    """When the metrics began: the modification time of an empty file made by the first write."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open("metrics-since", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=app))
    return int(os.stat("metrics-since", dir_fd=app, follow_symlinks=False).st_mtime)
