"""Constancia de Vigencia de Derechos: positioned text -> ``ConstanciaFacts``.

Three independent sources, each recorded per field in ``facts.sources``:

1. labels (see ``labels``): the value next to, under or after each field's label, accepted
   only when its converter accepts it;
2. patterns: values that validate themselves (an NSS passes Luhn, a CURP its check digit, a
   registro patronal has its shape) found anywhere, and narrative phrases ("se encuentra
   VIGENTE en sus derechos") when no label held them;
3. the cadena original (see ``cadena``), layout-free.

A value two sources disagree on is a doubt (``facts.doubts``), not a guess: classification
sends a doubtful constancia to staff instead of answering it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from daemon.documents import value_formats as vf
from daemon.documents.cadena import Cadena, agrees, disagreements, read_cadena
from daemon.documents.labels import STOPPER, Found, Hit, Vocabulary, on_the_form
from daemon.documents.labels import labelled as labels_of
from daemon.documents.layout import Line, fold, full_text
from daemon.documents.marked_options import marked_answer
from daemon.documents.ocr_repair import repaired_curp, repaired_nss
from daemon.documents.spanish_dates import parse_spanish_date
from daemon.domain.facts import ConstanciaFacts
from daemon.domain.identifiers import curp_birth_date, curp_is_valid, nss_is_valid

LABELS = Vocabulary(
    {
        "nss": r"(?:NUMERO|NUM\.?|NO\.?|N°|#) ?(?:DE )?(?:SEGURIDAD SOCIAL|AFILIACION)(?: \(NSS\))?"
        r"|N\.? ?S\.? ?S\.?",
        "curp": r"(?:CLAVE )?C\.? ?U\.? ?R\.? ?P\.?"
        r"|CLAVE UNICA DE REGISTRO DE POBLACION(?: \(CURP\))?",
        "nombre": (
            r"(?:NOMBRE ?\(S\)|NOMBRE(?: COMPLETO)?(?: DEL (?:BENEFICIARIO)(?:\(A\))?)?)"
            r"(?: Y APELLIDOS)?|APELLIDOS? Y NOMBRES?(?:\(S\))?"
            r"|HACE CONSTAR QUE(?: EL\(?LA\)?| LA| EL)?(?: C\.)?(?: ASEGURAD[OA](?:\(A\))?)?",
            r"^ASEGURADO(?:\(A\))?|^DERECHOHABIENTE",
        ),
        # a name printed in three fields: put back together in the order printed
        "apellido_paterno": r"^(?:APELLIDO|APE\.) PATERNO|^PRIMER APELLIDO",
        "apellido_materno": r"^(?:APELLIDO|APE\.) MATERNO|^SEGUNDO APELLIDO",
        "sexo": r"SEXO|GENERO|SX\.?",
        "fecha_nacimiento": r"FECHA DE NACIMIENTO|F(?:EC|ECHA)?\.? ?(?:DE )?NAC(?:\.|IMIENTO)"
        r"|NACIMIENTO"
        r"|NACID[OA](?:\(A\))?(?: EL)?|^NACIO(?: EL)?",
        "vigente": (
            r"SITUACION(?: ACTUAL)?(?: DEL ASEGURADO)?(?: DE (?:LA )?VIGENCIA)?"
            r"|ESTATUS(?: DE (?:LA )?VIGENCIA)?(?: DE (?:LOS )?DERECHOS)?",
            r"^ESTADO DE (?:LOS )?DERECHOS|^ESTADO DE (?:LA )?VIGENCIA|^:ESTADO"
            r"|^VIGENCIA(?: DE (?:LOS )?DERECHOS)?|^CONDICION"
            r"|^ESTADO DEL (?:ASEGURADO|DERECHOHABIENTE|TRABAJADOR)(?:\(A\))?",
            r"^:VIGENTE|^:DERECHOS VIGENTES",
        ),
        "servicio_medico": (
            r"(?<!SIN )(?<!NO )(?<!NO TIENE )(?<!NO CUENTA CON )"
            r"(?:¿ ?)?(?:CON |TIENE |CUENTA CON )?(?:DERECHO|ACCESO)"
            r" (?:AL?|DE|A LOS|A LAS)(?: RECIBIR)? (?:LA |LOS )?"
            r"(?:SERVICIOS?|SERV\.|ATENCION|ASISTENCIA|PRESTACIONES)"
            r" ?MEDIC[OA]S?(?: VIGENTE)?"
            r"|(?:¿ ?)?(?:(?:CUENTA CON|TIENE|CON) )?(?:SERVICIOS? MEDICOS?|SERV\.? MEDICOS?"
            r"|ATENCION MEDICA|ASISTENCIA MEDICA)"
            r"|(?:(?:DERECHO|ACCESO) A (?:LAS )?)?PRESTACIONES (?:MEDICAS|EN ESPECIE)"
            r"|(?:(?:DERECHO|ACCESO) A (?:LOS )?)?SERVICIOS? DE SALUD",
            # a label where it starts a run or ends with a colon: the title "Constancia de
            # vigencia de derechos médicos" holds the same words
            r"^(?:VIGENCIA DE (?:LOS )?)?DERECHOS MEDICOS|^COBERTURA MEDICA"
            # "Con derecho a: SÍ", "Con derecho a | ✓", "Con derecho a [X] SI [ ] NO": the
            # service is understood
            r"|^CON DERECHO A(?=\s*[:：]?\s*(?:$|[\[(☐☒☑✓✔✗]|(?:SI|NO)\b))"
            r"|^SEGURO DE ENFERMEDADES Y MATERNIDAD",
            r"^:CON DERECHO A",  # "…, con derecho a: Vigente, parentesco: …" in a sentence
        ),
        "registro_patronal": r"(?:NUMERO DE |NO\.? DE )?REGISTRO PATRONAL(?: \(RP\))?"
        r"|REG\.? PATRONAL|R\.? ?P\.?",
        "modalidad": r"(?:REGIMEN ?(?:/|Y) ?)?MODALIDAD(?: DE (?:ASEGURAMIENTO|AFILIACION))?"
        r"(?: ?/ ?REGIMEN)?|MOD\.|TIPO DE (?:ASEGURAMIENTO|AFILIACION|SEGURO)"
        r"|REGIMEN(?: DE ASEGURAMIENTO)?",
        "patron": (
            r"(?:NOMBRE|DENOMINACION) O RAZON SOCIAL(?: DEL (?:PATRON|EMPLEADOR))?"
            r"(?: O SUJETO OBLIGADO)?"
            r"|RAZON SOCIAL(?: DEL (?:PATRON|EMPLEADOR))?(?: O SUJETO OBLIGADO)?"
            r"|NOMBRE DEL PATRON"
            r"|PATRON(?: O SUJETO OBLIGADO| ?(?:/|O) ?INSTITUCION(?: EDUCATIVA)?)?"
            r"|(?:NOMBRE DEL )?EMPLEADOR|SUJETO OBLIGADO|(?:NOMBRE DE LA )?EMPRESA"
            r"|CENTRO DE TRABAJO"
            r"|DENOMINACION|INSTITUCION EDUCATIVA"
            r"|A CARGO DE(?:L PATRON)?|INSCRIT[OA](?: ?\(A\))? POR(?: EL PATRON)?"
            r"|(?:CORRESPONDIENTE|PERTENECIENTE) A",
            r"^:INSTITUCION",
            # a column header of its own over the name ("INSTITUCIÓN | NO. DE REGISTRO…"):
            # the word alone, never "institución" starting a sentence
            r"^(?:INSTITUCION|POR PARTE DE)(?=\s*$)",
        ),
        "tipo_ultimo_movimiento": (
            r"(?:TIPO|CLAVE) (?:DE(?:L)? )?(?:ULT(?:IMO|\.) ?)?MOV(?:IMIENTO|\.)(?: AFILIATORIO)?"
            r"|ULT(?:IMO|\.)? MOV(?:IMIENTO|\.)(?: AFILIATORIO)?(?: FUE| ES)?"
            r"|MOV(?:IMIENTO|\.) AFILIATORIO",
            r"^MOVIMIENTO|^TIPO",
        ),
        "fecha_ultimo_movimiento": r"FECHA (?:DE(?:L)? )?(?:ULT(?:IMO|\.) ?)?MOV(?:IMIENTO|\.)"
        r"(?: AFILIATORIO)?|F(?:EC)?\. ?(?:ULT\. ?)?MOV(?:IMIENTO|\.)"
        r"|FECHA DE (?:ALTA|BAJA|REINGRESO)(?: ?(?:/|O|Y) ?(?:ALTA|BAJA|REINGRESO))*"
        r"|MOVIMIENTO AFILIATORIO FUE [A-Z]+ CON FECHA|MOVIMIENTO [A-Z ]{0,30}? CON FECHA(?: DE)?",
        "delegacion": r"DELEGACION(?: DE ADSCRIPCION)?|DELEG\.|SUBDELEGACION|OOAD"
        r"|ORGANO DE OPERACION"
        r" ADMINISTRATIVA(?: DESCONCENTRADA)?",
        "umf": r"UMF(?: DE ADSCRIPCION)?|U\.M\.F\."
        r"|UNIDAD (?:DE MEDICINA|MEDICA) FAMILIAR(?: DE ADSCRIPCION)?"
        r"|CLINICA(?: DE ADSCRIPCION)?",
        "fecha_expedicion": (
            r"(?:FECHA|F\.)\s*(?:Y HORA\s*)?(?:DE\s+)?(?:EXPEDICION|EMISION|IMPRESION|CONSULTA"
            r"|GENERACION|ELABORACION|DESCARGA|EXP\.)(?: DE (?:LA )?CONSTANCIA)?"
            r"|(?:EXPEDID|EMITID|GENERAD|IMPRES|CONSULTAD|DESCARGAD|OBTENID)[OA] EL",
            r"^EXPEDICION|^EMISION|^EXPEDIDA|^EMITIDA",
        ),
        # A lone "Fecha:" on a constancia is its date, read only when nothing says which.
        "fecha_generica": r"^FECHA(?: Y HORA)?",
        "parentesco": (
            r"PARENTESCO(?: CON EL (?:TITULAR|ASEGURADO))?|TIPO DE BENEFICIARIO",
            r"^CALIDAD(?: DE(?:L)? (?:BENEFICIARIO|DERECHOHABIENTE))?",
        ),
        # not "Titular de la Subdelegación": the office that signs
        "titular": r"(?:NOMBRE DEL )?(?:ASEGURADO |TRABAJADOR )?TITULAR(?: DEL ASEGURAMIENTO)?"
        r"(?! DE LA | DEL (?!ASEGURAMIENTO))",
        "cadena": r"CADENA ORIGINAL(?: DEL SELLO)?",
        "sello": r"SELLO DIGITAL(?: IMSS| DEL IMSS)?",
        "serie": r"(?:NUMERO|NO\.?) DE SERIE(?: DEL CERTIFICADO)?",
        STOPPER: r"FOLIO|RFC|DOMICILIO|CODIGO POSTAL|C\.P\.|TELEFONO|CORREO ELECTRONICO|HORA"
        r"|PAGINA|MUNICIPIO|ENTIDAD(?: FEDERATIVA)?|LUGAR"
        r"|VIGENCIA(?: DE (?:LOS )?DERECHOS)? HASTA(?: EL)?"
        r"|FECHA DE (?:AFILIACION|INSCRIPCION|ALTA EN EL (?:IMSS|INSTITUTO))"
        r"|NUMERO DE CERTIFICADO|CONSULTA",
    }
)

# "Vigente | SÍ": the word is the question and SÍ / NO the answer. Read only when no other
# label gave the situación, since the same word alone is also the answer to "Situación".
# "¿Derechos vigentes?", "DERECHOS VIGENTES (S/N)" ask the same.
_ASKED = r"(?:¿ ?)?(?:DERECHOS )?VIGENTES?(?: ?\?| ?\((?:SI ?/ ?NO|S ?/ ?N)\))?"
_QUESTION = re.compile(_ASKED)
_YES_NO_QUESTIONS = Vocabulary({"vigente": f"^{_ASKED}"})

_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "nss": vf.nss_in,
    "curp": vf.curp_in,
    "nombre": vf.name,
    "sexo": lambda v: _sexo(v),
    "fecha_nacimiento": parse_spanish_date,
    "vigente": vf.situacion,
    "servicio_medico": vf.si_no,
    "registro_patronal": vf.registro,
    "modalidad": vf.modalidad,
    "patron": vf.organization,
    "tipo_ultimo_movimiento": vf.movement,
    "fecha_ultimo_movimiento": parse_spanish_date,
    "delegacion": vf.place,
    "umf": vf.umf,
    "fecha_expedicion": parse_spanish_date,
    "fecha_generica": parse_spanish_date,
    "parentesco": vf.relation,
    "titular": vf.name,
}
# The digital seal is the cadena original and the sello that signs it; a certificate's serial
# number printed without the cadena seals nothing (bench/corpus_manifest.md, has_seal).
_SEAL_PARTS = ("cadena", "sello")

# Narrative constancias put the situation and the medical service in sentences.
_PHRASE_NOT_VIGENTE = re.compile(
    r"\bNO SE ENCUENTRA VIGENTE|\bNO ESTA VIGENTE|\bSIN VIGENCIA DE DERECHOS|\bCAUSO BAJA"
    r"|\bDAD[OA] DE BAJA|\bSE ENCUENTRA (?:EN )?(?:ESTATUS |SITUACION )?(?:DE )?BAJA\b"
    r"|\bNO CUENTA CON (?:VIGENCIA|DERECHOS)|\bNO SE ENCUENTRAN (?:ACTUALMENTE )?VIGENTES"
    r"|\bNO ESTAN VIGENTES|\bNO VIGENTE EN SUS DERECHOS"
)
_PHRASE_VIGENTE = re.compile(
    r"(?<!NO )\bSE ENCUENTRAN? (?:ACTUALMENTE )?VIGENTES?|(?<!NO )\bESTAN? VIGENTES?"
    r"|(?<!NO )\bVIGENTE EN SUS DERECHOS|\bCON DERECHOS VIGENTES|(?<!NO )\bCUENTA CON VIGENCIA"
)
# "derecho al servicio médico", "derecho a recibir atención médica", "acceso a los
# servicios médicos", "derecho a las prestaciones médicas"
_TO_MEDICAL = (
    r"(?:EL |DEL )?(?:DERECHO|ACCESO) (?:AL?|DE|A LOS|A LAS|A RECIBIR)(?: LA| LOS| LAS)? "
    r"(?:(?:SERVICIOS?|ATENCION|ASISTENCIA|PRESTACIONES) MEDIC[OA]S?|SERVICIOS? DE SALUD)"
)
_PHRASE_NO_SERVICE = re.compile(
    rf"\b(?:SIN|NO CUENTA CON|NO TIENE|NO GOZA(?: DE)?|CARECE DE|CARECER DE) {_TO_MEDICAL}"
    r"|\b(?:DERECHOHABIENTE|ASEGURAD[OA](?: ?\(A\))?|BENEFICIARI[OA](?: ?\(A\))?)"
    r" SIN (?:SERVICIOS?|ATENCION|ASISTENCIA) MEDIC[OA]S?\b"
)
_PHRASE_SERVICE = re.compile(
    rf"(?<!NO )\b(?:CUENTA CON|TIENE|CON|GOZA(?: DE)?|CONSERVA) {_TO_MEDICAL}(?! ?:| ?(?:SI|NO)\b)"
    r"|\b(?:DERECHOHABIENTE|ASEGURAD[OA](?: ?\(A\))?|BENEFICIARI[OA](?: ?\(A\))?)"
    r" CON (?:SERVICIOS?|ATENCION|ASISTENCIA) MEDIC[OA]S?\b(?! ?:)"
)
# "causó alta el 12/03/2024", "fue dado de baja con fecha …": a movement told in a sentence
_PHRASE_MOVEMENT = re.compile(
    r"\b(?:CAUSO|FUE DAD[OA] DE|DAD[OA] DE|REGISTRA(?: UN[AO]?)?|PRESENTA(?: UN[AO]?)?)\s+"
    r"(ALTA|BAJA|REINGRESO)\b[^.|]{0,40}?"
    r"\b(?:EL|DEL|DESDE EL|A PARTIR DEL|CON FECHA(?: DE| DEL)?)\s+"
)
_SERVICE_MAYBE_DENIED = re.compile(
    r"\b(?:SIN|NO TIENE|NO CUENTA CON)\s+(?:DERECHO|SERVICIO|ATENCION|ACCESO)[^.|]{0,20}MEDIC"
    r"|\bMEDIC[A-Z]*\s*:?\s*(?:NO|SIN)\b(?!\.)"
)
# "Último movimiento: Reingreso con fecha 23-JUL-2024": the movement's label holds its date.
_PHRASE_MOVEMENT_DATE = re.compile(r"\bMOVIMIENTO\b[^.|]{0,40}?\b(?:CON |EN )?FECHA(?: DE| DEL)?\b")
_PHRASE_EMISSION = re.compile(
    r"\b(?:SE EXPIDE|EXPEDIDA|SE EMITE|EMITIDA|GENERADA|SE GENERA|EXPEDICION|EMISION"
    r"|SE EXTIENDE(?: LA PRESENTE)?)\b"
)
# How far after its cue an emission date may be. A letter's closing formula puts the place
# first: "Se extiende la presente a petición del interesado, en Xalapa, Veracruz, a los 31
# días del mes de agosto de 2026".
_EMISSION_REACH = {"SE EXTIENDE": 160}


def is_constancia(text: str) -> bool:
    folded = fold(text)
    return "VIGENCIA DE DERECHOS" in folded or "CONSTANCIA DE VIGENCIA" in folded


def parse_constancia(lines: Sequence[Line], *, ocr: bool = False) -> ConstanciaFacts:
    """``ocr``: the text came from OCR, so identifiers that fail their check digit are
    repaired by position (see ``ocr_repair``) before they are given up."""
    hits = LABELS.hits(lines)
    read = LABELS.read(lines, _CONVERTERS, hits)
    found: dict[str, Any] = {name: item.value for name, item in read.items()}
    sources: dict[str, str] = {name: item.source for name, item in read.items()}
    marked = marked_answer(lines, hits, "servicio_medico")
    if marked is not None:  # "Sí | No" columns: the option words are not the answer
        found["servicio_medico"], sources["servicio_medico"] = marked.answer, "label:marked"
    answered = _YES_NO_QUESTIONS.read(lines, {"vigente": _strict_yes_no}).get("vigente")
    # "Situación de derechos" over "VIGENTE | NO": the label's value is the question, and
    # the answer is beside it
    asked = "vigente" in read and _QUESTION.fullmatch(fold(read["vigente"].raw).strip())
    in_grid = any(
        sum(other.line == hit.line and other.strong for other in hits) > 1
        for hit in hits
        if hit.field == "vigente" and hit.strong
    )  # "Situación | Servicio médico" over "VIGENTE | No": the NO is the next column's
    asked = asked and not in_grid
    beside = answered is not None and answered.source in ("label:right", "label:inline")
    if answered is not None and ("vigente" not in found or (asked and beside)):
        found["vigente"], sources["vigente"] = answered.value, f"{answered.source}:si-no"
    generic = found.pop("fecha_generica", None)
    sources.pop("fecha_generica", None)
    _shared_values(read, found, sources)
    _name_in_parts(lines, hits, found, sources)
    if "fecha_ultimo_movimiento" not in found:
        moved = _movement_date(lines, hits)
        if moved is not None:
            found["fecha_ultimo_movimiento"] = moved.value
            sources["fecha_ultimo_movimiento"] = f"{moved.source}:movement"
            if read.get("fecha_generica") and read["fecha_generica"].raw == moved.raw:
                generic = None  # that "Fecha" was the movement's, not the constancia's
    doubts: list[str] = []
    text = full_text(lines)
    # sentences run over lines; what a page says "if you have no right…" is about no one
    folded = _without_conditionals(fold(" ".join(line.text for line in lines)))

    cadena = read_cadena(list(lines))
    labelled_fields: set[str] = set()
    if cadena is not None:  # compared with what the page's labels say, before any fallback
        _identifiers_the_cadena_confirms(lines, hits, found, sources, cadena)
        doubts.extend(f"cadena original disagrees: {f}" for f in disagreements(cadena, found))
        labelled_fields = {k for k, v in found.items() if v is not None}
    _self_validating(found, sources, text)
    if ocr:
        _repair(found, sources, text)
    _phrases(found, sources, folded, doubts)
    if cadena is not None:
        for field, value in (
            ("nss", cadena.nss),
            ("curp", cadena.curp),
            ("registro_patronal", cadena.registro_patronal),
            ("vigente", cadena.vigente),
            ("fecha_expedicion", cadena.emitted_on),
        ):
            if value is None:
                continue
            if found.get(field) is None or (
                field not in labelled_fields and not agrees(found[field], value)
            ):
                # a fallback (a pattern, a sentence) guesses where no label said; the seal's
                # record is the document's own statement of that field
                found[field], sources[field] = value, "cadena"
            elif found.get(field) == value and value is not None:
                sources[field] += "+cadena"
    if found.get("fecha_expedicion") is None and generic is not None:
        found["fecha_expedicion"], sources["fecha_expedicion"] = generic, "generic-date"
    labelled = labels_of(hits)
    found["has_seal"] = all(part in labelled for part in _SEAL_PARTS)
    found = {k: v for k, v in found.items() if v is not None}
    # Unread: its label is on the form (a word in a footer sentence is not a field), or
    # the page says NO / SIN next to a medical word we could not read as a value.
    mentioned = on_the_form(lines, hits)
    if "servicio_medico" not in found and _SERVICE_MAYBE_DENIED.search(folded):
        mentioned.add("servicio_medico")
    return ConstanciaFacts(
        **found,
        sources=tuple(sorted((k, v) for k, v in sources.items() if k in found)),
        doubts=tuple(doubts),
        unread=tuple(
            sorted(
                f for f in mentioned if f in ConstanciaFacts.__dataclass_fields__ and f not in found
            )
        ),
    )


def _identifiers_the_cadena_confirms(
    lines: Sequence[Line],
    hits: Sequence[Hit],
    found: dict[str, Any],
    sources: dict[str, str],
    cadena: Cadena,
) -> None:
    """A page may print one identifier's label twice with different values (a history of
    employers above the current one: "Registro patronal" in a table, then again under "Datos
    del patrón"). The first label's value is no more right than the other's; the one the
    cadena confirms is. Only identifiers: a date or a situación edited on the page must stay
    a disagreement."""
    for field, in_cadena in (
        ("registro_patronal", cadena.registro_patronal),
        ("nss", cadena.nss),
        ("curp", cadena.curp),
    ):
        if in_cadena is None or found.get(field) in (None, in_cadena):
            continue
        for hit in hits:
            if hit.field != field or not hit.strong:
                continue
            other = LABELS.value_of(lines, hit, _CONVERTERS[field], hits)
            if other is not None and other.value == in_cadena and "|" not in other.raw:
                found[field], sources[field] = in_cadena, other.source
                break


_REGISTRO_HEAD = re.compile(r"^\s*[A-Z0-9][\d\s-]{9,16}\d\s*[-–,/|]?\s*")


def _shared_values(read: dict[str, Found], found: dict[str, Any], sources: dict[str, str]) -> None:
    """One value that carries two fields: "Último movimiento: ALTA (12/03/2024)", "Registro
    patronal: E81-23456-10-5 UNIVERSIDAD TECNOLÓGICA…"."""
    movement = read.get("tipo_ultimo_movimiento")
    if movement is not None and "fecha_ultimo_movimiento" not in found:
        moved = parse_spanish_date(movement.raw)
        if moved is not None:
            found["fecha_ultimo_movimiento"] = moved
            sources["fecha_ultimo_movimiento"] = f"{movement.source}:with-movement"
    registro = read.get("registro_patronal")
    if registro is not None and "patron" not in found:
        head = _REGISTRO_HEAD.match(fold(registro.raw))
        employer = vf.organization(registro.raw[head.end() :]) if head else None
        if employer is not None and vf.registro(registro.raw[: head.end()]) is not None:  # type: ignore[union-attr]
            found["patron"], sources["patron"] = employer, f"{registro.source}:with-registro"


