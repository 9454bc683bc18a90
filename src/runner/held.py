"""What a backup held: each `fileset` path as Bacula's defaults would save it, looked at by
run-before-backup's runner after the script succeeded and before Bacula reads a byte.

bacula-server's FileSet sets only Signature and Compression, so Bacula's defaults hold: every
entry is looked at with lstat (a link is saved as a link, never followed, the path itself
too), and with onefs=yes a directory on another device than its parent's is saved empty, not
entered. The walk does the same, and only reads: each directory is opened below its parent's
descriptor with O_NOFOLLOW and checked to be the one listed, so a directory swapped for a link
meanwhile is passed over, never followed. It is bounded (MAX_ENTRIES, MAX_SECONDS over the
whole fileset); past the bound a path's counts are "at least" (complete False).
"""

import errno
import os
import stat
import time
from collections.abc import Callable
from typing import TypedDict

from times import iso

MAX_ENTRIES = 100_000  # entries looked at in a job, over all paths
MAX_SECONDS = 1.0  # of walking in a job, over all paths
MAX_PATHS = 32  # paths a record keeps...
MAX_NAME_BYTES = 8192  # ...and of their names: the journal keeps 30 jobs within its size
LATEST = 253402300799.999  # 9999-12-31T23:59:59.999Z: the times the charm reads have four-digit years
DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class HeldPath(TypedDict):
    path: str
    present: bool
    files: int
    bytes: int
    newestChange: str | None
    complete: bool


class Held(TypedDict):
    checked: str
    paths: list[HeldPath]
    unchecked: int


class Budget:
    """What is left of the job's bound: entries, and time on a monotonic clock."""

    def __init__(self, entries: int, seconds: float, clock: Callable[[], float]) -> None:
        self.entries = entries
        self.deadline = clock() + seconds
        self.clock = clock

    def take(self) -> bool:
        """One entry more, if the bound allows it."""
        if self.entries <= 0 or self.clock() >= self.deadline:
            self.entries = 0
            return False
        self.entries -= 1
        return True


class Tally:
    """One path's counts: files (all but directories), bytes of regular files (each
    hard-linked one once, as Bacula saves its data once), the newest modification time."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0
        self.newest = 0.0
        self.linked: set[tuple[int, int]] = set()
        self.complete = True

    def add(self, info: os.stat_result) -> None:
        self.newest = max(self.newest, info.st_mtime)
        if stat.S_ISDIR(info.st_mode):
            return
        self.files += 1
        if stat.S_ISREG(info.st_mode):
            if info.st_nlink > 1:
                key = (info.st_dev, info.st_ino)
                if key in self.linked:
                    return
                self.linked.add(key)
            self.bytes += info.st_size


def list_directory(fd: int, budget: Budget, tally: Tally) -> list[tuple[str, tuple[int, int]]]:
    """Counts a directory's entries; returns its subdirectories on the same device, each with
    the identity (device, inode) it had when listed."""
    device = os.fstat(fd).st_dev
    below: list[tuple[str, tuple[int, int]]] = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                if not budget.take():
                    tally.complete = False
                    break
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # Gone meanwhile.
                tally.add(info)
                if stat.S_ISDIR(info.st_mode) and info.st_dev == device:
                    below.append((entry.name, (info.st_dev, info.st_ino)))
    except OSError as error:
        # Unreadable, or gone: Bacula cannot read it either. Anything else (out of descriptors
        # or memory, an I/O error) leaves the count short, and says so rather than "complete".
        if error.errno not in (errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR):
            tally.complete = False
    return below


def open_directory(name: str, identity: tuple[int, int], parent: int | None) -> int | None:
    """The directory listed as `identity` (device, inode), opened without following a link;
    None when it is gone or is something else now (swapped since it was listed: not followed).
    OSError for anything else (out of descriptors)."""
    try:
        fd = os.open(name, DIRECTORY_FLAGS, dir_fd=parent)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR):
            return None
        raise
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != identity:
        os.close(fd)
        return None
    return fd


def walk_directory(top: int, budget: Budget, tally: Tally) -> None:
    """Depth first, one descriptor open per level. Closes `top`."""
    stack = [(top, list_directory(top, budget, tally))]
    while stack:
        fd, below = stack[-1]
        if not below or budget.entries <= 0:
            if below:
                tally.complete = False
            os.close(fd)
            stack.pop()
            continue
        name, identity = below.pop()
        try:
            child = open_directory(name, identity, fd)
        except OSError:
            tally.complete = False  # Out of descriptors (a tree thousands deep): not seen whole.
            continue
        if child is not None:
            stack.append((child, list_directory(child, budget, tally)))


def walk_path(path: str, budget: Budget) -> HeldPath:
    """One fileset path: missing when lstat fails (Bacula: "Could not stat")."""
    try:
        info = os.lstat(path)
    except OSError:
        return {"path": path, "present": False, "files": 0, "bytes": 0, "newestChange": None, "complete": True}
    tally = Tally()
    tally.add(info)
    budget.take()
    if stat.S_ISDIR(info.st_mode):
        try:
            fd = open_directory(path, (info.st_dev, info.st_ino), None)
        except OSError:
            fd = None
        if fd is None:
            tally.complete = False  # Swapped since the lstat, or not opened: not seen.
        else:
            walk_directory(fd, budget, tally)
    return {
        "path": path,
        "present": True,
        "files": tally.files,
        "bytes": tally.bytes,
        # Any file's mtime can be set to anything: held within what the record's time can say.
        "newestChange": iso(min(max(tally.newest, 0.0), LATEST)),
        "complete": tally.complete,
    }


def walk_fileset(
    fileset: list[str],
    entries: int = MAX_ENTRIES,
    seconds: float = MAX_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Held:
    """Every path kept (the first MAX_PATHS, MAX_NAME_BYTES of names), in the fileset's
    order. Past the bound, a path is still looked at (present or missing) but not entered."""
    checked = time.time()
    kept: list[str] = []
    name_bytes = 0
    for path in fileset:
        name_bytes += len(path.encode("utf-8", "surrogateescape"))
        if len(kept) == MAX_PATHS or name_bytes > MAX_NAME_BYTES:
            break
        kept.append(path)
    budget = Budget(entries, seconds, clock)
    return {
        "checked": iso(checked),
        "paths": [walk_path(path, budget) for path in kept],
        "unchecked": len(fileset) - len(kept),
    }
