#!/usr/bin/python3 -I
# backup-integrator's script runner, installed by the charm at the path it publishes for each
# run-* option: /opt/backup-integrator-charm/<application>/scripts/<option>. Bacula starts it
# as it would the script: execvp, as root. It runs the operator's script (stored beside it,
# in ../operator-scripts/<option>, root only), passes its output and exit status through, and
# leaves a record of the run in ../runs/<option>/ that the charm shows in `juju status` and in
# its actions. It holds no operator data: every application's runner is this same file.
#
# Python 3 (3.8 or later), not the charm's Node: this file must work for every unit on the
# machine whatever the state of any one unit's charm directory (Juju replaces it on upgrade
# and deletes it on remove), and every Ubuntu base the charm runs on has /usr/bin/python3.
import calendar
import errno
import fcntl
import json
import os
import re
import selectors
import shutil
import signal
import stat
import sys
import time

RECORDS_KEPT = 10  # per script
TAIL_BYTES = 4096  # of output kept in a record...
TAIL_LINES = 40  # ...and at most this many lines of it
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL when the run is stopped
TIMED_OUT = 124  # the exit status of a run stopped at its time limit, as timeout(1)'s
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
# Set by the charm's run-script action: a run an operator asked for is not one of Bacula's jobs.
ACTION_VARIABLE = "BACKUP_INTEGRATOR_ACTION"
JOB_STARTS = ("run-before-backup", "run-before-restore")
# The job journal (jobs.json): each option's kind of job, and its script that starts or ends one.
JOB_SCRIPTS = {
    "run-before-backup": ("backup", "run-before-backup", "run-after-backup"),
    "run-after-backup": ("backup", "run-before-backup", "run-after-backup"),
    "run-before-restore": ("restore", "run-before-restore", "run-after-restore"),
    "run-after-restore": ("restore", "run-before-restore", "run-after-restore"),
}
JOBS_KEPT = 30  # per kind
JOURNAL_MAX_BYTES = 1 << 20  # a journal larger than this is not ours: it is started anew
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PENDING_MAX = 1 << 20  # bytes of output held for a reader that is behind; then the script waits
KILL_PASSES = 500  # SIGKILL passes over the tree, 10 ms apart, before giving up on one stuck in the kernel
CGROUP_PREFIX = "backup-integrator-run-"  # <pid namespace>-<runner pid>: one run's cgroup, under the runner's

# Held from here on, and released once the script runs: a signal that comes while the runner
# starts is forwarded to the script then, and the run is recorded. (Before Python reaches this
# line nothing can hold it: the runner dies of it, before it has started the script.)
signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)


def duration_text(seconds):
    """1h30m, 45s, 2m5s: the way the option is written."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"


def prctl(option, value):
    """Best effort: without ctypes (a trimmed Python), only the process group is tracked."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (ImportError, OSError, AttributeError):
        return False


def say(line):
    """A line of the runner's own on stderr, which Bacula puts in the job report."""
    try:
        os.write(2, f"backup-integrator: {line}\n".encode())
    except OSError:
        pass


def read_settings(app_dir):
    try:
        with open(os.path.join(app_dir, "runner.json"), encoding="utf-8") as f:
            settings = json.load(f)
    except (OSError, ValueError):
        return {}
    return settings if isinstance(settings, dict) else {}


def leftovers(group, cgroup=None, spare=()):
    """Live processes of the script's tree: its process group, every descendant of this runner
    (their subreaper: the script's orphans, even those that left the group with setsid or a
    double fork, and their own children), and every process in the run's cgroup. Parents come
    before their children, so that a signal sent down the list reaches a shell before the
    death of its foreground child can wake it to run its next command."""
    me = os.getpid()
    children = {}
    members = []
    live = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="latin-1") as f:
                state, ppid, pgrp = f.read().rsplit(")", 1)[1].split()[:3]
            pid, ppid = int(entry), int(ppid)
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(pid)
        if state not in ("Z", "X"):
            live.add(pid)
            if pgrp == str(group):
                members.append(pid)
    descendants = list(children.get(me, ()))
    for pid in descendants:  # Breadth first: it grows as it goes.
        descendants.extend(children.get(pid, ()))
    found = dict.fromkeys(pid for pid in descendants if pid in live)
    found.update(dict.fromkeys(members))
    if cgroup is not None:
        found.update(dict.fromkeys(pid for pid in cgroup_members(cgroup) if pid in live))
    return [pid for pid in found if pid != me and pid not in spare]