_NAME_PARTS = ("apellido_paterno", "apellido_materno", "nombre")


def _name_in_parts(
    lines: Sequence[Line], hits: Sequence[Hit], found: dict[str, Any], sources: dict[str, str]
) -> None:
    """ "Apellido paterno: LÓPEZ" / "Apellido materno: GÓMEZ" / "Nombre(s): ALEJANDRO": the
    student's name is the three values in the order the page prints them (each one word
    may be, so they are read apart from a whole name's label)."""
    first = {}
    for hit in hits:
        if hit.field in _NAME_PARTS and hit.strong and "|" not in lines[hit.line].text:
            first.setdefault(hit.field, hit)  # (the cadena's "PATERNO:…|" is no label)
    if not {"apellido_paterno", "apellido_materno"} & first.keys():
        return
    parts = []
    for hit in sorted(first.values(), key=lambda h: (h.line, h.x0)):
        value = LABELS.value_of(lines, hit, vf.name_part, hits)
        if value is not None:
            parts.append(value)
    if len(parts) >= 2:
        found["nombre"] = " ".join(part.value for part in parts)
        sources["nombre"] = f"{parts[0].source}:parts"


_CONDITIONAL = re.compile(
    r"\b(?:SI (?:USTED|EL ASEGURADO|LA ASEGURADA|EL TRABAJADOR)|EN CASO DE(?: QUE)?|CUANDO"
    r"|LAS PERSONAS|QUIEN(?:ES)?|PARA (?:LOS|LAS) (?:ASEGURAD[OA]S|PERSONAS))\b[^.]{0,200}"
)


