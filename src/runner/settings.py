"""runner.json, which the charm writes beside the scripts (src/domain's schema of it says its
shape): what every run of this application's scripts is given."""

from typing import NamedTuple

from files import read_json


class Settings(NamedTuple):
    timeout: int | None  # seconds; None: no limit
    credentials: str | None  # the credentials directory, when the option is set
    metrics_directories: list[str]  # absolute paths, without duplicates
    backup_max_age: int | None  # seconds; None: no check (backup-max-age unset)


def read_settings(app: int | None) -> Settings:
    """What the charm wrote, each value that is not of its form taken as unset."""
    found = {} if app is None else read_json(app, "runner.json") or {}
    timeout = found.get("timeout")
    credentials = found.get("credentials")
    directories = found.get("metricsDirectories")
    max_age = found.get("backupMaxAge")
    return Settings(
        timeout=timeout if isinstance(timeout, int) and timeout > 0 else None,
        credentials=credentials if isinstance(credentials, str) else None,
        metrics_directories=list(
            dict.fromkeys(d for d in directories if isinstance(d, str) and d.startswith("/"))  # pyright: ignore[reportUnknownVariableType]
        )
        if isinstance(directories, list)
        else [],
        backup_max_age=max_age if isinstance(max_age, int) and max_age > 0 else None,
    )
