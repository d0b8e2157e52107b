"""Waivers (cartas renuncia), NSS acuses and unrelated PDFs students attach by mistake."""

from __future__ import annotations

import base64
import datetime as dt
import random

from bench.heldout.drawing import ink_png, signature_strokes
from bench.heldout.ids import strip_accents
from bench.heldout.layout import (
    Document,
    Grid,
    Heading,
    KVLines,
    KVTable,
    Logo,
    Para,
    Seal,
    Signature,
    Spacer,
)
from bench.heldout.people import Person, Student
from bench.heldout.textfmt import MESES, fmt_date, fmt_time, map_strings, title_es

MOTIVOS = [
    "Cuento con servicio médico del ISSSTE por parte de mi madre",
    "Estoy afiliado al IMSS por mi trabajo",
    "Cuento con seguro de gastos médicos mayores particular",
    "Soy beneficiario del IMSS por parte de mi padre",
    "Cuento con servicio médico de PEMEX como beneficiario",
    "Ya estoy dado de alta en el seguro facultativo por otra institución",
    "Tengo servicio médico de la SEDENA por parte de mis padres",
]
CITY_LINE = [
    "Ciudad de México",
    "Toluca de Lerdo, Estado de México",
    "Guadalajara, Jalisco",
    "San Juan del Río, Qro.",
    "Pachuca de Soto, Hgo.",
]

DECLARACIONES = [
    "Manifiesto bajo protesta de decir verdad que cuento con servicio médico y que renuncio de "
    "manera voluntaria a la incorporación al seguro facultativo del IMSS que otorga la "
    "Universidad, liberando a la institución de cualquier responsabilidad.",
    "Por este medio solicito no ser incorporado(a) al Seguro Facultativo del régimen obligatorio "
    "del IMSS, toda vez que cuento con servicio médico por otra vía.",
]


def _signature(rng: random.Random, kind: str, caption: str, name: str) -> Signature:
    if kind in ("curve", "polyline"):
        return Signature(kind, caption, name, strokes=signature_strokes(rng, kind))
    if kind == "ink":
        return Signature("ink", caption, name, png=ink_png(rng))
    return Signature("none", caption, name)


