"""Settling a review item with a one-word reply: which word staff wrote, and what it means.

Each item of the review queue (a document staff must judge) is mailed to staff on its own,
with the document attached and the words they may answer. Their reply is one word, with an
optional note on the next lines for the student::

    SIN SEGURO
    La constancia se ve bien; tramitamos tu alta esta semana.

The words are few and forgiving (case, accents, a trailing period, a greeting line
before them); quoted text is never read (``reply_text``). Which outcome a word records is
a pure function of the item: ``ACEPTADA`` means "the document is valid as read", so the
outcome is what the read facts give once the doubt is set aside; when those facts cannot
tell (nothing read, no registro patronal...), staff are asked for a more specific word.

Never a wrong negative still holds: only staff can record ``registered_elsewhere`` for an
item, by naming it (``OTRA INSTITUCIÓN``) or by accepting a reading that proves it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from daemon.domain.imss_forms import fold
from daemon.domain.outcomes import DocumentKind, Outcome
from daemon.domain.policy import Policy
from daemon.domain.reply_text import own_lines


class ReviewWord(StrEnum):
    """The words staff may answer, as the review mail prints them."""

    ACCEPTED = "ACEPTADA"
    NOT_INSURED = "SIN SEGURO"
    INSURED_HERE = "AFILIADA"
    OTHER_REGIME = "OTRO RÉGIMEN"
    OTHER_SCHOOL = "OTRA INSTITUCIÓN"
    NEW_CONSTANCIA = "NUEVA CONSTANCIA"
    NOT_A_STUDENT = "NO ES ALUMNO"
    REVIEWED = "REVISADO"


# Folded spellings (uppercase, no accents) of each word; longer ones are tried first.
_SPELLINGS: dict[ReviewWord, tuple[str, ...]] = {
    ReviewWord.ACCEPTED: ("ACEPTADA", "ACEPTADO", "ACEPTAR", "VALIDA", "VALIDO"),
    ReviewWord.NOT_INSURED: (
        "SIN SEGURO",
        "NO ASEGURADA",
        "NO ASEGURADO",
        "NO AFILIADA",
        "NO AFILIADO",
        "ALTA",
    ),
    ReviewWord.INSURED_HERE: ("AFILIADA", "AFILIADO", "ASEGURADA AQUI", "ASEGURADO AQUI"),
    ReviewWord.OTHER_REGIME: ("OTRO REGIMEN", "CUBIERTA", "CUBIERTO"),
    ReviewWord.OTHER_SCHOOL: ("OTRA INSTITUCION", "OTRA ESCUELA", "OTRA UNIVERSIDAD"),
    ReviewWord.NEW_CONSTANCIA: ("NUEVA CONSTANCIA", "OTRA CONSTANCIA", "ILEGIBLE"),
    ReviewWord.NOT_A_STUDENT: (
        "NO ES ALUMNO",
        "NO ES ALUMNA",
        "NO ES ESTUDIANTE",
        "NO INSCRITO",
        "NO INSCRITA",
    ),
    ReviewWord.REVIEWED: ("REVISADO", "REVISADA", "ATENDIDO", "ATENDIDA"),
}
_ORDERED = sorted(
    ((spelling, word) for word, spellings in _SPELLINGS.items() for spelling in spellings),
    key=lambda pair: -len(pair[0]),
)
_LINES_BEFORE_THE_WORD = 2  # "Hola," / "Buen día" above the word are allowed
_NOTE_CHARS = 1000
_TOKEN = re.compile(r"REVISION\b[^#]{0,40}#\s*(C?)\s*(\d{1,12})\b")


@dataclass(frozen=True, slots=True)
class ReviewReply:
    word: ReviewWord
    note: str = ""  # for the student, as staff wrote it (case and accents kept)


@dataclass(frozen=True, slots=True)
class ReviewRef:
    """Which item a reply is about: a decision, or a quarantined mail (``#C12``)."""

    number: int
    quarantine: bool = False

    @property
    def token(self) -> str:
        return f"#C{self.number}" if self.quarantine else f"#{self.number}"


def parse_review_reply(body: str) -> ReviewReply | None:
    """The word staff answered and their note, or None when their text starts with none."""
    lines = [(folded, raw) for folded, raw in own_lines(body) if folded]
    for position, (folded, raw) in enumerate(lines[: _LINES_BEFORE_THE_WORD + 1]):
        found = _word_at_start(folded)
        if found is None:
            continue
        word, length = found
        rest = _rest_of_line(raw, folded, length)
        note_lines = [rest] if rest else []
        note_lines += [raw for _folded, raw in lines[position + 1 :]]
        return ReviewReply(word, "\n".join(note_lines).strip()[:_NOTE_CHARS])
    return None


def review_ref_in_subject(subject: str) -> ReviewRef | None:
    """``Re: Revisión #123: ...`` (or ``#C7`` for a quarantined mail) names the item."""
    match = _TOKEN.search(fold(subject or ""))
    if match is None:
        return None
    return ReviewRef(int(match.group(2)), quarantine=bool(match.group(1)))


def _word_at_start(folded: str) -> tuple[ReviewWord, int] | None:
    for spelling, word in _ORDERED:
        if folded.startswith(spelling):
            following = folded[len(spelling) : len(spelling) + 1]
            if not following or not following.isalnum():
                return word, len(spelling)
    return None


def _rest_of_line(raw: str, folded: str, length: int) -> str:
    """What follows the word on its line, in the original spelling ("ILEGIBLE: borrosa")."""
    # Folding keeps one character per character for Spanish text, except runs of spaces.
    words_in_spelling = len(folded[:length].split())
    rest = raw.split(None, words_in_spelling)[words_in_spelling:]
    return (rest[0] if rest else "").strip(" .,;:-—").strip()


# --- what a word settles ----------------------------------------------------------------


# Words that record this outcome for the student whatever was read.
_NAMED_OUTCOMES: dict[ReviewWord, Outcome] = {
    ReviewWord.NOT_INSURED: Outcome.ACCEPTED_NOT_INSURED,
    ReviewWord.INSURED_HERE: Outcome.ACCEPTED_INSURED_HERE,
    ReviewWord.OTHER_REGIME: Outcome.COVERED_OTHER_REGIME,
    ReviewWord.OTHER_SCHOOL: Outcome.REGISTERED_ELSEWHERE,
}
# Items that carry no document to judge: only these words make sense.
_NO_DOCUMENT_WORDS = (ReviewWord.NEW_CONSTANCIA, ReviewWord.NOT_A_STUDENT, ReviewWord.REVIEWED)


@dataclass(frozen=True, slots=True)
class Settlement:
    """What settling an item with a word does. ``record``: the outcome of the staff decision
    to store (None: nothing is recorded, the item only leaves the queue); ``reply``: the
    student template to send (None: no mail); ``refusal``: why this word cannot settle this
    item (Spanish, for staff), in which case nothing at all is done."""

    word: ReviewWord
    record: Outcome | None = None
    reply: Outcome | None = None
    refusal: str = ""


def outcome_as_read(kind: str | None, fields: Mapping[str, Any], policy: Policy) -> Outcome | None:
    """The outcome the stored reading gives once its doubt is set aside, or None when the
    read facts cannot tell (staff must then name the outcome)."""
    if kind == DocumentKind.RENUNCIA:
        return Outcome.WAIVER_RECEIVED
    if kind == DocumentKind.NSS_ACUSE:
        return Outcome.NSS_ACUSE_RECEIVED if fields.get("nss") else None
    if kind != DocumentKind.CONSTANCIA or not fields:
        return None
    vigente = fields.get("vigente")
    if vigente is False or fields.get("servicio_medico") is False:
        return Outcome.ACCEPTED_NOT_INSURED
    if vigente is not True:
        return None
    registro = fields.get("registro_patronal")
    if registro and policy.is_our_registro(registro):
        return Outcome.ACCEPTED_INSURED_HERE
    modalidad = fields.get("modalidad")
    if not registro or not modalidad:
        return None
    if str(modalidad).strip() == "32":
        return Outcome.REGISTERED_ELSEWHERE
    return Outcome.COVERED_OTHER_REGIME


def settlement(
    word: ReviewWord,
    *,
    outcome: Outcome,
    kind: str | None,
    fields: Mapping[str, Any],
    on_roster: bool,
    policy: Policy,
) -> Settlement:
    """What ``word`` does to an item decided ``outcome`` about a document of ``kind`` read
    as ``fields``; ``on_roster``: the item names a rostered student (a matrícula)."""
    if word is ReviewWord.REVIEWED:
        return Settlement(word)
    if word is ReviewWord.NEW_CONSTANCIA:
        return Settlement(word, reply=Outcome.UNREADABLE)
    if word is ReviewWord.NOT_A_STUDENT:
        return Settlement(word, reply=Outcome.NOT_ENROLLED)
    if outcome is Outcome.CARNET_RECEIVED and word is ReviewWord.ACCEPTED:
        return Settlement(word)  # the clinic card is filed; the student was already answered
    if outcome is Outcome.NO_ATTACHMENT:
        return Settlement(word, refusal=_refusal_without_document())
    if word is ReviewWord.ACCEPTED:
        recorded = (
            Outcome.COVERED_OTHER_REGIME
            if outcome is Outcome.COVERED_OTHER_REGIME
            else outcome_as_read(kind, fields, policy)
        )
        if recorded is None:
            return Settlement(word, refusal=_refusal_undecided())
    else:
        recorded = _NAMED_OUTCOMES[word]
    if not on_roster:
        return Settlement(word, refusal=_refusal_not_on_roster())
    return Settlement(word, record=recorded, reply=recorded)


def words_for(
    *, outcome: Outcome, kind: str | None, fields: Mapping[str, Any], policy: Policy
) -> tuple[tuple[ReviewWord, Outcome | None], ...]:
    """The words the review mail offers for an item, each with the outcome it records
    (None: it records none). ``ACEPTADA`` is offered only when the reading decides it."""
    if outcome is Outcome.NO_ATTACHMENT:
        return tuple((w, None) for w in _NO_DOCUMENT_WORDS)
    offered: list[tuple[ReviewWord, Outcome | None]] = []
    if outcome is Outcome.CARNET_RECEIVED:
        return ((ReviewWord.ACCEPTED, None), (ReviewWord.REVIEWED, None))
    accepted = (
        Outcome.COVERED_OTHER_REGIME
        if outcome is Outcome.COVERED_OTHER_REGIME
        else outcome_as_read(kind, fields, policy)
    )
    if accepted is not None:
        offered.append((ReviewWord.ACCEPTED, accepted))
    offered += [(w, o) for w, o in _NAMED_OUTCOMES.items() if o is not accepted]
    offered += [(w, None) for w in _NO_DOCUMENT_WORDS]
    return tuple(offered)


def _refusal_undecided() -> str:
    return (
        "Con lo que se leyó del documento no se puede saber el resultado. Responde con una "
        "palabra más específica: SIN SEGURO, AFILIADA, OTRO RÉGIMEN u OTRA INSTITUCIÓN "
        "(o NUEVA CONSTANCIA)."
    )


def _refusal_without_document() -> str:
    return (
        "Este correo no trae ningún documento que aceptar. Responde REVISADO si ya quedó "
        "atendido, o NUEVA CONSTANCIA para pedirle al alumno su constancia."
    )


def _refusal_not_on_roster() -> str:
    return (
        "No sabemos de qué alumno es: ni el remitente ni el CURP del documento están en el "
        "padrón. Importa el padrón actualizado (los documentos retenidos se deciden de nuevo "
        "solos) o responde NO ES ALUMNO."
    )


__all__ = [
    "ReviewRef",
    "ReviewReply",
    "ReviewWord",
    "Settlement",
    "outcome_as_read",
    "parse_review_reply",
    "review_ref_in_subject",
    "settlement",
    "words_for",
]