def _without_conditionals(folded: str) -> str:
    """The text without its conditional sentences ("Si usted no tiene derecho a servicio
    médico…", "Las personas sin vigencia de derechos…"): they state no one's facts. Blanked
    with spaces, so positions still index the original."""
    return _CONDITIONAL.sub(lambda m: " " * len(m.group()), folded)


def _movement_date(lines: Sequence[Line], hits: Sequence[Hit]) -> Found | None:
    """A bare "Fecha" that belongs to the movement: right of the movement's label on its line
    ("Movimiento: ALTA   Fecha: 12/03/2024"), or a sub-header under an "Último movimiento"
    group header ("Tipo | Fecha")."""
    movement_labels = [h for h in hits if h.field == "tipo_ultimo_movimiento" and h.strong]
    for hit in hits:
        if hit.field != "fecha_generica" or not hit.strong:
            continue
        for label in movement_labels:
            beside = label.line == hit.line and hit.x0 > label.x0
            top = lines[label.line].segments[label.seg]
            under = 0 < hit.line - label.line <= 2 and top.x0 - 14 <= hit.x0 <= top.x1 + 14
            if beside or under:
                found = LABELS.value_of(lines, hit, parse_spanish_date, hits)
                if found is not None:
                    return found
    return None


def _self_validating(found: dict[str, Any], sources: dict[str, str], text: str) -> None:
    """NSS and CURP validate themselves: a label's value that fails its check digit gives
    way to the one valid value printed anywhere; a registro can be found by its shape."""
    for field, valid, everywhere in (
        ("nss", nss_is_valid, vf.all_valid_nss),
        ("curp", curp_is_valid, vf.all_valid_curps),
    ):
        if valid(found.get(field)):
            continue
        printed = everywhere(text)
        if len(printed) == 1:
            found[field], sources[field] = printed.pop(), "pattern"
    if found.get("registro_patronal") is None:
        shapes = vf.registros_in(text)
        if len(shapes) == 1:
            found["registro_patronal"], sources["registro_patronal"] = shapes.pop(), "pattern"


