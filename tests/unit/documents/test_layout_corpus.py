"""The development corpus generator itself (tests/fixtures/layouts), not the parser.

A corpus whose truths are wrong would train the parser to be wrong, so these checks pin what
the generator promises: same seed -> same bytes, every producer and every trait value drawn,
identifiers that validate, a manifest exactly in bench/corpus_manifest.md's shape, a text
layer that really prints the NSS, and tamper signals present where a case says so.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from stdnum import luhn
from stdnum.mx import curp as stdnum_curp

from tests.fixtures.layouts import LABELS, ROSTER, TRAITS, Sample, generate, write_corpus

OUTCOMES = {
    "accepted_not_insured", "accepted_insured_here", "registered_elsewhere",
    "covered_other_regime", "too_old", "identity_mismatch", "not_enrolled", "unreadable",
    "waiver_received", "waiver_incomplete", "nss_acuse_received", "needs_review",
}  # fmt: skip
FIELDS = {
    "constancia": {
        "nss", "curp", "nombre", "sexo", "fecha_nacimiento", "vigente", "servicio_medico",
        "registro_patronal", "modalidad", "patron", "tipo_ultimo_movimiento",
        "fecha_ultimo_movimiento", "delegacion", "umf", "fecha_expedicion", "parentesco",
        "titular", "has_seal",
    },
    "renuncia": {"nombre", "matricula", "curp", "programa", "motivo", "fecha", "has_signature"},
    "nss_acuse": {"nss", "curp", "nombre", "acudir_subdelegacion"},
    "unknown": set(),
}  # fmt: skip
DATE_FIELDS = {"fecha_nacimiento", "fecha_ultimo_movimiento", "fecha_expedicion", "fecha"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sample]]:
    out = tmp_path_factory.mktemp("dev-corpus")
    return out, write_corpus(out, seed=0)


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first, again, other = (
        generate(seed=5, count=24),
        generate(seed=5, count=24),
        generate(seed=6, count=24),
    )
    assert [s.data for s in first] == [s.data for s in again]
    assert [s.manifest() for s in first] == [s.manifest() for s in again]
    assert [s.data for s in first] != [s.data for s in other]


def test_small_corpus_still_has_every_case() -> None:
    samples = generate(seed=1, count=30)
    assert len(samples) == 30
    assert {s.kind for s in samples} == set(FIELDS)


def test_every_producer_and_trait_value_is_used(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    assert {s.producer for s in samples} == set(TRAITS["producer"])
    used: dict[str, set[str]] = {}
    for s in samples:
        for trait, value in s.traits.items():
            used.setdefault(trait, set()).add(value)
    for trait, values in TRAITS.items():
        assert set(values) <= used.get(trait, set()), (trait, set(values) - used.get(trait, set()))
    for field, wordings in LABELS.items():
        assert set(wordings) <= used.get(f"label_{field}", set()), field
    assert {"iLovePDF"} <= used["edited_with"]


def test_identifiers_validate(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    for person in ROSTER:
        stdnum_curp.validate(person.curp)
        assert luhn.is_valid(person.nss)
    for s in samples:
        if s.fields.get("curp"):
            stdnum_curp.validate(s.fields["curp"])
        if s.fields.get("nss"):
            assert re.fullmatch(r"\d{11}", s.fields["nss"])
            assert luhn.is_valid(s.fields["nss"])


def _check_fields(kind: str, fields: dict[str, Any]) -> None:
    assert set(fields) == FIELDS[kind], kind
    for key in DATE_FIELDS & set(fields):
        if fields[key] is not None:
            date.fromisoformat(fields[key])
    if kind != "constancia":
        return
    if fields["registro_patronal"] is not None:
        assert re.fullmatch(r"[A-Z0-9]\d{10}", fields["registro_patronal"])
    assert fields["modalidad"] is None or fields["modalidad"].isdigit()
    assert fields["umf"] is None or fields["umf"].isdigit()
    assert fields["sexo"] in (None, "H", "M")
    for key in ("nombre", "patron", "titular", "parentesco", "tipo_ultimo_movimiento"):
        assert fields[key] is None or fields[key] == fields[key].upper()
    assert (fields["parentesco"] is None) == (fields["titular"] is None)


def test_manifest_matches_the_spec(corpus: tuple[Path, list[Sample]]) -> None:
    out, samples = corpus
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"split", "school", "profile", "students", "documents"}
    assert manifest["split"] == "dev"
    assert manifest["profile"] == "ut-cuatrimestral"
    assert manifest["school"] == {
        "name": "Universidad Tecnológica de Ejemplo",
        "registros_patronales": ["Y5410123108"],
    }
    student_keys = {"matricula", "curp", "nombres", "apellido_paterno", "apellido_materno",
                    "email_institucional", "status"}  # fmt: skip
    assert len(manifest["students"]) >= 16
    for student in manifest["students"]:
        assert set(student) == student_keys
        assert student["status"] in ("ACTIVO", "BAJA TEMPORAL", "BAJA DEFINITIVA", "ESTADÍA")
    assert manifest["students"][0]["curp"] == "GOMA050317MDFNRNA1"
    doc_keys = {"id", "file", "content_type", "producer", "traits", "kind", "sender",
                "received_on", "needs_ocr", "fields", "expected_outcome"}  # fmt: skip
    documents = manifest["documents"]
    assert len(documents) == len(samples) == 150
    assert len({d["id"] for d in documents}) == len(documents)
    for doc in documents:
        assert set(doc) == doc_keys
        assert (out / doc["file"]).read_bytes().startswith(b"%PDF-")
        assert doc["content_type"] == "application/pdf"
        assert doc["needs_ocr"] is False
        assert doc["expected_outcome"] in OUTCOMES
        date.fromisoformat(doc["received_on"])
        assert all(isinstance(v, str) for v in doc["traits"].values())
        _check_fields(doc["kind"], doc["fields"])
    assert {d["expected_outcome"] for d in documents} == OUTCOMES


def test_outcomes_follow_the_case(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    by_case: dict[str, set[str]] = {}
    for s in samples:
        by_case.setdefault(s.case, set()).add(s.expected_outcome)
    assert by_case["identity_mismatch"] == {"identity_mismatch"}
    assert by_case["too_old"] == {"too_old"}
    assert by_case["worker"] == by_case["family_member"] == {"covered_other_regime"}
    for case in ("review_no_date", "review_cadena_date", "review_cadena_name", "review_edited"):
        assert by_case[case] == {"needs_review"}
    for case in ("outsider", "sender_baja_definitiva", "sender_baja_temporal"):
        assert by_case[case] == {"not_enrolled"}
    assert by_case["waiver_unsigned"] == by_case["waiver_blank_date"] == {"waiver_incomplete"}
    family = [s for s in samples if s.case == "family_member"]
    assert all(s.fields["parentesco"] and s.fields["titular"] for s in family)
    assert all(s.fields["modalidad"] == "10" for s in samples if s.case == "worker")


_TEXTS: dict[bytes, str] = {}


def _text(data: bytes) -> str:
    """pdfplumber's text of every page (cached: several tests read the same files)."""
    if data not in _TEXTS:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            _TEXTS[data] = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return _TEXTS[data]


