"""The signals the runner passes on to the script's tree (a stopped bacula-fd, an operator's kill).
A module of its own so that the entry can hold them before it loads anything else."""

import signal

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
