"""Staff commands sent by email, and whether a mail really comes from staff.

Staff answer the digest (or write to the mailbox) with one command per paragraph::

    ALTAS HECHAS
    UTE2026001 UTE2026002

    CREDENCIALES IMPRESAS
    ENTREGA: 04/05/2026 AL 08/05/2026
    LUGAR: Ventanilla de Servicios Estudiantiles
    TODAS

    ENTREGADA UTE2026001

    REPOSICIÓN PAGADA UTE2026002
    ACCIÓN CORRECTIVA UTE2026001: se dio de alta el 25/09


Parsing is pure and forgiving about case, accents, commas and quoted reply text (see
``reply_text``: a quoted digest is never read as commands); it never looks anything up.
The service checks each matrícula against the roster and answers what was applied and
what was rejected.

A command is trusted only from a configured staff address AND when the
Authentication-Results header added by OUR mail server (our authserv-id) shows an aligned
DMARC or DKIM pass: a From header alone is trivially forged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from daemon.domain.imss_forms import fold, plain_upper
from daemon.domain.reply_text import own_lines


class CommandKind(StrEnum):
    ALTAS_DONE = "altas_hechas"
    ALTAS_VERIFIED = "altas_verificadas"  # paso 5: seen on the IMSS portal
    ALTAS_NOT_SHOWING = "altas_no_aparecen"  # not on the portal after the wait
    BAJAS_DONE = "bajas_hechas"
    CREDENTIALS_PRINTED = "credenciales_impresas"
    DELIVERED = "entregada"
    RESELLO_DONE = "resellada"
    REPOSICION_PAID = "reposicion_pagada"  # policy 4.4: a duplicate card, paid
    REVIEWED = "revisado"  # items of the digest's review queue, by matrícula or sender
    CORRECTIVE_ACTION = "accion_correctiva"  # PAB-24 paso 12, on a salida no conforme


# Folded spellings staff may use for each command (first words of a line).
_SPELLINGS: tuple[tuple[str, CommandKind], ...] = (
    ("ALTAS HECHAS", CommandKind.ALTAS_DONE),
    ("ALTA HECHA", CommandKind.ALTAS_DONE),
    ("ALTAS REALIZADAS", CommandKind.ALTAS_DONE),
    ("ALTAS VERIFICADAS", CommandKind.ALTAS_VERIFIED),
    ("ALTA VERIFICADA", CommandKind.ALTAS_VERIFIED),
    ("VERIFICADAS", CommandKind.ALTAS_VERIFIED),
    ("VERIFICADA", CommandKind.ALTAS_VERIFIED),
    ("ALTAS NO APARECEN", CommandKind.ALTAS_NOT_SHOWING),
    ("ALTA NO APARECE", CommandKind.ALTAS_NOT_SHOWING),
    ("NO APARECEN", CommandKind.ALTAS_NOT_SHOWING),
    ("NO APARECE", CommandKind.ALTAS_NOT_SHOWING),
    ("BAJAS HECHAS", CommandKind.BAJAS_DONE),
    ("BAJA HECHA", CommandKind.BAJAS_DONE),
    ("BAJAS REALIZADAS", CommandKind.BAJAS_DONE),
    ("CREDENCIALES IMPRESAS", CommandKind.CREDENTIALS_PRINTED),
    ("CREDENCIAL IMPRESA", CommandKind.CREDENTIALS_PRINTED),
    ("ENTREGADAS", CommandKind.DELIVERED),
    ("ENTREGADA", CommandKind.DELIVERED),
    ("ENTREGADO", CommandKind.DELIVERED),
    ("RESELLADAS", CommandKind.RESELLO_DONE),
    ("RESELLADA", CommandKind.RESELLO_DONE),
    ("RESELLO HECHO", CommandKind.RESELLO_DONE),
    ("REPOSICIONES PAGADAS", CommandKind.REPOSICION_PAID),
    ("REPOSICION PAGADA", CommandKind.REPOSICION_PAID),
    ("PAGO DE REPOSICION", CommandKind.REPOSICION_PAID),
    ("REVISADOS", CommandKind.REVIEWED),
    ("REVISADAS", CommandKind.REVIEWED),
    ("REVISADO", CommandKind.REVIEWED),
    ("REVISADA", CommandKind.REVIEWED),
    ("ACCIONES CORRECTIVAS", CommandKind.CORRECTIVE_ACTION),
    ("ACCION CORRECTIVA", CommandKind.CORRECTIVE_ACTION),
)
# ACCIÓN CORRECTIVA [ALTA|CREDENCIAL] MATRÍCULA...: what was done (the salida's kind, folded).
_CORRECTIVE_KINDS = {
    "ALTA": "alta",
    "ALTAS": "alta",
    "CREDENCIAL": "credencial",
    "CREDENCIALES": "credencial",
}

ALL_IN_QUEUE = "TODAS"
_SPACES = re.compile(r"\s+")
_TOKEN = re.compile(r"[A-Z0-9-]+")
_MATRICULA = re.compile(r"^(?=.*\d)[A-Z0-9-]{4,32}$")
_DATE = re.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{2,4})")
_ADDRESS = re.compile(r"[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}")
_PARAMETER = re.compile(r"^(ENTREGA|FECHAS?|LUGAR|SITIO)\s*:?\s*(.*)$")


@dataclass(frozen=True, slots=True)
class Command:
    kind: CommandKind
    matriculas: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # REVISADO: senders not on the roster, lowercase
    whole_queue: bool = False  # CREDENCIALES IMPRESAS TODAS: every student in the print queue
    pickup_from: date | None = None
    pickup_until: date | None = None
    place: str = ""
    problems: tuple[str, ...] = ()  # why (part of) the command cannot be applied
    corrective_kind: str = ""  # ACCIÓN CORRECTIVA: "alta", "credencial" or "" (not said)
    action_text: str = ""  # ACCIÓN CORRECTIVA: what was done, as staff wrote it


@dataclass(frozen=True, slots=True)
class ParsedCommands:
    commands: tuple[Command, ...]
    unknown_lines: tuple[str, ...] = field(default=())


def parse_commands(
    subject: str, body: str, attachments: Sequence[tuple[str, str]] = ()
) -> ParsedCommands:
    """Commands in the subject and body; ``attachments`` are (filename, text) of CSV files,
    whose first column (or the column named MATRICULA) adds matrículas to the last command."""
    lines: list[tuple[str, str]] = []
    heading = _strip_reply_prefix(_SPACES.sub(" ", fold(subject or "")).strip())
    if _command_at_start(heading)[0] is not None:
        # Only a subject that is a command counts: "Re: Resumen diario ..." is the digest's
        # subject, not a line staff wrote.
        lines.append((heading, subject))
    lines.extend(own_lines(body))
    drafts: list[_Draft] = []
    unknown: list[str] = []
    for folded, raw in lines:
        if not folded:
            if drafts:
                drafts[-1].closed = drafts[-1].kind is CommandKind.CORRECTIVE_ACTION
            continue
        kind, rest = _command_at_start(folded)
        if kind is not None:
            drafts.append(_Draft(kind))
            if kind is CommandKind.CORRECTIVE_ACTION:
                drafts[-1].take_corrective(_after_command_name(raw))
                continue
            folded = rest
            if not folded:
                continue
        if drafts and not drafts[-1].closed:
            if drafts[-1].kind is CommandKind.CORRECTIVE_ACTION:
                drafts[-1].take_corrective(raw.split())
                continue
            drafts[-1].take(folded, raw)
        else:
            unknown.append(folded)
    csv_ids = [m for _name, text in attachments for m in _csv_matriculas(text)]
    if csv_ids:
        takers = [d for d in drafts if not d.matriculas and not d.whole_queue]
        for draft in takers:
            draft.matriculas.extend(csv_ids)
        if not takers:
            unknown.append("CSV adjunto sin un comando al que aplicarlo")
    return ParsedCommands(tuple(d.finish() for d in drafts), tuple(unknown))


def _after_command_name(raw: str) -> list[str]:
    """The raw words after "ACCIÓN CORRECTIVA" (any reply prefix before it dropped)."""
    words = raw.split()
    for index, word in enumerate(words):
        if fold(word).startswith("CORRECTIVA"):
            rest = word.partition(":")[2]
            return [rest, *words[index + 1 :]] if rest else words[index + 1 :]
    return []


def _strip_reply_prefix(subject: str) -> str:
    return re.sub(r"^((RE|RV|FW|FWD|AW|TR)\s*:?\s+)+", "", subject)


def _command_at_start(line: str) -> tuple[CommandKind | None, str]:
    for spelling, kind in _SPELLINGS:
        if line == spelling or line.startswith((spelling + " ", spelling + ":")):
            return kind, line[len(spelling) :].strip(" :.")
    return None, line


class _Draft:
    def __init__(self, kind: CommandKind) -> None:
        self.kind = kind
        self.matriculas: list[str] = []
        self.addresses: list[str] = []
        self.whole_queue = False
        self.pickup: list[date] = []
        self.place = ""
        self.problems: list[str] = []
        self.closed = False  # ACCIÓN CORRECTIVA: its paragraph ended
        self.corrective_kind = ""
        self.text: list[str] = []

    def take_corrective(self, words: list[str]) -> None:
        """``[ALTA|CREDENCIAL] MATRÍCULA...: text``; the text keeps staff's own writing."""
        if self.matriculas or self.text:
            self.text.extend(words)
            return
        for index, word in enumerate(words):
            head, colon, tail = word.partition(":")
            token = fold(head).strip(",;.")
            if not token:
                pass
            elif not self.matriculas and token in _CORRECTIVE_KINDS:
                self.corrective_kind = _CORRECTIVE_KINDS[token]
            elif _MATRICULA.match(token) and not _DATE.fullmatch(token):
                self.matriculas.append(token)
            else:
                self.text.extend(words[index:])
                return
            if colon:
                self.text.extend([tail, *words[index + 1 :]] if tail else words[index + 1 :])
                return

    def take(self, line: str, raw: str) -> None:
        parameter = _PARAMETER.match(line)
        if parameter and self.kind is CommandKind.CREDENTIALS_PRINTED:
            name, value = parameter.groups()
            if name in ("LUGAR", "SITIO"):
                self.place = raw.partition(":")[2].strip() or value
            else:
                self._dates(value)
            return
        if self.kind is CommandKind.REVIEWED:
            self.addresses.extend(a.lower() for a in _ADDRESS.findall(line))
            line = _ADDRESS.sub(" ", line)
        for token in _TOKEN.findall(line.replace(",", " ").replace(";", " ")):
            if token == ALL_IN_QUEUE:
                self.whole_queue = True
            elif _MATRICULA.match(token) and not _DATE.fullmatch(token):
                self.matriculas.append(token)

    def _dates(self, value: str) -> None:
        for match in _DATE.finditer(value):
            found = _to_date(*match.groups())
            if found is None:
                self.problems.append(f"fecha no válida: {match.group(0)}")
            else:
                self.pickup.append(found)

    def finish(self) -> Command:
        problems = list(self.problems)
        unique = tuple(dict.fromkeys(self.matriculas))
        pickup_from = min(self.pickup) if self.pickup else None
        pickup_until = max(self.pickup) if self.pickup else None
        if self.kind is CommandKind.CREDENTIALS_PRINTED:
            if pickup_from is None:
                problems.append("faltan las fechas de entrega (ENTREGA: dd/mm/aaaa AL dd/mm/aaaa)")
            if not unique and not self.whole_queue:
                problems.append("faltan las matrículas (o la palabra TODAS)")
        elif not unique and not self.addresses:
            problems.append("no se encontró ninguna matrícula")
        text = " ".join(self.text).strip()
        if self.kind is CommandKind.CORRECTIVE_ACTION and not text:
            problems.append(
                "falta describir la acción correctiva (ACCIÓN CORRECTIVA MATRÍCULA: lo que se hizo)"
            )
        return Command(
            kind=self.kind,
            matriculas=unique,
            addresses=tuple(dict.fromkeys(self.addresses)),
            whole_queue=self.whole_queue,
            pickup_from=pickup_from,
            pickup_until=pickup_until,
            place=self.place,
            problems=tuple(problems),
            corrective_kind=self.corrective_kind,
            action_text=text,
        )


