"""How long one ``afilia run --once`` pass takes for a backlog of mails with PDFs.

Starts a real Dovecot and a real aiosmtpd on loopback (the test servers), APPENDs N mails
from N rostered students, each with a fresh constancia, then runs the afilia process once
and reports wall time, CPU use of the whole process tree (2.0 = both cores busy), and peak
memory (largest single process: the daemon or a parse worker). ``--maildir`` uses the
embedded defaults instead (a local Maildir in, replies written to a Maildir).

Issue 11's yardstick is printed after the pass: the time ``pdfplumber`` alone takes to open
and extract the text of the same PDFs, one after another in this process (no mail, no
database, no reply). The target is a pass at most 0.4x that.

    .venv/bin/python bench/intake_bench.py --mails 200
    .venv/bin/python bench/intake_bench.py --mails 1000 --maildir
"""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fixtures.deployment import (  # noqa: E402
    AFILIA,
    constancia_mail_for,
    generated_students,
    imap_source,
    make_deployment,
    smtp_outgoing,
)
from tests.servers.dovecot import _discard, _start  # noqa: E402
from tests.servers.postgres import start_postgres, stop_postgres  # noqa: E402
from tests.servers.smtp import start_smtp_server  # noqa: E402


def _machine_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _pdfplumber_seconds(mails: list[bytes]) -> float:
    """Seconds pdfplumber takes to open and extract the text of every PDF in ``mails``."""
    import pdfplumber

    pdfs = [
        part.get_content()
        for raw in mails
        for part in email.message_from_bytes(raw, policy=email.policy.default).walk()
        if part.get_content_type() == "application/pdf"
    ]
    started = time.perf_counter()
    for data in pdfs:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_text()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=200)
    parser.add_argument(
        "--processes", type=int, default=1, help="split the backlog with --shard K/N"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL (Debian's, started here) not SQLite"
    )
    parser.add_argument(
        "--maildir",
        action="store_true",
        help="the embedded defaults: a local Maildir in and out, no Dovecot nor SMTP server",
    )
    args = parser.parse_args()

    today = datetime.now(ZoneInfo("America/Mexico_City")).date()
    dovecot = None if args.maildir else _start()
    smtp = None if args.maildir else start_smtp_server()
    pg_base = Path(tempfile.mkdtemp(prefix="afilia-bench-pg-"))
    postgres = start_postgres(pg_base) if args.postgres else None
    try:
        account = dovecot.new_account() if dovecot else None
        root = Path(tempfile.mkdtemp(prefix="afilia-bench-"))
        students = generated_students(args.mails, seed=11)
        deployment = make_deployment(
            root,
            mailboxes=imap_source("127.0.0.1", account.port, account.user, "BENCH_IMAP")
            if account
            else None,
            outgoing=smtp_outgoing("127.0.0.1", smtp.port) if smtp else None,
            students=students,
            database_url=postgres[0].url(postgres[0].create_database()) if postgres else None,
        )
        print(f"generating and delivering {args.mails} mails...", file=sys.stderr)
        mails = [
            constancia_mail_for(student, today - timedelta(1), n=n)
            for n, student in enumerate(students)
        ]
        if account:
            with account.client() as client:
                for raw in mails:
                    client.append("INBOX", raw)
            env = {**os.environ, "BENCH_IMAP": account.password}
        else:
            for n, raw in enumerate(mails):
                deployment.drop_mail(raw, f"{n}.bench")
            env = dict(os.environ)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        machine_before = _machine_busy()
        started = time.perf_counter()
        command = [*AFILIA, "--config", str(deployment.config_path), "run", "--once"]
        if args.processes > 1:
            commands = [
                [*command, "--shard", f"{k}/{args.processes}"] for k in range(args.processes)
            ]
        else:
            commands = [command]
        runs = [
            subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for c in commands
        ]
        errors = [run.communicate()[1].decode() for run in runs]
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        machine_busy, machine_total = (
            a - b for a, b in zip(_machine_busy(), machine_before, strict=True)
        )
        if any(run.returncode != 0 for run in runs):
            sys.exit(f"afilia failed: {errors[0][-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        for error in errors:
            print(error.strip().splitlines()[-1])
        backend = "PostgreSQL" if postgres else "SQLite"
        source = "Maildir" if args.maildir else "Dovecot -> aiosmtpd"
        replies = len(deployment.sent_mails()) if args.maildir else len(smtp.received)
        print(
            f"mails:            {args.mails} ({args.processes} afilia process(es), "
            f"{backend}, {source})"
        )
        print(f"replies sent:     {replies}")
        print(f"wall time:        {wall:.1f} s ({wall / args.mails * 1000:.0f} ms per mail)")
        print(f"CPU (all procs):  {cpu:.1f} s = {cpu / wall:.2f} cores busy on average")
        cores = os.cpu_count() or 1
        print(
            f"whole machine:    {machine_busy / machine_total * cores:.2f} of {cores} cores busy "
            "(afilia + Dovecot + SMTP server + database)"
        )
        print(f"peak RSS:         {after.ru_maxrss / 1024:.0f} MiB (largest single process)")
        print("timing pdfplumber alone on the same PDFs...", file=sys.stderr)
        baseline = _pdfplumber_seconds(mails)
        print(
            f"pdfplumber alone: {baseline:.1f} s for the same PDFs -> "
            f"the pass took {wall / baseline:.2f}x (target <= 0.4x)"
        )
    finally:
        if smtp is not None:
            smtp.stop()
        if dovecot is not None:
            _discard(dovecot)
        if postgres is not None:
            stop_postgres(postgres[1])
        shutil.rmtree(pg_base, ignore_errors=True)


if __name__ == "__main__":
    main()
