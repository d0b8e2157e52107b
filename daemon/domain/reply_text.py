"""What staff wrote themselves in a reply, without the mail they are answering.

Staff answer the digest and the review mails from Gmail, Outlook, Thunderbird or a phone.
Every client appends the original below (or above) the new text: as ``>`` lines, after a
header line ("El mié, 13 may 2026 a las 7:30, ... escribió:", "On ... wrote:", wrapped over
two lines by Gmail), after an Outlook header block ("De: / Enviado: / Para: / Asunto:"), or
unmarked (Outlook pastes the original as plain paragraphs). None of that is a command: the
digest itself lists "ALTAS HECHAS seguido de las matrículas", and a line of a quoted digest
read as a command would act on students nobody named. So reading stops at the first sign
of quoted text, including the first line of our own digest or review mail.

Pure: text in, lines out.
"""

from __future__ import annotations

import re

from daemon.domain.imss_forms import fold

_SPACES = re.compile(r"\s+")

# A line after which everything is the original (folded: uppercase, no accents, spaces
# collapsed): Outlook's header block and rule, forwards, signatures, phone footers, and the
# first lines of our own mails pasted unquoted below the answer.
_QUOTE_STARTS = re.compile(
    r"^("
    r"-{2,}\s*(MENSAJE ORIGINAL|ORIGINAL MESSAGE|MENSAJE REENVIADO|FORWARDED MESSAGE)"
    r"|_{5,}"
    r"|(DE|FROM)\s*:\s"
    r"|(ENVIADO|ENVIADA) DESDE MI\b|SENT FROM MY\b|OBTENER OUTLOOK|GET OUTLOOK"
    r"|RESUMEN DEL \d|RESUMEN DIARIO\b|REVISION #C?\d+"
    r")"
)
_OUR_MAIL = re.compile(r"^(RESUMEN DEL \d|RESUMEN DIARIO\b|REVISION #C?\d+)")
# "El mié, 13 may 2026 a las 7:30, Servicios <x@y> escribió:" / "On ... wrote:", which some
# clients wrap over two or three lines.
_HEADER_OPENING = re.compile(r"^(EL|ON)\b.*\d")
_HEADER_CLOSING = re.compile(r"(ESCRIBIO|WROTE)\s*:?$")
_SIGNATURE = re.compile(r"^--\s*$")


def own_lines(body: str) -> list[tuple[str, str]]:
    """(folded, stripped original) for each line staff wrote, in order.

    Folded lines are uppercase without accents with runs of spaces collapsed, as the
    command parsers match them; the original keeps case and accents (for a note).
    ``>`` lines are skipped, and so is a "... escribió:" header followed by them, so an
    answer written below the quote (Thunderbird's default) is still read; a header followed
    by unmarked text, an Outlook header block, a signature or our own mail's first line
    ends the reading."""
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: list[tuple[str, str]] = []
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if _quoted(stripped):
            index += 1
            continue
        folded = _SPACES.sub(" ", fold(stripped)).strip()
        if _SIGNATURE.match(stripped) or _QUOTE_STARTS.match(folded):
            if _OUR_MAIL.match(folded):
                while found and found[-1][0] in ("", "HOLA:"):
                    found.pop()  # the greeting of our own mail, pasted with it
            break
        header_end = _header_end(lines, index) if _HEADER_OPENING.match(folded) else None
        if header_end is not None:
            following = next((line.strip() for line in lines[header_end:] if line.strip()), "")
            if not _quoted(following):
                break  # the original follows unmarked: nothing after this is staff's
            index = header_end
            continue
        found.append((folded, stripped))
        index += 1
    while found and not found[-1][0]:
        found.pop()
    while found and not found[0][0]:
        found.pop(0)
    return found


def _quoted(line: str) -> bool:
    return line.startswith((">", "|"))


def _header_end(lines: list[str], index: int) -> int | None:
    """The index after a header line wrapped over up to three lines, or None."""
    parts: list[str] = []
    for end in range(index, min(index + 3, len(lines))):
        parts.append(fold(lines[end]).strip())
        if _HEADER_CLOSING.search(_SPACES.sub(" ", " ".join(parts))):
            return end + 1
    return None
