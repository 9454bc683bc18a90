# backup-integrator's script runner, installed by the charm at the path it publishes for each
# run-* option: /opt/backup-integrator-charm/<application>/scripts/<option>, one file (this
# package as a zipapp) for every option and application, holding no operator data. Bacula starts
# it as it would the script: execvp, as root. It runs the operator's script (stored beside it, in
# ../operator-scripts/<option>, root only), passes its output and exit status through, and leaves
# a record of the run in ../runs/<option>/ that the charm shows in `juju status` and its actions.
#
# Python 3 (3.10, Ubuntu 22.04's, or later), not the charm's Node: this file must work for every
# unit on the machine whatever the state of any one unit's charm directory (Juju replaces it on
# upgrade and deletes it on remove), and every Ubuntu base the charm runs on has /usr/bin/python3.
import signal

# First: held from here on, and released once the script runs, so that a signal that comes while
# the runner starts is forwarded to the script then, and the run is recorded. (Before Python
# reaches this line nothing can hold it: the runner dies of it, before it has started the script.)
from forwarded_signals import FORWARDED

signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)

import os  # noqa: E402
import sys  # noqa: E402

from files import trusted_directory  # noqa: E402
from held import walk_fileset  # noqa: E402
from journal import JOB_STARTS, journal_run  # noqa: E402
from python_era import retire_python_era  # noqa: E402
from records import TIMED_OUT, Outcome, RunRecord, record_of, unset_outcome  # noqa: E402
from report import say  # noqa: E402
from settings import Settings, read_settings  # noqa: E402
from supervisor import PR_SET_CHILD_SUBREAPER, Run, output_nonblocking, prctl  # noqa: E402
from textfiles import remove_metrics, write_metrics  # noqa: E402

# Set by the charm's run-script action: a run an operator asked for is not one of Bacula's jobs.
ACTION_VARIABLE = "BACKUP_INTEGRATOR_ACTION"
# --write-metrics or --remove-metrics could not delete a metrics file for a reason that may pass
# (EIO, ENOMEM...): the charm's hook fails, and Juju runs it again. EX_TEMPFAIL of sysexits.h.
TRY_AGAIN = 75


def open_app(app_dir: str) -> "int | OSError":
    """The application's directory, root's alone; why not when it is gone (a run ending after
    `remove`) or not as the charm left it: then nothing is recorded there."""
    try:
        return trusted_directory(None, app_dir, app_dir, create=False)
    except OSError as error:
        return error


def settings_of(app_dir: str) -> Settings:
    app = open_app(app_dir)
    if isinstance(app, OSError):
        return read_settings(None)
    try:
        return read_settings(app)
    finally:
        os.close(app)


def finish(app_dir: str, option: str, outcome: Outcome | None, settings: Settings) -> bool:
    """What a run leaves: its record, what it tells of Bacula's job, and the metrics. None: no
    run, only the metrics (the charm's --write-metrics). Whether an old metrics file could not
    be deleted for a reason that may pass."""
    app = open_app(app_dir)
    if isinstance(app, OSError):
        if outcome is not None:
            say(f"could not record this run of {option}: {app.strerror}")
        return False
    try:
        if outcome is not None:
            record = record_of(option, outcome)
            if holds_a_backup(option, record) and settings.fileset:
                record["held"] = walk_fileset(settings.fileset)
            record_run(app, app_dir, option, record)
        return write_metrics(app, os.path.basename(app_dir), settings)
    finally:
        os.close(app)


def remove_all_metrics(app_dir: str, settings: Settings) -> bool:
    """The charm's --remove-metrics, as the application's last unit goes: whether a metrics
    file could not be deleted for a reason that may pass."""
    app = open_app(app_dir)
    if isinstance(app, OSError):
        say(f"could not delete the metrics files: {app.strerror}")
        return False
    try:
        return remove_metrics(app, os.path.basename(app_dir), settings)
    finally:
        os.close(app)


def holds_a_backup(option: str, record: RunRecord) -> bool:
    """run-before-backup succeeded (or is unset) in a job of Bacula's, which reads the fileset
    once this runner exits: what the fileset holds now is what the backup will."""
    return (
        option == "run-before-backup"
        and os.environ.get(ACTION_VARIABLE) != "1"
        and record["exitStatus"] == 0
        and not record["timedOut"]
    )


def record_run(app: int, app_dir: str, option: str, record: RunRecord) -> None:
    job = os.environ.get(ACTION_VARIABLE) != "1"  # run-script's runs are no job of Bacula's
    try:
        journal_run(app, app_dir, option, record, job)
    except OSError as error:
        say(f"could not add this run of {option} to the job journal: {error.strerror}")
    if job and option in JOB_STARTS:
        retire_python_era(app_dir)


def main() -> int:
    runner = os.path.abspath(sys.argv[0])
    option = os.path.basename(runner)
    app_dir = os.path.dirname(os.path.dirname(runner))
    script = os.path.join(app_dir, "operator-scripts", option)
    settings = settings_of(app_dir)
    # The charm's, when the settings changed, or as the application's last unit goes: no script runs.
    if sys.argv[1:] == ["--write-metrics"]:
        return TRY_AGAIN if finish(app_dir, option, None, settings) else 0
    if sys.argv[1:] == ["--remove-metrics"]:
        return TRY_AGAIN if remove_all_metrics(app_dir, settings) else 0
    if not os.path.lexists(script):
        finish(app_dir, option, unset_outcome(), settings)
        return 0
    env = dict(os.environ)
    env.pop(ACTION_VARIABLE, None)
    # The keys of the `credentials` secret, one file each: $CREDENTIALS_DIRECTORY/password.
    if settings.credentials is not None:
        env["CREDENTIALS_DIRECTORY"] = settings.credentials
    else:
        env.pop("CREDENTIALS_DIRECTORY", None)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    blocking = output_nonblocking()
    run = Run(option, [script, *sys.argv[1:]], settings.timeout, env)
    for sig in FORWARDED:
        signal.signal(sig, run.forward)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
    outcome = run.run()
    for fd in blocking:
        os.set_blocking(fd, True)
    finish(app_dir, option, outcome, settings)
    if outcome.timed_out:
        return TIMED_OUT
    if os.WIFSIGNALED(outcome.wait_status):
        # Dies of the same signal, so that Bacula sees what it would have seen.
        sig = os.WTERMSIG(outcome.wait_status)
        if sig != signal.SIGKILL:
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.WEXITSTATUS(outcome.wait_status)


sys.exit(main())
