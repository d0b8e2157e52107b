"""The hard limits every read runs under (``[limits]`` in the config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daemon.config import LimitSettings


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_pages: int = 20
    seconds: float = 10.0  # wall clock per attachment, enforced by killing the worker
    memory_mb: int = 768  # RLIMIT_AS of each worker
    ocr: bool = False
    ocr_seconds: float = 60.0  # OCR's own budget per attachment (a page takes 5-15 s)
    zip_max_entries: int = 10
    zip_max_total_bytes: int = 20 * 1024 * 1024
    zip_max_ratio: int = 100

    @property
    def budget_seconds(self) -> float:
        """Wall clock one attachment may take: reading, plus OCR's own budget when on."""
        return self.seconds + (self.ocr_seconds if self.ocr else 0.0)

    @classmethod
    def from_settings(cls, limits: LimitSettings) -> ReadLimits:
        return cls(
            max_attachment_bytes=limits.max_attachment_bytes,
            max_pages=limits.max_pages,
            seconds=limits.parse_seconds,
            memory_mb=limits.parse_memory_mb,
            ocr=limits.ocr,
            ocr_seconds=limits.ocr_seconds,
            zip_max_entries=limits.zip_max_entries,
            zip_max_total_bytes=limits.zip_max_total_bytes,
            zip_max_ratio=limits.zip_max_ratio,
        )