def test_text_layer_prints_the_nss(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    checked = 0
    for s in samples:
        text = _text(s.data)
        assert text.strip(), s.id
        if s.fields.get("nss"):
            assert s.fields["nss"] in text, s.id
            checked += 1
    assert checked > 100


def test_undrawn_fields_are_null(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    constancias = [s for s in samples if s.kind == "constancia"]
    for s in constancias:
        text = _text(s.data).upper()
        if s.traits["detail"] != "full":
            assert s.fields["sexo"] is None
            assert s.fields["fecha_nacimiento"] is None
        if s.fields["sexo"] is None:
            assert "MUJER" not in text, s.id
            assert "HOMBRE" not in text, s.id
        assert s.fields["has_seal"] == ("CADENA ORIGINAL" in text), s.id
    assert any(s.fields["fecha_expedicion"] is None for s in constancias)


def _info(data: bytes) -> dict[str, str]:
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    info: dict[str, str] = {}
    for entry in document.info:
        for key, value in entry.items():
            value = resolve1(value)
            info[key] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return info


def test_edited_constancias_carry_tamper_signals(corpus: tuple[Path, list[Sample]]) -> None:
    _, samples = corpus
    edited = [s for s in samples if s.case == "review_edited"]
    assert edited
    for s in edited:
        first_eof = s.data.index(b"%%EOF")
        assert b"xref" in s.data[first_eof:], s.id  # an incremental update follows
        info = _info(s.data)
        assert info["Producer"] == s.traits["edited_with"]
        assert info["ModDate"] > info["CreationDate"]
        shown = date.fromisoformat(s.fields["fecha_expedicion"])
        text = _text(s.data)
        printed = set(re.findall(r"\d{2}[/-]\d{2}[/-]\d{4}", text))
        if s.traits["date_format"] in ("dd/mm/aaaa", "dd-mm-aaaa"):
            sep = s.traits["date_format"][2]
            assert shown.strftime(f"%d{sep}%m{sep}%Y") in printed, s.id
    assert {s.producer for s in edited} <= {"reportlab", "fpdf2", "weasyprint"}
