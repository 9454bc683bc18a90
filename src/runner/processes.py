"""The machine's processes, as /proc shows them: the one scanner."""

import contextlib
import os
import signal
from typing import NamedTuple


class Process(NamedTuple):
    pid: int
    state: str
    ppid: int
    group: int
    session: int

    @property
    def live(self) -> bool:
        """Not a zombie: it can still do something, and a signal reaches it."""
        return self.state not in ("Z", "X")


def processes() -> list[Process]:
    """Every process in sight, zombies included (they still tie a child to its parent)."""
    found: list[Process] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="latin-1") as f:
                # After the command's name, which may hold anything, ")" included.
                state, ppid, group, session = f.read().rsplit(")", 1)[1].split()[:4]
            found.append(Process(int(entry), state, int(ppid), int(group), int(session)))
        except (OSError, ValueError):
            continue
    return found


def alive(pid: str | int) -> bool:
    """Whether a process of that pid exists; a name that is not a pid is taken as alive (left alone)."""
    try:
        os.kill(int(pid), 0)
    except ValueError:
        return True
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def kill_all(pids: "list[int] | tuple[int, ...]", sig: int = signal.SIGKILL) -> None:
    """Best effort: a process may be gone by the time the signal is sent."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
