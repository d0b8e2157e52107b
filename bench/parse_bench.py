"""Parsing benchmark: speed against pdfplumber-only, and accuracy on the generated corpus.

    .venv/bin/python bench/parse_bench.py [--runs 50]

Speed: median of N runs, side by side in one process, of (a) ``pdfplumber.open`` +
``extract_text`` of a 2-page constancia and (b) our in-process ``read_attachment`` +
``classify`` of the same file. Accuracy: every field and the outcome, for each truth in
each layout the parser was written against, and for layouts written after it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pdfplumber

from daemon.documents import ReadLimits, read_attachment
from daemon.documents.labels import Vocabulary
from daemon.domain.classification import Case, Roster, classify
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import School
from daemon.domain.student import Student
from daemon.rules_profile import load_profile
from tests.fixtures import documents as docs
from tests.fixtures import documents_unseen as unseen

REPO = Path(__file__).resolve().parents[1]
STUDENT = Student(
    matricula="UTE2026001",
    curp=docs.CURP,
    nombres="ANA MARÍA",
    apellido_paterno="GÓMEZ",
    apellido_materno="NÚÑEZ",
    email_institucional="ana.gomez@alumnos.ute.example.edu.mx",
)
TRUTHS = {
    "not_insured": (docs.ConstanciaTruth(), Outcome.ACCEPTED_NOT_INSURED),
    "insured_here": (docs.insured_here(), Outcome.ACCEPTED_INSURED_HERE),
    "registered_elsewhere": (docs.registered_elsewhere(), Outcome.REGISTERED_ELSEWHERE),
    "worker": (docs.worker(), Outcome.COVERED_OTHER_REGIME),
    "family_member": (docs.family_member(), Outcome.COVERED_OTHER_REGIME),
    "too_old": (docs.ConstanciaTruth(fecha_expedicion=docs.date(2026, 11, 2)), Outcome.TOO_OLD),
    "no_seal": (docs.insured_here(has_seal=False), Outcome.ACCEPTED_INSURED_HERE),
}
LIMITS = ReadLimits()


def _policy():  # type: ignore[no-untyped-def]
    school = School(
        name="Universidad Tecnológica de Ejemplo", registros_patronales=(docs.OUR_REGISTRO,)
    )
    return load_profile(REPO / "rules" / "ut-cuatrimestral.toml", school)


POLICY = _policy()


def parse_and_classify(data: bytes) -> tuple[object, Outcome]:
    [reading] = read_attachment("constancia.pdf", "application/pdf", data, LIMITS)
    case = Case(reading, Roster(STUDENT, STUDENT), STUDENT.reply_address(), docs.ISSUED, POLICY)
    return reading, classify(case).outcome


def pdfplumber_only(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def median_ms(function, data: bytes, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(data)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def accuracy(layouts: dict, ascii_names: set[str]) -> tuple[int, int, int, int, list[str]]:  # type: ignore[type-arg]
    field_ok = field_total = outcome_ok = outcome_total = 0
    misses: list[str] = []
    for layout, draw in layouts.items():
        for name, (truth, outcome) in TRUTHS.items():
            reading, got = parse_and_classify(draw(truth))
            expected = truth.facts()
            if layout in ascii_names:
                expected = replace(
                    expected,
                    **{
                        key: docs._strip_accents(getattr(expected, key))
                        for key in ("nombre", "patron", "titular")
                        if getattr(expected, key)
                    },
                )
            elif layout == "raw":
                expected = docs.truth_as_read(truth, layout)
            for field in docs.READ_FIELDS:
                field_total += 1
                if getattr(reading.facts, field, None) == getattr(expected, field):  # type: ignore[attr-defined]
                    field_ok += 1
                else:
                    misses.append(f"{layout}/{name}: {field}")
            outcome_total += 1
            outcome_ok += got is outcome
            if got is not outcome:
                misses.append(f"{layout}/{name}: outcome {got} != {outcome}")
    return field_ok, field_total, outcome_ok, outcome_total, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    sample = docs.constancia_pdf(docs.insured_here(), "portal")  # 2 pages
    parse_and_classify(sample)
    pdfplumber_only(sample)  # warm both up
    plumber = median_ms(pdfplumber_only, sample, args.runs)
    ours = median_ms(parse_and_classify, sample, args.runs)
    print(f"speed, 2-page constancia, median of {args.runs} runs")
    print(f"  pdfplumber open+extract_text : {plumber:8.2f} ms")
    print(f"  afilia parse+classify        : {ours:8.2f} ms  ({ours / plumber:.1%} of pdfplumber)")
    # The label runs a producer prints are kept between documents (labels.Vocabulary): the
    # same file again is the best case, a cold start the worst; other students' documents
    # of the same layout are what the daemon sees.
    others = [docs.constancia_pdf(truth, "portal") for truth, _outcome in TRUTHS.values()]
    rotation = iter(range(10**9))
    plumber_others = median_ms(
        lambda _d: pdfplumber_only(others[next(rotation) % len(others)]), sample, args.runs
    )
    ours_others = median_ms(
        lambda _d: parse_and_classify(others[next(rotation) % len(others)]), sample, args.runs
    )

    def cold(data: bytes) -> object:
        Vocabulary.forget_label_runs()
        return parse_and_classify(data)

    ours_cold = median_ms(cold, sample, args.runs)
    print(f"  other students' constancias, same layout ({len(others)} files):")
    print(f"    pdfplumber {plumber_others:8.2f} ms, afilia {ours_others:8.2f} ms"
          f"  ({ours_others / plumber_others:.1%} of pdfplumber)")  # fmt: skip
    print(f"  cold start (no label runs kept): afilia {ours_cold:8.2f} ms"
          f"  ({ours_cold / plumber:.1%} of pdfplumber)")  # fmt: skip
    for title, layouts, ascii_names in (
        ("corpus (layouts the parser was written against)", docs.LAYOUTS, set()),
        ("unseen layouts (written after the parser)", unseen.UNSEEN_LAYOUTS, unseen.ASCII_NAMES),
    ):
        f_ok, f_all, o_ok, o_all, misses = accuracy(layouts, ascii_names)
        print(f"{title}: {len(layouts)} layouts x {len(TRUTHS)} truths")
        print(f"  fields  {f_ok}/{f_all} = {f_ok / f_all:.2%}")
        print(f"  outcome {o_ok}/{o_all} = {o_ok / o_all:.2%}")
        for miss in misses:
            print(f"  miss: {miss}")


if __name__ == "__main__":
    main()
