"""How IMSS documents write each value, as converters: text -> value, or ``None``.

A converter accepts only a well-formed value and says ``None`` otherwise, so the label
finder can try the next position. Values come with their descriptions ("32 - SEGURO
FACULTATIVO", "SEGURO FACULTATIVO (32)", "Vigente", "se encuentra VIGENTE en sus
derechos"), so converters search a value inside the text rather than demand it alone.
"""

from __future__ import annotations

import re

from daemon.documents.layout import clean, fold
from daemon.domain.identifiers import curp_is_valid, nss_is_valid

_CURP = re.compile(r"[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d")
_NSS = re.compile(r"(?<![\d-])\d(?:[ -]?\d){10}(?![\d])")
# the check digit may be set apart by a slash: "E310637032/6"
_REGISTRO_AT_START = re.compile(r"[A-Z0-9]\d{9}/?\d(?!\d)")
_REGISTRO_IN_TEXT = re.compile(r"(?<![A-Z0-9])[A-Z](?:[ -]?\d){9}[ /-]?\d(?![0-9])")
_RELATIONS = re.compile(
    r"(HIJ[OA]S?(?:\(A\))?|ESPOS[OA](?:\(A\))?|CONYUGE|CONCUBIN[OA](?:\(A\))?|PADRE|MADRE"
    r"|ASCENDIENTE|BENEFICIARI[OA]|DEPENDIENTE|PENSIONAD[OA])"
)


def nss_in(value: str) -> str | None:
    """The first 11-digit group (digits may be spaced or hyphenated); a valid one first."""
    found = [re.sub(r"\D", "", m.group()) for m in _NSS.finditer(value)]
    found = [digits for digits in found if len(digits) == 11]
    valid = [digits for digits in found if nss_is_valid(digits)]
    return (valid or found or [None])[0]


def all_valid_nss(text: str) -> set[str]:
    return {
        digits
        for digits in (re.sub(r"\D", "", m.group()) for m in _NSS.finditer(text))
        if len(digits) == 11 and nss_is_valid(digits)
    }


def curp_in(value: str) -> str | None:
    compact = re.sub(r"[\s-]", "", fold(value))
    found = _CURP.findall(compact)
    valid = [curp for curp in found if curp_is_valid(curp)]
    return (valid or found or [None])[0]


def all_valid_curps(text: str) -> set[str]:
    found = set()
    for line in fold(text).splitlines():
        compact = re.sub(r"[\s-]", "", line)
        found.update(c for c in _CURP.findall(compact) if curp_is_valid(c))
    return found


def registro(value: str) -> str | None:
    """A registro patronal: a letter (or digit) and ten digits, often spaced or hyphenated."""
    folded = fold(value)
    compact = re.sub(r"[\s-]", "", folded)
    match = _REGISTRO_AT_START.match(compact)
    if match:
        return match.group().replace("/", "")
    found = _REGISTRO_IN_TEXT.search(folded)
    return re.sub(r"[\s/-]", "", found.group()) if found else None


def registros_in(text: str) -> set[str]:
    return {re.sub(r"[\s/-]", "", m.group()) for m in _REGISTRO_IN_TEXT.finditer(fold(text))}


def modalidad(value: str) -> str | None:
    """The modalidad number: "32", "32 - SEGURO FACULTATIVO", "SEGURO FACULTATIVO (32)",
    "Modalidad 32 Seguro facultativo". A description that contradicts the number is doubt."""
    folded = fold(value)[:60]
    folded = re.sub(r"^\s*(?:MODALIDAD|MOD\.?)\s*", "", folded)
    number = re.search(r"(?<![\d/.-])(\d{1,2})(?![\d/:-]|\.\d)", folded)
    described = next((code for words, code in _DESCRIBED_MODALIDADES if words.search(folded)), None)
    if number:
        value_ = str(int(number.group(1)))
        if described and value_ != described:
            return None
        return value_
    # a description alone names the modalidad only as the whole value ("SEGURO FACULTATIVO"),
    # never as a word of a sentence about students that happens to follow the label
    return described if described and len(folded.split()) <= 6 else None


# The modalidades whose description alone names them, with or without their number.
_DESCRIBED_MODALIDADES = (
    (re.compile(r"\bFACULTATIVO\b|\bESTUDIANTES?\b"), "32"),
    (re.compile(r"\bSALUD PARA LA FAMILIA\b"), "33"),
)


