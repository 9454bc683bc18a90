"""What the Python charm this one replaces left: its <app>-<unit number>/ directories of scripts."""

import os
import re
import shutil

from report import say


def retire_python_era(app_dir: str) -> None:
    """Bacula started a job through a path this charm publishes: the Director has read them,
    and names no script of the Python charm's directories any more."""
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
