"""times.py: the one formatter and the one parser of the runner's times."""

import unittest

from times import duration_text, iso, parse_iso, parse_iso_ms


class IsoTimes(unittest.TestCase):
    def test_written_as_the_charm_reads_them(self) -> None:
        self.assertEqual(iso(1764558000.123), "2025-12-01T03:00:00.123Z")
        self.assertEqual(iso(0), "1970-01-01T00:00:00.000Z")

    def test_read_back_exactly_to_the_millisecond(self) -> None:
        for ms in (0, 1, 999, 1764558000123, 4102444800000):
            self.assertEqual(parse_iso_ms(iso(ms / 1000)), ms)

    def test_fewer_fraction_digits_and_none(self) -> None:
        self.assertEqual(parse_iso("2025-12-01T03:00:00Z"), 1764558000)
        self.assertEqual(parse_iso("2025-12-01T03:00:00.5Z"), 1764558000.5)

    def test_anything_else_is_none(self) -> None:
        for text in (None, 17, "", "2025-12-01T03:00:00", "2025-12-01 03:00:00Z", "2025-13-01T03:00:00Z", "x.yZ"):
            self.assertIsNone(parse_iso(text), text)


class Durations(unittest.TestCase):
    def test_as_the_options_write_them(self) -> None:
        self.assertEqual(duration_text(5400), "1h30m")
        self.assertEqual(duration_text(45), "45s")
        self.assertEqual(duration_text(125), "2m5s")
        self.assertEqual(duration_text(0), "0s")
        self.assertEqual(duration_text(90000), "25h")


if __name__ == "__main__":
    unittest.main()
