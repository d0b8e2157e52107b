"""The closed vocabularies of the domain: what a document is, and what we decided about it."""

from enum import StrEnum


class DocumentKind(StrEnum):
    CONSTANCIA = "constancia"
    RENUNCIA = "renuncia"
    NSS_ACUSE = "nss_acuse"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    """One per received document; the reply template is named after it (DESIGN.md)."""

    ACCEPTED_NOT_INSURED = "accepted_not_insured"
    ACCEPTED_INSURED_HERE = "accepted_insured_here"
    REGISTERED_ELSEWHERE = "registered_elsewhere"
    COVERED_OTHER_REGIME = "covered_other_regime"
    TOO_OLD = "too_old"
    IDENTITY_MISMATCH = "identity_mismatch"
    NOT_ENROLLED = "not_enrolled"
    UNREADABLE = "unreadable"
    WAIVER_RECEIVED = "waiver_received"
    WAIVER_INCOMPLETE = "waiver_incomplete"
    NSS_ACUSE_RECEIVED = "nss_acuse_received"
    NO_ATTACHMENT = "no_attachment"
    DUPLICATE = "duplicate"
    IGNORED_AUTO = "ignored_auto"
    REJECTED_UNSAFE = "rejected_unsafe"
    # The document is ours to judge but a decisive fact is missing, doubtful or
    # contradictory: staff decide, the student gets a neutral reply (never a wrong negative).
    NEEDS_REVIEW = "needs_review"
    # Profile-specific intake outcomes (issue 4): a student asks for their baja by email,
    # or sends their clinic card for the school's file.
    BAJA_REQUESTED = "baja_requested"
    CARNET_RECEIVED = "carnet_received"
    STAFF_COMMAND = "staff_command"
    # Seed 002: a student asks for their hoja de afiliación by mail. Sent (PDF attached)
    # when we insure them; otherwise a neutral reply saying what we need first.
    HOJA_AFILIACION_SENT = "hoja_afiliacion_sent"
    HOJA_AFILIACION_PENDING = "hoja_afiliacion_pending"


# Outcomes a human must look at; they appear in the digest's review queue.
NEEDS_STAFF_REVIEW = frozenset(
    {
        Outcome.IDENTITY_MISMATCH,
        Outcome.NOT_ENROLLED,
        Outcome.UNREADABLE,
        Outcome.NEEDS_REVIEW,
        Outcome.NO_ATTACHMENT,
        Outcome.CARNET_RECEIVED,
    }
)

# Outcomes that never produce a reply, whatever the policy says.
NEVER_ANSWERED = frozenset({Outcome.IGNORED_AUTO})

# When one mail carries several documents, the student gets one reply, about the document
# that moves their case furthest. Earlier in this tuple wins.
REPLY_PRIORITY: tuple[Outcome, ...] = (
    Outcome.HOJA_AFILIACION_SENT,  # only beside a constancia with our registro: it says more
    Outcome.ACCEPTED_NOT_INSURED,
    Outcome.ACCEPTED_INSURED_HERE,
    Outcome.COVERED_OTHER_REGIME,
    Outcome.WAIVER_RECEIVED,
    Outcome.NSS_ACUSE_RECEIVED,
    Outcome.NEEDS_REVIEW,
    Outcome.REGISTERED_ELSEWHERE,
    Outcome.TOO_OLD,
    Outcome.WAIVER_INCOMPLETE,
    Outcome.IDENTITY_MISMATCH,
    Outcome.NOT_ENROLLED,
    Outcome.CARNET_RECEIVED,
    Outcome.BAJA_REQUESTED,
    Outcome.HOJA_AFILIACION_PENDING,
    Outcome.STAFF_COMMAND,
    Outcome.REJECTED_UNSAFE,
    Outcome.UNREADABLE,
    Outcome.DUPLICATE,
    Outcome.NO_ATTACHMENT,
    Outcome.IGNORED_AUTO,
)


class Confidence(StrEnum):
    """How the text was obtained: a PDF text layer is trusted, OCR only with checks."""

    TEXT = "text"
    OCR = "ocr"
    NONE = "none"


class ReadProblem(StrEnum):
    NO_TEXT = "no_text"  # image or scan without OCR
    UNKNOWN_DOCUMENT = "unknown_document"  # text, but not a document we know
    UNSAFE = "unsafe"  # encrypted, corrupt, oversize, bomb, over a limit
