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


def leftovers(group):
    """Live processes of the script's process group, and those this runner adopted as their
    subreaper: the script's orphans, even those that left the group (setsid, double fork)."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="latin-1") as f:
                state, ppid, pgrp = f.read().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if state != "Z" and (ppid == me or pgrp == str(group)):
            found.append(int(entry))
    return found


class Run:
    def __init__(self, option, argv, timeout, env):
        self.option = option
        self.timeout = timeout
        self.tail = bytearray()
        self.output_bytes = 0
        self.forwarded = []
        self.timed_out = False
        self.stopped = 0
        self.out_open = True
        self.err_open = True
        self.started = time.time()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.pid = self._spawn(option, argv, env, out_w, err_w)
        os.close(out_w)
        os.close(err_w)
        self.selector = selectors.DefaultSelector()
        self.selector.register(out_r, selectors.EVENT_READ, 1)
        self.selector.register(err_r, selectors.EVENT_READ, 2)
        try:
            self.pidfd = os.pidfd_open(self.pid)
            self.selector.register(self.pidfd, selectors.EVENT_READ, 0)
        except (AttributeError, OSError):
            self.pidfd = None  # Polled instead: Python before 3.9, or a kernel before 5.3.
        self.status = None

    @staticmethod
    def _spawn(option, argv, env, out_w, err_w):
        pid = os.fork()
        if pid == 0:
            try:
                # Its own session, so the whole tree can be signalled at once; killed with the
                # runner if the runner is killed (SIGKILL cannot be forwarded).
                os.setsid()
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                for sig in (*FORWARDED, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.closerange(3, 1 << 16)
                os.execve(argv[0], argv, env)
            except OSError as error:
                os.write(2, f"backup-integrator: cannot start {option}: {error.strerror}\n".encode())
                os._exit(127 if error.errno == 2 else 126)
        return pid

    def forward(self, sig, _frame):
        """Bacula cancelling the job: the signal goes to the script's whole process group."""
        self.forwarded.append(signal.Signals(sig).name)
        self.signal_tree(sig)

    def signal_tree(self, sig):
        try:
            os.killpg(self.pid, sig)
        except OSError:
            pass
        for pid in leftovers(self.pid):
            try:
                os.kill(pid, sig)
            except OSError:
                pass

    def pass_through(self, fd, target):
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            self.selector.unregister(fd)
            os.close(fd)
            if target == 1:
                self.out_open = False
            else:
                self.err_open = False
            return
        self.output_bytes += len(data)
        self.tail += data
        del self.tail[: -2 * TAIL_BYTES]
        while data:
            try:
                data = data[os.write(target, data) :]
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                break  # The reader is gone: the output is still drained and recorded.

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
            wait = left if self.pidfd is not None else min(left or 0.05, 0.05)
            for key, _ in self.selector.select(wait):
                if key.data == 0:
                    self.selector.unregister(self.pidfd)
                    os.close(self.pidfd)
                    self.pidfd = None
                else:
                    self.pass_through(key.fd, key.data)
        return True

    def drain(self, until):
        """What the script wrote before it ended, as long as something holds its pipes open."""
        while (self.out_open or self.err_open) and time.monotonic() < until:
            for key, _ in self.selector.select(max(0.0, until - time.monotonic())):
                if key.data != 0:
                    self.pass_through(key.fd, key.data)

    def stop_leftovers(self):
        """Processes the script left behind are stopped: the run is over when the script is."""
        self.stopped = len(leftovers(self.pid))
        if self.stopped == 0:
            return self.reap_orphans()
        self.signal_tree(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline and leftovers(self.pid):
            self.reap_orphans()
            if self.out_open or self.err_open:
                self.drain(time.monotonic() + 0.05)
            else:
                time.sleep(0.05)
        self.signal_tree(signal.SIGKILL)
        self.reap_orphans()

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
            say(f"{self.option} timed out after {duration_text(self.timeout)}: stopping it")
            self.signal_tree(signal.SIGTERM)
            if not self.pump(time.monotonic() + STOP_GRACE):
                self.signal_tree(signal.SIGKILL)
                self.pump(None)
        self.stop_leftovers()
        self.drain(time.monotonic() + 1.0)
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


def private_directory(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def save(runs_dir, record):
    """Atomically (a whole record or none), then keeps the newest RECORDS_KEPT."""
    private_directory(os.path.dirname(runs_dir))
    private_directory(runs_dir)
    name = f"{int(time.time() * 1000):013d}-{record['pid']}.json"
    temporary = os.path.join(runs_dir, f".{name}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            data = json.dumps(record, ensure_ascii=False).encode()
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, os.path.join(runs_dir, name))
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    records = sorted(n for n in os.listdir(runs_dir) if n.endswith(".json") and not n.startswith("."))
    for old in records[:-RECORDS_KEPT]:
        try:
            os.unlink(os.path.join(runs_dir, old))
        except FileNotFoundError:
            pass  # Another run of the same script pruned it first.


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
    for name in os.listdir(root):
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
        "backup": {"counts": {"succeeded": 0, "failed": 0}, "jobs": []},
        "restore": {"counts": {"succeeded": 0, "failed": 0}, "jobs": []},
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


def main():
    runner = os.path.abspath(sys.argv[0])
    option = os.path.basename(runner)
    app_dir = os.path.dirname(os.path.dirname(runner))
    script = os.path.join(app_dir, "operator-scripts", option)
    if not os.path.lexists(script):
        record_run(app_dir, option, unset_record(option))
        return 0
    settings = read_settings(app_dir)
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
    try:
        with open(script, "rb") as f:
            has_interpreter = f.read(2) == b"#!"
    except OSError:
        has_interpreter = True  # It will fail to start, and say why.
    # As glibc's execvp, which Bacula uses: a script without #! runs with /bin/sh.
    argv = [script, *sys.argv[1:]] if has_interpreter else ["/bin/sh", script, *sys.argv[1:]]
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    run = Run(option, argv, timeout, env)
    for sig in FORWARDED:
        signal.signal(sig, run.forward)
    run.run()
    record_run(app_dir, option, {**run.record(), "set": True})
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
