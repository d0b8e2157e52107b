"""structlog JSON logs on stdout (journald keeps them), with personal data redacted.

CURPs, NSSs and mail bodies never reach a log line in clear: the redaction processor masks
them in every string value, whatever the caller passed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_CURP = re.compile(r"\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d\b", re.IGNORECASE)
_NSS = re.compile(r"(?<!\d)\d{11}(?!\d)")
_BODY_KEYS = frozenset({"body", "body_text", "text", "html", "raw"})


def redact_text(value: str) -> str:
    value = _CURP.sub(lambda m: m.group(0)[:4] + "**************", value)
    return _NSS.sub(lambda m: "*******" + m.group(0)[-4:], value)


def redact_personal_data(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if key in _BODY_KEYS and value:
            event[key] = f"<{len(value)} chars redacted>"
        elif isinstance(value, str):
            event[key] = redact_text(value)
        elif isinstance(value, list | tuple):
            event[key] = [redact_text(v) if isinstance(v, str) else v for v in value]
    return event


def configure_logging(level: str = "info", fmt: str = "auto") -> None:
    """``auto`` picks the console renderer when stdout is a terminal (a person watching
    ``afilia run``) and JSON otherwise (journald keeps one object per line)."""
    if fmt == "auto":
        fmt = "console" if sys.stdout.isatty() else "json"
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        # No file: each line goes to whatever sys.stdout is when it is written, so a command
        # run inside another program (tests, click's runner) never writes to a stream that
        # was closed after it.
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
