"""Corpus C (the third independent dev corpus): a well-formed manifest, and the parser on it.

The shape first: files exist, identifiers validate, outcomes and kinds are the ones
bench/corpus_manifest.md allows. Then the safety rule on its text PDFs (its photos need
OCR, measured by bench/document_accuracy.py): never a negative answer a document did not
earn, with accuracy floors that only go up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stdnum import luhn
from stdnum.mx import curp

from bench.document_accuracy import evaluate, summary
from tests.fixtures.corpus_c.build import build

pytestmark = pytest.mark.slow  # renders 180 documents with four producers (~1 minute)

OUTCOMES = {
    "accepted_not_insured",
    "accepted_insured_here",
    "registered_elsewhere",
    "covered_other_regime",
    "too_old",
    "identity_mismatch",
    "not_enrolled",
    "waiver_received",
    "waiver_incomplete",
    "nss_acuse_received",
    "unreadable",
    "needs_review",
}
KIND_OUTCOMES = {
    "constancia": OUTCOMES - {"waiver_received", "waiver_incomplete", "nss_acuse_received"},
    "renuncia": {"waiver_received", "waiver_incomplete"},
    "nss_acuse": {"nss_acuse_received"},
    "unknown": {"unreadable"},
}
FIELD_KEYS = {
    "constancia": {
        "nss",
        "curp",
        "nombre",
        "sexo",
        "fecha_nacimiento",
        "vigente",
        "servicio_medico",
        "registro_patronal",
        "modalidad",
        "patron",
        "tipo_ultimo_movimiento",
        "fecha_ultimo_movimiento",
        "delegacion",
        "umf",
        "fecha_expedicion",
        "parentesco",
        "titular",
        "has_seal",
    },
    "renuncia": {"nombre", "matricula", "curp", "programa", "motivo", "fecha", "has_signature"},
    "nss_acuse": {"nss", "curp", "nombre", "acudir_subdelegacion"},
    "unknown": set(),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus_c")
    build(out, seed=0, count=200, photos=False)  # photos need OCR: bench/document_accuracy.py
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_header(corpus: tuple[Path, dict]) -> None:
    _, manifest = corpus
    assert manifest["split"] == "dev"
    assert manifest["profile"] == "ut-cuatrimestral"
    assert len(manifest["documents"]) == 180  # 200 less the 20 photos
    for reg in manifest["school"]["registros_patronales"]:
        assert len(reg) == 11
        assert reg[1:].isdigit()


def test_roster_identifiers_validate(corpus: tuple[Path, dict]) -> None:
    _, manifest = corpus
    for row in manifest["students"]:
        assert curp.is_valid(row["curp"]), row
        assert row["status"] in {"ACTIVO", "BAJA TEMPORAL", "BAJA DEFINITIVA", "ESTADÍA"}


def test_documents_are_consistent(corpus: tuple[Path, dict]) -> None:
    out, manifest = corpus
    ids = set()
    for doc in manifest["documents"]:
        assert doc["id"] not in ids
        ids.add(doc["id"])
        data = (out / doc["file"]).read_bytes()
        if doc["content_type"] == "application/pdf":
            assert data.startswith(b"%PDF"), doc["file"]
        else:
            assert doc["needs_ocr"] is True
            assert doc["content_type"] in {"image/jpeg", "image/png"}
        assert doc["expected_outcome"] in KIND_OUTCOMES[doc["kind"]], doc["id"]
        fields = doc["fields"]
        assert set(fields) == FIELD_KEYS[doc["kind"]], doc["id"]
        if fields.get("curp"):
            assert curp.is_valid(fields["curp"]), doc["id"]
        if fields.get("nss"):
            assert len(fields["nss"]) == 11, doc["id"]
            assert luhn.is_valid(fields["nss"]), doc["id"]
        assert doc["producer"]
        assert isinstance(doc["traits"], dict)


def test_same_seed_same_plan(tmp_path: Path) -> None:
    manifest = build(tmp_path / "a", seed=5, count=4)
    again = build(tmp_path / "b", seed=5, count=4)
    strip = lambda m: [(d["file"], d["fields"], d["expected_outcome"]) for d in m["documents"]]  # noqa: E731
    assert strip(again) == strip(manifest)


def test_third_corpus_never_answers_a_student_wrongly_negative(corpus: tuple[Path, dict]) -> None:
    """Its watermark crosses the cadena original of a constancia whose printed date was
    edited: the cadena must still be read, and the student sent to review, not rejected."""
    out, _ = corpus
    _manifest, results = evaluate(out, text_only=True)
    figures = summary(results)
    assert [(r.id, r.expected, r.got) for r in results if r.dangerous] == []
    assert figures["outcomes_ok"] / figures["documents"] >= 0.97
    assert figures["fields_ok"] / figures["fields_total"] >= 0.93
