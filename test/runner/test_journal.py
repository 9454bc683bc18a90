"""journal.py: how runs of the four scripts become Bacula's jobs: paired by order, due back
within a window from the unit's own history, ordered and pruned by sequence number, and a
version 1 journal read whole."""

import contextlib
import fcntl
import json
import os
import random
import tempfile
import unittest
from typing import Any

from journal import JOBS_KEPT, Journal, add_run, locked, new_journal, next_sequence, parse
from records import RunRecord
from times import iso, parse_iso_ms

HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS
T0 = parse_iso_ms("2026-12-03T01:00:00.000Z") or 0


def record(script: str, started_ms: int, duration_ms: int = 1000, exit_status: int = 0) -> RunRecord:
    return {
        "version": 1,
        "script": script,
        "set": True,
        "pid": 1,
        "started": iso(started_ms / 1000),
        "ended": iso((started_ms + duration_ms) / 1000),
        "durationMs": duration_ms,
        "exitStatus": exit_status,
        "signal": None,
        "timedOut": False,
        "timeout": None,
        "forwardedSignals": [],
        "stoppedLeftovers": 0,
        "outputBytes": 0,
        "output": "",
    }


class Runs:
    """A journal and the runs added to it, each numbered as the runner numbers them."""

    def __init__(self) -> None:
        self.journal: Journal = new_journal()

    def run(self, script: str, started_ms: int, duration_ms: int = 1000, exit_status: int = 0) -> "Runs":
        sequence = next_sequence(self.journal, 0)
        add_run(self.journal, script, record(script, started_ms, duration_ms, exit_status), sequence)
        return self

    def kind(self, kind: str = "backup") -> dict[str, Any]:
        return self.journal[kind]

    def outcomes(self, kind: str = "backup") -> list[str]:
        return [job["outcome"] for job in self.journal[kind]["jobs"]]


class Pairing(unittest.TestCase):
    def test_a_before_and_an_after_script_make_one_successful_job(self) -> None:
        runs = Runs().run("run-before-backup", T0, 1000).run("run-after-backup", T0 + 600_000, 1000)
        backup = runs.kind()
        self.assertEqual(backup["counts"], {"succeeded": 1, "failed": 0, "noResult": 0})
        self.assertEqual(backup["lastSuccess"], iso((T0 + 601_000) / 1000))
        self.assertEqual(backup["jobs"][0]["durationMs"], 601_000)

    def test_a_failing_before_script_fails_its_job_at_once(self) -> None:
        runs = Runs().run("run-before-restore", T0, exit_status=3)
        self.assertEqual(runs.kind("restore")["counts"], {"succeeded": 0, "failed": 1, "noResult": 0})
        self.assertEqual(runs.outcomes("restore"), ["failed"])
        self.assertIsNone(runs.kind("restore")["jobs"][0]["resultDue"])

    def test_a_start_does_not_fail_the_jobs_still_running(self) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-before-backup", T0 + 1000)
        self.assertEqual(runs.outcomes(), ["running", "running"])
        self.assertEqual(runs.kind()["counts"], {"succeeded": 0, "failed": 0, "noResult": 0})

    def test_after_scripts_end_the_running_jobs_newest_first(self) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-before-backup", T0 + 1000)
        runs.run("run-after-backup", T0 + 5000)
        self.assertEqual(runs.outcomes(), ["succeeded", "running"])
        runs.run("run-after-backup", T0 + 6000)
        self.assertEqual(runs.outcomes(), ["succeeded", "succeeded"])

    def test_an_after_script_that_ended_before_a_job_started_is_not_that_jobs(self) -> None:
        # Its run ended first, then waited for the journal's lock while a new start took it.
        runs = Runs().run("run-before-backup", T0).run("run-before-backup", T0 + 5000, 1)
        runs.run("run-after-backup", T0 + 2000, 1000)
        newer, older = runs.kind()["jobs"]
        self.assertEqual((newer["outcome"], older["outcome"]), ("running", "succeeded"))
        self.assertEqual(older["durationMs"], 3000)

    def test_20_workers_of_25_overlapping_jobs_are_500_successes_none_failed_or_invented(self) -> None:
        rng = random.Random(28)
        steps = {worker: ["run-before-backup", "run-after-backup"] * 25 for worker in range(20)}
        runs, now = Runs(), T0
        while steps:
            worker = rng.choice(sorted(steps))
            now += rng.randrange(1, 2000)
            runs.run(steps[worker].pop(0), now, rng.randrange(1, 1000))
            if not steps[worker]:
                del steps[worker]
            counts = runs.kind()["counts"]
            self.assertEqual((counts["failed"], counts["noResult"]), (0, 0))
        self.assertEqual(runs.kind()["counts"], {"succeeded": 500, "failed": 0, "noResult": 0})
        self.assertTrue(all(job["started"] is not None for job in runs.kind()["jobs"]))

    def test_an_after_with_no_job_running_is_a_success_of_unknown_start(self) -> None:
        runs = Runs().run("run-after-restore", T0)
        [job] = runs.kind("restore")["jobs"]
        self.assertEqual((job["started"], job["outcome"], job["durationMs"]), (None, "succeeded", None))


