"""metrics.py: the text node_exporter's textfile collector reads."""

import unittest

from metrics import label_value, render

IDENTITY = (("application", "app"),)
DAY = 86400


def sample(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"backup_integrator_{name}{{")]


class Render(unittest.TestCase):
    def test_before_any_job_the_deadline_counts_from_the_start_of_the_metrics(self) -> None:
        text = render(IDENTITY, {}, {}, 1000, DAY)
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
        text = render(IDENTITY, journal, {}, 0, DAY)
        self.assertIn(f'backup_integrator_backup_deadline_timestamp_seconds{{application="app"}} {2000.5 + DAY}', text)
        self.assertIn('backup_integrator_jobs_total{application="app",kind="backup",outcome="succeeded"} 3', text)
        self.assertIn('backup_integrator_last_success_timestamp_seconds{application="app",kind="backup"} 2000.5', text)

    def test_each_family_has_help_and_type_before_its_samples(self) -> None:
        lines = render(
            IDENTITY, {}, {"run-before-backup": {"exitStatus": 2, "ended": "1970-01-01T00:00:01.000Z"}}, 0, DAY
        )
        names = [line.split("{")[0] for line in lines.splitlines() if not line.startswith("#")]
        for name in dict.fromkeys(names):
            self.assertIn(f"# HELP {name} ", lines)
            self.assertIn(f"# TYPE {name} ", lines)

    def test_a_killed_or_timed_out_script_has_the_runners_exit_status(self) -> None:
        records = {"a": {"signal": "SIGKILL"}, "b": {"timedOut": True, "exitStatus": None}}
        text = render(IDENTITY, {}, records, 0, DAY)
        self.assertIn('script="a"} 137', text)
        self.assertIn('script="b"} 124', text)

    def test_label_values_are_escaped(self) -> None:
        self.assertEqual(label_value('a\\b"c\nd'), 'a\\\\b\\"c\\nd')


if __name__ == "__main__":
    unittest.main()
