"""Times as the runner writes them (ISO 8601, UTC, milliseconds: what the charm's schemas
accept) and durations as the options write them. The one formatter and the one parser."""

import calendar
import time


def iso(seconds: float) -> str:
    """2026-12-01T03:00:00.123Z"""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


def parse_iso(text: object) -> float | None:
    """Unix seconds of a time as iso() writes it (fewer fraction digits allowed); None for
    anything else, None included."""
    if not isinstance(text, str) or not text.endswith("Z"):
        return None
    whole, _, fraction = text[:-1].partition(".")
    if fraction and not fraction.isdigit():
        return None
    try:
        seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    return seconds + int(fraction[:3].ljust(3, "0")) / 1000


def parse_iso_ms(text: object) -> int | None:
    """Milliseconds since 1970 of a time as iso() writes it, exactly."""
    seconds = parse_iso(text)
    return None if seconds is None else round(seconds * 1000)


def duration_text(seconds: float) -> str:
    """1h30m, 45s, 2m5s: the way the option is written."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"
