"""A reader worker's answer is unpickled with an allow-list: a PDF that took over a worker
cannot run code in the daemon through pickle."""

from __future__ import annotations

import os
import pickle

import pytest

from daemon.documents.limits import ReadLimits
from daemon.documents.workers import load_result, read_mail
from tests.fixtures.documents import constancia_pdf
from tests.fixtures.emails import student_mail


def test_a_worker_answer_carrying_a_callable_is_refused() -> None:
    class Exploit:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError, match=r"forbidden type .*system"):
        load_result(pickle.dumps(Exploit()))


def test_a_parsed_mail_with_its_readings_comes_back_intact() -> None:
    limits = ReadLimits(
        max_attachment_bytes=10_000_000,
        max_pages=20,
        seconds=10,
        memory_mb=768,
        ocr=False,
        zip_max_entries=10,
        zip_max_total_bytes=20_000_000,
        zip_max_ratio=100,
    )
    raw = student_mail(attachments=(("c.pdf", "application/pdf", constancia_pdf()),))
    result = read_mail(raw, limits, 262144, 10)
    assert load_result(pickle.dumps(result)) == result
