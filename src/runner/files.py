"""Files the runner keeps, read and written only through directory descriptors, never through
a link: the one atomic writer, and the reads of files that must be root's alone."""

import contextlib
import errno
import json
import os
import stat

from processes import alive

OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
READ_MAX_BYTES = 1 << 20  # a file of ours larger than this is not ours
TEMPORARY = ".tmp-"  # .<name>.tmp-<pid>: the writer's temporary file, removed once that pid is gone


class Refused(OSError):
    """A file or directory that is not as the runner left it (a link, another owner, writable
    by others): neither read, nor written in, nor pruned."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(errno.EPERM, f"{path} {why}")


def write_atomically(directory: int, name: str, data: bytes, mode: int) -> None:
    """A whole file or none: a temporary file created exclusively beside it (so a link planted
    there is never followed), flushed, renamed over `name` (which replaces a link rather than
    writing through it), and the directory flushed."""
    temporary = f".{name}{TEMPORARY}{os.getpid()}"
    # Not created here (something already at the name, perhaps planted in a directory others
    # can write): it is not ours to delete.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=directory)
    try:
        try:
            os.fchmod(fd, mode)  # Whatever the umask.
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=directory)
        raise
    os.fsync(directory)


def remove_stale_temporaries(directory: int, names: list[str]) -> None:
    """A writer killed mid-write leaves its temporary file: removed once that pid is gone."""
    for name in names:
        pid = name.rpartition(TEMPORARY)[2] if name.startswith(".") and TEMPORARY in name else ""
        if pid.isdigit() and not alive(pid):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=directory)


def trusted_directory(parent: int | None, name: str, path: str, create: bool) -> int:
    """A directory of root's (the runner's user) that nobody else can write, opened without
    following a link: one others could change is neither written in nor pruned. `create`
    makes it (0700) when missing; the application's directory is never made, so that a run
    ending after `remove` writes nothing."""
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700, dir_fd=parent)
    try:
        fd = os.open(name, OPEN_DIRECTORY, dir_fd=parent)
    except FileNotFoundError:
        raise OSError(errno.ENOENT, f"{path} no longer exists") from None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Refused(path, "is not a directory (a link?): not recording there") from None
        raise
    info = os.fstat(fd)
    ours = info.st_uid in (0, os.geteuid())
    if not ours or info.st_mode & 0o022:
        os.close(fd)
        why = "is writable by others" if ours else f"is owned by uid {info.st_uid}"
        raise Refused(path, f"{why}: not recording there")
    if create and info.st_mode & 0o777 != 0o700:
        os.fchmod(fd, 0o700)
    return fd


def read_trusted(directory: int, name: str) -> bytes:
    """A regular file of root's that nobody else can write, never through a link, never
    waiting on a FIFO, bounded. FileNotFoundError when there is none; Refused when it is not
    such a file."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=directory)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused(name, "is a link") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > READ_MAX_BYTES:
            raise Refused(name, "is not a regular file of its size")
        if info.st_uid not in (0, os.geteuid()) or info.st_mode & 0o022:
            raise Refused(name, "is not root's alone")
        return os.read(fd, READ_MAX_BYTES + 1)
    finally:
        os.close(fd)


def read_json(directory: int, name: str) -> dict[str, object] | None:
    """A JSON object from a trusted file (read_trusted), or None when there is none or it is not one."""
    try:
        value: object = json.loads(read_trusted(directory, name))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None  # pyright: ignore[reportUnknownVariableType]
