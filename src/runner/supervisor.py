"""Runs the operator's script as Bacula would run it, and watches over it: its output passed
through without ever waiting on Bacula's reader, its time limit, the signals sent to the runner,
and every process it leaves behind stopped when it ends."""

import contextlib
import enum
import errno
import os
import selectors
import signal
import time

import cgroups
from forwarded_signals import FORWARDED
from processes import Process, kill_all, processes
from records import TAIL_BYTES, Outcome
from times import duration_text

STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL when the run is stopped
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PENDING_MAX = 1 << 20  # bytes of output held for a reader that is behind; then the script waits
KILL_PASSES = 500  # SIGKILL passes over the tree, 10 ms apart, before giving up on one stuck in the kernel


def prctl(option: int, value: int) -> bool:
    """Best effort: without ctypes (a trimmed Python), only the process group is tracked."""
    try:
        import ctypes  # noqa: PLC0415 (here: a trimmed Python may lack it)

        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (ImportError, OSError, AttributeError):
        return False


def output_nonblocking() -> list[int]:
    """The runner never waits on Bacula's reader (a full pipe would hold it past the time
    limit): its stdout and stderr are made non-blocking, and the ones that were blocking are
    returned, to be put back as they were (a terminal is shared with the shell)."""
    changed: list[int] = []
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.get_blocking(fd):
                os.set_blocking(fd, False)
                changed.append(fd)
    return changed


def leftovers(group: int, cgroup: str | None = None, spare: tuple[int, ...] = ()) -> list[int]:
    """Live processes of the script's tree: its process group, every descendant of this runner
    (their subreaper: the script's orphans, even those that left the group with setsid or a
    double fork, and their own children), and every process in the run's cgroup. Parents come
    before their children, so that a signal sent down the list reaches a shell before the
    death of its foreground child can wake it to run its next command."""
    me = os.getpid()
    children: dict[int, list[int]] = {}
    found_processes = processes()
    for process in found_processes:
        children.setdefault(process.ppid, []).append(process.pid)
    live = {process.pid for process in found_processes if process.live}
    descendants = list(children.get(me, ()))
    for pid in descendants:  # Breadth first: it grows as it goes.
        descendants.extend(children.get(pid, ()))
    found = dict.fromkeys(pid for pid in descendants if pid in live)
    found.update(dict.fromkeys(p.pid for p in found_processes if p.live and p.group == group))
    if cgroup is not None:
        found.update(dict.fromkeys(pid for pid in cgroups.members(cgroup) if pid in live))
    return [pid for pid in found if pid != me and pid not in spare]


def stop_abandoned(said: bytes, cgroup: str | None) -> None:
    """The guard's work once the runner is gone mid-run: the script's session (the script leads
    its own) and its cgroup are killed, pass after pass until none is left."""
    session = said.decode("ascii", "replace").strip()
    for _ in range(KILL_PASSES):
        if cgroup is not None:
            cgroups.kill(cgroup)
        found: list[Process] = (
            [p for p in processes() if p.live and int(session) in (p.session, p.group)] if session.isdigit() else []
        )
        kill_all([p.pid for p in found])
        if not found:
            break
        time.sleep(0.01)
    if cgroup is not None:
        cgroups.remove(cgroup)


def exec_script(script: str, args: list[str], env: dict[str, str]) -> None:
    """As glibc's execvp, which Bacula uses: a file the kernel cannot run (no #! line) runs with
    /bin/sh. Deciding by the exec's own answer, rather than by reading the file beforehand, keeps
    the decision about the very file run while the charm replaces it."""
    try:
        os.execve(script, [script, *args], env)
    except OSError as error:
        if error.errno != errno.ENOEXEC:
            raise
    os.execve("/bin/sh", ["/bin/sh", script, *args], env)


class Phase(enum.Enum):
    """Where a run is. Output is read only while it can be held, until the run stops the
    script's tree; from then on it is read whole, and past the time limit what Bacula's reader
    does not take is dropped."""

    RUNNING = "running"  # the script runs within its limit
    STOPPING = "stopping"  # past its limit: the tree is being stopped
    ENDED = "ended"  # the script and its leftovers are gone: the pipes are read to their end