class ResultDue(unittest.TestCase):
    def due_after_before_script(self, runs: Runs) -> int:
        job = next(job for job in runs.kind()["jobs"] if job["outcome"] == "running")
        return (parse_iso_ms(job["resultDue"]) or 0) - (parse_iso_ms(job["scripts"]["run-before-backup"]["ended"]) or 0)

    def test_before_any_success_12_hours_after_the_before_script(self) -> None:
        self.assertEqual(self.due_after_before_script(Runs().run("run-before-backup", T0)), 12 * HOUR_MS)

    def test_then_3_times_the_longest_recent_success_at_least_an_hour(self) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-after-backup", T0 + 600_000, 0)
        self.assertEqual(self.due_after_before_script(runs.run("run-before-backup", T0 + DAY_MS)), HOUR_MS)
        runs.run("run-after-backup", T0 + DAY_MS + 2 * HOUR_MS, 0)
        self.assertEqual(self.due_after_before_script(runs.run("run-before-backup", T0 + 2 * DAY_MS)), 6 * HOUR_MS)

    def test_a_job_past_its_due_has_no_result_when_the_next_starts_not_a_failure(self) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-before-backup", T0 + 13 * HOUR_MS)
        runs.run("run-after-backup", T0 + 13 * HOUR_MS + 5000)
        self.assertEqual(runs.outcomes(), ["succeeded", "no-result"])
        self.assertEqual(runs.kind()["counts"], {"succeeded": 1, "failed": 0, "noResult": 1})

    def test_a_job_before_its_due_is_still_waited_for(self) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-before-backup", T0 + 11 * HOUR_MS)
        self.assertEqual(runs.outcomes(), ["running", "running"])

    def test_an_after_script_past_every_due_ends_the_newest_a_slow_job_not_a_lost_one(self) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-after-backup", T0 + 13 * HOUR_MS)
        self.assertEqual(runs.outcomes(), ["succeeded"])
        self.assertEqual(runs.kind()["counts"], {"succeeded": 1, "failed": 0, "noResult": 0})
        runs.run("run-before-backup", T0 + DAY_MS).run("run-before-backup", T0 + DAY_MS + 1000)
        runs.run("run-after-backup", T0 + 3 * DAY_MS)
        self.assertEqual(runs.outcomes(), ["succeeded", "no-result", "succeeded"])

    def test_a_job_cancelled_in_its_before_script_then_one_that_succeeds_the_first_is_the_one_without_result(
        self,
    ) -> None:
        runs = Runs().run("run-before-backup", T0).run("run-before-backup", T0 + HOUR_MS)
        runs.run("run-after-backup", T0 + HOUR_MS + 60_000)
        self.assertEqual(runs.outcomes(), ["succeeded", "running"])
        runs.run("run-before-backup", T0 + DAY_MS)
        self.assertEqual(runs.outcomes(), ["running", "succeeded", "no-result"])


class Sequence(unittest.TestCase):
    def test_a_run_is_numbered_above_every_number_handed_out_and_every_record_name(self) -> None:
        journal = new_journal()
        self.assertEqual(next_sequence(journal, 0), 1)
        self.assertEqual(next_sequence(journal, 1765000000000), 1765000000001)
        self.assertEqual(next_sequence(journal, 5), 1765000000002)

    def test_jobs_are_ordered_by_sequence_whatever_their_times_say(self) -> None:
        runs = (
            Runs().run("run-before-backup", T0 + 30 * DAY_MS, exit_status=1).run("run-before-backup", T0, exit_status=2)
        )
        self.assertEqual([job["scripts"]["run-before-backup"]["exitStatus"] for job in runs.kind()["jobs"]], [2, 1])

    def test_the_newest_30_ended_jobs_are_kept_and_every_running_one(self) -> None:
        runs = Runs().run("run-before-backup", T0)
        for i in range(40):
            runs.run("run-before-backup", T0 + 1000 * i + 1, exit_status=1)
        jobs = runs.kind()["jobs"]
        self.assertEqual(len(jobs), JOBS_KEPT + 1)
        self.assertEqual(jobs[-1]["outcome"], "running")
        self.assertEqual(runs.kind()["counts"]["failed"], 40)


