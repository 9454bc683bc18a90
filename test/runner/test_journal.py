"""journal.py: how runs of the four scripts become Bacula's jobs."""

import unittest
from typing import Any

from journal import add_run, new_journal, parse
from records import RunRecord


def record(script: str, started: str, ended: str, exit_status: int = 0) -> RunRecord:
    return {
        "version": 1,
        "script": script,
        "set": True,
        "pid": 1,
        "started": started,
        "ended": ended,
        "durationMs": 1000,
        "exitStatus": exit_status,
        "signal": None,
        "timedOut": False,
        "timeout": None,
        "forwardedSignals": [],
        "stoppedLeftovers": 0,
        "outputBytes": 0,
        "output": "",
    }


class Jobs(unittest.TestCase):
    def test_a_before_and_an_after_script_make_one_successful_job(self) -> None:
        journal = new_journal()
        add_run(
            journal,
            "run-before-backup",
            record("run-before-backup", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z"),
        )
        add_run(
            journal,
            "run-after-backup",
            record("run-after-backup", "2026-01-01T00:10:00.000Z", "2026-01-01T00:10:01.000Z"),
        )
        backup: dict[str, Any] = journal["backup"]
        self.assertEqual(backup["counts"], {"succeeded": 1, "failed": 0})
        self.assertEqual(backup["lastSuccess"], "2026-01-01T00:10:01.000Z")
        self.assertEqual(backup["jobs"][0]["durationMs"], 601000)

    def test_a_failing_before_script_fails_its_job_at_once(self) -> None:
        journal = new_journal()
        add_run(
            journal,
            "run-before-restore",
            record("run-before-restore", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", 3),
        )
        self.assertEqual(journal["restore"]["counts"], {"succeeded": 0, "failed": 1})
        self.assertEqual(journal["restore"]["jobs"][0]["outcome"], "failed")


class Parse(unittest.TestCase):
    def test_what_is_not_a_journal_is_refused(self) -> None:
        for data in (b"{", b"[]", b'{"version": 2}', b'{"version": 1, "backup": {}}'):
            with self.assertRaises(ValueError):
                parse(data)


if __name__ == "__main__":
    unittest.main()