def _to_date(first: str, second: str, third: str) -> date | None:
    """dd/mm/aaaa (Mexican order) or aaaa-mm-dd."""
    try:
        if len(first) == 4:
            return date(int(first), int(second), int(third))
        year = int(third) + (2000 if len(third) == 2 else 0)
        return date(year, int(second), int(first))
    except ValueError:
        return None


def _csv_matriculas(text: str) -> list[str]:
    rows = [re.split(r"[,;\t]", line) for line in text.splitlines() if line.strip()]
    if not rows:
        return []
    header = [plain_upper(cell) for cell in rows[0]]
    column = header.index("MATRICULA") if "MATRICULA" in header else 0
    found = []
    for row in rows:
        if column < len(row):
            cell = plain_upper(row[column]).replace(" ", "")
            if _MATRICULA.match(cell):
                found.append(cell)
    return found


# --- who sent it ------------------------------------------------------------------------


def is_authenticated_staff(
    sender: str,
    authentication_results: Iterable[str],
    *,
    staff_addresses: Iterable[str],
    authserv_id: str,
) -> bool:
    """True only for a configured staff address whose domain our own server authenticated.

    Only the topmost Authentication-Results header carrying our authserv-id counts (our
    server adds it last, above anything the sender could have written). DKIM counts only
    when the signing domain is the sender's domain (or a parent of it), so a message
    signed by some other domain with a forged From is refused; DMARC is aligned by
    definition, and its header.from must be the sender's domain when given.
    """
    sender = (sender or "").strip().lower()
    if not authserv_id or sender not in {a.strip().lower() for a in staff_addresses}:
        return False
    domain = sender.rpartition("@")[2]
    ours = next((h for h in authentication_results if _authserv_id(h) == authserv_id.lower()), None)
    if ours is None:
        return False
    for method, result, properties in _results(ours):
        if result != "pass":
            continue
        if method == "dmarc":
            header_from = properties.get("header.from", domain)
            if header_from == domain:
                return True
        if method == "dkim":
            signer = properties.get("header.d") or properties.get("header.i", "").rpartition("@")[2]
            if signer and (domain == signer or domain.endswith("." + signer)):
                return True
    return False