def _repair(found: dict[str, Any], sources: dict[str, str], text: str) -> None:
    for field, valid, repair in (
        ("nss", nss_is_valid, repaired_nss),
        ("curp", curp_is_valid, repaired_curp),
    ):
        if not valid(found.get(field)):
            fixed = repair(text)
            if fixed is not None:
                found[field], sources[field] = fixed, "ocr:repaired"


def _phrases(
    found: dict[str, Any], sources: dict[str, str], folded: str, doubts: list[str]
) -> None:
    said_not = _PHRASE_NOT_VIGENTE.search(folded)
    # "no cuenta con derechos vigentes" holds "con derechos vigentes": read the rest
    said_yes = _PHRASE_VIGENTE.search(_PHRASE_NOT_VIGENTE.sub(" ", folded))
    phrase: bool | None = None
    if said_not and said_yes:
        doubts.append("the text says both VIGENTE and BAJA")
    elif said_not or said_yes:
        phrase = said_not is None
    # A phrase fills a value no label gave; it contradicts one read inside a sentence (a
    # label on a form is the form's word, and the same words in a sentence are its label).
    if found.get("vigente") is None and phrase is not None:
        found["vigente"], sources["vigente"] = phrase, "phrase"
    elif phrase is not None and found["vigente"] is not phrase and _in_prose(sources, "vigente"):
        doubts.append("Situación disagrees with the text")
    no_service = _PHRASE_NO_SERVICE.search(folded)
    service = _PHRASE_SERVICE.search(_PHRASE_NO_SERVICE.sub(" ", folded))
    said = False if no_service else (True if service else None)
    if found.get("servicio_medico") is None and said is not None:
        found["servicio_medico"], sources["servicio_medico"] = said, "phrase"
    elif (
        said is not None
        and found["servicio_medico"] is not said
        and _in_prose(sources, "servicio_medico")
        # after a BAJA, IMSS keeps medical service for a few weeks (conservación de
        # derechos): "baja" with and without service is no contradiction to settle
        and found.get("vigente") is not False
    ):
        doubts.append("servicio médico disagrees with the text")
    for match in _PHRASE_MOVEMENT.finditer(folded):
        moved = parse_spanish_date(folded[match.end() : match.end() + 40])
        if moved is None:
            continue
        if found.get("tipo_ultimo_movimiento") is None:
            found["tipo_ultimo_movimiento"] = match.group(1)
            sources["tipo_ultimo_movimiento"] = "phrase"
        if found.get("fecha_ultimo_movimiento") is None:
            found["fecha_ultimo_movimiento"], sources["fecha_ultimo_movimiento"] = moved, "phrase"
        break
    if found.get("fecha_ultimo_movimiento") is None:
        for match in _PHRASE_MOVEMENT_DATE.finditer(folded):
            moved = parse_spanish_date(folded[match.end() : match.end() + 40])
            if moved is not None:
                found["fecha_ultimo_movimiento"] = moved
                sources["fecha_ultimo_movimiento"] = "phrase"
                break
    if found.get("fecha_expedicion") is None:
        for match in _PHRASE_EMISSION.finditer(folded):
            reach = _EMISSION_REACH.get(match.group()[:11], 70)
            emitted = parse_spanish_date(folded[match.end() : match.end() + reach])
            if emitted is not None:
                found["fecha_expedicion"], sources["fecha_expedicion"] = emitted, "phrase"
                break