class Parse(unittest.TestCase):
    def test_version_1_keeps_its_counts_and_order_and_a_running_job_is_due_12_hours_after_its_start(self) -> None:
        started = "2026-12-03T01:00:00.000Z"
        v1: dict[str, Any] = {
            "version": 1,
            "backup": {
                "counts": {"succeeded": 41, "failed": 3},
                "lastSuccess": "2026-12-02T01:10:00.000Z",
                "jobs": [
                    {"started": started, "ended": None, "outcome": "running", "durationMs": None, "scripts": {}},
                    {"started": None, "ended": started, "outcome": "succeeded", "durationMs": None, "scripts": {}},
                ],
            },
            "restore": {"counts": {"succeeded": 2, "failed": 0}, "jobs": []},
        }
        journal = parse(json.dumps(v1).encode())
        self.assertEqual((journal["version"], journal["sequence"]), (2, 2))
        self.assertEqual(next_sequence(journal, 0), 3)  # with no run record to go above
        self.assertEqual(journal["backup"]["counts"], {"succeeded": 41, "failed": 3, "noResult": 0})
        self.assertEqual(journal["restore"]["counts"], {"succeeded": 2, "failed": 0, "noResult": 0})
        self.assertIsNone(journal["restore"]["lastSuccess"])
        running, done = journal["backup"]["jobs"]
        self.assertEqual((running["sequence"], done["sequence"]), (2, 1))
        self.assertEqual((parse_iso_ms(running["resultDue"]) or 0) - (parse_iso_ms(started) or 0), 12 * HOUR_MS)
        self.assertIsNone(done["resultDue"])

    def test_a_journal_of_version_2_is_read_as_it_is(self) -> None:
        journal = Runs().run("run-before-backup", T0).journal
        self.assertEqual(parse(json.dumps(journal).encode()), journal)

    def test_what_is_not_a_journal_is_refused(self) -> None:
        for data in (
            b"{",
            b"[]",
            b'{"version": 2}',
            b'{"version": 3}',
            b'{"version": 1, "backup": {}}',
            json.dumps({**new_journal(), "sequence": "1"}).encode(),
            # A job add_run could not work on: no sequence, an outcome of another version.
            json.dumps(
                {**new_journal(), "backup": {**new_journal()["backup"], "jobs": [{"outcome": "running"}]}}
            ).encode(),
            json.dumps({**new_journal(), "restore": {**new_journal()["restore"], "jobs": [[]]}}).encode(),
        ):
            with self.assertRaises(ValueError):
                parse(data)


class Lock(unittest.TestCase):
    """jobs.lock another user left (or can hold) is not waited on: it is made anew, root's own."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.app = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
        self.path = os.path.join(self.dir, "jobs.lock")

    def tearDown(self) -> None:
        os.close(self.app)
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)

    def held_elsewhere(self) -> int:
        """The planted file, held exclusively by another open file description, as its owner would."""
        fd = os.open(self.path, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def take(self) -> os.stat_result:
        with contextlib.redirect_stderr(None), locked(self.app):  # would wait for ever on the planted one
            return os.stat(self.path)

    @unittest.skipUnless(os.geteuid() == 0, "chown needs root")
    def test_another_users_lock_is_replaced_not_waited_on(self) -> None:
        with open(self.path, "w") as f:
            f.write("")
        os.chown(self.path, 65534, 65534)
        os.chmod(self.path, 0o666)
        planted, holder = os.stat(self.path).st_ino, self.held_elsewhere()
        try:
            now = self.take()
            self.assertNotEqual(now.st_ino, planted)
            self.assertEqual((now.st_uid, now.st_mode & 0o777), (0, 0o600))
        finally:
            os.close(holder)

    def test_a_hard_link_or_a_symbolic_link_there_is_replaced(self) -> None:
        other = os.path.join(self.dir, "other")
        with open(other, "w") as f:
            f.write("")
        os.link(other, self.path)
        self.assertNotEqual(self.take().st_ino, os.stat(other).st_ino)
        os.unlink(self.path)
        os.symlink(other, self.path)
        self.take()
        self.assertFalse(os.path.islink(self.path))

    def test_its_own_lock_is_kept(self) -> None:
        first = self.take().st_ino
        self.assertEqual(self.take().st_ino, first)


if __name__ == "__main__":
    unittest.main()
