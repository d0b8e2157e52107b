"""Zip junk the operating system adds is skipped; only the student's files are read."""

from __future__ import annotations

from daemon.documents import archive
from tests.fixtures.hostile_mails import zip_with_junk
from tests.unit.documents.conftest import LIMITS


def test_macos_and_windows_junk_in_a_zip_is_skipped() -> None:
    names = [m.name for m in archive.members(zip_with_junk(b"%PDF-1.4 x"), LIMITS)]
    assert names == ["constancia.pdf"]


def test_what_counts_as_zip_junk() -> None:
    assert archive.is_junk("__MACOSX/docs/._constancia.pdf")
    assert archive.is_junk("docs/Thumbs.db")
    assert archive.is_junk("Desktop.ini")
    assert not archive.is_junk("docs/constancia.pdf")
    assert not archive.is_junk("_constancia.pdf")
