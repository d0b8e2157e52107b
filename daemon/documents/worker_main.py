"""Entry point of a reader worker process (started by ``DocumentReader``, never by hand)."""

import json
import sys
from multiprocessing.connection import Connection

from daemon.documents.limits import ReadLimits
from daemon.documents.workers import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), ReadLimits(**json.loads(sys.argv[2])))