def _in_prose(sources: dict[str, str], field: str) -> bool:
    return sources.get(field, "").startswith("label:text")


def _strict_yes_no(value: str) -> bool | None:
    words = re.findall(r"[A-Z]+", fold(value))
    answers = {"SI": True, "NO": False, "S": True, "N": False}
    return answers.get(words[0]) if len(words) == 1 else None


def _sexo(value: str) -> str | None:
    words = re.findall(r"[A-Z]+", fold(value))
    word = words[0] if words else ""
    if word in ("MUJER", "FEMENINO", "M", "F"):
        return "M"
    if word in ("HOMBRE", "MASCULINO", "H"):
        return "H"
    return None


def validation_score(facts: ConstanciaFacts) -> int:
    """How much of a reading checks out: values that validate and agree, minus doubts.
    Two readings of one file are compared by this, not by how many fields are filled."""
    score = 0
    if nss_is_valid(facts.nss):
        score += 3
    if curp_is_valid(facts.curp):
        score += 3
        if facts.fecha_nacimiento and curp_birth_date(facts.curp or "") == facts.fecha_nacimiento:
            score += 1
    # a date read from a bare "Fecha" is a guess, and says nothing about the reading
    emitted = facts.fecha_expedicion is not None and facts.source("fecha_expedicion") != (
        "generic-date"
    )
    score += 2 * (emitted + (facts.vigente is not None))
    score += sum(v is not None for v in (facts.registro_patronal, facts.modalidad, facts.nombre))
    return score - 3 * len(facts.doubts)


# Kept for the property tests and the waiver/acuse parsers.
nss_in = vf.nss_in
curp_in = vf.curp_in