def cgroup_members(path):
    try:
        with open(os.path.join(path, "cgroup.procs"), encoding="ascii") as f:
            return [int(line) for line in f.read().split()]
    except (OSError, ValueError):
        return []


def own_cgroup():
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


def run_cgroup():
    """A cgroup of the run's own, beside nothing else, so that every process the script starts
    can be found and killed at once, however it detaches. None where the machine offers no
    writable cgroup v2 (a container, an old base): the process scan then does it alone. The
    cgroups of runners that were killed are emptied and removed first."""
    parent = own_cgroup()
    if parent is None:
        return None
    try:
        # Named by the pid namespace too: a runner's pid says whether it is alive only here.
        prefix = f"{CGROUP_PREFIX}{os.stat('/proc/self/ns/pid').st_ino}-"
        for name in os.listdir(parent):
            if name.startswith(prefix) and not alive(name[len(prefix) :]):
                remove_cgroup(os.path.join(parent, name))
        path = os.path.join(parent, f"{prefix}{os.getpid()}")
        os.mkdir(path, 0o755)
    except OSError:
        return None
    if not os.path.exists(os.path.join(path, "cgroup.procs")):
        os.rmdir(path)  # Not a cgroup file system after all.
        return None
    return path


def alive(pid):
    try:
        os.kill(int(pid), 0)
    except ValueError:
        return True  # Not a name this runner made: left alone.
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def kill_cgroup(path):
    """Every process in it at once where the kernel offers cgroup.kill (5.14), else each one."""
    try:
        with open(os.path.join(path, "cgroup.kill"), "w", encoding="ascii") as f:
            f.write("1")
        return
    except OSError:
        pass
    for pid in cgroup_members(path):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def remove_cgroup(path):
    """Kills what is left in it and removes it; best effort (its processes may take a moment to go)."""
    for _ in range(100):
        kill_cgroup(path)
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def stop_abandoned(pid, cgroup):
    """The guard's work once the runner is gone mid-run: the script's session (the script leads
    its own) and its cgroup are killed, pass after pass until none is left."""
    session = pid.decode("ascii", "replace").strip()
    for _ in range(KILL_PASSES):
        if cgroup is not None:
            kill_cgroup(cgroup)
        found = []
        for entry in os.listdir("/proc") if session.isdigit() else ():
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="latin-1") as f:
                    state, _, pgrp, sid = f.read().rsplit(")", 1)[1].split()[:4]
            except (OSError, ValueError):
                continue
            if state not in ("Z", "X") and session in (sid, pgrp):
                found.append(int(entry))
        for victim in found:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        if not found:
            break
        time.sleep(0.01)
    if cgroup is not None:
        remove_cgroup(cgroup)


def exec_script(script, args, env):
    """As glibc's execvp, which Bacula uses: a file the kernel cannot run (no #! line) runs with
    /bin/sh. Deciding by the exec's own answer, rather than by reading the file beforehand, keeps
    the decision about the very file run while the charm replaces it."""
    try:
        os.execve(script, [script, *args], env)
    except OSError as error:
        if error.errno != errno.ENOEXEC:
            raise
    os.execve("/bin/sh", ["/bin/sh", script, *args], env)