_NOT_VIGENTE = re.compile(
    r"\b(?:BAJA|INACTIV[OA]S?|SUSPENDID[OA]S?|CANCELAD[OA]S?|VENCID[OA]S?|NO VIGENTES?"
    r"|SIN DERECHOS?(?! (?:AL?|DE|A LOS) (?:LA )?(?:SERVICIO|ATENCION|ASISTENCIA)))\b"
)
_VIGENTE = re.compile(r"\b(?:VIGENTES?|VIGENCIA|ACTIV[OA]S?|CON DERECHOS?)\b")
# A negation before the positive word turns it around: "sin derechos vigentes",
# "no cuenta con vigencia", "Vigente: NO".
_NEGATION = re.compile(r"\b(?:NO|SIN|NI|NINGUN[OA]?)\b")


def situacion(value: str) -> bool | None:
    """VIGENTE (True) or BAJA (False), from a value or a phrase. Said both ways, or with
    nothing that says it, is ``None``: a doubt is never read as coverage. A question
    ("VIGENTE (S/N)") is no answer; of ticked options, the marked one is."""
    unboxed = marked_words(value)
    if unboxed is None or re.search(r"\(\s*S[I]?\s*/\s*N[O]?\s*\)", fold(unboxed)):
        return None
    folded = fold(unboxed)
    negative = _NOT_VIGENTE.search(folded)
    positive = _VIGENTE.search(folded)
    if positive and (
        _NEGATION.search(folded[: positive.start()])
        or re.match(r"[\s:=-]*NO\b(?!\.)", folded[positive.end() :])
    ):
        negative, positive = negative or positive, None
    if not (negative or positive):
        return si_no(value) if re.fullmatch(r"\s*(?:SI|NO)\s*", folded) else None
    if negative and positive:
        return None
    if negative:
        return False
    if positive and positive.group() != "VIGENCIA":
        return True
    if positive and re.search(r"\bCON VIGENCIA\b", folded):
        return True
    return None


_MARKED = re.compile(r"[☒☑■✓✔✗✘]|\[\s*[XX✓✔]\s*\]|\(\s*[XX✓✔]\s*\)", re.IGNORECASE)
_UNMARKED = re.compile(r"[☐□]|\[\s*\]|\(\s*\)")


def has_box(folded: str) -> bool:
    """``folded`` holds a tick box, ticked or empty, or a lone mark ("☐ SÍ", "[X]", "✓")."""
    return bool(_MARKED.search(folded) or _UNMARKED.search(folded))


def _checked(folded: str) -> bool | None:
    """The ticked box of "☒ SÍ ☐ NO" / "SÍ [ ] NO [X]": the answer next to the mark."""
    if re.fullmatch(r"\s*[✓✔☑]\s*", folded):
        return True  # a lone tick
    if re.fullmatch(r"\s*[✗✘]\s*", folded):
        return False  # a lone cross
    text = _UNMARKED.sub(" ¤ ", _MARKED.sub(" § ", folded))
    boxes = list(re.finditer(r"[§¤]", text))
    if not boxes:
        return None
    option = _marked_option(text, boxes)
    if option is not _UNORDERED:
        return si_no(option) if option else None
    box = boxes[0]
    word = re.search(r"\b(?:SI|NO)\b", text)
    if word is None:
        return None
    # "Respuesta: ☒ SÍ ☐ NO": the boxes come before their options or after them
    before = box.start() < word.start()
    answers = set(re.findall(r"§\s*(SI|NO)\b" if before else r"\b(SI|NO)\s*§", text))
    if len(answers) == 1:
        return answers.pop() == "SI"
    return None


_UNORDERED = "¶"  # boxes with words before and after them: which words are whose is unknown


def _marked_option(text: str, boxes: list[re.Match[str]]) -> str | None:
    """The words of the one marked option, boxes being § (marked) and ¤ (empty) in
    ``text``: the boxes lead their options ("(X) CON DERECHO ( ) SIN DERECHO") or follow
    them ("VIGENTE [X] NO VIGENTE [ ]"). None: no single option marked."""
    lead, trail = text[: boxes[0].start()].strip(), text[boxes[-1].end() :].strip()
    if bool(lead) == bool(trail):
        return _UNORDERED
    ends = [b.start() for b in boxes[1:]] + [len(text)]
    starts = [0] + [b.end() for b in boxes[:-1]]
    options = [
        (box.group(), text[box.end() : ends[k]] if trail else text[starts[k] : box.start()])
        for k, box in enumerate(boxes)
    ]
    marked = [words.strip() for mark, words in options if mark == "§"]
    return marked[0] if len(marked) == 1 and marked[0] else None


def marked_words(value: str) -> str | None:
    """``value`` without its boxes: the marked option's words when it has boxes ("[ ] Vigente
    [X] Baja" -> "BAJA"; None when no single one is marked), else the value itself."""
    folded = fold(value)
    if not has_box(folded):
        return value
    text = _UNMARKED.sub(" ¤ ", _MARKED.sub(" § ", folded))
    option = _marked_option(text, list(re.finditer(r"[§¤]", text)))
    return None if option == _UNORDERED else option


