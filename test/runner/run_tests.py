"""Runs every test/runner/test_*.py (unittest, the standard library's) with the runner's modules
importable, and prints one JSON object per test case: {"id", "outcome", "detail"}. Read by
test/unit/runner-modules.test.ts, which makes each case a test of the suite."""

import json
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(here, "..", "..", "src", "runner"), here]


class Collected(unittest.TestResult):
    def __init__(self) -> None:
        super().__init__()
        self.cases: list[dict[str, str]] = []

    def addSuccess(self, test: unittest.TestCase) -> None:
        self.cases.append({"id": test.id(), "outcome": "passed", "detail": ""})

    def addFailure(self, test: unittest.TestCase, err: object) -> None:
        super().addFailure(test, err)  # pyright: ignore[reportArgumentType]
        self.cases.append({"id": test.id(), "outcome": "failed", "detail": self.failures[-1][1]})

    def addError(self, test: unittest.TestCase, err: object) -> None:
        super().addError(test, err)  # pyright: ignore[reportArgumentType]
        self.cases.append({"id": test.id(), "outcome": "failed", "detail": self.errors[-1][1]})

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        self.cases.append({"id": test.id(), "outcome": "skipped", "detail": reason})


result = Collected()
unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here).run(result)
json.dump(result.cases, sys.stdout)
