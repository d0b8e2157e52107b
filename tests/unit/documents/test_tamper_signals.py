"""Signs that a PDF was edited after it was produced: the file's own dates, read with their
time zones, so one instant written in UTC and in Mexico's zone is no edit."""

from __future__ import annotations

import pytest

from daemon.documents.tampering import tamper_signals

_ONE_REVISION = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _signals(created: str, modified: str) -> tuple[str, ...]:
    return tamper_signals(_ONE_REVISION, {"CreationDate": created, "ModDate": modified})


@pytest.mark.parametrize(
    ("created", "modified"),
    [
        ("D:20261201154100-06'00'", "D:20261201214100Z"),  # one instant, two zones
        ("D:20261201214100Z", "D:20261201154100-06'00'"),
        ("D:20261201154100", "D:20261201214100Z"),  # a zone on one date only
        ("D:20261201154100", "D:20261201154500"),  # saved four minutes later
    ],
)
def test_the_same_moment_written_in_two_zones_is_no_edit(created: str, modified: str) -> None:
    assert _signals(created, modified) == ()


@pytest.mark.parametrize(
    ("created", "modified"),
    [
        ("D:20261201154100-06'00'", "D:20261201224100Z"),  # an hour after, zones known
        ("D:20261201154100", "D:20261203154500"),  # two days later
    ],
)
def test_a_modification_after_the_creation_is_a_signal(created: str, modified: str) -> None:
    assert _signals(created, modified)


def test_an_update_appended_after_the_first_eof_is_a_signal() -> None:
    edited = _ONE_REVISION + b"2 0 obj<<>>endobj\nxref\ntrailer<<>>\n%%EOF\n"
    assert tamper_signals(edited, {}) == ("incremental update after the first %%EOF",)
