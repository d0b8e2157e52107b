"""Message-level rules that look at the mail itself, before any document is read.

Each returns why it applies (a short reason for the decision record) or None. They are
pure functions of the parsed mail, so the ingest evaluates them once, in order.
"""

from __future__ import annotations

from daemon.domain.staff_commands import dmarc_failed
from daemon.mail import sanitize
from daemon.mail.inbound import Attachment, InboundMail

# Programs and scripts a student never needs to send us; a double extension such as
# "constancia.pdf.exe" is the classic disguise.
_EXECUTABLE_SUFFIXES = (
    ".exe",
    ".scr",
    ".com",
    ".pif",
    ".bat",
    ".cmd",
    ".msi",
    ".dll",
    ".cpl",
    ".vbs",
    ".vbe",
    ".js",
    ".jse",
    ".wsf",
    ".ps1",
    ".jar",
    ".lnk",
    ".hta",
    ".apk",
)
_EXECUTABLE_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/x-executable",
        "application/vnd.microsoft.portable-executable",
        "application/x-ms-installer",
        "application/x-msi",
        "application/java-archive",
        "application/vnd.android.package-archive",
        "application/x-sh",
        "application/hta",
    }
)
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")
_ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
FORGED_SENDER = "forged sender"  # reason prefix: staff list these (no reply was sent)
# Parser defects that mean we only guessed the sender's address.
_UNSAFE_SENDER_DEFECTS = frozenset({"SenderUnparseable", "SenderSanitised", "HeadersOnly"})


def executable_attachment(mail: InboundMail) -> str | None:
    """An attachment that is a program (by name, declared type or magic bytes)."""
    for attachment in mail.attachments:
        if is_executable(attachment):
            return f"executable attachment {sanitize.one_line(attachment.filename, 80)!r}"
    return None


def is_executable(attachment: Attachment) -> bool:
    name = attachment.filename.lower().rstrip(". ")
    return (
        name.endswith(_EXECUTABLE_SUFFIXES)
        or attachment.content_type in _EXECUTABLE_TYPES
        or attachment.data.startswith(_EXECUTABLE_MAGIC)
    )


def zip_attachment(mail: InboundMail) -> str | None:
    """A zip archive among the attachments (for ``zip_policy = "reject"``)."""
    for attachment in mail.attachments:
        if attachment.content_type in _ZIP_TYPES or attachment.data.startswith(_ZIP_MAGIC):
            return f"zip attachment {sanitize.one_line(attachment.filename, 80)!r} (zip_policy)"
    return None


def forged_sender(mail: InboundMail, authserv_id: str) -> str | None:
    """Our own server's topmost Authentication-Results says DMARC failed for the From."""
    if dmarc_failed(mail.authentication_results, authserv_id=authserv_id):
        return f"{FORGED_SENDER}: dmarc=fail in our server's Authentication-Results"
    return None


def unanswerable_sender(mail: InboundMail) -> str | None:
    """Why a reply to this sender would be unsafe (we guessed or repaired the address, or
    it carries characters that do not belong in a To: header), or None."""
    guessed = _UNSAFE_SENDER_DEFECTS.intersection(mail.defects)
    if guessed:
        return f"sender address could not be read safely ({', '.join(sorted(guessed))})"
    return sanitize.reply_address_problem(mail.sender)


def not_a_mail(mail: InboundMail) -> str | None:
    """Binary garbage or a mail with no From at all: a person must look at it."""
    if mail.header_count == 0:
        return "not a mail: no header could be read"
    if not mail.sender:
        return "no sender address in From"
    return None


__all__ = [
    "FORGED_SENDER",
    "executable_attachment",
    "forged_sender",
    "is_executable",
    "not_a_mail",
    "unanswerable_sender",
    "zip_attachment",
]
