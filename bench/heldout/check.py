"""Validate a built held-out corpus: `python -m bench.heldout.check [OUTDIR] [--ocr]`.

Checks the manifest against bench/corpus_manifest.md (keys, identifiers, outcome rules),
that every file exists with the right type, that text layers exist exactly where intended
and really print the identifiers the manifest claims; `--ocr` also runs tesseract on the
needs_ocr scans. Prints counts per producer / kind / outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pdfplumber
from stdnum.mx import curp as stdnum_curp

from bench.heldout.ids import nss_is_valid, strip_accents

KINDS = {"constancia", "renuncia", "nss_acuse", "unknown"}
STATUSES = {"ACTIVO", "BAJA TEMPORAL", "BAJA DEFINITIVA", "ESTADÍA"}
CONSTANCIA_KEYS = {
    "nss",
    "curp",
    "nombre",
    "sexo",
    "fecha_nacimiento",
    "vigente",
    "servicio_medico",
    "registro_patronal",
    "modalidad",
    "patron",
    "tipo_ultimo_movimiento",
    "fecha_ultimo_movimiento",
    "delegacion",
    "umf",
    "fecha_expedicion",
    "parentesco",
    "titular",
    "has_seal",
}
RENUNCIA_KEYS = {"nombre", "matricula", "curp", "programa", "motivo", "fecha", "has_signature"}
ACUSE_KEYS = {"nss", "curp", "nombre", "acudir_subdelegacion"}
DATE_KEYS = {"fecha_nacimiento", "fecha_ultimo_movimiento", "fecha_expedicion", "fecha"}
MAX_AGE = 5


def expected(doc: dict, students_by_mail: dict, students_by_curp: dict, ours: set[str]) -> str:
    """The outcome the rules of corpus_manifest.md give for a document's fields."""
    kind, f = doc["kind"], doc["fields"]
    if kind == "unknown":
        return "unreadable"
    if kind == "nss_acuse":
        return "nss_acuse_received"
    if kind == "renuncia":
        complete = all(f.get(k) for k in ("nombre", "matricula", "fecha")) and f["has_signature"]
        return "waiver_received" if complete else "waiver_incomplete"
    sender = students_by_mail.get(doc["sender"])
    owner = students_by_curp.get(f.get("curp"))
    if sender is None and owner is None:
        return "not_enrolled"
    if sender is not None and sender["status"].startswith("BAJA"):
        return "not_enrolled"
    if sender is not None and owner is not None and sender is not owner:
        return "identity_mismatch"
    if sender is None:
        return "?? rostered CURP from an unknown sender (not covered by the rules)"
    if doc["traits"].get("review") or f.get("fecha_expedicion") is None:
        return "needs_review"
    age = (
        dt.date.fromisoformat(doc["received_on"]) - dt.date.fromisoformat(f["fecha_expedicion"])
    ).days
    if age < 0:
        return "?? emitted after it was received"
    if age > MAX_AGE:
        return "too_old"
    if f.get("vigente") is False or f.get("servicio_medico") is False:
        return "accepted_not_insured"
    if f.get("registro_patronal") in ours:
        return "accepted_insured_here"
    if f.get("modalidad") == "32" and not f.get("parentesco"):
        return "registered_elsewhere"
    return "covered_other_regime"


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", strip_accents(text.upper()))


def _pdf_text(path: Path) -> tuple[str, int]:
    with pdfplumber.open(path) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages), len(pdf.pages)


def _ocr(path: Path, content_type: str) -> str:
    """tesseract (spa) text of an image or of an image-only PDF's first page."""
    import pypdfium2 as pdfium
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        img_path = Path(tmp) / "page.png"
        if content_type == "application/pdf":
            pdf = pdfium.PdfDocument(str(path))
            pdf[0].render(scale=300 / 72).to_pil().convert("L").save(img_path)
            pdf.close()
        else:
            Image.open(path).save(img_path)
        r = subprocess.run(
            ["tesseract", str(img_path), "-", "-l", "spa"],
            capture_output=True,
            text=True,
            check=False,
        )
        return r.stdout


