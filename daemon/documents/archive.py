"""Zip attachments: opened one level deep, only when small and plainly not a bomb."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from daemon.documents.limits import ReadLimits

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# What macOS and Windows add to a zip by themselves: never a student's document.
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"})


def is_junk(path: str) -> bool:
    """``__MACOSX/`` resource forks, ``._*`` AppleDouble files, Thumbs.db, desktop.ini."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    if not parts:
        return True
    name = parts[-1]
    return "__MACOSX" in parts[:-1] or name.startswith("._") or name.lower() in _JUNK_NAMES


class ZipRefused(Exception):
    """The archive breaks a limit or cannot be read; the message says which."""


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    data: bytes | None  # None: this member alone was refused
    refused: str = ""


def members(data: bytes, limits: ReadLimits) -> Iterator[Member]:
    """The archive's files (not folders), each read with a hard cap on its inflated size."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise ZipRefused(f"corrupt zip ({err})") from err
    with archive:
        entries = [
            info for info in archive.infolist() if not info.is_dir() and not is_junk(info.filename)
        ]
        if len(entries) > limits.zip_max_entries:
            raise ZipRefused(f"zip has {len(entries)} files, limit {limits.zip_max_entries}")
        declared = sum(info.file_size for info in entries)
        if declared > limits.zip_max_total_bytes:
            raise ZipRefused(
                f"zip inflates to {declared} bytes, limit {limits.zip_max_total_bytes}"
            )
        total = 0
        for info in entries:
            name = PurePosixPath(info.filename.replace("\\", "/")).name or "archivo"
            ratio = info.file_size / max(info.compress_size, 1)
            if info.flag_bits & 0x1:
                yield Member(name, None, "encrypted zip member")
                continue
            if ratio > limits.zip_max_ratio:
                raise ZipRefused(f"{name} compresses {ratio:.0f}:1, limit {limits.zip_max_ratio}:1")
            cap = min(limits.max_attachment_bytes, limits.zip_max_total_bytes - total)
            try:
                with archive.open(info) as stream:
                    content = stream.read(cap + 1)  # never trust the declared size
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as err:
                yield Member(name, None, f"unreadable zip member ({err})")
                continue
            if len(content) > cap:
                raise ZipRefused(f"{name} inflates past the size limit")
            total += len(content)
            yield Member(name, content)
