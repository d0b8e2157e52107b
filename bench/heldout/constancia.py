"""Constancias de vigencia de derechos: the facts of one certificate and many ways to print it.

Arrangement, label wording, value formats, case, accents and page furniture are chosen
independently per document, and `fields` records exactly what ended up printed.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field

from bench.heldout.ids import nss_printed, registro_printed, strip_accents
from bench.heldout.layout import (
    Document,
    Grid,
    Heading,
    KVLines,
    KVTable,
    Logo,
    PageBreak,
    Para,
    Seal,
    Spacer,
)
from bench.heldout.people import Person
from bench.heldout.textfmt import DATE_STYLES, fmt_date, fmt_time, map_strings, title_es

CONSTANCIA_KEYS = (
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
)

MODALIDADES = {
    "32": [
        "32",
        "32 - SEGURO FACULTATIVO",
        "SEGURO FACULTATIVO (32)",
        "Modalidad 32 Seguro facultativo",
        "32 SEG. FACULTATIVO ESTUDIANTES",
    ],
    "10": [
        "10",
        "10 - TRABAJADORES PERMANENTES Y EVENTUALES DE LA CIUDAD",
        "ORDINARIO URBANO (10)",
        "Modalidad 10 Trabajadores permanentes",
    ],
    "13": [
        "13",
        "13 - TRABAJADORES PERMANENTES Y EVENTUALES DEL CAMPO",
        "TRABAJADORES DEL CAMPO (13)",
    ],
    "34": ["34", "34 - TRABAJADORES DOMÉSTICOS", "TRABAJADORES DOMÉSTICOS (34)"],
}

LABELS = {
    "nss": [
        "NSS",
        "Número de Seguridad Social",
        "No. de Seguridad Social",
        "N.S.S.",
        "Número de afiliación (NSS)",
        "Núm. de Seguridad Social",
    ],
    "curp": ["CURP", "C.U.R.P.", "Clave Única de Registro de Población", "CURP del asegurado"],
    "nombre": [
        "Nombre",
        "Nombre del asegurado",
        "Nombre (apellido paterno, materno y nombre(s))",
        "Asegurado(a)",
        "Nombre completo",
        "Nombre del derechohabiente",
    ],
    "sexo": ["Sexo", "Género"],
    "fnac": ["Fecha de nacimiento", "F. de nacimiento", "Nacimiento"],
    "situacion": [
        "Situación",
        "Estatus de vigencia",
        "Vigencia de derechos",
        "Situación actual",
        "Estado de la vigencia",
        "Vigencia",
    ],
    "servicio": [
        "Servicio médico",
        "Derecho a servicio médico",
        "Con derecho al servicio médico",
        "Derecho a la atención médica",
        "Servicio médico vigente",
    ],
    "registro": [
        "Registro patronal",
        "Reg. patronal",
        "No. de registro patronal",
        "Registro Patronal (NRP)",
        "Número de registro patronal",
    ],
    "patron": [
        "Nombre o razón social",
        "Patrón",
        "Razón social del patrón",
        "Empresa / Institución",
        "Nombre o razón social del patrón",
        "Patrón o sujeto obligado",
    ],
    "modalidad": [
        "Modalidad",
        "Régimen / Modalidad",
        "Modalidad de aseguramiento",
        "Tipo de aseguramiento (modalidad)",
        "Modalidad de afiliación",
    ],
    "mov": ["Tipo y fecha del último movimiento", "Último movimiento", "Movimiento afiliatorio"],
    "tipo_mov": ["Tipo de movimiento", "Tipo del último movimiento", "Último movimiento"],
    "fecha_mov": [
        "Fecha de movimiento",
        "Fecha del último movimiento",
        "Fecha de alta/baja",
        "Fecha de afectación",
    ],
    "delegacion": [
        "Delegación",
        "Delegación de adscripción",
        "Delegación IMSS",
        "OOAD (Delegación)",
        "Delegación / Subdelegación",
    ],
    "umf": [
        "UMF",
        "Unidad de Medicina Familiar",
        "Clínica de adscripción (UMF)",
        "U.M.F. de adscripción",
        "UMF asignada",
    ],
    "fecha_exp": [
        "Fecha de expedición",
        "Fecha de emisión",
        "Fecha de expedición de la constancia",
        "Expedida el",
        "Fecha y hora de emisión",
        "Emitida",
        "Fecha de impresión de la constancia",
    ],
    "parentesco": ["Parentesco", "Parentesco con el titular", "Tipo de beneficiario"],
    "titular": ["Titular", "Asegurado titular", "Nombre del titular"],
    "titular_nss": ["NSS del titular", "Número de Seguridad Social del titular"],
    "folio": ["Folio", "Folio de la constancia", "No. de folio"],
}

DELEGACIONES = [
    "CIUDAD DE MÉXICO SUR",
    "CIUDAD DE MÉXICO NORTE",
    "JALISCO",
    "ESTADO DE MÉXICO ORIENTE",
    "ESTADO DE MÉXICO PONIENTE",
    "NUEVO LEÓN",
    "PUEBLA",
    "GUANAJUATO",
    "VERACRUZ NORTE",
    "YUCATÁN",
    "QUERÉTARO",
    "MICHOACÁN",
    "HIDALGO",
    "SAN LUIS POTOSÍ",
]
CITIES = [
    "Ciudad de México",
    "Guadalajara, Jal.",
    "Toluca, Méx.",
    "Monterrey, N.L.",
    "Puebla, Pue.",
    "León, Gto.",
    "Querétaro, Qro.",
]

OUR_PATRON = [
    "UNIVERSIDAD TECNOLÓGICA DE EJEMPLO",
    "UNIVERSIDAD TECNOLOGICA DE EJEMPLO",
    "UNIV. TECNOLÓGICA DE EJEMPLO",
    "UNIVERSIDAD TECNOLÓGICA DE EJEMPLO (ESTUDIANTES)",
]
OTHER_SCHOOLS = [
    "UNIVERSIDAD AUTÓNOMA DEL ESTADO DE EJEMPLO",
    "INSTITUTO TECNOLÓGICO DE SAN JUAN",
    "COLEGIO NACIONAL DE EDUCACIÓN PROFESIONAL TÉCNICA",
    "UNIVERSIDAD POLITÉCNICA DEL VALLE",
    "CENTRO DE ESTUDIOS CIENTÍFICOS Y TECNOLÓGICOS NO. 7",
    "UNIVERSIDAD PEDAGÓGICA NACIONAL",
    "ESCUELA NORMAL SUPERIOR DEL ESTADO",
    "INSTITUTO POLITÉCNICO DEL NORTE",
]
EMPLOYERS = {
    "10": [
        "OPERADORA DE TIENDAS DE CONVENIENCIA DEL CENTRO SA DE CV",
        "COMERCIALIZADORA NÚÑEZ Y ASOCIADOS S DE RL DE CV",
        "SERVICIOS ADMINISTRATIVOS PEÑA, S.A. DE C.V.",
        "RESTAURANTES LA FAMILIA SAPI DE CV",
        "SOLUCIONES INTEGRALES DE CONTACTO SA DE CV",
        "GRUPO LOGÍSTICO DEL BAJÍO SA DE CV",
        "MANUFACTURAS AUTOMOTRICES DE QUERÉTARO SA DE CV",
        "CINES Y ENTRETENIMIENTO DEL SUR SA DE CV",
        "DISTRIBUIDORA DE ABARROTES EL ÁGUILA SA DE CV",
        "HOSPITALIDAD Y TURISMO ZÚÑIGA SA DE CV",
    ],
    "13": ["AGRÍCOLA SAN ISIDRO SPR DE RL", "INVERNADEROS DEL VALLE SC DE RL"],
    "34": ["MARÍA ELENA RÍOS CASTAÑEDA", "JORGE ALBERTO MUÑOZ VILLASEÑOR"],
}

FOOT_NOTES = [
    "Este documento es de carácter informativo y no constituye un comprobante de pago.",
    "La presente constancia se emite con base en la información registrada en las bases de "
    "datos del Instituto a la fecha de su consulta.",
    "Para verificar la autenticidad de este documento consulte el portal del IMSS.",
]


@dataclass
class ConstanciaFacts:
    """The truth of one certificate (what the IMSS system would print)."""

    person: Person
    vigente: bool
    servicio_medico: bool | None  # None: not printed
    registro: str | None
    modalidad: str | None
    patron: str | None
    tipo_mov: str | None
    fecha_mov: dt.date | None
    delegacion: str
    umf: str
    emitted: dt.datetime | None
    parentesco: str | None = None
    titular: Person | None = None
    seal: bool = True
    folio: str = ""
    serie: str = ""
    sello: str = ""
    cadena_tamper: dict[str, str] = field(default_factory=dict)  # key -> value in cadena
    cadena_no_date: bool = False


def make_seal_values(rng: random.Random) -> tuple[str, str, str]:
    """Folio, número de serie and a base64 sello digital (random bytes, right length)."""
    folio = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(12))
    serie = "00001000000" + "".join(rng.choice("0123456789") for _ in range(9))
    sello = base64.b64encode(bytes(rng.randrange(256) for _ in range(256))).decode()
    return folio, serie, sello


@dataclass
class Style:
    """Independent presentation choices for one printed certificate."""

    arrangement: str
    two_page: bool
    labels: dict[str, str]
    upper_labels: bool
    title_name: bool
    strip: bool
    date_style: str
    exp_date_style: str
    time_style: str
    surname_first: bool
    reg_style: int
    nss_style: int
    mod_variant: int
    print_sexo: bool
    print_fnac: bool
    mov_combined: bool
    exp_place: str  # item / header / closing / footer
    seal_boxed: bool
    font: str
    family_hint: int
    base_size: float
    page: str
    logo: bool
    watermark: str
    page_footer: bool
    browser_print: bool
    grid_cols: int
    grid_gap: int
    border: bool
    umf_style: int
    title: str
    sm_words: int

    def traits(self) -> dict[str, object]:
        """Free-form traits for per-trait figures in the bench."""
        return {
            "arrangement": self.arrangement,
            "two_page": self.two_page,
            "labels_upper": self.upper_labels,
            "accents": not self.strip,
            "date_style": self.exp_date_style,
            "time_style": self.time_style,
            "emission_place": self.exp_place,
            "name_order": "surname_first" if self.surname_first else "given_first",
            "registro_style": self.reg_style,
            "font": self.font,
            "browser_print": self.browser_print,
        }


ARRANGEMENTS = ("lines", "tabbed", "table", "grid", "sections", "narrative")


def pick_style(rng: random.Random, producer: str, arrangement: str | None = None) -> Style:
    """Draw every presentation choice independently."""
    arr = arrangement or rng.choice(ARRANGEMENTS)
    labels = {k: rng.choice(v) for k, v in LABELS.items()}
    if rng.random() < 0.5:
        # pairs that share words with other labels
        labels["fecha_exp"] = rng.choice(
            ["Fecha de expedición de la constancia", "Fecha y hora de emisión", labels["fecha_exp"]]
        )
    return Style(
        arrangement=arr,
        two_page=arr != "narrative" and rng.random() < 0.22,
        labels=labels,
        upper_labels=rng.random() < 0.4,
        title_name=rng.random() < 0.2,
        strip=rng.random() < 0.25,
        date_style=rng.choice(["slash", "dash", "abbr", "slash", "long"]),
        exp_date_style=rng.choice(DATE_STYLES),
        time_style=rng.choice(["hrs", "hms", "horas", "ampm", "none", "hrs", "none"]),
        surname_first=rng.random() < 0.45,
        reg_style=rng.choice([0, 0, 1, 1, 2, 3]),
        nss_style=rng.choice([0, 0, 0, 0, 1, 2]),
        mod_variant=rng.randrange(5),
        print_sexo=rng.random() < 0.4,
        print_fnac=rng.random() < 0.45,
        mov_combined=rng.random() < 0.5,
        exp_place=rng.choice(["item", "item", "header", "closing", "footer"]),
        seal_boxed=rng.random() < 0.4,
        font=rng.choice(["sans", "sans", "serif", "sans", "mono"])
        if producer != "rawpdf"
        else rng.choice(["sans", "serif", "sans"]),
        family_hint=rng.randrange(5),
        base_size=rng.choice([8.5, 9.0, 9.5, 10.0, 10.5, 11.0]),
        page=rng.choice(["letter", "letter", "a4"]),
        logo=rng.random() < 0.65,
        watermark=rng.choice(["IMSS", "DOCUMENTO INFORMATIVO", "COPIA"])
        if rng.random() < 0.14
        else "",
        page_footer=rng.random() < 0.6,
        browser_print=producer in ("chromium", "wkhtmltopdf") and rng.random() < 0.45,
        grid_cols=rng.choice([2, 3, 3, 4]),
        grid_gap=rng.choice([0, 1, 1, 2]),
        border=rng.random() < 0.5,
        umf_style=rng.randrange(4),
        title=rng.choice(
            [
                "CONSTANCIA DE VIGENCIA DE DERECHOS",
                "Constancia de Vigencia de Derechos",
                "CONSTANCIA DE VIGENCIA DE DERECHOS AL SERVICIO MÉDICO",
                "Constancia de vigencia de derechos",
                "CONSTANCIA DE VIGENCIA",
            ]
        ),
        sm_words=rng.randrange(3),
    )


def _label(style: Style, key: str) -> str:
    text = style.labels[key]
    return text.upper() if style.upper_labels else text


def _exp_text(st: Style, emitted: dt.datetime) -> str:
    d = fmt_date(emitted.date(), st.exp_date_style)
    t = fmt_time(emitted, st.time_style)
    if not t:
        return d
    return (
        f"{d} a las {t}" if st.exp_date_style in ("long", "weekday", "long_upper") else f"{d} {t}"
    )


def render_constancia(
    f: ConstanciaFacts, st: Style, rng: random.Random
) -> tuple[Document, dict[str, object]]:
    """The printed document and the `fields` it really prints."""
    p = f.person
    fields: dict[str, object] = dict.fromkeys(CONSTANCIA_KEYS)
    name = p.full_name(st.surname_first)
    shown_name = title_es(name) if st.title_name else name
    fields["nombre"] = name
    fields["nss"] = p.nss
    fields["curp"] = p.curp
    fields["vigente"] = f.vigente
    nss_txt = nss_printed(p.nss, st.nss_style)

    if f.vigente:
        sit = rng.choice(
            ["VIGENTE", "Vigente", "VIGENTE", "SE ENCUENTRA VIGENTE", "VIGENTE EN SUS DERECHOS"]
        )
    else:
        sit = rng.choice(
            ["BAJA", "NO VIGENTE", "SIN VIGENCIA", "BAJA - SIN DERECHO", "NO VIGENTE (BAJA)"]
        )
    sm_txt = ""
    if f.servicio_medico is not None:
        fields["servicio_medico"] = f.servicio_medico
        yes, no = [("SI", "NO"), ("SÍ", "NO"), ("Con derecho", "Sin derecho")][st.sm_words]
        sm_txt = yes if f.servicio_medico else no

    items: list[tuple[str, str, str]] = []  # (group, label, value)
    items.append(("person", _label(st, "nss"), nss_txt))
    items.append(("person", _label(st, "curp"), p.curp))
    items.append(("person", _label(st, "nombre"), shown_name))
    if st.print_sexo:
        fields["sexo"] = p.sex
        items.append(
            (
                "person",
                _label(st, "sexo"),
                rng.choice(
                    [
                        {"H": "HOMBRE", "M": "MUJER"},
                        {"H": "H", "M": "M"},
                        {"H": "Masculino", "M": "Femenino"},
                    ]
                )[p.sex],
            )
        )
    if st.print_fnac:
        fields["fecha_nacimiento"] = p.birth.isoformat()
        items.append(("person", _label(st, "fnac"), fmt_date(p.birth, st.date_style)))
    if f.parentesco and f.titular:
        fields["parentesco"] = f.parentesco
        tname = f.titular.full_name(st.surname_first)
        fields["titular"] = tname
        items.append(("person", _label(st, "parentesco"), f.parentesco))
        items.append(("person", _label(st, "titular"), title_es(tname) if st.title_name else tname))
        if rng.random() < 0.5:
            items.append(("person", _label(st, "titular_nss"), f.titular.nss))
    items.append(("status", _label(st, "situacion"), sit))
    if sm_txt:
        items.append(("status", _label(st, "servicio"), sm_txt))
    umf_txt = [f.umf, f.umf.lstrip("0"), f"UMF {f.umf.lstrip('0')}", f"No. {f.umf}"][st.umf_style]
    fields["umf"] = "".join(c for c in umf_txt if c.isdigit())
    fields["delegacion"] = f.delegacion
    items.append(("status", _label(st, "delegacion"), f.delegacion))
    items.append(("status", _label(st, "umf"), umf_txt))
    mod_txt = ""
    if f.registro:
        fields["registro_patronal"] = f.registro
        items.append(
            ("employer", _label(st, "registro"), registro_printed(f.registro, st.reg_style))
        )
    if f.patron:
        fields["patron"] = f.patron
        items.append(("employer", _label(st, "patron"), f.patron))
    if f.modalidad:
        fields["modalidad"] = f.modalidad
        variants = MODALIDADES[f.modalidad]
        mod_txt = variants[st.mod_variant % len(variants)]
        items.append(("employer", _label(st, "modalidad"), mod_txt))
    if f.tipo_mov and f.fecha_mov:
        fields["tipo_ultimo_movimiento"] = f.tipo_mov
        fields["fecha_ultimo_movimiento"] = f.fecha_mov.isoformat()
        mov_date = fmt_date(f.fecha_mov, st.date_style)
        if st.mov_combined:
            items.append(("employer", _label(st, "mov"), f"{f.tipo_mov} {mov_date}"))
        else:
            items.append(("employer", _label(st, "tipo_mov"), f.tipo_mov))
            items.append(("employer", _label(st, "fecha_mov"), mov_date))
    exp_txt = ""
    if f.emitted:
        fields["fecha_expedicion"] = f.emitted.date().isoformat()
        exp_txt = _exp_text(st, f.emitted)
        if st.exp_place == "item" or (st.exp_place == "header" and not st.logo):
            items.append(("status", _label(st, "fecha_exp"), exp_txt))
    if f.seal:
        items.append(("status", _label(st, "folio"), f.folio))

    blocks: list[object] = []
    city = rng.choice(CITIES)
    right = ""
    if f.emitted and st.exp_place == "header" and st.logo:
        right = f"{_label(st, 'fecha_exp')}:\n{exp_txt}"
    if st.logo:
        blocks.append(
            Logo(
                "IMSS",
                rng.choice(
                    [
                        [
                            "INSTITUTO MEXICANO DEL SEGURO SOCIAL",
                            "Dirección de Incorporación y Recaudación",
                        ],
                        ["Instituto Mexicano del Seguro Social", "Servicios Digitales"],
                        [
                            "GOBIERNO DE MÉXICO",
                            "INSTITUTO MEXICANO DEL SEGURO SOCIAL",
                            "Unidad de Incorporación al Seguro Social",
                        ],
                    ]
                ),
                right_text=right,
            )
        )
    else:
        blocks.append(Heading("INSTITUTO MEXICANO DEL SEGURO SOCIAL", 11))
    blocks.append(Heading(st.title, rng.choice([12.0, 13.0, 14.0])))

    if st.arrangement == "narrative":
        blocks.extend(
            _narrative(
                f, st, rng, shown_name, nss_txt, sit, sm_txt, mod_txt, umf_txt, city, exp_txt
            )
        )
    else:
        groups = {"person": [], "status": [], "employer": []}
        for g, lab, val in items:
            groups[g].append((lab, val))
        heads = {
            "person": rng.choice(
                ["DATOS DEL ASEGURADO", "Datos del asegurado", "Datos personales"]
            ),
            "status": rng.choice(["VIGENCIA", "Vigencia de derechos", "DATOS DE LA CONSTANCIA"]),
            "employer": rng.choice(
                [
                    "DATOS DEL PATRÓN",
                    "Datos del patrón o sujeto obligado",
                    "ÚLTIMO REGISTRO PATRONAL",
                ]
            ),
        }
        order = (
            ["person", "status", "employer"]
            if rng.random() < 0.6
            else ["person", "employer", "status"]
        )
        if st.two_page:
            order = ["person", "status", "employer"]
        for g in order:
            rows = groups[g]
            if not rows:
                continue
            if g == "employer" and st.two_page:
                blocks.append(PageBreak())
            if st.arrangement in ("sections", "grid") or st.two_page or rng.random() < 0.3:
                blocks.append(Heading(heads[g], 10.5, align=rng.choice(["left", "center"])))
            kind = st.arrangement
            if kind == "sections":
                kind = {"person": "table", "status": "lines", "employer": "grid"}[g]
            blocks.append(_rows_block(kind, rows, st))
        if f.emitted and st.exp_place == "closing":
            blocks.append(
                Para([(f"{city}, a {exp_txt.rstrip('.')}.", False)], st.base_size, "right")
            )
    if f.seal:
        cadena = _cadena(f, name, sit, mod_txt)
        blocks.append(Spacer(8))
        blocks.append(
            Seal(
                [
                    (
                        rng.choice(
                            ["Cadena original", "Cadena Original del Sello", "CADENA ORIGINAL"]
                        ),
                        cadena,
                    ),
                    (rng.choice(["Sello digital", "Sello Digital IMSS", "SELLO DIGITAL"]), f.sello),
                    (
                        rng.choice(
                            [
                                "Número de serie",
                                "No. de serie del certificado",
                                "Serie del certificado",
                            ]
                        ),
                        f.serie,
                    ),
                ],
                size=rng.choice([6.0, 6.5, 7.0]),
                boxed=st.seal_boxed,
            )
        )
    blocks.append(
        Para(
            [
                (
                    rng.choice(FOOT_NOTES),
                    False,
                )
            ],
            7.0,
            "left",
            gray=True,
        )
    )
    if f.emitted and st.exp_place == "footer":
        blocks.append(Para([(f"Documento generado el {exp_txt}", False)], 7.0, "left", gray=True))
    doc = Document(
        blocks=blocks,
        font=st.font,
        base_size=st.base_size,
        page=st.page,
        footer=rng.choice(
            ["Página {page} de {pages}", "{page} / {pages}", "Hoja {page} de {pages}"]
        )
        if st.page_footer or st.two_page
        else "",
        watermark=st.watermark,
        title=st.title,
        family_hint=st.family_hint,
    )
    if st.browser_print and f.emitted:
        printed = f.emitted + dt.timedelta(minutes=rng.randint(1, 9))
        if printed.date() == f.emitted.date():
            doc.print_header = f"{printed:%d/%m/%y, %H:%M}\t{title_es(st.title.lower())} - IMSS"
            doc.print_footer = rng.choice(
                [
                    "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/vigencia",
                    "https://serviciosdigitales.imss.gob.mx/portal-ciudadano-web-externo/constancia",
                ]
            )
    if st.strip:
        doc = map_strings(doc, strip_accents)  # type: ignore[assignment]
        for k in ("nombre", "patron", "delegacion", "titular"):
            if isinstance(fields[k], str):
                fields[k] = strip_accents(str(fields[k]))
    fields["has_seal"] = f.seal
    return doc, fields


def _rows_block(kind: str, rows: list[tuple[str, str]], st: Style) -> object:
    size = st.base_size
    if kind == "lines":
        return KVLines(rows, sep=":", label_bold=not st.upper_labels, size=size)
    if kind == "tabbed":
        return KVLines(rows, sep=":", label_bold=True, tabbed=True, size=size)
    if kind == "table":
        return KVTable(rows, border=st.border or True, shade_labels=st.border, size=size)
    return Grid(rows, cols=st.grid_cols, gap_lines=st.grid_gap, border=st.border, size=size - 0.5)


def _cadena(f: ConstanciaFacts, name: str, sit: str, mod_txt: str) -> str:
    """||folio|NSS|CURP|NOMBRE|SITUACION|REGISTRO|MODALIDAD|FECHA||, accents stripped."""
    p = f.person
    values = {
        "folio": f.folio,
        "nss": p.nss,
        "curp": p.curp,
        "nombre": strip_accents(name.upper()),
        "situacion": "VIGENTE" if f.vigente else "NO VIGENTE",
        "registro": f.registro or "",
        "modalidad": f.modalidad or "",
        "fecha": f.emitted.strftime("%Y-%m-%dT%H:%M:%S")
        if f.emitted and not f.cadena_no_date
        else "",
    }
    values.update(f.cadena_tamper)
    _ = (sit, mod_txt)
    return "||" + "|".join(values[k] for k in values) + "||"


def _narrative(
    f: ConstanciaFacts,
    st: Style,
    rng: random.Random,
    shown_name: str,
    nss_txt: str,
    sit: str,
    sm_txt: str,
    mod_txt: str,
    umf_txt: str,
    city: str,
    exp_txt: str,
) -> list[object]:
    p = f.person
    size = st.base_size + 0.5
    runs: list[tuple[str, bool]] = [
        (
            rng.choice(
                [
                    "El Instituto Mexicano del Seguro Social HACE CONSTAR que ",
                    "Por medio de la presente se hace constar que ",
                    "Se hace constar que el (la) C. ",
                ]
            ),
            False,
        ),
        (shown_name, True),
        (f", con Número de Seguridad Social {nss_txt} y CURP {p.curp}, ", False),
    ]
    if st.print_fnac:
        runs.append((f"nacido(a) el {fmt_date(p.birth, st.date_style)}, ", False))
    if st.print_sexo:
        runs.append((f"de sexo {'masculino' if p.sex == 'H' else 'femenino'}, ", False))
    if f.vigente:
        runs.append(("se encuentra ", False))
        runs.append(("VIGENTE", True))
        runs.append((" en sus derechos ante este Instituto", False))
    else:
        runs.append(("NO se encuentra vigente en sus derechos ante este Instituto (", False))
        runs.append(("BAJA", True))
        runs.append((")", False))
    if f.servicio_medico is not None:
        runs.append((", con derecho al servicio médico: " + sm_txt, False))
    if f.parentesco and f.titular:
        tname = f.titular.full_name(st.surname_first)
        runs.append((f", en calidad de {f.parentesco} del asegurado titular {tname}", False))
    if f.registro:
        runs.append((", con registro patronal ", False))
        runs.append((registro_printed(f.registro, st.reg_style), True))
        if f.patron:
            runs.append((f" ({f.patron})", False))
    if f.modalidad:
        runs.append((f", en la modalidad {mod_txt}", False))
    runs.append((".", False))
    paras: list[object] = [Para(runs, size, "justify")]
    if f.tipo_mov and f.fecha_mov:
        paras.append(
            Para(
                [
                    (
                        f"Su último movimiento afiliatorio registrado es {f.tipo_mov} con fecha "
                        f"{fmt_date(f.fecha_mov, st.date_style)}.",
                        False,
                    )
                ],
                size,
                "justify",
            )
        )
    paras.append(
        Para(
            [
                (
                    f"Le corresponde la Unidad de Medicina Familiar {umf_txt} de la Delegación "
                    f"{f.delegacion}.",
                    False,
                )
            ],
            size,
            "justify",
        )
    )
    if f.seal:
        paras.append(Para([(f"Folio: {f.folio}", False)], size - 1, "left"))
    if f.emitted and st.exp_place in ("item", "closing", "header"):
        paras.append(
            Para(
                [
                    (
                        "Se expide la presente a petición del interesado(a) en "
                        f"{city}, a {exp_txt.rstrip('.')}.",
                        False,
                    )
                ],
                size,
                "justify",
            )
        )
    return paras
