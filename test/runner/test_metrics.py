"""metrics.py: the text node_exporter's textfile collector reads."""

import unittest

from metrics import label_value, render

IDENTITY = (("application", "app"),)
DAY = 86400
NOW = 1_000_000


def sample(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"backup_integrator_{name}{{")]


class Render(unittest.TestCase):
    def test_before_any_job_the_deadline_counts_from_the_start_of_the_metrics(self) -> None:
        text = render(IDENTITY, {}, {}, 1000, DAY, NOW)
        self.assertEqual(
            sample(text, "backup_deadline_timestamp_seconds"),
            [f'backup_integrator_backup_deadline_timestamp_seconds{{application="app"}} {1000 + DAY}'],
        )
        self.assertEqual(sample(text, "script_last_exit_status"), [])  # no script ran: left out

    def test_a_success_moves_the_deadline_and_is_counted(self) -> None:
        journal = {
            "backup": {
                "counts": {"succeeded": 3, "failed": 1},
                "jobs": [
                    {"outcome": "succeeded", "started": "1970-01-01T00:16:40.000Z", "ended": "1970-01-01T00:33:20.500Z"}
                ],
            }
        }
        text = render(IDENTITY, journal, {}, 0, DAY, NOW)
        self.assertIn(f'backup_integrator_backup_deadline_timestamp_seconds{{application="app"}} {2000.5 + DAY}', text)
        self.assertIn('backup_integrator_jobs_total{application="app",kind="backup",outcome="succeeded"} 3', text)
        self.assertIn('backup_integrator_last_success_timestamp_seconds{application="app",kind="backup"} 2000.5', text)

    def test_backup_max_age_unset_means_no_deadline(self) -> None:
        # As the status: no check, so nothing BackupIntegratorBackupOverdue could fire on.
        text = render(IDENTITY, {}, {}, 1000, None, NOW)
        self.assertEqual(sample(text, "backup_deadline_timestamp_seconds"), [])
        self.assertEqual(sample(text, "backup_max_age_seconds"), [])
        self.assertNotIn("backup_integrator_backup_deadline_timestamp_seconds", text)
        self.assertEqual(len(sample(text, "metrics_since_timestamp_seconds")), 1)

    def test_each_family_has_help_and_type_before_its_samples(self) -> None:
        lines = render(
            IDENTITY, {}, {"run-before-backup": {"exitStatus": 2, "ended": "1970-01-01T00:00:01.000Z"}}, 0, DAY, NOW
        )
        names = [line.split("{")[0] for line in lines.splitlines() if not line.startswith("#")]
        for name in dict.fromkeys(names):
            self.assertIn(f"# HELP {name} ", lines)
            self.assertIn(f"# TYPE {name} ", lines)

    def test_a_killed_or_timed_out_script_has_the_runners_exit_status(self) -> None:
        records = {"a": {"signal": "SIGKILL"}, "b": {"timedOut": True, "exitStatus": None}}
        text = render(IDENTITY, {}, records, 0, DAY, NOW)
        self.assertIn('script="a"} 137', text)
        self.assertIn('script="b"} 124', text)

    def test_label_values_are_escaped(self) -> None:
        self.assertEqual(label_value('a\\b"c\nd'), 'a\\\\b\\"c\\nd')


class Jobs(unittest.TestCase):
    journal = {  # noqa: RUF012
        "backup": {
            "counts": {"succeeded": 3, "failed": 1, "noResult": 2},
            "jobs": [
                {"outcome": "running", "started": "1970-01-01T00:16:40.000Z", "resultDue": "1970-01-01T03:00:00.000Z"},
                {"outcome": "running", "started": "1970-01-01T00:10:00.000Z", "resultDue": "1970-01-01T02:00:00.000Z"},
                {
                    "outcome": "no-result",
                    "started": "1970-01-01T00:05:00.000Z",
                    "resultDue": "1970-01-01T00:06:00.000Z",
                },
                {"outcome": "succeeded", "started": "1970-01-01T00:01:00.000Z", "ended": "1970-01-01T00:02:00.000Z"},
            ],
        }
    }

    def test_the_result_deadline_is_the_first_due_of_the_running_jobs_and_0_when_none_waits(self) -> None:
        text = render(IDENTITY, self.journal, {}, 0, DAY, NOW)
        self.assertEqual(
            sample(text, "job_result_deadline_timestamp_seconds"),
            [
                'backup_integrator_job_result_deadline_timestamp_seconds{application="app",kind="backup"} 7200',
                'backup_integrator_job_result_deadline_timestamp_seconds{application="app",kind="restore"} 0',
            ],
        )

    def test_a_job_with_no_result_is_counted_and_is_the_last_failure_at_its_start(self) -> None:
        text = render(IDENTITY, self.journal, {}, 0, DAY, NOW)
        self.assertIn('backup_integrator_jobs_total{application="app",kind="backup",outcome="no_result"} 2', text)
        self.assertIn('backup_integrator_last_failure_timestamp_seconds{application="app",kind="backup"} 300', text)

    def test_times_ahead_of_now_are_counted_a_result_due_is_not(self) -> None:
        records = {"run-before-backup": {"started": "1970-01-01T00:16:39.000Z", "ended": "1970-01-01T00:16:41.000Z"}}
        text = render(IDENTITY, self.journal, records, 0, DAY, 16 * 60 + 39.5)
        # The newest job's start, and the record's end.
        self.assertEqual(
            sample(text, "future_timestamps"), ['backup_integrator_future_timestamps{application="app"} 2']
        )
        self.assertIn(
            'backup_integrator_future_timestamps{application="app"} 0',
            render(IDENTITY, self.journal, records, 0, DAY, NOW),
        )


if __name__ == "__main__":
    unittest.main()
