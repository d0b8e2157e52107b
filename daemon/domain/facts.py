"""Typed facts read from the documents students send. Produced by ``daemon.documents``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from daemon.domain.outcomes import Confidence, DocumentKind, ReadProblem


@dataclass(frozen=True, slots=True)
class ConstanciaFacts:
    """What an IMSS Constancia de Vigencia de Derechos says. ``None`` means not found."""

    nss: str | None = None
    curp: str | None = None
    nombre: str | None = None
    sexo: str | None = None  # "H" / "M" as in the CURP
    fecha_nacimiento: date | None = None
    vigente: bool | None = None  # Situación VIGENTE (True) / BAJA (False)
    servicio_medico: bool | None = None
    registro_patronal: str | None = None
    modalidad: str | None = None
    patron: str | None = None  # Nombre o razón social
    tipo_ultimo_movimiento: str | None = None
    fecha_ultimo_movimiento: date | None = None
    delegacion: str | None = None
    umf: str | None = None
    fecha_expedicion: date | None = None
    parentesco: str | None = None  # HIJO, ESPOSA... when covered as a worker's family
    titular: str | None = None
    has_seal: bool = False
    # Where each value came from: "label:inline|right|below|text", "pattern", "phrase",
    # "cadena" (or "label:inline+cadena" when both agree), "ocr:..." when read by OCR.
    sources: tuple[tuple[str, str], ...] = ()
    # What the reader found contradictory (the cadena original disagrees with the page...).
    doubts: tuple[str, ...] = ()
    # Fields whose label is on the page but whose value could not be read: unread, not
    # absent (a constancia that prints no "servicio médico" at all is another matter).
    unread: tuple[str, ...] = ()

    def source(self, field: str) -> str | None:
        return dict(self.sources).get(field)

    def report_fields(self) -> dict[str, Any]:
        """The fields ``afilia decisions --json`` and ``afilia classify`` print."""
        return {
            "nss": self.nss,
            "curp": self.curp,
            "nombre": self.nombre,
            "fecha_expedicion": self.fecha_expedicion.isoformat()
            if self.fecha_expedicion
            else None,
            "vigente": self.vigente,
            "servicio_medico": self.servicio_medico,
            "registro_patronal": self.registro_patronal,
            "modalidad": self.modalidad,
            "patron": self.patron,
        }


@dataclass(frozen=True, slots=True)
class RenunciaFacts:
    """Carta Renuncia al Seguro Facultativo (FOR-24-01)."""

    nombre: str | None = None
    matricula: str | None = None
    curp: str | None = None
    programa: str | None = None
    motivo: str | None = None
    fecha: date | None = None
    has_signature: bool = False
    # Fields whose place on the form or letter was found (a label, a "Firma" line): only
    # those can be proven missing; a field we found no place for may just be unread.
    places: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()

    def proven_missing(self) -> tuple[str, ...]:
        """What the waiver lacks and where the reader saw the empty place for it."""
        keys = {"nombre": "nombre", "matrícula": "matricula", "fecha": "fecha", "firma": "firma"}
        return tuple(name for name in self.missing() if keys[name] in self.places)

    def missing(self) -> tuple[str, ...]:
        """What the waiver lacks, in the words the reply uses (Spanish field names)."""
        required = {
            "nombre": self.nombre,
            "matrícula": self.matricula,
            "fecha": self.fecha,
            "firma": self.has_signature or None,
        }
        return tuple(name for name, value in required.items() if not value)

    def report_fields(self) -> dict[str, Any]:
        return {
            "nombre": self.nombre,
            "matricula": self.matricula,
            "curp": self.curp,
            "programa": self.programa,
            "motivo": self.motivo,
            "fecha": self.fecha.isoformat() if self.fecha else None,
            "firma": self.has_signature,
        }


@dataclass(frozen=True, slots=True)
class NssAcuseFacts:
    """IMSS "Asignación de Número de Seguridad Social" acuse (high-school profile)."""

    nss: str | None = None
    curp: str | None = None
    nombre: str | None = None
    acudir_subdelegacion: bool = False  # IMSS could not assign an NSS online
    sources: tuple[tuple[str, str], ...] = ()

    def report_fields(self) -> dict[str, Any]:
        return {
            "nss": self.nss,
            "curp": self.curp,
            "nombre": self.nombre,
            "acudir_subdelegacion": self.acudir_subdelegacion,
        }


DocumentFacts = ConstanciaFacts | RenunciaFacts | NssAcuseFacts


@dataclass(frozen=True, slots=True)
class DocumentReading:
    """The result of reading one attachment: its kind and facts, or why it could not be read."""

    filename: str
    sha256: str
    kind: DocumentKind
    facts: DocumentFacts | None = None
    confidence: Confidence = Confidence.TEXT
    problem: ReadProblem | None = None
    problem_detail: str = ""
    notes: tuple[str, ...] = field(default=())  # reading notes, e.g. "text from pdfplumber"
    # Signs the file was edited after it was produced (see documents.tampering).
    tamper: tuple[str, ...] = field(default=())

    def report_fields(self) -> dict[str, Any]:
        return self.facts.report_fields() if self.facts is not None else {}

    def field_sources(self) -> dict[str, str]:
        """Where each field was read (``afilia classify --json``)."""
        return dict(getattr(self.facts, "sources", ()) or ())