def check(outdir: Path, run_ocr: bool = False) -> list[str]:
    """All problems found (empty when the corpus is consistent)."""
    errors: list[str] = []
    m = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    if m.get("split") != "heldout":
        errors.append("split is not 'heldout'")
    if set(m) != {"split", "school", "profile", "students", "documents"}:
        errors.append(f"top-level keys {sorted(m)}")
    ours = set(m["school"]["registros_patronales"])
    by_mail, by_curp, mats = {}, {}, set()
    for s in m["students"]:
        if s["status"] not in STATUSES:
            errors.append(f"student {s['matricula']}: status {s['status']}")
        if not stdnum_curp.is_valid(s["curp"]):
            errors.append(f"student {s['matricula']}: invalid CURP {s['curp']}")
        if s["email_institucional"] in by_mail or s["curp"] in by_curp or s["matricula"] in mats:
            errors.append(f"student {s['matricula']}: duplicate email/CURP/matrícula")
        by_mail[s["email_institucional"]] = s
        by_curp[s["curp"]] = s
        mats.add(s["matricula"])
    ids = set()
    for d in m["documents"]:
        did = d["id"]
        if did in ids:
            errors.append(f"{did}: duplicate id")
        ids.add(did)
        path = outdir / d["file"]
        if not path.is_file():
            errors.append(f"{did}: missing file {d['file']}")
            continue
        head = path.read_bytes()[:8]
        magic = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG"}
        if not head.startswith(magic.get(d["content_type"], b"?")):
            errors.append(f"{did}: content_type {d['content_type']} but file starts {head!r}")
        if d["kind"] not in KINDS:
            errors.append(f"{did}: kind {d['kind']}")
        recv = dt.date.fromisoformat(d["received_on"])
        if not (dt.date(2026, 11, 1) <= recv <= dt.date(2026, 12, 31)):
            errors.append(f"{did}: received_on {recv} outside Nov-Dec 2026")
        f = d["fields"]
        keys = {
            "constancia": CONSTANCIA_KEYS,
            "renuncia": RENUNCIA_KEYS,
            "nss_acuse": ACUSE_KEYS,
            "unknown": set(),
        }[d["kind"]]
        if d["needs_ocr"]:
            if not set(f) <= keys:
                errors.append(f"{did}: OCR fields not a subset: {set(f) - keys}")
        elif set(f) != keys:
            errors.append(f"{did}: fields keys differ: {set(f) ^ keys}")
        broken = d["traits"].get("broken_curp", False)
        if f.get("curp") is not None and not stdnum_curp.is_valid(f["curp"]) and not broken:
            errors.append(f"{did}: invalid CURP {f['curp']}")
        if f.get("nss") is not None and not nss_is_valid(f["nss"]):
            errors.append(f"{did}: NSS {f['nss']} fails Luhn")
        reg = f.get("registro_patronal")
        if reg is not None and not re.fullmatch(r"[A-Z0-9]\d{10}", reg):
            errors.append(f"{did}: registro {reg} not compact")
        for k in DATE_KEYS & set(f):
            if f[k] is not None:
                try:
                    dt.date.fromisoformat(f[k])
                except ValueError:
                    errors.append(f"{did}: {k}={f[k]!r} not ISO")
        for k in ("nombre", "titular", "parentesco", "tipo_ultimo_movimiento"):
            if isinstance(f.get(k), str) and f[k] != f[k].upper():
                errors.append(f"{did}: {k} not upper case")
        want = expected(d, by_mail, by_curp, ours)
        if want != d["expected_outcome"]:
            errors.append(f"{did}: expected_outcome {d['expected_outcome']} but rules give {want}")
        # text layer where intended, and the identifiers really printed
        if d["content_type"] == "application/pdf":
            text, _ = _pdf_text(path)
            image_only = d["producer"] == "pillow"
            if image_only and text.strip():
                errors.append(f"{did}: scan has a text layer")
            if not image_only:
                if len(text.strip()) < 80:
                    errors.append(f"{did}: no usable text layer ({len(text.strip())} chars)")
                flat = _compact(text)
                for k in ("nss", "curp", "registro_patronal", "matricula"):
                    if f.get(k) and f[k] not in flat:
                        errors.append(f"{did}: {k} {f[k]} not found in the text layer")
            raw = path.read_bytes()
            if str(d["traits"].get("review", "")).startswith("edit"):
                if raw.count(b"%%EOF") < 2:
                    errors.append(f"{did}: edited PDF without incremental update")
            elif raw.count(b"startxref") > 1:
                errors.append(f"{did}: unexpected incremental update")
        if run_ocr and d["needs_ocr"]:
            # O/0 and I/1 are the usual OCR confusions a CURP-aware reader undoes
            fuzzy = str.maketrans("OI", "01")
            flat = _compact(_ocr(path, d["content_type"])).translate(fuzzy)
            for k in ("nss", "curp"):
                if f.get(k) and f[k].translate(fuzzy) not in flat:
                    errors.append(f"{did}: OCR did not read {k} {f[k]}")
    return errors


def summary(outdir: Path) -> None:
    """Counts per producer, kind, outcome and trait."""
    m = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    docs = m["documents"]
    print(f"{len(docs)} documents, {len(m['students'])} students")
    for title, key in (
        ("producer", "producer"),
        ("kind", "kind"),
        ("expected_outcome", "expected_outcome"),
        ("content_type", "content_type"),
    ):
        c = Counter(d[key] for d in docs)
        print(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in c.most_common()))
    pk = Counter((d["producer"], d["kind"]) for d in docs)
    print("  producer x kind: " + ", ".join(f"{p}/{k} {v}" for (p, k), v in sorted(pk.items())))
    print(f"  needs_ocr: {sum(d['needs_ocr'] for d in docs)}")
    arr = Counter(str(d["traits"].get("arrangement")) for d in docs if d["kind"] != "unknown")
    print("  arrangement: " + ", ".join(f"{k} {v}" for k, v in arr.most_common()))
    ops = Counter(str(d["traits"].get("text_ops")) for d in docs if d["producer"] == "rawpdf")
    print("  rawpdf text operators: " + ", ".join(f"{k} {v}" for k, v in ops.most_common()))


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; exit 1 when problems were found."""
    args = sys.argv[1:] if argv is None else argv
    run_ocr = "--ocr" in args
    rest = [a for a in args if a != "--ocr"]
    outdir = Path(rest[0]) if rest else Path("bench/out/heldout")
    if not (outdir / "manifest.json").is_file():
        print(f"error: no manifest.json in {outdir}", file=sys.stderr)
        return 2
    if run_ocr and shutil.which("tesseract") is None:
        print("error: --ocr needs tesseract (apt-get install tesseract-ocr-spa)", file=sys.stderr)
        return 2
    summary(outdir)
    errors = check(outdir, run_ocr)
    for e in errors:
        print("PROBLEM " + e)
    print(f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
