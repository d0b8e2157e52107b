"""Where each student stands in the procedure, derived from intake decisions and staff actions.

The store builds one ``StudentCase`` per rostered student from the ``decisions`` table (what
they sent) and the procedure tables (what staff did); reminders and the digest are pure
functions of these cases. Nothing here is stored as "the state": it is always recomputed,
so a correction in the decisions or actions changes what happens next by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from daemon.domain.outcomes import Outcome
from daemon.domain.policy import ProcedureRules
from daemon.domain.student import Student

# A valid document on file: the request reminders stop, the student enters the print queue.
ON_FILE = frozenset(
    {
        Outcome.ACCEPTED_NOT_INSURED,
        Outcome.ACCEPTED_INSURED_HERE,
        Outcome.COVERED_OTHER_REGIME,
        Outcome.WAIVER_RECEIVED,
        Outcome.NSS_ACUSE_RECEIVED,
    }
)
# Outcomes after which staff must register the student at IMSS.
NEEDS_ALTA = frozenset({Outcome.ACCEPTED_NOT_INSURED, Outcome.NSS_ACUSE_RECEIVED})
# Outcomes that count as "with vigencia de derechos" for the indicator (PAB-24 §6): covered
# already, or entitled to the alta we do (a constancia without coverage, a high school's NSS
# acuse). Waivers are not: those students declined the insurance.
WITH_VIGENCIA = frozenset(
    {
        Outcome.ACCEPTED_NOT_INSURED,
        Outcome.ACCEPTED_INSURED_HERE,
        Outcome.COVERED_OTHER_REGIME,
        Outcome.NSS_ACUSE_RECEIVED,
    }
)


@dataclass(frozen=True, slots=True)
class Term:
    id: int
    name: str
    starts_on: date
    ends_on: date

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True, slots=True)
class Alta:
    """An alta staff registered at IMSS (``action_id`` keys its notices). The student is
    told only once staff saw it on the IMSS portal (``verified_at``, PAB-24 paso 5)."""

    action_id: int
    done_at: datetime
    done_on: date | None = None  # the school's local date of done_at
    verified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PrintedCredential:
    batch_id: int
    printed_on: date
    pickup_from: date
    pickup_until: date
    place: str


@dataclass(frozen=True, slots=True)
class StudentCase:
    student: Student
    term: Term | None
    first_seen_on: date  # the day the roster first listed the student (local date)
    on_file: Outcome | None = None  # latest decision in ON_FILE
    on_file_on: date | None = None
    nss: str | None = None  # from the document on file, for the IMSS forms
    alta_requested_on: date | None = None  # NEEDS_ALTA decision not yet followed by an alta
    subdelegacion: bool = False  # NSS acuse said "Acudir a la Subdelegación"
    alta: Alta | None = None  # latest alta done
    insured_here: bool = False  # alta done or a constancia with our registro
    baja_requested_on: date | None = None  # baja_requested decision after the last alta
    baja_done_at: datetime | None = None  # latest baja done
    printed: PrintedCredential | None = None
    delivered_on: date | None = None  # of the card in hand: the first, or the duplicate
    resello_done: bool = False  # for the current term
    # Policy 4.4: the latest paid replacement (reposición); the card goes back to the print
    # queue as a duplicate. The first delivery stays known for the indicator.
    reposicion_on: date | None = None
    first_delivered_on: date | None = None

    @property
    def matricula(self) -> str:
        return self.student.matricula

    @property
    def card_delivered_on(self) -> date | None:
        """The day the student first got a card; a duplicate does not change it, so the
        indicator (PAB-24 §6) counts a student once whatever was replaced."""
        return self.first_delivered_on or self.delivered_on

    @property
    def print_requested_on(self) -> date | None:
        """The day the card to print now was asked for: the document on file, or the paid
        reposición of a duplicate (its 15-day SLA runs from then)."""
        found = [d for d in (self.on_file_on, self.reposicion_on) if d is not None]
        return max(found) if found else None

    @property
    def alta_pending(self) -> bool:
        """On the list of altas to register at IMSS: the digest, ``altas pending`` and its
        CSV all read this one property, so they can never disagree. Only students enrolled
        this term (ACTIVO, ESTADÍA) are registered; a withdrawn one is not."""
        return (
            self.alta_requested_on is not None
            and not self.subdelegacion
            and self.student.status.is_enrolled
        )

    @property
    def needs_card(self) -> bool:
        """Policy 4.1: the card is issued at the start of studies. A returning student who
        sends a constancia (for an alta, say) re-stamps the card they have (resello); one
        who lost it gets a duplicate once the reposición is paid (policy 4.4)."""
        return (
            self.student.new_entry
            or self.student.term_number <= 1
            or self.reposicion_on is not None
        )

    @property
    def in_print_queue(self) -> bool:
        return (
            self.needs_card
            and self.on_file is not None
            and self.printed is None
            and self.delivered_on is None
        )

    @property
    def awaiting_pickup(self) -> bool:
        return self.printed is not None and self.delivered_on is None


def baja_pending(case: StudentCase, rules: ProcedureRules) -> bool:
    """Insured by us, with no baja since, and either asking for it or in a roster status
    that ends the coverage under this profile (``coverage_ends_with``)."""
    if not case.insured_here:
        return False
    if case.baja_done_at is not None and (
        case.alta is None or case.baja_done_at >= case.alta.done_at
    ):
        return False
    return case.student.status in rules.coverage_ends_with or case.baja_requested_on is not None