def dmarc_failed(authentication_results: Iterable[str], *, authserv_id: str) -> bool:
    """True when the topmost Authentication-Results header of our own server says
    ``dmarc=fail``: the From domain's owner says this mail is not theirs. A header lower
    down (written by the sender, whatever it claims) is never read."""
    if not authserv_id:
        return False
    ours = next((h for h in authentication_results if _authserv_id(h) == authserv_id.lower()), None)
    if ours is None:
        return False
    return any(method == "dmarc" and result == "fail" for method, result, _ in _results(ours))


def _without_comments(value: str) -> str:
    previous = None
    while previous != value:
        previous, value = value, re.sub(r"\([^()]*\)", " ", value)
    return value


def _authserv_id(header: str) -> str:
    first = _without_comments(header).split(";", 1)[0].strip().split()
    return first[0].lower() if first else ""


def _results(header: str) -> list[tuple[str, str, dict[str, str]]]:
    found = []
    for clause in _without_comments(header).split(";")[1:]:
        words = clause.strip().split()
        if not words or "=" not in words[0]:
            continue
        method, _, result = words[0].partition("=")
        properties = {}
        for word in words[1:]:
            key, sep, value = word.partition("=")
            if sep:
                properties[key.lower()] = value.strip('"').lower()
        found.append((method.lower().split("/")[0], result.lower(), properties))
    return found
