"""Bytes -> typed documents: what students attach, read under hard limits.

The ingest service calls ``DocumentReader.read_many`` (worker processes, killable);
``read_attachment`` is the same reading in the calling process, for tests and tools.
"""

from daemon.documents.limits import ReadLimits
from daemon.documents.reading import read_attachment
from daemon.documents.workers import DocumentReader

__all__ = ["DocumentReader", "ReadLimits", "read_attachment"]