def renuncia(
    s: Student,
    rng: random.Random,
    when: dt.date,
    sig_kind: str,
    missing: str,
    variant: str,
    producer: str,
) -> tuple[Document, dict[str, object], dict[str, object]]:
    """A waiver; `missing` is '', 'date' or 'matricula' (blank on the form)."""
    surname_first = variant == "form" and rng.random() < 0.5
    name = s.full_name(surname_first)
    title_case = variant == "letter" and rng.random() < 0.6
    shown = title_es(name) if title_case else name
    motivo = rng.choice(MOTIVOS)
    date_txt = rng.choice(
        [
            f"{when.day} de {MESES[when.month - 1]} de {when.year}",
            fmt_date(when, "slash"),
            f"{when.day:02d} de {MESES[when.month - 1]} del {when.year}",
        ]
    )
    city = rng.choice(CITY_LINE)
    show_curp = variant == "form" or rng.random() < 0.7
    fields: dict[str, object] = {
        "nombre": name,
        "matricula": None if missing == "matricula" else s.matricula,
        "curp": s.curp if show_curp else None,
        "programa": s.programa,
        "motivo": motivo,
        "fecha": None if missing == "date" else when.isoformat(),
        "has_signature": sig_kind != "none",
    }
    blank = "_" * 22
    blocks: list[object] = []
    caption = rng.choice(
        ["Firma del alumno", "Nombre y firma del alumno(a)", "Firma del estudiante", "Firma"]
    )
    if variant == "form":
        blocks.append(
            Logo(
                "UTE",
                [
                    "UNIVERSIDAD TECNOLÓGICA DE EJEMPLO",
                    rng.choice(
                        ["Departamento de Servicios Escolares", "Dirección de Servicios Escolares"]
                    ),
                ],
                right_text=rng.choice(["FOR-24-01\nRev. 03", "Código: FOR-24-01\nVersión 2"]),
            )
        )
        blocks.append(
            Heading(
                rng.choice(
                    [
                        "FORMATO DE RENUNCIA AL SEGURO FACULTATIVO",
                        "CARTA RENUNCIA AL SEGURO FACULTATIVO DEL IMSS",
                        "Renuncia al Seguro Facultativo (IMSS)",
                    ]
                ),
                12.5,
            )
        )
        rows = [
            (
                rng.choice(
                    [
                        "Nombre del alumno(a)",
                        "Nombre completo",
                        "Nombre (apellido paterno, materno y nombre(s))",
                    ]
                ),
                shown,
            ),
            (
                rng.choice(["Matrícula", "No. de matrícula"]),
                blank if missing == "matricula" else s.matricula,
            ),
            ("CURP", s.curp),
            (rng.choice(["Programa educativo", "Carrera", "Programa académico"]), s.programa),
            (
                rng.choice(["Cuatrimestre", "Grado y grupo"]),
                rng.choice(["3°", "5° B", "7", "2° A", "9°"]),
            ),
            (rng.choice(["Motivo de la renuncia", "Motivo", "Razón por la que renuncia"]), motivo),
            (rng.choice(["Fecha", "Fecha de solicitud"]), blank if missing == "date" else date_txt),
        ]
        arr = rng.choice(["table", "lines", "grid"])
        if arr == "table":
            blocks.append(KVTable(rows, border=True, shade_labels=rng.random() < 0.5))
        elif arr == "lines":
            blocks.append(KVLines(rows, tabbed=rng.random() < 0.5))
        else:
            blocks.append(Grid(rows[:3], cols=3, gap_lines=rng.choice([0, 1])))
            blocks.append(KVLines(rows[3:]))
        blocks.append(
            Para(
                [
                    (
                        rng.choice(DECLARACIONES),
                        False,
                    )
                ],
                9.5,
                "justify",
            )
        )
        blocks.append(_signature(rng, sig_kind, caption, name if rng.random() < 0.6 else ""))
        traits = {"arrangement": f"form-{arr}"}
    else:
        head = f"{city}, a {blank if missing == 'date' else date_txt}"
        blocks.append(Para([(head, False)], 10.5, "right"))
        blocks.append(Spacer(12))
        blocks.append(Para([("UNIVERSIDAD TECNOLÓGICA DE EJEMPLO", True)], 10.5))
        blocks.append(
            Para(
                [
                    (
                        rng.choice(["Departamento de Servicios Escolares", "A quien corresponda"]),
                        False,
                    )
                ],
                10.5,
            )
        )
        blocks.append(Para([("P R E S E N T E", True)], 10.5))
        blocks.append(Spacer(10))
        mat = blank if missing == "matricula" else s.matricula
        curp_part = f" y CURP {s.curp}" if show_curp else ""
        blocks.append(
            Para(
                [
                    ("Yo, ", False),
                    (shown, True),
                    (
                        f", con matrícula {mat}{curp_part}, alumno(a) del programa "
                        f"{s.programa}, por medio de la presente renuncio al seguro facultativo "
                        "que otorga el Instituto Mexicano del Seguro Social a través de la "
                        f"Universidad, debido a que: {motivo}.",
                        False,
                    ),
                ],
                10.5,
                "justify",
            )
        )
        blocks.append(Para([("Sin más por el momento, agradezco su atención.", False)], 10.5))
        blocks.append(Spacer(8))
        blocks.append(Para([("A t e n t a m e n t e", False)], 10.5, "center"))
        blocks.append(_signature(rng, sig_kind, title_es(name) if title_case else name, ""))
        traits = {"arrangement": "letter"}
    doc = Document(
        blocks,
        font=rng.choice(["sans", "serif"]),
        base_size=10.5,
        page=rng.choice(["letter", "a4"]),
        family_hint=rng.randrange(5),
        title="Renuncia seguro facultativo",
    )
    strip = rng.random() < 0.15
    if strip:
        doc = map_strings(doc, strip_accents)  # type: ignore[assignment]
        for k in ("nombre", "programa", "motivo"):
            fields[k] = strip_accents(str(fields[k]))
    traits.update({"signature": sig_kind, "missing": missing or None, "accents": not strip})
    _ = producer
    return doc, fields, traits


def nss_acuse(
    p: Person, rng: random.Random, when: dt.datetime, acudir: bool, mentions_vigencia: bool
) -> tuple[Document, dict[str, object], dict[str, object]]:
    """IMSS 'Asignación o Localización del Número de Seguridad Social' acknowledgement."""
    name = p.full_name(rng.random() < 0.5)
    fields: dict[str, object] = {
        "nss": None if acudir else p.nss,
        "curp": p.curp,
        "nombre": name,
        "acudir_subdelegacion": acudir,
    }
    blocks: list[object] = [
        Logo(
            "IMSS",
            ["INSTITUTO MEXICANO DEL SEGURO SOCIAL", "Servicios Digitales"],
            right_text=f"{fmt_date(when.date(), 'slash')}\n{fmt_time(when, 'hms')}",
        ),
        Heading(
            rng.choice(
                [
                    "Asignación o Localización del Número de Seguridad Social",
                    "ACUSE DE ASIGNACIÓN O LOCALIZACIÓN DEL NÚMERO DE SEGURIDAD SOCIAL",
                    "Solicitud de Asignación o Localización de NSS - Acuse",
                ]
            ),
            12.5,
        ),
    ]
    rows = [("CURP", p.curp), (rng.choice(["Nombre", "Nombre del solicitante"]), name)]
    if acudir:
        rows.append(
            (
                "Resultado",
                rng.choice(
                    [
                        "No fue posible asignar o localizar tu NSS",
                        "NSS NO ASIGNADO",
                    ]
                ),
            )
        )
    else:
        rows.append(
            (rng.choice(["Número de Seguridad Social", "NSS asignado", "Tu NSS es"]), p.nss)
        )
    rows.append(("Correo electrónico", f"{strip_accents(p.nombres.split()[0]).lower()}***@***.com"))
    rows.append(("Fecha de solicitud", fmt_date(when.date(), rng.choice(["slash", "long"]))))
    if rng.random() < 0.5:
        blocks.append(KVTable(rows, border=rng.random() < 0.6))
    else:
        blocks.append(KVLines(rows))
    if acudir:
        text = (
            "No fue posible asignarte un Número de Seguridad Social por este medio. Acudir a la "
            "Subdelegación que corresponda a tu domicilio con identificación oficial, CURP y "
            "comprobante de domicilio para concluir el trámite."
        )
    else:
        text = (
            "Tu Número de Seguridad Social es único, permanente e intransferible. Consérvalo, lo "
            "necesitarás para realizar trámites ante el Instituto."
        )
    if mentions_vigencia:
        text += (
            " Una vez que tu escuela o patrón te dé de alta podrás descargar tu constancia de "
            "vigencia de derechos en el portal del IMSS y conocer tu Unidad de Medicina Familiar."
        )
    blocks.append(Heading("Instrucciones", 10.5, align="left"))
    blocks.append(Para([(text, False)], 10, "justify"))
    has_seal = rng.random() < 0.4
    if has_seal:
        sello = base64.b64encode(bytes(rng.randrange(256) for _ in range(128))).decode()
        cadena = f"||{p.curp}|{'' if acudir else p.nss}|{when:%Y-%m-%dT%H:%M:%S}||"
        blocks.append(Seal([("Cadena original", cadena), ("Sello digital", sello)]))
    doc = Document(
        blocks,
        font=rng.choice(["sans", "serif"]),
        base_size=10,
        footer="Página {page} de {pages}" if rng.random() < 0.5 else "",
        family_hint=rng.randrange(5),
        title="Acuse NSS",
    )
    traits = {"acudir": acudir, "mentions_vigencia": mentions_vigencia, "seal": has_seal}
    return doc, fields, traits


