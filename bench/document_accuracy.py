"""Accuracy of document reading and classification on a generated corpus (a manifest).

    .venv/bin/python -m tests.fixtures.layouts bench/out/dev          # development split
    .venv/bin/python -m bench.heldout.build bench/out/heldout         # held-out split
    .venv/bin/python bench/document_accuracy.py bench/out/dev bench/out/heldout

For each corpus (format: bench/corpus_manifest.md) it reads every document as the daemon
does (``read_attachment`` + ``classify``, the roster and school of the manifest) and prints
field accuracy, outcome accuracy and the number of *dangerous* outcomes: a negative answer
(too old, registered elsewhere, covered, mismatch, not enrolled, incomplete) the document did
not earn. Misses are listed for the development split only: the held-out split is for
measuring, never for looking at (``--misses`` is refused there).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon.documents import ReadLimits, read_attachment
from daemon.domain.classification import Case, Roster, classify
from daemon.domain.identifiers import normalize_curp
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy, School
from daemon.domain.student import RosterStatus, Student
from daemon.rules_profile import load_profile

REPO = Path(__file__).resolve().parents[1]
NEGATIVE = frozenset(
    {
        Outcome.TOO_OLD,
        Outcome.REGISTERED_ELSEWHERE,
        Outcome.COVERED_OTHER_REGIME,
        Outcome.IDENTITY_MISMATCH,
        Outcome.NOT_ENROLLED,
        Outcome.WAIVER_INCOMPLETE,
    }
)
_TEXT_FIELDS = {"nombre", "patron", "titular", "delegacion", "programa", "motivo", "parentesco"}
_TEXT_FIELDS |= {"tipo_ultimo_movimiento"}
_DATE_FIELDS = {"fecha_nacimiento", "fecha_ultimo_movimiento", "fecha_expedicion", "fecha"}


@dataclass
class Result:
    id: str
    producer: str
    kind: str
    expected: str
    got: str
    field_misses: list[str] = field(default_factory=list)
    fields_total: int = 0
    reasons: tuple[str, ...] = ()

    @property
    def dangerous(self) -> bool:
        return self.got != self.expected and Outcome(self.got) in NEGATIVE


def _plain(value: object) -> str:
    text = unicodedata.normalize("NFD", str(value).upper())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(text.split())


def same(name: str, expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if name in _DATE_FIELDS:
        return (got.isoformat() if isinstance(got, date) else str(got)) == str(expected)
    if name == "umf":
        return re.sub(r"\D", "", str(got)).lstrip("0") == re.sub(r"\D", "", str(expected)).lstrip(
            "0"
        )
    if name == "motivo":  # a sentence: its final period is punctuation, not the reason
        return _plain(got).rstrip(" .") == _plain(expected).rstrip(" .")
    if name in _TEXT_FIELDS:
        return _plain(got) == _plain(expected)
    if name in ("registro_patronal", "curp", "nss"):
        return re.sub(r"[\s-]", "", str(got)).upper() == re.sub(r"[\s-]", "", str(expected))
    return bool(got == expected)


def _students(manifest: dict[str, Any]) -> list[Student]:
    out = []
    for row in manifest["students"]:
        out.append(
            Student(
                matricula=row["matricula"],
                curp=normalize_curp(row["curp"]),
                nombres=row["nombres"],
                apellido_paterno=row["apellido_paterno"],
                apellido_materno=row.get("apellido_materno", ""),
                email_institucional=row.get("email_institucional", ""),
                status=RosterStatus(row.get("status", "ACTIVO")),
            )
        )
    return out


def _policy(manifest: dict[str, Any]) -> Policy:
    school = School(
        name=manifest["school"]["name"],
        registros_patronales=tuple(manifest["school"]["registros_patronales"]),
    )
    return load_profile(
        REPO / "rules" / f"{manifest.get('profile', 'ut-cuatrimestral')}.toml", school
    )


def evaluate(
    corpus: Path, *, ocr_seconds: float = 90.0, text_only: bool = False
) -> tuple[dict[str, Any], list[Result]]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    students = _students(manifest)
    by_email = {email: s for s in students for email in s.emails}
    by_curp = {s.curp: s for s in students}
    by_matricula = {s.matricula.upper(): s for s in students}
    policy = _policy(manifest)
    results = []
    for doc in manifest["documents"]:
        if text_only and (doc.get("needs_ocr") or doc.get("content_type", "") != "application/pdf"):
            continue
        data = (corpus / doc["file"]).read_bytes()
        limits = ReadLimits(ocr=True, seconds=ocr_seconds) if doc.get("needs_ocr") else ReadLimits()
        readings = read_attachment(
            Path(doc["file"]).name, doc.get("content_type", "application/pdf"), data, limits
        )
        reading = readings[0]
        facts = reading.facts
        owner = by_curp.get(normalize_curp(getattr(facts, "curp", None) or ""))
        if owner is None and getattr(facts, "matricula", None):
            owner = by_matricula.get(str(facts.matricula).upper())  # type: ignore[union-attr]
        sender = doc["sender"].lower()
        case = Case(
            reading,
            Roster(by_sender=by_email.get(sender), by_document=owner),
            sender,
            date.fromisoformat(doc["received_on"]),
            policy,
        )
        decision = classify(case)
        result = Result(
            doc["id"], doc["producer"], doc["kind"], doc["expected_outcome"], decision.outcome,
            reasons=decision.reasons,
        )  # fmt: skip
        for name, expected in (doc.get("fields") or {}).items():
            result.fields_total += 1
            got = getattr(facts, name, None) if facts is not None else None
            if name == "has_seal" and facts is None:
                got = False
            if not same(name, expected, got):
                result.field_misses.append(f"{name}: expected {expected!r}, read {got!r}")
        results.append(result)
    return manifest, results


def summary(results: list[Result]) -> dict[str, Any]:
    fields_total = sum(r.fields_total for r in results)
    fields_ok = fields_total - sum(len(r.field_misses) for r in results)
    outcomes_ok = sum(r.got == r.expected for r in results)
    return {
        "documents": len(results),
        "fields_ok": fields_ok,
        "fields_total": fields_total,
        "outcomes_ok": outcomes_ok,
        "dangerous": sum(r.dangerous for r in results),
        "review_instead": sum(
            r.got == "needs_review" and r.expected != "needs_review" for r in results
        ),
    }


def _line(title: str, s: dict[str, Any]) -> str:
    fields = s["fields_ok"] / s["fields_total"] if s["fields_total"] else 1.0
    outcomes = s["outcomes_ok"] / s["documents"] if s["documents"] else 1.0
    return (
        f"  {title:<22} docs {s['documents']:>4}  fields {s['fields_ok']:>5}/{s['fields_total']:<5}"
        f" = {fields:7.2%}  outcomes {s['outcomes_ok']:>4}/{s['documents']:<4} = {outcomes:7.2%}"
        f"  dangerous {s['dangerous']}  review-instead {s['review_instead']}"
    )


def report(corpus: Path, *, misses: bool) -> dict[str, Any]:
    started = time.perf_counter()
    manifest, results = evaluate(corpus)
    elapsed = time.perf_counter() - started
    split = manifest.get("split", "?")
    print(f"{corpus} (split {split}): {len(results)} documents in {elapsed:.1f} s")
    total = summary(results)
    print(_line("all", total))
    for key in ("producer", "kind"):
        for value in sorted({getattr(r, key) for r in results}):
            print(
                _line(f"{key} {value}", summary([r for r in results if getattr(r, key) == value]))
            )
    confusion = Counter((r.expected, r.got) for r in results if r.expected != r.got)
    print("  outcome confusions (expected -> given):")
    for (expected, got), count in confusion.most_common():
        print(f"    {expected} -> {got}: {count}")
    print("  field misses by field (left empty / read wrong):")
    empty = Counter(m.split(":")[0] for r in results for m in r.field_misses if m.endswith(" None"))
    wrong = Counter(
        m.split(":")[0] for r in results for m in r.field_misses if not m.endswith(" None")
    )
    for name, _count in (empty + wrong).most_common():
        print(f"    {name:<24} {empty[name]:>3} / {wrong[name]:>3}")
    motivos = Counter(r.reasons[0] for r in results if r.got == "needs_review" and r.reasons)
    print("  why documents went to staff review (counts of our own first reason):")
    for motivo, count in motivos.most_common():
        print(f"    {count:>3}  {motivo}")
    if misses:
        if split == "heldout":
            raise SystemExit(
                "--misses is refused on the held-out split: measure it, do not read it"
            )
        for r in results:
            if r.expected != r.got or r.field_misses:
                print(f"  miss {r.id} [{r.producer}] {r.expected} -> {r.got} {r.reasons[:2]}")
                for m in r.field_misses:
                    print(f"      {m}")
    return {"split": split, **total, "seconds": round(elapsed, 1)}


def speed(corpus: Path) -> dict[str, float]:
    """Whole-corpus time of pdfplumber-only reading vs our read + classify, in one process."""
    import io

    import pdfplumber

    manifest, _ = evaluate(corpus)  # warm-up, and the same code path as the figures
    files = [
        (corpus / d["file"]).read_bytes()
        for d in manifest["documents"]
        if not d.get("needs_ocr") and d.get("content_type", "application/pdf") == "application/pdf"
    ]
    started = time.perf_counter()
    for data in files:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            "\n".join(page.extract_text() or "" for page in pdf.pages)
    plumber = time.perf_counter() - started
    started = time.perf_counter()
    evaluate(corpus, text_only=True)
    ours = time.perf_counter() - started
    print(
        f"  speed over {len(files)} text PDFs: pdfplumber-only {plumber * 1000 / len(files):.1f} ms"
        f"/doc, afilia read+classify {ours * 1000 / len(files):.1f} ms/doc"
        f" = {ours / plumber:.1%} of pdfplumber"
    )
    return {"pdfplumber_s": round(plumber, 2), "afilia_s": round(ours, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="directories holding a manifest.json")
    parser.add_argument("--misses", action="store_true", help="list every miss (dev split only)")
    parser.add_argument("--json", type=Path, help="also write the summary figures here")
    parser.add_argument("--speed", action="store_true", help="also time it against pdfplumber")
    args = parser.parse_args()
    figures = []
    for corpus in args.corpora:
        figures.append(report(corpus, misses=args.misses))
        if args.speed:
            figures[-1].update(speed(corpus))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
