"""Build the held-out document corpus: `python -m bench.heldout.build [OUTDIR]`.

The producers are real programs (Chromium, LibreOffice, wkhtmltopdf) plus a hand-written PDF
writer and a scanner simulation, none of them used by the development corpus, so the corpus
measures whether the parser generalises to documents nobody tuned it for.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.heldout.plan import SCHOOL, SEED, Job, plan
from bench.heldout.postproc import (
    edit_incremental,
    pdf_date,
    replace_incremental,
    save_image,
    scan,
    set_pdf_dates,
)
from bench.heldout.render_docx import render_docx
from bench.heldout.render_html import render_html
from bench.heldout.render_odf import render_fodt
from bench.heldout.render_raw import render_raw

DEFAULT_OUT = Path("bench/out/heldout")
BINARIES = {
    "chromium": "chromium",
    "soffice": "libreoffice-writer-nogui",
    "wkhtmltopdf": "wkhtmltopdf",
}
FONTS = {
    "Liberation Sans": "fonts-liberation2",
    "DejaVu Sans": "fonts-dejavu-core",
    "FreeSans": "fonts-freefont-ttf",
    "Nimbus Sans": "fonts-urw-base35",
}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--disable-extensions",
    "--mute-audio",
]


class BuildError(Exception):
    """A producer is missing or failed; the message says what to do."""


def _missing_packages() -> list[str]:
    pkgs = [pkg for binary, pkg in BINARIES.items() if shutil.which(binary) is None]
    families = ""
    if shutil.which("fc-list"):
        families = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=False
        ).stdout
    pkgs += [pkg for fam, pkg in FONTS.items() if fam not in families]
    return sorted(set(pkgs))


def ensure_producers() -> None:
    """Install the Debian producers (and fonts) that are missing, saying what it does."""
    missing = _missing_packages()
    if not missing:
        print("producers: chromium, soffice, wkhtmltopdf and fonts present")
        return
    print(f"producers missing, installing Debian packages: {' '.join(missing)}")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise BuildError(
            "missing producers and not root (or no apt-get); run as root:\n"
            f"  apt-get install -y --no-install-recommends {' '.join(missing)}"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        print("  $ " + " ".join(cmd))
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-5:])
            raise BuildError(f"`{' '.join(cmd)}` failed (exit {r.returncode}):\n{tail}")
    still = _missing_packages()
    if still:
        raise BuildError(f"still missing after apt-get: {' '.join(still)}")


def _run(cmd: list[str], timeout: int = 120) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if r.returncode != 0:
        raise BuildError(f"{cmd[0]} failed (exit {r.returncode}): {r.stderr.strip()[-400:]}")


def _chromium(src: Path, out: Path, profile: Path) -> None:
    _run(
        [
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
    )
    if not out.exists():
        raise BuildError(f"chromium wrote no PDF for {src.name}")


def _wkhtmltopdf(src: Path, out: Path, page: str) -> None:
    _run(
        [
            "wkhtmltopdf",
            "-q",
            "--encoding",
            "utf-8",
            "--page-size",
            "Letter" if page == "letter" else "A4",
            "-T",
            "14mm",
            "-B",
            "14mm",
            "-L",
            "16mm",
            "-R",
            "16mm",
            str(src),
            str(out),
        ]
    )


def _soffice(files: list[Path], outdir: Path, profile: Path, html: bool) -> None:
    if not files:
        return
    cmd = ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}"]
    if html:
        cmd += ["--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export"]
    else:
        cmd += ["--convert-to", "pdf"]
    _run([*cmd, "--outdir", str(outdir), *map(str, files)], timeout=280)


def _raw_info(job: Job) -> dict[str, str]:
    created = pdf_date(job.produced_at)
    if job.kind in ("constancia", "nss_acuse") or job.source_producer:
        return {
            "Creator": "JasperReports Library version 6.3.1",
            "Producer": "iText 2.1.7 by 1T3XT",
            "CreationDate": created,
            "ModDate": created,
        }
    return {"Producer": "Sistema de Control Escolar", "Title": "FOR-24-01", "CreationDate": created}


def produce_sources(jobs: list[Job], work: Path) -> dict[str, bytes]:
    """Print every job's document with its producer; returns the PDF bytes per job id."""
    for d in ("html", "wk", "lo_in", "lo_html", "pdf", "profiles"):
        (work / d).mkdir(parents=True, exist_ok=True)
    chrome_jobs, wk_jobs, lo_files, lo_html = [], [], [], []
    result: dict[str, bytes] = {}
    for job in jobs:
        prod = job.source_producer or job.producer
        assert job.doc is not None
        if prod == "chromium":
            src = work / "html" / f"{job.id}.html"
            src.write_text(render_html(job.doc, "chromium"), encoding="utf-8")
            chrome_jobs.append((job, src))
        elif prod == "wkhtmltopdf":
            src = work / "wk" / f"{job.id}.html"
            src.write_text(render_html(job.doc, "wkhtmltopdf"), encoding="utf-8")
            wk_jobs.append((job, src))
        elif prod == "libreoffice":
            if job.source_format == "html":
                src = work / "lo_html" / f"{job.id}.html"
                src.write_text(render_html(job.doc, "libreoffice"), encoding="utf-8")
                lo_html.append(src)
            elif job.source_format == "docx":
                src = work / "lo_in" / f"{job.id}.docx"
                src.write_bytes(render_docx(job.doc))
                lo_files.append(src)
            else:
                src = work / "lo_in" / f"{job.id}.fodt"
                src.write_text(render_fodt(job.doc), encoding="utf-8")
                lo_files.append(src)
        elif prod == "rawpdf":
            seed = random.Random(f"{SEED}-{job.id}").randrange(2**31)
            result[job.id] = render_raw(job.doc, job.raw_mode, seed, _raw_info(job))
        else:
            raise BuildError(f"unknown producer {prod}")
    lo_out = work / "pdf"

    def lo_all() -> None:
        _soffice(lo_files, lo_out, work / "profiles" / "lo", html=False)
        _soffice(lo_html, lo_out, work / "profiles" / "lo", html=True)

    def chrome(item: tuple[Job, Path]) -> None:
        job, src = item
        _chromium(src, work / "pdf" / f"{job.id}.pdf", work / "profiles" / f"c-{job.id}")
        shutil.rmtree(work / "profiles" / f"c-{job.id}", ignore_errors=True)

    def wk(item: tuple[Job, Path]) -> None:
        job, src = item
        assert job.doc is not None
        _wkhtmltopdf(src, work / "pdf" / f"{job.id}.pdf", job.doc.page)

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        lo_future = pool.submit(lo_all)
        futures = [pool.submit(chrome, it) for it in chrome_jobs]
        futures += [pool.submit(wk, it) for it in wk_jobs]
        for fut in [lo_future, *futures]:
            fut.result()
    print(
        f"  printed {len(chrome_jobs)} chromium, {len(wk_jobs)} wkhtmltopdf, "
        f"{len(lo_files) + len(lo_html)} libreoffice, "
        f"{sum(1 for j in jobs if (j.source_producer or j.producer) == 'rawpdf')} raw "
        f"in {time.monotonic() - t0:.1f} s"
    )
    for job in jobs:
        if job.id in result:
            continue
        path = work / "pdf" / f"{job.id}.pdf"
        if not path.exists():
            raise BuildError(f"{job.producer} produced no PDF for {job.id}")
        result[job.id] = set_pdf_dates(path.read_bytes(), job.produced_at)
    return result