class Run:
    def __init__(self, option, argv, timeout, env):
        self.option = option
        self.timeout = timeout
        self.tail = bytearray()
        self.output_bytes = 0
        self.forwarded = []
        self.timed_out = False
        self.stopping = False
        self.stopped = 0
        self.started = time.time()
        self.pending = {1: bytearray(), 2: bytearray()}
        self.waiting_to_write = set()
        self.cgroup = run_cgroup()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.sources = {out_r: 1, err_r: 2}
        self.reading = set()
        self.guard, self.guard_w = self._guard(self.cgroup)
        self.pid = self._spawn(option, argv, env, out_w, err_w, self.cgroup)
        os.close(out_w)
        os.close(err_w)
        try:
            os.write(self.guard_w, f"{self.pid}\n".encode())
        except OSError:
            pass
        self.selector = selectors.DefaultSelector()
        self.update_reading()
        try:
            self.pidfd = os.pidfd_open(self.pid)
            self.selector.register(self.pidfd, selectors.EVENT_READ, ("exit", 0))
        except (AttributeError, OSError):
            self.pidfd = None  # Polled instead: Python before 3.9, or a kernel before 5.3.
        self.status = None

    @staticmethod
    def _guard(cgroup):
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

    def release_guard(self):
        """The tree is stopped: the guard has nothing left to do."""
        if self.guard_w is not None:
            try:
                os.write(self.guard_w, b"done")
            except OSError:
                pass
            os.close(self.guard_w)
            self.guard_w = None
        if self.cgroup is not None:
            remove_cgroup(self.cgroup)

    @staticmethod
    def _spawn(option, argv, env, out_w, err_w, cgroup):
        runner = os.getpid()
        procs = None
        if cgroup is not None:
            try:
                procs = os.open(os.path.join(cgroup, "cgroup.procs"), os.O_WRONLY)
            except OSError:
                pass
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
                    try:
                        os.write(procs, b"0")  # Into the run's cgroup, before it starts anything.
                    except OSError:
                        pass
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                for sig in (*FORWARDED, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.closerange(3, 1 << 16)
                exec_script(argv[0], argv[1:], env)
            except OSError as error:
                os.write(2, f"backup-integrator: cannot start {option}: {error.strerror}\n".encode())
                os._exit(127 if error.errno == 2 else 126)
        if procs is not None:
            os.close(procs)
        return pid

    def forward(self, sig, _frame):
        """A signal to the runner (a stopped bacula-fd, an operator's kill) goes to the script's whole tree."""
        self.forwarded.append(signal.Signals(sig).name)
        self.signal_tree(sig)

    def leftovers(self):
        return leftovers(self.pid, self.cgroup, (self.guard,))

    def signal_tree(self, sig):
        """The script's group first, at once (the script and its foreground children: no child
        dies before its shell has the signal too), then each process, parents before children."""
        try:
            os.killpg(self.pid, sig)
        except OSError:
            pass
        script = [] if self.status is not None else [self.pid]  # Once reaped, its pid is not ours.
        for pid in dict.fromkeys([*script, *self.leftovers()]):
            try:
                os.kill(pid, sig)
            except OSError:
                pass

    def kill_tree(self):
        """SIGKILL until none is left: each pass also finds what the last one's victims forked."""
        if self.cgroup is not None:
            kill_cgroup(self.cgroup)
        for _ in range(KILL_PASSES):
            found = self.leftovers()
            if self.status is None:
                found.append(self.pid)
            if not found:
                return
            for pid in found:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            self.reap_orphans()
            time.sleep(0.01)

    def pass_through(self, fd, target):
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

    def emit(self, target, data, always=False):
        """Output for Bacula, written as far as the reader takes it, never waiting on it: the
        rest is held (at most PENDING_MAX; the script waits meanwhile) and written as it reads.
        Past the time limit, what does not fit is dropped (the record keeps its tail)."""
        pending = self.pending[target]
        if always or not self.timed_out or len(pending) < PENDING_MAX:
            pending += data
        if target not in self.waiting_to_write:
            self.flush(target)

    def flush(self, target):
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
        self.update_reading()

    def update_reading(self):
        """Reads the script's pipes only while its output can be held (always once stopping)."""
        for fd, target in self.sources.items():
            wanted = self.stopping or len(self.pending[target]) < PENDING_MAX
            if wanted and fd not in self.reading:
                self.selector.register(fd, selectors.EVENT_READ, ("read", target))
                self.reading.add(fd)
            elif not wanted and fd in self.reading:
                self.selector.unregister(fd)
                self.reading.discard(fd)

    def step(self, wait):
        for key, _ in self.selector.select(wait):
            kind, target = key.data
            if kind == "exit":
                self.selector.unregister(self.pidfd)
                os.close(self.pidfd)
                self.pidfd = None
            elif kind == "read":
                if key.fd in self.sources:
                    self.pass_through(key.fd, target)
            else:
                self.flush(target)

    def reap(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status is not None

    def pump(self, until):
        """Passes output through until the script exits, or until `until` (a time) passes."""
        while not self.reap():
            left = None if until is None else until - time.monotonic()
            if left is not None and left <= 0:
                return False
            self.step(left if self.pidfd is not None else min(left or 0.05, 0.05))
        return True

    def drain(self, until):
        """What the script wrote before it ended, as long as something holds its pipes open."""
        while self.sources and time.monotonic() < until:
            self.step(max(0.0, until - time.monotonic()))

    def write_out(self, until):
        """The output still held for a reader that is behind, until `until` (None: no limit)."""
        while any(self.pending.values()) and self.waiting_to_write:
            left = None if until is None else until - time.monotonic()
            if left is not None and left <= 0:
                return
            self.step(left)

    def stop_leftovers(self):
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

    def reap_orphans(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.pid and self.status is None:
                self.status = status

    def run(self):
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        if not self.pump(deadline):
            self.timed_out = True
            self.stopping = True
            self.update_reading()
            message = f"{self.option} timed out after {duration_text(self.timeout)}: stopping it"
            self.emit(2, f"backup-integrator: {message}\n".encode(), always=True)
            self.signal_tree(signal.SIGTERM)
            if not self.pump(time.monotonic() + STOP_GRACE):
                self.kill_tree()
                self.pump(None)
        self.stop_leftovers()
        self.release_guard()
        self.stopping = True  # Nothing writes to the pipes any more: what is in them is read whole.
        self.update_reading()
        self.drain(time.monotonic() + 1.0)
        self.write_out(time.monotonic() + 1.0 if self.timed_out else deadline)
        self.ended = time.time()

    def record(self):
        status = self.status
        output = self.tail.decode("utf-8", "replace")
        lines = output.splitlines(keepends=True)[-TAIL_LINES:]
        output = "".join(lines)
        while len(output.encode()) > TAIL_BYTES:
            output = output[1:]
        return {
            "version": 1,
            "script": self.option,
            "pid": os.getpid(),
            "started": iso(self.started),
            "ended": iso(self.ended),
            "durationMs": round((self.ended - self.started) * 1000),
            "exitStatus": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None,
            "timedOut": self.timed_out,
            "timeout": self.timeout,
            "forwardedSignals": self.forwarded,
            "stoppedLeftovers": self.stopped,
            "outputBytes": self.output_bytes,
            "output": output,
        }


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


def save(runs_dir, record):
    """Atomically (a whole record or none), then keeps the newest RECORDS_KEPT. Everything
    through directory descriptors, so that no path is looked up twice."""
    runs_parent = os.path.dirname(runs_dir)
    app_dir = os.path.dirname(runs_parent)
    opened = []
    try:
        opened.append(trusted_directory(None, app_dir, app_dir, create=False))
        opened.append(trusted_directory(opened[-1], "runs", runs_parent, create=True))
        opened.append(trusted_directory(opened[-1], os.path.basename(runs_dir), runs_dir, create=True))
        write_record(opened[-1], record)
    finally:
        for fd in opened:
            os.close(fd)


def write_record(runs, record):
    name = f"{int(time.time() * 1000):013d}-{record['pid']}.json"
    temporary = f".{name}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(temporary, flags, 0o600, dir_fd=runs)
        try:
            data = json.dumps(record, ensure_ascii=False).encode()
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, name, src_dir_fd=runs, dst_dir_fd=runs)
    except OSError:
        try:
            os.unlink(temporary, dir_fd=runs)
        except OSError:
            pass
        raise
    names = os.listdir(runs)
    remove_stale_temporaries(runs, names)
    records = sorted(n for n in names if n.endswith(".json") and not n.startswith("."))
    for old in records[:-RECORDS_KEPT]:
        try:
            os.unlink(old, dir_fd=runs)
        except FileNotFoundError:
            pass  # Another run of the same script pruned it first.


def refuse(path, why):
    return OSError(errno.EPERM, f"{path} {why}: not recording there")


def trusted_directory(parent, name, path, create):
    """A directory of root's (the runner's user) that nobody else can write, opened without
    following a link: one others could change is neither written in nor pruned. `create`
    makes it (0700) when missing; the application's directory is never made, so that a run
    ending after `remove` writes nothing."""
    if create:
        try:
            os.mkdir(name, 0o700, dir_fd=parent)
        except FileExistsError:
            pass
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=parent)
    except FileNotFoundError:
        raise OSError(errno.ENOENT, f"{path} no longer exists") from None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise refuse(path, "is not a directory (a link?)") from None
        raise
    info = os.fstat(fd)
    ours = info.st_uid in (0, os.geteuid())
    if not ours or info.st_mode & 0o022:
        os.close(fd)
        raise refuse(path, "is writable by others" if ours else f"is owned by uid {info.st_uid}")
    if create and info.st_mode & 0o777 != 0o700:
        os.fchmod(fd, 0o700)
    return fd


def remove_stale_temporaries(runs, names):
    """A runner killed while saving leaves its temporary file: removed once that pid is gone."""
    for name in names:
        pid = name[15:-9] if name.startswith(".") and name.endswith(".json.tmp") else ""
        if pid.isdigit() and not alive(pid):
            try:
                os.unlink(name, dir_fd=runs)
            except FileNotFoundError:
                pass


def output_nonblocking():
    """The runner never waits on Bacula's reader (a full pipe would hold it past the time
    limit): its stdout and stderr are made non-blocking, and the ones that were blocking are
    returned, to be put back as they were (a terminal is shared with the shell)."""
    changed = []
    for fd in (1, 2):
        try:
            if os.get_blocking(fd):
                os.set_blocking(fd, False)
                changed.append(fd)
        except OSError:
            pass
    return changed


def unset_record(option):
    """A run of an option with no script: bacula-fd runs a no-op of its own for an unset key,
    which this runner stands in for, so that the published path never changes."""
    now = time.time()
    return {
        "version": 1,
        "script": option,
        "set": False,
        "pid": os.getpid(),
        "started": iso(now),
        "ended": iso(now),
        "durationMs": 0,
        "exitStatus": 0,
        "signal": None,
        "timedOut": False,
        "timeout": None,
        "forwardedSignals": [],
        "stoppedLeftovers": 0,
        "outputBytes": 0,
        "output": "",
    }


def retire_python_era(app_dir):
    """Bacula started a job through a path this charm publishes: the Director has read them,
    and names no script of the Python charm's <app>-<unit number>/ directories any more."""
    root, app = os.path.split(app_dir)
    try:
        names = os.listdir(root)
    except OSError:
        return  # Removed meanwhile, with the charm: nothing is left to retire.
    for name in names:
        if name.startswith(f"{app}-") and re.fullmatch(r"[0-9]+", name[len(app) + 1 :]):
            try:
                shutil.rmtree(os.path.join(root, name))  # Refuses a link; follows none inside.
            except OSError as error:
                say(f"could not delete the Python charm's {name}: {error.strerror or error}")


def iso_ms(text):
    """Milliseconds since 1970 of a time as iso() writes it."""
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    return calendar.timegm(tuple(int(field) for field in fields)) * 1000 + int(text[20:23])


def new_journal():
    return {
        "version": 1,
        "backup": {"counts": {"succeeded": 0, "failed": 0}, "lastSuccess": None, "jobs": []},
        "restore": {"counts": {"succeeded": 0, "failed": 0}, "lastSuccess": None, "jobs": []},
    }


def read_journal(path):
    """The journal, or a new one when there is none or it is not one (said in the job report)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return new_journal()
    except OSError:  # A link (ELOOP): not followed, replaced.
        say("the job journal was unreadable: starting a new one")
        return new_journal()
    try:
        info = os.fstat(fd)
        if not (stat.S_ISREG(info.st_mode) and info.st_size <= JOURNAL_MAX_BYTES):
            raise ValueError("not a regular file of its size")
        journal = json.loads(os.read(fd, JOURNAL_MAX_BYTES + 1))
        kinds = [journal[kind] for kind in ("backup", "restore")]
        if journal.get("version") != 1 or not all(
            isinstance(kind["jobs"], list)
            and all(isinstance(kind["counts"][outcome], int) for outcome in ("succeeded", "failed"))
            for kind in kinds
        ):
            raise ValueError("not version 1")
        for kind in kinds:
            kind.setdefault("lastSuccess", None)
        return journal
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        say("the job journal was unreadable: starting a new one")
        return new_journal()
    finally:
        os.close(fd)


def script_result(record):
    """What the journal keeps of a run: how and when it ended."""
    result = {key: record[key] for key in ("started", "ended", "durationMs", "exitStatus", "signal", "timedOut")}
    return {"set": record.get("set", True), **result}


def add_run(journal, option, record):
    """The job a run starts or ends. A start fails a job still running (it never reached its
    after-script: Bacula failed or cancelled it); a failed start fails its own job at once;
    an after-script's run ends the running job, succeeded (Bacula ran it because the data was
    saved: a failing after-script is "OK -- with warnings", its result says so)."""
    kind, before, after = JOB_SCRIPTS[option]
    entry = journal[kind]
    jobs, counts = entry["jobs"], entry["counts"]
    result = script_result(record)
    running = [job for job in jobs if job.get("outcome") == "running"]
    if option == before:
        for job in running:
            job["outcome"] = "failed"
            counts["failed"] += 1
        ok = record["exitStatus"] == 0 and not record["timedOut"]
        jobs.insert(
            0,
            {
                "started": record["started"],
                "ended": None if ok else record["ended"],
                "outcome": "running" if ok else "failed",
                "durationMs": None if ok else record["durationMs"],
                "scripts": {before: result, after: None},
            },
        )
        if not ok:
            counts["failed"] += 1
    else:
        job = running[0] if running else None
        if job is None:  # Started before this journal did (an upgrade), or its start went unrecorded.
            job = {"started": None, "scripts": {before: None, after: None}}
            jobs.insert(0, job)
        job["scripts"][after] = result
        job["outcome"] = "succeeded"
        job["ended"] = record["ended"]
        job["durationMs"] = None if job["started"] is None else iso_ms(record["ended"]) - iso_ms(job["started"])
        counts["succeeded"] += 1
        entry["lastSuccess"] = record["ended"]
    del jobs[JOBS_KEPT:]


def write_atomically(path, data, mode):
    """A temporary file beside it, flushed, renamed over it; the directory flushed."""
    directory = os.path.dirname(path)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
        try:
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_run(app_dir, option, record):
    """Adds the run to the job journal (jobs.json, root only), under an exclusive lock: two
    scripts may end at once. Returns the journal written."""
    lock = os.open(os.path.join(app_dir, "jobs.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = os.path.join(app_dir, "jobs.json")
        journal = read_journal(path)
        add_run(journal, option, record)
        write_atomically(path, json.dumps(journal, ensure_ascii=False).encode(), 0o600)
        return journal
    finally:
        os.close(lock)


def record_run(app_dir, option, record):
    """What a run leaves: its record, and what it tells of Bacula's job."""
    try:
        save(os.path.join(app_dir, "runs", option), record)
    except OSError as error:
        say(f"could not record this run of {option}: {error.strerror}")
    if os.environ.get(ACTION_VARIABLE) == "1":
        return  # run-script's: no job of Bacula's
    try:
        journal_run(app_dir, option, record)
    except OSError as error:
        say(f"could not add this run of {option} to the job journal: {error.strerror}")
    if option in JOB_STARTS:
        retire_python_era(app_dir)


