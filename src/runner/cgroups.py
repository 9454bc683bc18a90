"""A cgroup (v2) of the run's own, beside nothing else, so that every process the script starts
can be found and killed at once, however it detaches."""

import contextlib
import os
import signal
import time

from processes import alive, kill_all

CGROUP_PREFIX = "backup-integrator-run-"  # <pid namespace>-<runner pid>: one run's cgroup, under the runner's


def members(path: str) -> list[int]:
    try:
        with open(os.path.join(path, "cgroup.procs"), encoding="ascii") as f:
            return [int(line) for line in f.read().split()]
    except (OSError, ValueError):
        return []


def own_cgroup() -> str | None:
    """The runner's cgroup v2 directory, or None (cgroup v1 only, or none mounted)."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            path = next((line[3:].rstrip("\n") for line in f if line.startswith("0::")), None)
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            mounts = [line.split() for line in f if " - cgroup2 " in line]
    except OSError:
        return None
    if path is None or not mounts:
        return None
    fields = mounts[-1]  # the last one mounted is the one in sight
    root, point = fields[3], fields[4]
    if root != "/" and path.startswith(root):
        path = path[len(root) :]
    directory = point + path.rstrip("/")
    return directory if os.path.isdir(directory) else None


def run_cgroup() -> str | None:
    """The run's cgroup, made under the runner's. None where the machine offers no writable
    cgroup v2 (a container, an old base): the process scan then does it alone. The cgroups of
    runners that were killed are emptied and removed first."""
    parent = own_cgroup()
    if parent is None:
        return None
    try:
        # Named by the pid namespace too: a runner's pid says whether it is alive only here.
        prefix = f"{CGROUP_PREFIX}{os.stat('/proc/self/ns/pid').st_ino}-"
        for name in os.listdir(parent):
            if name.startswith(prefix) and not alive(name[len(prefix) :]):
                remove(os.path.join(parent, name))
        path = os.path.join(parent, f"{prefix}{os.getpid()}")
        os.mkdir(path, 0o755)
    except OSError:
        return None
    if not os.path.exists(os.path.join(path, "cgroup.procs")):
        os.rmdir(path)  # Not a cgroup file system after all.
        return None
    return path


def kill(path: str) -> None:
    """Every process in it at once where the kernel offers cgroup.kill (5.14), else each one."""
    with contextlib.suppress(OSError):
        with open(os.path.join(path, "cgroup.kill"), "w", encoding="ascii") as f:
            f.write("1")
        return
    kill_all(members(path), signal.SIGKILL)


def remove(path: str) -> None:
    """Kills what is left in it and removes it; best effort (its processes may take a moment to go)."""
    for _ in range(100):
        kill(path)
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)