def unrelated(kind: str, s: Student, rng: random.Random, when: dt.date) -> Document:
    """Things students attach instead of the requested document."""
    name = s.full_name()
    if kind == "horario":
        days = ["Lunes", "Martes", "Miércoles", "Jueves", "Viernes"]
        subjects = [
            "Cálculo Integral",
            "Inglés IV",
            "Bases de Datos",
            "Redes",
            "Tutoría",
            "Programación Web",
            "Estadística",
            "Expresión Oral y Escrita",
        ]
        cells = [(d, rng.choice(subjects)) for d in days] + [
            (f"{h}:00", rng.choice(subjects)) for h in (7, 9, 11)
        ]
        blocks: list[object] = [
            Logo(
                "UTE",
                ["UNIVERSIDAD TECNOLÓGICA DE EJEMPLO", "Horario de clases"],
                right_text="Septiembre - Diciembre 2026",
            ),
            KVLines([("Alumno", name), ("Matrícula", s.matricula), ("Programa", s.programa)]),
            Grid(cells, cols=4, border=True),
        ]
    elif kind == "factura":
        blocks = [
            Heading("FACTURA ELECTRÓNICA (CFDI 4.0)", 12),
            KVTable(
                [
                    ("Emisor", "PAPELERÍA Y CÓMPUTO LA ESTRELLA SA DE CV"),
                    ("RFC emisor", "PCE0811214T8"),
                    ("Receptor", name),
                    ("Uso CFDI", "G03 Gastos en general"),
                    ("Fecha", fmt_date(when, "slash")),
                    ("Concepto", "Impresiones y engargolado"),
                    ("Total", "$ 148.50 MXN"),
                ]
            ),
            Seal(
                [
                    (
                        "Cadena original del complemento de certificación digital del SAT",
                        f"||1.1|{rng.randrange(10**8)}|{when.isoformat()}T12:00:00|SAT970701NN3||",
                    ),
                    (
                        "Sello digital del CFDI",
                        base64.b64encode(bytes(rng.randrange(256) for _ in range(180))).decode(),
                    ),
                ]
            ),
        ]
    elif kind == "boleta":
        rows = [
            (m, str(rng.randint(7, 10)))
            for m in [
                "Matemáticas para Ingeniería",
                "Inglés III",
                "Sistemas Operativos",
                "Ética Profesional",
            ]
        ]
        blocks = [
            Logo("UTE", ["UNIVERSIDAD TECNOLÓGICA DE EJEMPLO", "Boleta de calificaciones"]),
            KVLines(
                [
                    ("Nombre", name),
                    ("Matrícula", s.matricula),
                    ("CURP", s.curp),
                    ("Periodo", "Mayo - Agosto 2026"),
                ]
            ),
            KVTable(rows, border=True),
        ]
    else:  # cita
        blocks = [
            Logo("IMSS", ["INSTITUTO MEXICANO DEL SEGURO SOCIAL", "Cita médica digital"]),
            KVLines(
                [
                    ("Paciente", name),
                    ("Unidad", "UMF 23"),
                    ("Consultorio", "7 Turno matutino"),
                    ("Fecha de la cita", fmt_date(when + dt.timedelta(days=9), "long")),
                    ("Hora", "08:40"),
                ]
            ),
            Para([("Preséntese 15 minutos antes de su cita con identificación.", False)], 10),
        ]
    return Document(blocks, font="sans", family_hint=rng.randrange(5), title=kind)