def si_no(value: str) -> bool | None:
    """SI / NO, or the same said in words ("Sin derecho", "Con derecho"), or a ticked box.
    Boxes with no single answer ticked are no answer: never the first word of the options."""
    folded = fold(value)
    if has_box(folded):
        return _checked(folded)
    if re.fullmatch(r"\s*[SN]\s*", folded):
        return folded.strip() == "S"  # "Servicios médicos (S/N) | S"
    if re.match(r"\s*NO\.\s*\S", folded):
        return None  # "No. de folio": the abbreviation of número, not an answer
    words = re.findall(r"[A-Z]+", folded)[:4]
    word = words[0] if words else ""
    if word in ("SI", "NO"):
        return word == "SI"
    about = {
        "DERECHO",
        "DERECHOS",
        "SERVICIO",
        "SERVICIOS",
        "ATENCION",
        "ACCESO",
        "CON",
        "VIGENCIA",
        "COBERTURA",
    }
    if word in _DENIED:
        return False
    if word == "SIN" and len(words) > 1 and words[1] in about:
        return False
    if word in _GRANTED_STATE and not _NEGATED.search(" ".join(words[1:])):
        # "Vigente hasta 23/02/2027", "Vigentes", "Activo al 15/12/2026", "Vigente por
        # conservación de derechos hasta…"
        return True
    if word in _GRANTED:
        return True  # "No aplica" / "No procede" start with NO, above
    if word in ("CONSERVA", "MANTIENE") and not _NEGATED.search(" ".join(words[1:])):
        return True  # "Conserva derechos hasta 15/02/2027": the right kept after a baja
    if word in ("CON", "TIENE", "CUENTA") and len(words) > 1 and words[1] in about:
        return not ({"NO", "SIN"} & set(words[1:]))  # "Con derecho", "Tiene derecho"
    return None


# An answer given as a state or a verdict, in either gender and number.
_DENIED = {"NINGUNO", "NINGUNA", "NEGATIVO", "SUSPENDIDO", "SUSPENDIDA", "SUSPENDIDOS"}
_DENIED |= {"INACTIVO", "INACTIVA", "INACTIVOS", "IMPROCEDENTE", "CANCELADO", "CANCELADA"}
_GRANTED_STATE = {"VIGENTE", "VIGENTES", "ACTIVO", "ACTIVA", "ACTIVOS", "AFIRMATIVO"}
_GRANTED = {"APLICA", "PROCEDE", "PROCEDENTE", "OTORGADO", "OTORGADA", "OTORGADOS", "AMPARADO"}
_GRANTED |= {"AMPARADA", "HABILITADO", "HABILITADA", "AUTORIZADO", "AUTORIZADA", "CUBIERTO"}
_NEGATED = re.compile(r"\b(?:NO|SIN|BAJA|SUSPENDID[OA]S?|CONCLUID[OA]S?|TERMINAD[OA]S?)\b")


def name(value: str) -> str | None:
    """A person's name: letters only (spaces, dots, apostrophes), at least two words."""
    return _person_words(value, r"+")


def name_part(value: str) -> str | None:
    """One part of a name printed in fields of its own ("LÓPEZ", "MARÍA JOSÉ"): one word
    is enough."""
    return _person_words(value, r"*")


def _person_words(value: str, more: str) -> str | None:
    # a word with a digit in it ends the name, and is no part of it: "RUIZ DIRO081201…" is
    # the next column's CURP run into the name's run
    text = re.split(r"[,;:()]|\S*\d| CON | CURP| NSS| N\.S\.S", value, maxsplit=1)[0]
    text = clean(text)
    # "el (la) C. NOMBRE": the article and "C." are not the name; "DE LA ROSA" is one.
    text = re.sub(r"^(?:(?:EL|LA)\s+)?(?:\((?:EL|LA)\)\s*)?(?:C\.\s*)?", "", text, flags=re.I)
    if not text or not re.fullmatch(rf"[^\W\d_][^\W\d_ .'´-]*(?: [^\W\d_ .'´-]+\.?){more}", text):
        return None
    if set(fold(text).split()) & _NOT_IN_NAMES:
        return None  # the next label or a sentence in the name's place
    return text.upper()