# --- Metrics for Prometheus (node_exporter's textfile collector) -------------------------------
# After each run the runner writes the application's metrics from the job journal and the
# newest run record of each script, atomically, into each textfile directory of runner.json
# that exists (never creating one: an exporter that reads it must be there). The charm starts
# it with --write-metrics when its settings change, so that a new unit shows "no backup yet".

METRICS_PREFIX = "backup_integrator_"
DEFAULT_BACKUP_MAX_AGE = 26 * 3600  # Bacula's stock schedule runs a job every night.
JOB_KINDS = ("backup", "restore")
JOB_OUTCOMES = ("succeeded", "failed")


def epoch(text):
    """ISO 8601 UTC with milliseconds (as iso() writes it) to Unix seconds; None stays None."""
    if not isinstance(text, str):
        return None
    try:
        whole, _, rest = text.rstrip("Z").partition(".")
        seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
        return seconds + (int(rest[:3].ljust(3, "0")) / 1000 if rest.isdigit() else 0)
    except ValueError:
        return None


def label_value(text):
    """A label value in Prometheus' text format: backslash, double quote and newline escaped."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def number(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def newest_job(jobs, outcome):
    for job in jobs:
        if isinstance(job, dict) and job.get("outcome") == outcome:
            return job
    return None


def exit_status_of(record):
    """As the runner exits: 124 when timed out, the exit status, or 128 + the signal's number."""
    if record.get("timedOut"):
        return TIMED_OUT
    if isinstance(record.get("exitStatus"), int):
        return record["exitStatus"]
    try:
        return 128 + signal.Signals[record.get("signal")].value
    except KeyError:
        return None


