"""textfiles.py: the metrics file in directories another user may own, reached without
following a link, and never left behind."""

import contextlib
import errno
import io
import json
import os
import shutil
import tempfile
import unittest
from collections.abc import Generator
from unittest import mock

import textfiles
from files import Refused
from settings import Settings

NAME = textfiles.file_name("app")


@contextlib.contextmanager
def stderr_captured() -> Generator[io.StringIO]:
    """What the runner says (report.say writes to fd 2)."""
    with tempfile.TemporaryFile("w+") as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        buffer = io.StringIO()
        try:
            yield buffer
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            buffer.write(captured.read())


class Machine(unittest.TestCase):
    def setUp(self) -> None:
        self.root = os.path.realpath(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.root)
        os.mkdir(os.path.join(self.root, "app"), 0o700)
        self.app = os.open(os.path.join(self.root, "app"), os.O_RDONLY | os.O_DIRECTORY)
        self.addCleanup(os.close, self.app)

    def directory(self, name: str) -> str:
        path = os.path.join(self.root, name)
        os.mkdir(path)
        return path

    def settings(self, *directories: str) -> Settings:
        return Settings(
            timeout=None, credentials=None, metrics_directories=list(directories), backup_max_age=3600, fileset=[]
        )

    def kept(self) -> list[str]:
        return textfiles.kept(self.app)


class OpenDirectory(Machine):
    def test_a_real_path_is_opened_component_by_component(self) -> None:
        path = self.directory("a")
        fd = textfiles.open_directory(path)
        self.addCleanup(os.close, fd)
        self.assertEqual(os.fstat(fd).st_ino, os.stat(path).st_ino)

    def test_a_link_anywhere_on_the_way_is_refused(self) -> None:
        real = self.directory("real")
        os.mkdir(os.path.join(real, "below"))
        os.symlink(real, os.path.join(self.root, "link"))
        for path in (os.path.join(self.root, "link"), os.path.join(self.root, "link", "below")):
            with self.assertRaises(Refused) as raised:
                textfiles.open_directory(path)
            self.assertIn("link is a link or a file, not a directory: left alone", str(raised.exception.strerror))

    def test_a_file_on_the_way_is_refused_and_a_missing_directory_is_none(self) -> None:
        open(os.path.join(self.root, "file"), "w").close()
        with self.assertRaises(Refused):
            textfiles.open_directory(os.path.join(self.root, "file"))
        with self.assertRaises(FileNotFoundError):
            textfiles.open_directory(os.path.join(self.root, "missing", "below"))


class Delete(Machine):
    def test_only_a_file_of_roots_is_deleted_anything_else_is_left_alone(self) -> None:
        path = self.directory("d")
        os.mkdir(os.path.join(path, NAME))
        with self.assertRaisesRegex(Refused, "is a directory"):
            textfiles.delete_file(path, NAME)
        os.rmdir(os.path.join(path, NAME))
        os.symlink("/etc/passwd", os.path.join(path, NAME))
        with self.assertRaisesRegex(Refused, "is a link"):
            textfiles.delete_file(path, NAME)
        self.assertTrue(os.path.islink(os.path.join(path, NAME)))
        os.unlink(os.path.join(path, NAME))
        open(os.path.join(path, NAME), "w").close()
        textfiles.delete_file(path, NAME)
        self.assertEqual(os.listdir(path), [])
        textfiles.delete_file(path, NAME)  # nothing there: nothing to do
        textfiles.delete_file(os.path.join(self.root, "gone"), NAME)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to give a file away")
    def test_another_users_file_at_the_name_is_left_alone(self) -> None:
        path = self.directory("d")
        open(os.path.join(path, NAME), "w").close()
        os.chown(os.path.join(path, NAME), 65534, 65534)
        with self.assertRaisesRegex(Refused, "owned by uid 65534"):
            textfiles.delete_file(path, NAME)

    def test_a_failure_that_may_pass_keeps_the_directory_something_hostile_does_not(self) -> None:
        passing, hostile = self.directory("passing"), self.directory("hostile")

        def failing(path: str, name: str) -> None:
            if path == passing:
                raise OSError(errno.EIO, "Input/output error")
            raise Refused(name, "is a directory, not the metrics file: left alone")

        with stderr_captured() as said, mock.patch.object(textfiles, "delete_file", failing):
            self.assertTrue(textfiles.delete_from(self.app, "app", [passing, hostile], []))
        self.assertEqual(self.kept(), [passing])
        self.assertIn(f"could not delete the metrics file in {passing}: Input/output error", said.getvalue())
        self.assertIn(f"could not delete the metrics file in {hostile}: {NAME} is a directory", said.getvalue())
        with stderr_captured(), mock.patch.object(textfiles, "delete_file", failing):
            self.assertFalse(textfiles.delete_from(self.app, "app", [hostile], []))
        self.assertEqual(self.kept(), [])