# Words of labels and forms that are no one's name: "O SUJETO OBLIGADO", "DEL PROGRAMA
# EDUCATIVO…", "NÚMERO DE SEGURO SOCIAL" in a name's place mean "look elsewhere".
_NOT_IN_NAMES = frozenset(
    [
        "PROGRAMA",
        "EDUCATIVO",
        "CARRERA",
        "LICENCIATURA",
        "INGENIERIA",
        "MATRICULA",
        "ALUMNO",
        "ALUMNA",
        "ESTUDIANTE",
        "FIRMA",
        "NUMERO",
        "SEGURO",
        "SOCIAL",
        "SEGURIDAD",
        "CLAVE",
        "REGISTRO",
        "POBLACION",
        "PATRON",
        "PATRONAL",
        "RAZON",
        "SUJETO",
        "OBLIGADO",
        "DERECHOS",
        "VIGENCIA",
        "VIGENTE",
        "CONSTANCIA",
        "INSTITUTO",
        "MEXICANO",
        "NOMBRE",
        "ASEGURADO",
        "DERECHOHABIENTE",
        "BENEFICIARIO",
        "TITULAR",
        "AFILIACION",
        "MODALIDAD",
        "DELEGACION",
        "FECHA",
        "SEXO",
        "CURP",
        "NSS",
    ]
)


def text(value: str) -> str | None:
    found = clean(value)
    return found if found and any(ch.isalnum() for ch in found) else None


def place(value: str) -> str | None:
    """A delegación's name: "DF SUR", "Estado de México Oriente". Lowercase words are the
    rest of a sentence ("…a su Subdelegación con identificación oficial")."""
    found = clean(value)
    if not found or not found[0].isupper():
        return None
    # a place's name has no figures: "PUEBLA 298", "NUEVO LEÓN $ 436.35" end in the next
    # column's number (a clinic, an amount) read on the same line
    found = clean(_FIGURE_AFTER_PLACE.split(found, maxsplit=1)[0])
    return found or None


_FIGURE_AFTER_PLACE = re.compile(r"\s+(?=[$#]|[^\s]*\d)")


def organization(value: str) -> str | None:
    """An employer's name: two words at least, starting with a capital letter ("/ Institución"
    is the rest of a label, "Movimiento" the next header, "es un dato informativo…" the rest
    of a sentence). A registro printed before it in the same cell ("B2318476105 / UNIVERSIDAD
    …") is not part of the name."""
    found = clean(_CLAUSE_GOES_ON.split(value, maxsplit=1)[0])
    found = clean(_LEAD_IN.sub("", found, count=1))
    head = _REGISTRO_BEFORE_NAME.match(fold(found))
    if head:
        found = clean(found[head.end() :])
    if not found or not found[0].isalpha() or not found[0].isupper() or len(found.split()) < 2:
        return None
    if ":" in found or sum(ch.isdigit() for ch in found) > sum(ch.isalpha() for ch in found):
        return None  # "No. de registro patronal: U76…", "U76 72246 32 5": a label, a number
    return found


# "UNIV. TECNOLÓGICA…, registro patronal B23…, en la": a comma and a lower-case word are the
# sentence going on, while ", S.A. DE C.V." is still the name
_CLAUSE_GOES_ON = re.compile(r",\s+(?=[a-záéíóúñü])")
# "POR PARTE DE FUNDACIÓN…": the words that introduce a name are no part of it
_LEAD_IN = re.compile(r"^(?:POR PARTE DE(?:L| LA)?|A CARGO DE(?:L| LA)?)\s+(?=\S)", re.I)
_REGISTRO_BEFORE_NAME = re.compile(r"[A-Z0-9][\d -]{9,15}\d\s*[/|,–-]\s*(?=[A-Z])")


def umf(value: str) -> str | None:
    """The clinic number: "023", "UMF 23", "No. 23 (Coyoacán)"."""
    match = re.search(r"(?<!\d)(\d{1,4})(?!\d)", value[:40])
    return match.group(1) if match else None


def relation(value: str) -> str | None:
    """A worker's family member's relation (HIJO, ESPOSA...); anything else is not one."""
    folded = fold(clean(value))
    match = _RELATIONS.match(folded)
    return match.group() if match else None


_MOVEMENT = re.compile(
    r"(?<![A-Z])(?:ALTA|BAJA|REINGRESO|REINCORPORACION|MODIFICACION(?: DE SALARIO| SALARIAL)?"
    r"|MODIF\. (?:DE )?SALARIO)(?![A-Z])"
)


def movement(value: str) -> str | None:
    """The movement's word (ALTA, BAJA, REINGRESO, MODIFICACIÓN DE SALARIO), as printed.

    Only a movement IMSS records is accepted, so the next header or a stray word in the
    value's place ("FECHA", "DEL") means "look elsewhere" rather than a wrong movement."""
    head = clean(value)[:60]
    match = _MOVEMENT.search(fold(head))
    return head[match.start() : match.end()].upper() if match else None
