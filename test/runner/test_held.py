"""The fileset walk of held.py: present or missing, files and bytes, the newest change, links
never followed, hard links once, and the bound (entries, time, paths kept)."""

import errno
import os
import subprocess
import tempfile
import unittest
from collections.abc import Iterator
from unittest import mock

import held
from journal import add_run, new_journal
from test_journal import T0, record


def fake_clock(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


class WalkTest(unittest.TestCase):
    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.root = self.directory.name

    def tearDown(self) -> None:
        self.directory.cleanup()

    def path(self, *names: str) -> str:
        return os.path.join(self.root, *names)

    def write(self, name: str, size: int, mtime: float = 1_700_000_000.0) -> str:
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"x" * size)
        os.utime(path, (mtime, mtime))
        return path

    def test_a_missing_path_is_missing(self) -> None:
        walked = held.walk_fileset([self.path("gone"), self.path("gone", "below")])
        self.assertEqual(
            [(p["present"], p["files"], p["bytes"], p["newestChange"], p["complete"]) for p in walked["paths"]],
            [(False, 0, 0, None, True)] * 2,
        )

    def test_an_empty_directory_is_present_with_nothing(self) -> None:
        os.makedirs(self.path("empty", "sub", "subsub"))
        os.utime(self.path("empty"), (1_600_000_000, 1_600_000_000))
        (found,) = held.walk_fileset([self.path("empty")])["paths"]
        self.assertEqual((found["present"], found["files"], found["bytes"], found["complete"]), (True, 0, 0, True))
        self.assertIsNotNone(found["newestChange"])

    def test_a_listing_that_fails_for_want_of_descriptors_is_not_complete(self) -> None:
        self.write("full/a", 1)
        out_of_descriptors = OSError(errno.EMFILE, "Too many open files")
        with mock.patch.object(held.os, "scandir", side_effect=out_of_descriptors):
            (found,) = held.walk_fileset([self.path("full")])["paths"]
        # Not "empty and complete": that would say the path held no data.
        self.assertEqual((found["present"], found["files"], found["complete"]), (True, 0, False))

    def test_files_bytes_and_the_newest_change_of_a_tree(self) -> None:
        self.write("data/a", 10, mtime=1_700_000_000.0)
        self.write("data/sub/b", 2048, mtime=1_800_000_000.25)
        self.write("data/sub/deeper/c", 0, mtime=1_600_000_000.0)
        for directory in ("data/sub/deeper", "data/sub", "data"):
            os.utime(self.path(directory), (1_500_000_000, 1_500_000_000))
        dump = self.write("dump.sql", 123, mtime=1_750_000_000.0)
        walked = held.walk_fileset([self.path("data"), dump])
        self.assertEqual(
            walked["paths"],
            [
                {
                    "path": self.path("data"),
                    "present": True,
                    "files": 3,
                    "bytes": 2058,
                    "newestChange": "2027-01-15T08:00:00.250Z",
                    "complete": True,
                },
                {
                    "path": dump,
                    "present": True,
                    "files": 1,
                    "bytes": 123,
                    "newestChange": "2025-06-15T15:06:40.000Z",
                    "complete": True,
                },
            ],
        )
        self.assertEqual(walked["unchecked"], 0)
        self.assertRegex(walked["checked"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_a_time_before_1970_is_said_as_1970(self) -> None:
        old = self.write("old", 1, mtime=-86400.0)
        (found,) = held.walk_fileset([old])["paths"]
        self.assertEqual(found["newestChange"], "1970-01-01T00:00:00.000Z")

    def test_links_are_counted_as_links_never_followed(self) -> None:
        self.write("elsewhere/big", 1 << 20)
        os.makedirs(self.path("data"))
        os.symlink(self.path("elsewhere"), self.path("data", "to-dir"))
        os.symlink(self.path("elsewhere", "big"), self.path("data", "to-file"))
        os.symlink(self.path("elsewhere"), self.path("link-as-path"))
        data, link = held.walk_fileset([self.path("data"), self.path("link-as-path")])["paths"]
        self.assertEqual((data["files"], data["bytes"]), (2, 0))
        self.assertEqual((link["present"], link["files"], link["bytes"], link["complete"]), (True, 1, 0, True))

    def test_another_file_system_below_is_not_entered_as_bacula_onefs(self) -> None:
        self.write("data/a", 1)
        mount_point = self.path("data", "mnt")
        os.mkdir(mount_point)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "none", mount_point], capture_output=True, check=False)
        if mounted.returncode != 0:
            self.skipTest(f"cannot mount a tmpfs here: {mounted.stderr!r}")
        try:
            self.write("data/mnt/inside", 1000)
            data, mnt = held.walk_fileset([self.path("data"), mount_point])["paths"]
            self.assertEqual((data["files"], data["bytes"]), (1, 1))
            self.assertEqual((mnt["files"], mnt["bytes"]), (1, 1000))  # named itself: walked, as Bacula's top level
        finally:
            subprocess.run(["umount", mount_point], check=True)

    def test_a_directory_swapped_since_it_was_listed_is_not_entered(self) -> None:
        os.makedirs(self.path("listed"))
        os.makedirs(self.path("other"))
        listed = os.lstat(self.path("listed"))
        identity = (listed.st_dev, listed.st_ino)
        fd = held.open_directory(self.path("listed"), identity, None)
        self.assertIsNotNone(fd)
        os.close(fd or 0)
        os.rename(self.path("listed"), self.path("moved"))
        os.symlink(self.path("moved"), self.path("listed"))
        self.assertIsNone(held.open_directory(self.path("listed"), identity, None))  # a link now
        os.unlink(self.path("listed"))
        os.rename(self.path("other"), self.path("listed"))
        self.assertIsNone(held.open_directory(self.path("listed"), identity, None))  # another directory

    def test_a_hard_linked_file_counts_its_bytes_once(self) -> None:
        first = self.write("data/a", 1000)
        os.link(first, self.path("data", "b"))
        (found,) = held.walk_fileset([self.path("data")])["paths"]
        self.assertEqual((found["files"], found["bytes"]), (2, 1000))

    def test_past_the_entries_bound_the_counts_are_at_least_and_the_next_path_is_looked_at(self) -> None:
        for i in range(50):
            self.write(f"many/{i // 10}/{i}", 1)
        self.write("after", 5)
        many, after, gone = held.walk_fileset([self.path("many"), self.path("after"), self.path("gone")], entries=20)[
            "paths"
        ]
        self.assertFalse(many["complete"])
        self.assertLess(many["files"], 50)
        self.assertEqual((after["present"], after["files"], after["bytes"]), (True, 1, 5))
        self.assertEqual((gone["present"], gone["complete"]), (False, True))

    def test_past_the_time_bound_the_walk_stops(self) -> None:
        for i in range(50):
            self.write(f"many/{i}", 1)
        ticks = fake_clock(0.1)
        (many,) = held.walk_fileset([self.path("many")], seconds=1.0, clock=lambda: next(ticks))["paths"]
        self.assertFalse(many["complete"])
        self.assertLessEqual(many["files"], 10)

    def test_a_record_keeps_32_paths_and_8_kib_of_their_names(self) -> None:
        self.assertEqual(held.walk_fileset([self.path(f"p{i}") for i in range(40)])["unchecked"], 8)
        long = [self.path("x" * 255, "y" * 255, "z" * 255, str(i)) for i in range(12)]
        walked = held.walk_fileset(long)
        self.assertEqual((len(walked["paths"]), walked["unchecked"]), (10, 2))


class WithTheJob(unittest.TestCase):
    def test_the_journal_keeps_the_walk_in_the_jobs_before_script_result(self) -> None:
        walked = held.walk_fileset(["/nonexistent/held-test"])
        run = record("run-before-backup", T0)
        run["held"] = walked
        journal = new_journal()
        add_run(journal, "run-before-backup", run, 1)
        self.assertEqual(journal["backup"]["jobs"][0]["scripts"]["run-before-backup"]["held"], walked)


if __name__ == "__main__":
    unittest.main()