def finish(job: Job, pdf: bytes) -> bytes:
    """Editing, scanning and timestamps after the producer."""
    if job.edit:
        how = str(job.edit["how"])
        new_dt = job.edit["new"]
        assert isinstance(new_dt, dt.datetime)
        info = None
        if "ilovepdf" in how:
            info = {"Producer": "iLovePDF", "ModDate": pdf_date(new_dt + dt.timedelta(minutes=4))}
        elif "pdfescape" in how:
            info = {
                "Producer": "PDFescape Online (www.pdfescape.com)",
                "ModDate": pdf_date(new_dt + dt.timedelta(minutes=6)),
            }
        fn = replace_incremental if how.startswith("edit_replace") else edit_incremental
        return fn(pdf, str(job.edit["old_text"]), str(job.edit["new_text"]), info)
    if job.scan:
        rng = random.Random(f"{SEED}-scan-{job.id}")
        dpi = int(job.scan["dpi"])  # type: ignore[call-overload]
        img = scan(
            pdf,
            rng,
            dpi,
            float(job.scan["angle"]),  # type: ignore[arg-type]
            str(job.scan["quality"]),
        )
        fmt = {"jpg": "jpeg", "png": "png", "pdf": "pdf"}[job.ext]
        data = save_image(img, fmt, dpi if dpi >= 100 else 96)
        return set_pdf_dates(data, job.produced_at) if fmt == "pdf" else data
    return pdf


def build(outdir: Path) -> dict[str, object]:
    """Plan, print, post-process and write the corpus plus manifest.json."""
    t0 = time.monotonic()
    roster, jobs = plan()
    # neutral file names in an order unrelated to kind or outcome
    random.Random(SEED + 7).shuffle(jobs)
    for i, job in enumerate(jobs, start=1):
        job.id = f"h{i:03d}"
    print(f"planned {len(jobs)} documents, {len(roster)} students")
    files = outdir / "files"
    if files.exists():
        shutil.rmtree(files)
    files.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        sources = produce_sources(jobs, Path(tmp))
    entries = []
    for job in jobs:
        data = finish(job, sources[job.id])
        rel = f"files/{job.id}.{job.ext}"
        (outdir / rel).write_bytes(data)
        traits = dict(job.traits)
        if job.source_producer and "source_producer" not in traits:
            traits["source_producer"] = job.source_producer
        entries.append(
            {
                "id": job.id,
                "file": rel,
                "content_type": job.content_type,
                "producer": job.producer,
                "traits": traits,
                "kind": job.kind,
                "sender": job.sender,
                "received_on": job.received_on.isoformat(),
                "needs_ocr": job.needs_ocr,
                "fields": job.fields,
                "expected_outcome": job.expected_outcome,
            }
        )
    manifest = {
        "split": "heldout",
        "school": SCHOOL,
        "profile": "ut-cuatrimestral",
        "students": [s.roster_entry() for s in roster],
        "documents": entries,
    }
    (outdir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"wrote {len(entries)} documents and manifest.json to {outdir} "
        f"in {time.monotonic() - t0:.1f} s"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    outdir = Path(args[0]) if args else DEFAULT_OUT
    try:
        ensure_producers()
        build(outdir)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except subprocess.TimeoutExpired as exc:
        print(f"error: producer timed out: {exc.cmd[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