def render_metrics(identity, journal, records, since, max_age):
    """The metrics as Prometheus' text format (version 0.0.4). `identity`: the labels every
    series carries (application, unit); `journal`: jobs.json's content ({} before any job);
    `records`: the newest run record of each script that ran; `since`: when the metrics began
    (Unix seconds); `max_age`: the longest wait for a successful backup, in seconds."""
    base = ",".join('%s="%s"' % (key, label_value(value)) for key, value in identity)
    families = []

    def family(name, kind, help_text, samples):
        lines = []
        for labels, value in samples:
            if value is not None:
                extra = "".join(',%s="%s"' % (key, label_value(v)) for key, v in labels)
                lines.append(f"{METRICS_PREFIX}{name}{{{base}{extra}}} {number(value)}")
        if lines:  # A family with no sample yet (no script has run) is left out.
            lines[:0] = [f"# HELP {METRICS_PREFIX}{name} {help_text}", f"# TYPE {METRICS_PREFIX}{name} {kind}"]
            families.append("\n".join(lines))

    kinds = {}
    for kind in JOB_KINDS:
        entry = journal.get(kind) if isinstance(journal, dict) else None
        entry = entry if isinstance(entry, dict) else {}
        jobs = entry.get("jobs") if isinstance(entry.get("jobs"), list) else []
        counts = entry.get("counts") if isinstance(entry.get("counts"), dict) else {}
        kinds[kind] = (jobs, counts)

    def per_kind(value_of):
        return [((("kind", kind),), value_of(*kinds[kind])) for kind in JOB_KINDS]

    def started(job):
        return epoch(job.get("started")) if job else None

    def ended(job):
        # A job failed by the next start never ended as far as anyone saw: its start stands.
        return (epoch(job.get("ended")) or epoch(job.get("started"))) if job else None

    def last_success(jobs, _counts):
        return ended(newest_job(jobs, "succeeded")) or 0

    family(
        "last_start_timestamp_seconds", "gauge", "When the newest job of this kind started (Unix time; 0: none yet).",
        per_kind(lambda jobs, _c: next((started(j) for j in jobs if isinstance(j, dict) and started(j)), 0)),
    )
    family(
        "last_success_timestamp_seconds", "gauge", "When the newest successful job of this kind ended (Unix time; 0: none yet).",
        per_kind(last_success),
    )
    family(
        "last_failure_timestamp_seconds", "gauge", "When the newest failed job of this kind ended, or started if its end was not seen (Unix time; 0: none yet).",
        per_kind(lambda jobs, _c: ended(newest_job(jobs, "failed")) or 0),
    )
    family(
        "last_duration_seconds", "gauge", "How long the newest job of this kind that ended took, before-script start to after-script end.",
        per_kind(lambda jobs, _c: next((j["durationMs"] / 1000 for j in jobs if isinstance(j, dict) and isinstance(j.get("durationMs"), int)), None)),
    )
    family(
        "job_running", "gauge", "1 while the newest job of this kind has started and not ended.",
        per_kind(lambda jobs, _c: 1 if jobs and isinstance(jobs[0], dict) and jobs[0].get("outcome") == "running" else 0),
    )
    family(
        "jobs_total", "counter", "Jobs of this kind by outcome since the unit's journal began.",
        [
            ((("kind", kind), ("outcome", outcome)), counts.get(outcome) if isinstance(counts.get(outcome), int) else 0)
            for kind, (_jobs, counts) in kinds.items()
            for outcome in JOB_OUTCOMES
        ],
    )
    family(
        "backup_max_age_seconds", "gauge", "The longest wait for a successful backup before it is overdue (backup-max-age, or 26h).",
        [((), max_age)],
    )
    success = last_success(*kinds["backup"])
    family(
        "backup_deadline_timestamp_seconds", "gauge", "When a backup is overdue: the end of the last successful one (before any, the start of these metrics) plus the max age.",
        [((), (success or since) + max_age)],
    )
    family(
        "metrics_since_timestamp_seconds", "gauge", "When this application's metrics began on this machine (Unix time).",
        [((), since)],
    )
    scripts = sorted(records)
    family(
        "script_last_exit_status", "gauge", "The exit status of the newest run of this script (128 + the signal's number when killed by one; 124 when timed out).",
        [((("script", name),), exit_status_of(records[name])) for name in scripts],
    )
    family(
        "script_last_timed_out", "gauge", "1 when the newest run of this script was stopped at script-timeout.",
        [((("script", name),), bool(records[name].get("timedOut"))) for name in scripts],
    )
    family(
        "script_last_run_timestamp_seconds", "gauge", "When the newest run of this script ended (Unix time).",
        [((("script", name),), epoch(records[name].get("ended"))) for name in scripts],
    )
    return "\n".join(families) + "\n"


