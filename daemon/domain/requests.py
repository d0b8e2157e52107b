"""Mails that ask for something instead of carrying a document (profile keywords).

Some schools let students ask for their baja by email (they got a job, they left), and some
keep the clinic card (carnet) on file: the student sends a photo or scan with a keyword in
the subject. The profile lists the keywords; an empty list turns the request off.
"""

from __future__ import annotations

import re

from daemon.domain.imss_forms import plain_upper
from daemon.domain.outcomes import Outcome
from daemon.domain.policy import Policy


def request_outcome(subject: str, body: str, policy: Policy) -> Outcome | None:
    """BAJA_REQUESTED or CARNET_RECEIVED when the mail is such a request, else None.

    A baja request may be written in the subject or in the first line of the body (students
    often leave the subject empty); a carnet is recognised by its subject only, as the
    schools instruct, so a constancia mail that mentions the carnet is not taken for one.
    """
    subject_words = plain_upper(subject)
    first_line = plain_upper(_first_line(body))
    if _mentions(subject_words, policy.intake.baja_request_keywords) or _mentions(
        first_line, policy.intake.baja_request_keywords
    ):
        return Outcome.BAJA_REQUESTED
    if _mentions(subject_words, policy.intake.carnet_subject_keywords):
        if asks_for_hoja_de_afiliacion(subject, "", policy):
            return None  # "hoja de afiliación para mi carnet": the hoja is what they want
        return Outcome.CARNET_RECEIVED
    return None


def asks_for_hoja_de_afiliacion(subject: str, body: str, policy: Policy) -> bool:
    """True when the subject or the opening lines of the body ask for the hoja de afiliación.

    Unlike a baja or a carnet this does not stop the attachments from being read: the
    leaflet (procedures/002) tells a student without their hoja to send their vigencia, so
    a constancia attached to such a mail is decided as a constancia.
    """
    keywords = policy.intake.hoja_afiliacion_keywords
    if not keywords:
        return False
    opening = [line for line in (body or "").splitlines() if line.strip()][:_OPENING_LINES]
    texts = [plain_upper(subject), *(plain_upper(line) for line in opening)]
    return any(_mentions(text, keywords) for text in texts)


# Students greet first ("Buenas tardes,"), then ask: a few lines, not a whole quoted thread.
_OPENING_LINES = 4


def _first_line(body: str) -> str:
    for line in (body or "").splitlines():
        if line.strip():
            return line
    return ""


def _mentions(text: str, keywords: tuple[str, ...]) -> bool:
    for keyword in keywords:
        folded = plain_upper(keyword)
        if folded and re.search(rf"(?<![A-Z0-9]){re.escape(folded)}(?![A-Z0-9])", text):
            return True
    return False