class Lifecycle(Machine):
    def test_written_kept_moved_and_removed(self) -> None:
        first, second = self.directory("first"), self.directory("second")
        with stderr_captured() as said:
            self.assertFalse(textfiles.write_metrics(self.app, "app", self.settings(first)))
        self.assertEqual(said.getvalue(), "")
        self.assertTrue(os.path.isfile(os.path.join(first, NAME)))
        self.assertEqual(self.kept(), [first])
        info = os.stat(os.path.join(self.root, "app", textfiles.KEPT))
        self.assertEqual(info.st_mode & 0o777, 0o600)

        self.assertFalse(textfiles.write_metrics(self.app, "app", self.settings(second)))
        self.assertEqual(os.listdir(first), [])
        self.assertEqual(os.listdir(second), [NAME])
        self.assertEqual(self.kept(), [second])

        self.assertFalse(textfiles.remove_metrics(self.app, "app", self.settings(second)))
        self.assertEqual(os.listdir(second), [])
        self.assertEqual(self.kept(), [])

    def test_something_at_the_temporary_name_is_not_deleted(self) -> None:
        path = self.directory("planted")
        planted = os.path.join(path, f".{NAME}.tmp-{os.getpid()}")
        with open(planted, "w") as file:
            file.write("theirs")
        fd = textfiles.open_directory(path)
        self.addCleanup(os.close, fd)
        with self.assertRaises(FileExistsError):
            textfiles.write_file(fd, NAME, "x 1\n")
        with open(planted) as file:
            self.assertEqual(file.read(), "theirs")
        self.assertFalse(os.path.exists(os.path.join(path, NAME)))

    def test_a_listed_directory_missing_is_neither_made_nor_kept(self) -> None:
        missing = os.path.join(self.root, "missing")
        self.assertFalse(textfiles.write_metrics(self.app, "app", self.settings(missing)))
        self.assertFalse(os.path.exists(missing))
        self.assertEqual(self.kept(), [])

    def test_a_link_at_the_name_is_neither_replaced_nor_followed(self) -> None:
        directory = self.directory("d")
        target = os.path.join(self.root, "target")
        with open(target, "w") as file:
            file.write("untouched")
        os.symlink(target, os.path.join(directory, NAME))
        with stderr_captured() as said:
            textfiles.write_metrics(self.app, "app", self.settings(directory))
        self.assertIn(f"could not write metrics in {directory}: {NAME} is a link", said.getvalue())
        self.assertTrue(os.path.islink(os.path.join(directory, NAME)))
        with open(target) as file:
            self.assertEqual(file.read(), "untouched")

    def test_a_list_that_is_not_the_runners_is_no_list(self) -> None:
        with open(os.path.join(self.root, "app", textfiles.KEPT), "w") as file:
            json.dump({"directories": ["/etc"]}, file)
        os.chmod(os.path.join(self.root, "app", textfiles.KEPT), 0o666)
        self.assertEqual(self.kept(), [])
