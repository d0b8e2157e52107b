"""Header values and addresses made storable and composable, at the boundary.

Whatever a sender wrote, what leaves ``parse_mail`` can be stored in SQLite and PostgreSQL
(no lone surrogates, no NUL) and put in a reply header (no CR, LF, form feed or other
control character, bounded length). An address we could not answer without risk (header
injection, an encoded-word local part, no domain) is reported by ``reply_address_problem``:
such a mail gets no reply and goes to staff, never a reply to a mangled address.
"""

from __future__ import annotations

import re

MAX_HEADER_CHARS = 2000  # a subject longer than this is not written by a person
MAX_ADDRESS_CHARS = 254  # RFC 5321 path limit
MAX_LOCAL_CHARS = 64
MAX_MESSAGE_ID_CHARS = 995  # one header line of 998 octets, "<" and ">" included

_SURROGATES = re.compile(r"[\ud800-\udfff]")
# C0 and C1 controls, DEL, and the Unicode line/paragraph separators: never in one line.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
# A conservative addr-spec we are willing to put in a To: header. No "=" or "?" (an
# RFC 2047 encoded-word must never be decoded into a recipient), no quoted local part.
_SAFE_LOCAL = re.compile(r"[a-z0-9!#$%&'*+/^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/^_`{|}~-]+)*")
_SAFE_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")
_MSG_ID = re.compile(rf"<[^<>\s]{{1,{MAX_MESSAGE_ID_CHARS - 2}}}>")


def decoded(value: str) -> str:
    """Lone surrogates (undecodable bytes kept by the parser) become real characters: the
    bytes are read as UTF-8 (RFC 6532) when they are UTF-8, else as Latin-1."""
    if not _SURROGATES.search(value):
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        return _SURROGATES.sub("\ufffd", value)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def one_line(value: str, limit: int = MAX_HEADER_CHARS) -> str:
    """A header value as one storable, printable line of at most ``limit`` characters."""
    text = _CONTROLS.sub(" ", decoded(str(value)))
    return _SPACES.sub(" ", text).strip()[:limit]


def storable_text(value: str) -> str:
    """A body text: newlines and tabs kept, NUL, other controls and surrogates gone."""
    return _TEXT_CONTROLS.sub("", decoded(value))


def message_id(value: str) -> str | None:
    """A ``<id>`` exactly as sent, when it is one storable token of a sane length."""
    found = _MSG_ID.fullmatch(value.strip()) if value else None
    if found is None or _CONTROLS.search(value) or _SURROGATES.search(value):
        return None
    return found.group(0)


def address(value: str) -> str:
    """An addr-spec as stored (lowercased, one line, bounded); may still be unsafe to answer."""
    return one_line(value, MAX_ADDRESS_CHARS).replace(" ", "").lower()


def reply_address_problem(value: str) -> str | None:
    """Why we must not send a reply to this address, or None when it is safe."""
    if not value:
        return "no sender address"
    if len(value) > MAX_ADDRESS_CHARS:
        return "sender address too long"
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return "sender address without a local part"
    if not domain:
        return "sender address without a domain"
    if "=?" in local or "?=" in local:
        return "sender address with an encoded-word local part"
    if len(local) > MAX_LOCAL_CHARS or not _SAFE_LOCAL.fullmatch(local):
        return "sender address with characters we cannot answer safely"
    if not _SAFE_DOMAIN.fullmatch(domain):
        return "sender address with an invalid domain"
    return None


__all__ = [
    "address",
    "decoded",
    "message_id",
    "one_line",
    "reply_address_problem",
    "storable_text",
]
