"""The corpus mix: which document each student sends, its truth, producer and outcome.

Everything is drawn from one seed, so two builds plan the same corpus.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench.heldout import constancia as C
from bench.heldout.ids import make_curp, make_nss, make_registro
from bench.heldout.layout import Document
from bench.heldout.others import nss_acuse, renuncia, unrelated
from bench.heldout.people import Person, PersonFactory, Student, make_roster, stranger_email

SEED = 20261130
SCHOOL = {"name": "Universidad Tecnológica de Ejemplo", "registros_patronales": ["Y5410123108"]}
OUR_REG = "Y5410123108"
OCR_FIELDS = (
    "nss",
    "curp",
    "nombre",
    "vigente",
    "servicio_medico",
    "registro_patronal",
    "modalidad",
    "fecha_expedicion",
    "parentesco",
)


@dataclass
class Job:
    """One corpus file: how to produce it and what the manifest says about it."""

    id: str
    kind: str
    producer: str  # chromium / wkhtmltopdf / libreoffice / rawpdf / pillow
    doc: Document | None
    sender: str
    received_on: dt.date
    fields: dict[str, object]
    expected_outcome: str
    traits: dict[str, object]
    produced_at: dt.datetime
    needs_ocr: bool = False
    source_format: str = "html"  # html / fodt / docx (libreoffice); raw mode for rawpdf
    raw_mode: str = "plain"
    edit: dict[str, object] = field(default_factory=dict)  # tamper instructions
    scan: dict[str, object] = field(default_factory=dict)  # raster instructions
    source_producer: str = ""  # for scans: what printed the paper
    ext: str = "pdf"

    @property
    def content_type(self) -> str:
        """MIME type of the file."""
        return {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[self.ext]


class Planner:
    """Draws the whole corpus."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.factory = PersonFactory(random.Random(SEED + 1))
        self.roster = make_roster(self.rng, self.factory, 48)
        self.active = [s for s in self.roster if s.status in ("ACTIVO", "ESTADÍA")]
        self.baja = [s for s in self.roster if s.status.startswith("BAJA")]
        self.other_regs = [make_registro(self.rng) for _ in range(12)]
        self.jobs: list[Job] = []
        self.n = 0
        self._cycle: dict[str, int] = {}

    # -- helpers -----------------------------------------------------------
    def received(self) -> dt.date:
        return dt.date(2026, 11, 1) + dt.timedelta(days=self.rng.randrange(61))

    def emitted(self, received: dt.date, age: int) -> dt.datetime:
        d = received - dt.timedelta(days=age)
        return dt.datetime.combine(
            d, dt.time(self.rng.randint(7, 23), self.rng.randrange(60), self.rng.randrange(60))
        )

    def producer(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def student(self) -> Student:
        return self.rng.choice(self.active)

    def next_id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n:03d}"

    def relative(self, s: Person, parentesco: str) -> Person:
        rng = self.factory.rng
        if parentesco.startswith("HIJ"):
            sex = rng.choice("HM")
        else:
            sex = "M" if parentesco == "ESPOSO" else "H"
        base = self.factory.person(1964, 1983, sex=sex)
        if parentesco.startswith("HIJ"):
            if base.sex == "H":
                base.paterno = s.paterno
            else:
                base.paterno = s.materno or base.paterno
        base.curp = make_curp(
            base.paterno, base.materno, base.nombres, base.birth, base.sex, base.state, rng
        )
        base.nss = make_nss(base.birth.year, rng)
        return base

    # -- constancia truths ------------------------------------------------------
    def facts(self, truth: str, p: Person, emitted: dt.datetime | None) -> C.ConstanciaFacts:
        rng = self.rng
        ref = (emitted or dt.datetime(2026, 11, 20)).date()
        deleg = rng.choice(C.DELEGACIONES)
        umf = f"{rng.randint(1, 99):03d}" if rng.random() < 0.5 else str(rng.randint(1, 99))
        folio, serie, sello = C.make_seal_values(rng)
        sm_printed = rng.random() < 0.65
        kw: dict[str, object] = {
            "person": p,
            "delegacion": deleg,
            "umf": umf,
            "emitted": emitted,
            "folio": folio,
            "serie": serie,
            "sello": sello,
        }
        mov_date = ref - dt.timedelta(days=rng.randint(12, 420))
        if truth == "baja_emp":
            mod = rng.choice(["10", "10", "32"])
            patron = rng.choice(C.EMPLOYERS["10"] if mod == "10" else C.OTHER_SCHOOLS)
            return C.ConstanciaFacts(
                vigente=False,
                servicio_medico=False if sm_printed else None,
                registro=rng.choice(self.other_regs),
                modalidad=mod,
                patron=patron,
                tipo_mov="BAJA",
                fecha_mov=mov_date,
                **kw,
            )
        if truth == "baja_none":
            return C.ConstanciaFacts(
                vigente=False,
                servicio_medico=False if sm_printed else None,
                registro=None,
                modalidad=None,
                patron=None,
                tipo_mov=None,
                fecha_mov=None,
                **kw,
            )
        if truth == "baja_ours":
            return C.ConstanciaFacts(
                vigente=False,
                servicio_medico=False if sm_printed else None,
                registro=OUR_REG,
                modalidad="32",
                patron=rng.choice(C.OUR_PATRON),
                tipo_mov="BAJA",
                fecha_mov=mov_date,
                **kw,
            )
        if truth == "sm_no":
            mod = rng.choice(["32", "10"])
            patron = rng.choice(C.OTHER_SCHOOLS if mod == "32" else C.EMPLOYERS["10"])
            return C.ConstanciaFacts(
                vigente=True,
                servicio_medico=False,
                registro=rng.choice(self.other_regs),
                modalidad=mod,
                patron=patron,
                tipo_mov="ALTA",
                fecha_mov=mov_date,
                **kw,
            )
        sm = True if sm_printed else None
        alta = rng.choice(["ALTA", "ALTA", "REINGRESO"])
        if truth == "here":
            return C.ConstanciaFacts(
                vigente=True,
                servicio_medico=sm,
                registro=OUR_REG,
                modalidad="32",
                patron=rng.choice(C.OUR_PATRON),
                tipo_mov=alta,
                fecha_mov=mov_date,
                **kw,
            )
        if truth == "here_worker":
            return C.ConstanciaFacts(
                vigente=True,
                servicio_medico=sm,
                registro=OUR_REG,
                modalidad="10",
                patron=C.OUR_PATRON[0],
                tipo_mov="ALTA",
                fecha_mov=mov_date,
                **kw,
            )
        if truth in ("elsewhere", "elsewhere_lookalike"):
            patron = (
                rng.choice(C.OTHER_SCHOOLS)
                if truth == "elsewhere"
                else "UNIVERSIDAD TECNOLÓGICA DE EJEMPLO DEL SUR"
            )
            return C.ConstanciaFacts(
                vigente=True,
                servicio_medico=sm,
                registro=rng.choice(self.other_regs),
                modalidad="32",
                patron=patron,
                tipo_mov=alta,
                fecha_mov=mov_date,
                **kw,
            )
        if truth.startswith("worker"):
            mod = truth.split("_")[1] if "_" in truth else "10"
            return C.ConstanciaFacts(
                vigente=True,
                servicio_medico=sm,
                registro=rng.choice(self.other_regs),
                modalidad=mod,
                patron=rng.choice(C.EMPLOYERS[mod]),
                tipo_mov=alta,
                fecha_mov=mov_date,
                **kw,
            )
        if truth == "family":
            par = (
                rng.choice(["HIJO", "HIJA"])
                if rng.random() < 0.8
                else rng.choice(["ESPOSA", "CONCUBINA", "ESPOSO"])
            )
            if par in ("HIJO", "HIJA"):
                par = "HIJO" if p.sex == "H" else "HIJA"
            elif par == "ESPOSO" and p.sex == "M":
                par = "ESPOSA"
            elif par in ("ESPOSA", "CONCUBINA") and p.sex == "H":
                par = "ESPOSO"
            titular = self.relative(p, par)
            return C.ConstanciaFacts(
                vigente=True,
                servicio_medico=sm,
                registro=rng.choice(self.other_regs),
                modalidad="10",
                patron=rng.choice(C.EMPLOYERS["10"]),
                tipo_mov="ALTA",
                fecha_mov=mov_date,
                parentesco=par,
                titular=titular,
                **kw,
            )
        raise ValueError(truth)

    # -- job makers ---------------------------------------------------------------
    def constancia(
        self,
        outcome: str,
        truth: str,
        *,
        sender: Student | None = None,
        person: Person | None = None,
        stranger: bool = False,
        age: int | None = None,
        producer: str | None = None,
        review: str = "",
        ocr: bool = False,
    ) -> Job:
        rng = self.rng
        s = sender or self.student()
        p = person or s
        if stranger:
            p = self.factory.person()
        recv = self.received()
        if age is None:
            age = rng.choice([0, 1, 1, 2, 2, 3, 4, 5])
        emitted: dt.datetime | None = self.emitted(recv, age)
        if review == "no_date":
            emitted = None
        prod = producer or self.producer(
            {"chromium": 0.38, "libreoffice": 0.24, "wkhtmltopdf": 0.2, "rawpdf": 0.18}
        )
        f = self.facts(truth, p, emitted)
        docrng = random.Random(f"{SEED}-{self.n}-style")
        arrangement = None
        if review.startswith("edit") or ocr:
            arrangement = rng.choice(["lines", "table", "tabbed", "grid"])
        st = C.pick_style(docrng, prod, arrangement)
        traits: dict[str, object] = {}
        edit: dict[str, object] = {}
        if review == "no_date":
            f.seal = rng.random() < 0.5
            f.cadena_no_date = True
        elif review == "cadena_date":
            assert emitted is not None
            f.cadena_tamper["fecha"] = (emitted - dt.timedelta(days=rng.randint(20, 60))).strftime(
                "%Y-%m-%dT%H:%M:%S"
            )
            f.seal = True
        elif review == "cadena_name":
            other = self.factory.person()
            f.cadena_tamper["nombre"] = other.full_name(st.surname_first)
            f.seal = True
        elif review == "cadena_status":
            f.cadena_tamper["situacion"] = "NO VIGENTE"
            f.seal = True
        elif review.startswith("edit"):
            # the producer printed an old constancia; somebody edited the date afterwards
            assert emitted is not None
            old = emitted - dt.timedelta(days=rng.randint(14, 30))
            f.emitted = old
            st.exp_place = "item"
            st.exp_date_style = rng.choice(["slash", "dash", "abbr"])
            st.browser_print = False
            st.two_page = False
            edit = {"how": review, "old": old, "new": emitted}
        elif not ocr and rng.random() < 0.05:
            f.seal = False
        if ocr:
            st.watermark = ""
            st.two_page = False
            st.base_size = max(st.base_size, 10.0)
            st.font = "sans" if st.font == "mono" else st.font
        doc, fields = C.render_constancia(f, st, random.Random(f"{SEED}-{self.n}-render"))
        if edit:
            fields["fecha_expedicion"] = emitted.date().isoformat()  # what the page now shows
            edit["old_text"] = C.fmt_date(edit["old"].date(), st.exp_date_style)  # type: ignore[union-attr]
            edit["new_text"] = C.fmt_date(emitted.date(), st.exp_date_style)
        traits.update(st.traits())
        traits["truth"] = truth
        if review:
            traits["review"] = review
        if stranger:
            traits["sender"] = "stranger"
        sender_addr = stranger_email(p, rng) if stranger else s.email
        produced = f.emitted or dt.datetime.combine(recv - dt.timedelta(days=1), dt.time(19, 5))
        job = Job(
            id=self.next_id("cvd"),
            kind="constancia",
            producer=prod,
            doc=doc,
            sender=sender_addr,
            received_on=recv,
            fields=fields,
            expected_outcome=outcome,
            traits=traits,
            produced_at=produced + dt.timedelta(minutes=rng.randint(0, 8)),
            edit=edit,
        )
        if prod == "libreoffice":
            job.source_format = rng.choice(["fodt", "fodt", "fodt", "html", "docx"])
            traits["source_format"] = job.source_format
        if prod == "rawpdf":
            job.raw_mode = rng.choice(["plain", "kern", "perchar", "spaced", "shuffled"])
            if review.startswith("edit_replace"):
                job.raw_mode = rng.choice(["plain", "shuffled"])
            traits["text_ops"] = job.raw_mode
        if ocr:
            job.source_producer = prod
            job.producer = "pillow"
            job.needs_ocr = True
            dpi = rng.choice([200, 240, 300, 300])
            job.scan = {"dpi": dpi, "angle": round(rng.uniform(-1.8, 1.8), 2), "quality": "scan"}
            job.ext = rng.choice(["jpg", "pdf", "pdf", "png"])
            job.fields = {k: fields[k] for k in OCR_FIELDS}
            traits.update({"scan_dpi": dpi, "source_producer": prod, "format": job.ext})
        self.jobs.append(job)
        return job

    def build(self) -> list[Job]:
        """The whole mix (about 230 documents)."""
        rng = self.rng
        c = self.constancia
        for truth, n in (("baja_emp", 12), ("baja_none", 9), ("sm_no", 6), ("baja_ours", 3)):
            for _ in range(n):
                c("accepted_not_insured", truth)
        for i in range(24):
            c("accepted_insured_here", "here_worker" if i == 5 else "here")
        for i in range(24):
            c("registered_elsewhere", "elsewhere_lookalike" if i == 7 else "elsewhere")
        for truth, n in (("worker_10", 15), ("worker_13", 2), ("worker_34", 2), ("family", 7)):
            for _ in range(n):
                c("covered_other_regime", truth)
        for i in range(14):
            age = [6, 6, 7, 8, 10, 12, 15, 19, 23, 27, 31, 35, 38, 40][i]
            c(
                "too_old",
                rng.choice(["here", "elsewhere", "baja_emp", "worker_10", "family"]),
                age=age,
            )
        for _ in range(10):
            a, b = rng.sample(self.active, 2)
            c(
                "identity_mismatch",
                rng.choice(["here", "elsewhere", "baja_none", "worker_10"]),
                sender=a,
                person=b,
            )
        for _ in range(9):
            c("not_enrolled", rng.choice(["here", "elsewhere", "baja_none"]), stranger=True)
        for s in self.baja:
            c("not_enrolled", "here", sender=s)
        for review, prod in (
            ("no_date", None),
            ("no_date", None),
            ("cadena_date", None),
            ("cadena_date", None),
            ("cadena_name", None),
            ("cadena_status", None),
            ("edit_replace", "rawpdf"),
            ("edit_overlay_ilovepdf", "chromium"),
            ("edit_overlay_pdfescape", "wkhtmltopdf"),
            ("edit_overlay", "libreoffice"),
            ("edit_replace_ilovepdf", "rawpdf"),
        ):
            job = c(
                "needs_review",
                rng.choice(["here", "elsewhere", "worker_10"]),
                review=review,
                producer=prod,
            )
            if prod == "libreoffice":
                job.source_format = "fodt"
                job.traits["source_format"] = "fodt"
        for outcome, truth in (
            ("accepted_not_insured", "baja_emp"),
            ("accepted_not_insured", "baja_none"),
            ("accepted_not_insured", "sm_no"),
            ("accepted_insured_here", "here"),
            ("accepted_insured_here", "here"),
            ("accepted_insured_here", "here"),
            ("registered_elsewhere", "elsewhere"),
            ("registered_elsewhere", "elsewhere"),
            ("covered_other_regime", "worker_10"),
            ("covered_other_regime", "family"),
            ("too_old", "here"),
            ("accepted_insured_here", "here"),
        ):
            c(
                outcome,
                truth,
                ocr=True,
                producer=rng.choice(["rawpdf", "chromium", "libreoffice"]),
                age=9 if outcome == "too_old" else None,
            )
        self.waivers()
        self.acuses()
        self.unreadable()
        return self.jobs

    def waivers(self) -> None:
        rng = self.rng
        specs = (
            [("", "form")] * 14
            + [("", "letter")] * 10
            + [
                ("nosig", "form"),
                ("nosig", "letter"),
                ("date", "form"),
                ("date", "letter"),
                ("matricula", "form"),
            ]
        )
        for missing, variant in specs:
            s = self.student()
            recv = self.received()
            when = recv - dt.timedelta(days=rng.randint(0, 6))
            if variant == "letter":
                prod = self.producer({"libreoffice": 0.6, "chromium": 0.2, "rawpdf": 0.2})
            else:
                prod = self.producer(
                    {"libreoffice": 0.35, "chromium": 0.3, "wkhtmltopdf": 0.2, "rawpdf": 0.15}
                )
            fmt = "html"
            if prod == "libreoffice":
                fmt = "docx" if variant == "letter" and rng.random() < 0.7 else "fodt"
            if missing == "nosig":
                sig = "none"
            elif fmt == "docx":
                sig = "ink"
            else:
                sig = rng.choice(["curve", "polyline", "ink"])
            docrng = random.Random(f"{SEED}-w{self.n}")
            doc, fields, traits = renuncia(
                s,
                docrng,
                when,
                sig,
                missing if missing in ("date", "matricula") else "",
                variant,
                prod,
            )
            outcome = "waiver_incomplete" if missing else "waiver_received"
            job = Job(
                id=self.next_id("ren"),
                kind="renuncia",
                producer=prod,
                doc=doc,
                sender=s.email,
                received_on=recv,
                fields=fields,
                expected_outcome=outcome,
                traits=traits,
                produced_at=dt.datetime.combine(
                    when, dt.time(rng.randint(8, 22), rng.randrange(60))
                ),
                source_format=fmt,
            )
            if prod == "rawpdf":
                job.raw_mode = rng.choice(["plain", "kern", "perchar"])
                traits["text_ops"] = job.raw_mode
            if prod == "libreoffice":
                traits["source_format"] = fmt
            self.jobs.append(job)

    def acuses(self) -> None:
        rng = self.rng
        for i in range(24):
            s = self.student()
            recv = self.received()
            when = self.emitted(recv, rng.randint(0, 20))
            acudir = i % 3 == 0
            mentions = i % 3 == 1 or i % 5 == 0
            prod = self.producer({"chromium": 0.45, "rawpdf": 0.3, "wkhtmltopdf": 0.25})
            doc, fields, traits = nss_acuse(
                s, random.Random(f"{SEED}-a{i}"), when, acudir, mentions
            )
            job = Job(
                id=self.next_id("nss"),
                kind="nss_acuse",
                producer=prod,
                doc=doc,
                sender=s.email,
                received_on=recv,
                fields=fields,
                expected_outcome="nss_acuse_received",
                traits=traits,
                produced_at=when,
            )
            if prod == "rawpdf":
                job.raw_mode = rng.choice(["plain", "kern", "shuffled"])
                traits["text_ops"] = job.raw_mode
            self.jobs.append(job)

    def unreadable(self) -> None:
        rng = self.rng
        for kind in ("horario", "horario", "factura", "factura", "boleta", "cita"):
            s = self.student()
            recv = self.received()
            prod = self.producer({"libreoffice": 0.4, "chromium": 0.3, "wkhtmltopdf": 0.3})
            doc = unrelated(
                kind, s, random.Random(f"{SEED}-u{self.n}"), recv - dt.timedelta(days=3)
            )
            job = Job(
                id=self.next_id("unk"),
                kind="unknown",
                producer=prod,
                doc=doc,
                sender=s.email,
                received_on=recv,
                fields={},
                expected_outcome="unreadable",
                traits={"depicts": kind},
                produced_at=dt.datetime.combine(recv - dt.timedelta(days=3), dt.time(12, 30)),
            )
            if prod == "libreoffice":
                job.source_format = "fodt"
            self.jobs.append(job)
        for i in range(6):
            s = self.student()
            recv = self.received()
            f = self.facts(rng.choice(["here", "baja_none"]), s, self.emitted(recv, 1))
            st = C.pick_style(random.Random(f"{SEED}-b{i}"), "rawpdf")
            doc, _ = C.render_constancia(f, st, random.Random(f"{SEED}-br{i}"))
            ext = ["jpg", "jpg", "jpg", "jpg", "pdf", "pdf"][i]
            job = Job(
                id=self.next_id("img"),
                kind="unknown",
                producer="pillow",
                doc=doc,
                sender=s.email,
                received_on=recv,
                fields={},
                expected_outcome="unreadable",
                traits={"depicts": "constancia", "quality": "blurry", "format": ext},
                produced_at=dt.datetime.combine(recv, dt.time(9, 0)),
                source_producer="rawpdf",
                ext=ext,
                scan={"dpi": 30, "angle": round(rng.uniform(-6, 6), 1), "quality": "blurry"},
            )
            self.jobs.append(job)


def plan() -> tuple[list[Student], list[Job]]:
    """Roster and jobs of the held-out corpus."""
    p = Planner()
    jobs = p.build()
    return p.roster, jobs