def read_json(path):
    """A JSON object from a regular file of ours (never through a link, bounded), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        value = json.loads(os.read(fd, JOURNAL_MAX_BYTES + 1))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return value if isinstance(value, dict) else None


def newest_records(app_dir):
    """The newest run record of each script, by script name."""
    runs = os.path.join(app_dir, "runs")
    found = {}
    try:
        names = os.listdir(runs)
    except OSError:
        return found
    for option in names:
        try:
            records = sorted(n for n in os.listdir(os.path.join(runs, option)) if n.endswith(".json") and not n.startswith("."))
        except OSError:
            continue
        for name in reversed(records):
            record = read_json(os.path.join(runs, option, name))
            if record is not None:
                found[option] = record
                break
    return found


def metrics_since(app_dir):
    """When the metrics began: the modification time of an empty file made by the first write."""
    path = os.path.join(app_dir, "metrics-since")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        pass
    return int(os.lstat(path).st_mtime)


def write_text(directory, name, text):
    """Atomically, mode 0644 (node_exporter runs as `prometheus`): a temporary file created
    exclusively beside it, then renamed over it, so a link planted at the path is replaced,
    never followed, and the exporter never reads half a file (it skips names not ending .prom)."""
    temporary = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        try:
            os.fchmod(fd, 0o644)  # Whatever the umask.
            data = text.encode()
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)
        os.rename(temporary, os.path.join(directory, name))
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_metrics(app_dir, settings):
    """Renders the metrics and writes them into each textfile directory that exists. Best
    effort: a failure is said on stderr and never changes the run's exit status."""
    app = os.path.basename(app_dir)
    directories = settings.get("metricsDirectories")
    directories = [d for d in directories if isinstance(d, str) and os.path.isabs(d)] if isinstance(directories, list) else []
    present = [d for d in dict.fromkeys(directories) if os.path.isdir(d) and not os.path.islink(d)]
    if not present:
        return
    try:
        units = sorted((n for n in os.listdir(os.path.join(app_dir, "units")) if n.isdigit()), key=int)
    except OSError:
        units = []
    max_age = settings.get("backupMaxAge")
    max_age = max_age if isinstance(max_age, int) and max_age > 0 else DEFAULT_BACKUP_MAX_AGE
    try:
        # Under the journal's lock: of two runs ending at once, the last to write has read
        # the journal both left, so the file never goes back to an older one.
        lock = os.open(os.path.join(app_dir, "jobs.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as error:
        say(f"could not write metrics: {error.strerror}")
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = render_metrics(
            (("application", app), ("unit", ",".join(f"{app}/{n}" for n in units))),
            read_json(os.path.join(app_dir, "jobs.json")) or {},
            newest_records(app_dir),
            metrics_since(app_dir),
            max_age,
        )
        for directory in present:
            try:
                write_text(directory, f"backup-integrator-{app}.prom", text)
            except OSError as error:
                say(f"could not write metrics in {directory}: {error.strerror}")
    except OSError as error:
        say(f"could not write metrics: {error.strerror}")
    finally:
        os.close(lock)


def main():
    runner = os.path.abspath(sys.argv[0])
    option = os.path.basename(runner)
    app_dir = os.path.dirname(os.path.dirname(runner))
    script = os.path.join(app_dir, "operator-scripts", option)
    settings = read_settings(app_dir)
    if sys.argv[1:] == ["--write-metrics"]:  # The charm, when the settings changed: no script runs.
        write_metrics(app_dir, settings)
        return 0
    if not os.path.lexists(script):
        record_run(app_dir, option, unset_record(option))
        write_metrics(app_dir, settings)
        return 0
    timeout = settings.get("timeout")
    timeout = timeout if isinstance(timeout, int) and timeout > 0 else None
    env = dict(os.environ)
    env.pop(ACTION_VARIABLE, None)
    # The keys of the `credentials` secret, one file each: $CREDENTIALS_DIRECTORY/password.
    credentials = settings.get("credentials")
    if isinstance(credentials, str):
        env["CREDENTIALS_DIRECTORY"] = credentials
    else:
        env.pop("CREDENTIALS_DIRECTORY", None)
    argv = [script, *sys.argv[1:]]
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    blocking = output_nonblocking()
    run = Run(option, argv, timeout, env)
    for sig in FORWARDED:
        signal.signal(sig, run.forward)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
    run.run()
    record_run(app_dir, option, {**run.record(), "set": True})
    for fd in blocking:
        os.set_blocking(fd, True)
    write_metrics(app_dir, settings)
    if run.timed_out:
        return TIMED_OUT
    if os.WIFSIGNALED(run.status):
        # Dies of the same signal, so that Bacula sees what it would have seen.
        sig = os.WTERMSIG(run.status)
        if sig != signal.SIGKILL:
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.WEXITSTATUS(run.status)


if __name__ == "__main__":
    sys.exit(main())