class Run:
    def __init__(self, option: str, argv: list[str], timeout: int | None, env: dict[str, str]) -> None:
        self.option = option
        self.timeout = timeout
        self.phase = Phase.RUNNING
        self.timed_out = False
        self.tail = bytearray()
        self.output_bytes = 0
        self.forwarded: list[str] = []
        self.stopped = 0
        self.started = time.time()
        self.ended = self.started
        self.status: int | None = None  # the script's wait status, once reaped
        self.pending: dict[int, bytearray] = {1: bytearray(), 2: bytearray()}
        self.waiting_to_write: set[int] = set()
        self.cgroup = cgroups.run_cgroup()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.sources: dict[int, int] = {out_r: 1, err_r: 2}
        self.reading: set[int] = set()
        self.guard, guard_w = self._guard(self.cgroup)
        self.guard_w: int | None = guard_w
        self.pid = self._spawn(argv, env, out_w, err_w)
        os.close(out_w)
        os.close(err_w)
        with contextlib.suppress(OSError):
            os.write(guard_w, f"{self.pid}\n".encode())
        self.selector = selectors.DefaultSelector()
        self.update_reading()
        self.pidfd: int | None
        try:
            self.pidfd = os.pidfd_open(self.pid)
            self.selector.register(self.pidfd, selectors.EVENT_READ, ("exit", 0))
        except OSError:
            self.pidfd = None  # Polled instead: a kernel before 5.3.

    @staticmethod
    def _guard(cgroup: str | None) -> tuple[int, int]:
        """A process of the runner's own that outlives it: if the runner is killed (SIGKILL
        cannot be caught) before it says the run is over, the guard kills the script's whole
        tree (its session, and its cgroup). It holds none of Bacula's pipes."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, read_end)
                os.closerange(read_end + 1, 1 << 16)
                said = b""
                while True:
                    chunk = os.read(read_end, 64)
                    if not chunk:
                        break
                    said += chunk
                if not said.endswith(b"done"):
                    stop_abandoned(said.split(b"\n")[0], cgroup)
            finally:
                os._exit(0)
        os.close(read_end)
        return pid, write_end

    def release_guard(self) -> None:
        """The tree is stopped: the guard has nothing left to do."""
        if self.guard_w is not None:
            with contextlib.suppress(OSError):
                os.write(self.guard_w, b"done")
            os.close(self.guard_w)
            self.guard_w = None
        if self.cgroup is not None:
            cgroups.remove(self.cgroup)

    def _spawn(self, argv: list[str], env: dict[str, str], out_w: int, err_w: int) -> int:
        option, cgroup, runner = self.option, self.cgroup, os.getpid()
        procs = None
        if cgroup is not None:
            with contextlib.suppress(OSError):
                procs = os.open(os.path.join(cgroup, "cgroup.procs"), os.O_WRONLY)
        pid = os.fork()
        if pid == 0:
            try:
                # Its own session, so the whole tree can be signalled at once; killed with the
                # runner if the runner is killed (SIGKILL cannot be forwarded). Signals are still
                # held here: the runner cannot be stopped by one between the fork and this.
                os.setsid()
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                if os.getppid() != runner:
                    os._exit(1)  # The runner died before the death signal was set.
                if procs is not None:
                    with contextlib.suppress(OSError):
                        os.write(procs, b"0")  # Into the run's cgroup, before it starts anything.
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                for sig in (*FORWARDED, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.closerange(3, 1 << 16)
                exec_script(argv[0], argv[1:], env)
            except OSError as error:
                os.write(2, f"backup-integrator: cannot start {option}: {error.strerror}\n".encode())
                os._exit(127 if error.errno == errno.ENOENT else 126)
        if procs is not None:
            os.close(procs)
        return pid

    def forward(self, sig: int, _frame: object) -> None:
        """A signal to the runner (a stopped bacula-fd, an operator's kill) goes to the script's whole tree."""
        self.forwarded.append(signal.Signals(sig).name)
        self.signal_tree(sig)

    def leftovers(self) -> list[int]:
        return leftovers(self.pid, self.cgroup, (self.guard,))

    def signal_tree(self, sig: int) -> None:
        """The script's group first, at once (the script and its foreground children: no child
        dies before its shell has the signal too), then each process, parents before children."""
        with contextlib.suppress(OSError):
            os.killpg(self.pid, sig)
        script = [] if self.status is not None else [self.pid]  # Once reaped, its pid is not ours.
        kill_all(list(dict.fromkeys([*script, *self.leftovers()])), sig)

    def kill_tree(self) -> None:
        """SIGKILL until none is left: each pass also finds what the last one's victims forked."""
        if self.cgroup is not None:
            cgroups.kill(self.cgroup)
        for _ in range(KILL_PASSES):
            found = self.leftovers()
            if self.status is None:
                found.append(self.pid)
            if not found:
                return
            kill_all(found)
            self.reap_orphans()
            time.sleep(0.01)

    def pass_through(self, fd: int, target: int) -> None:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            self.selector.unregister(fd)
            self.reading.discard(fd)
            del self.sources[fd]
            os.close(fd)
            return
        self.output_bytes += len(data)
        self.tail += data
        del self.tail[: -2 * TAIL_BYTES]
        self.emit(target, data)

    def emit(self, target: int, data: bytes, always: bool = False) -> None:
        """Output for Bacula, written as far as the reader takes it, never waiting on it: the
        rest is held (at most PENDING_MAX; the script waits meanwhile) and written as it reads.
        Past the time limit, what does not fit is dropped (the record keeps its tail)."""
        pending = self.pending[target]
        if always or not self.timed_out or len(pending) < PENDING_MAX:
            pending += data
        if target not in self.waiting_to_write:
            self.flush(target)
        self.update_reading()  # A reader that is behind makes the script wait, from this chunk on.

    def flush(self, target: int) -> None:
        pending = self.pending[target]
        while pending:
            try:
                del pending[: os.write(target, pending[: 1 << 16])]
            except BlockingIOError:
                if target not in self.waiting_to_write:
                    try:
                        self.selector.register(target, selectors.EVENT_WRITE, ("write", target))
                        self.waiting_to_write.add(target)
                    except (OSError, ValueError):
                        time.sleep(0.01)  # Cannot be polled: tried again on the next event.
                return
            except OSError:
                pending.clear()  # The reader is gone: the output is still drained and recorded.
        if target in self.waiting_to_write:
            self.selector.unregister(target)
            self.waiting_to_write.discard(target)

    def update_reading(self) -> None:
        """Reads the script's pipes only while its output can be held (always once stopping)."""
        for fd, target in self.sources.items():
            wanted = self.phase is not Phase.RUNNING or len(self.pending[target]) < PENDING_MAX
            if wanted and fd not in self.reading:
                self.selector.register(fd, selectors.EVENT_READ, ("read", target))
                self.reading.add(fd)
            elif not wanted and fd in self.reading:
                self.selector.unregister(fd)
                self.reading.discard(fd)

    def step(self, wait: float | None) -> None:
        for key, _ in self.selector.select(wait):
            kind, target = key.data
            if kind == "exit":
                self.selector.unregister(key.fd)
                os.close(key.fd)
                self.pidfd = None
            elif kind == "read":
                if key.fd in self.reading:  # Not one this batch's earlier events stopped reading.
                    self.pass_through(key.fd, target)
            else:
                self.flush(target)
                self.update_reading()

    def reap(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status is not None

    def pump(self, until: float | None) -> bool:
        """Passes output through until the script exits, or until `until` (a time) passes."""
        while not self.reap():
            left = None if until is None else until - time.monotonic()
            if left is not None and left <= 0:
                return False
            self.step(left if self.pidfd is not None else min(left or 0.05, 0.05))
        return True

    def drain(self, until: float) -> None:
        """What the script wrote before it ended, as long as something holds its pipes open."""
        while self.sources and time.monotonic() < until:
            self.step(max(0.0, until - time.monotonic()))

    def write_out(self, until: float | None) -> None:
        """The output still held for a reader that is behind, until `until` (None: no limit)."""
        while any(self.pending.values()) and self.waiting_to_write:
            left = None if until is None else until - time.monotonic()
            if left is not None and left <= 0:
                return
            self.step(left)

    def stop_leftovers(self) -> None:
        """Processes the script left behind are stopped: the run is over when the script is."""
        self.stopped = len(self.leftovers())
        if self.stopped == 0:
            return self.reap_orphans()
        self.signal_tree(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and self.leftovers():
            self.reap_orphans()
            if self.sources:
                self.drain(time.monotonic() + 0.05)
            else:
                time.sleep(0.05)
        self.kill_tree()

    def reap_orphans(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.pid and self.status is None:
                self.status = status

    def stop_at_limit(self) -> None:
        """The script ran past its limit: said in its output, then its tree is stopped."""
        assert self.timeout is not None
        self.timed_out = True
        self.phase = Phase.STOPPING
        self.update_reading()
        message = f"{self.option} timed out after {duration_text(self.timeout)}: stopping it"
        self.emit(2, f"backup-integrator: {message}\n".encode(), always=True)
        self.signal_tree(signal.SIGTERM)
        if not self.pump(time.monotonic() + STOP_GRACE):
            self.kill_tree()
            self.pump(None)

    def run(self) -> Outcome:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        if not self.pump(deadline):
            self.stop_at_limit()
        self.stop_leftovers()
        self.release_guard()
        self.phase = Phase.ENDED  # Nothing writes to the pipes any more: what is in them is read whole.
        self.update_reading()
        self.drain(time.monotonic() + 1.0)
        self.write_out(time.monotonic() + 1.0 if self.timed_out else deadline)
        self.ended = time.time()
        assert self.status is not None
        return Outcome(
            set=True,
            started=self.started,
            ended=self.ended,
            wait_status=self.status,
            timed_out=self.timed_out,
            timeout=self.timeout,
            forwarded=self.forwarded,
            stopped=self.stopped,
            output_bytes=self.output_bytes,
            tail=bytes(self.tail),
        )
