"""Decision reasons as staff read them: Spanish, in plain words.

Every decision stores its reasons as short English phrases with their parameters in
fixed places ("emitted 2026-11-02, 9 days before receipt, max 5"): they are the codes the
logs, ``afilia decisions`` and the tests speak. Staff never read those; the digest and the
review mails show them through ``in_spanish``, which recognises each phrase the intake
writes, parameters included, and says it in Spanish. A phrase it does not know is shown
as "detalle técnico: ..." rather than hidden, and a test walks every reason the classifier
produces on the fixture corpora so a new phrase cannot ship without its Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

_Render = Callable[[re.Match[str]], str]


def _d(text: str) -> str:
    """2026-11-02 -> 02/11/2026 (other text as it is)."""
    try:
        return f"{date.fromisoformat(text):%d/%m/%Y}"
    except ValueError:
        return text


def _days(count: str) -> str:
    return f"{count} día" if count == "1" else f"{count} días"


_TEXTS: tuple[tuple[str, str | _Render], ...] = (
    # documents
    (r"unsafe file: (?P<x>.+)", lambda m: f"archivo rechazado: {in_spanish(m['x'])}"),
    (r"zip inside a zip \(one level only\)", "un ZIP dentro de otro ZIP (se acepta un nivel)"),
    (r"empty zip", "el ZIP está vacío"),
    (r"corrupt zip \(.*\)", "el ZIP está dañado"),
    (
        r"zip has (?P<n>\d+) files, limit (?P<m>\d+)",
        r"el ZIP trae \g<n> archivos; el límite es \g<m>",
    ),
    (
        r"zip inflates to (?P<n>\d+) bytes, limit (?P<m>\d+)",
        r"el ZIP descomprimido pesa \g<n> bytes; el límite es \g<m>",
    ),
    (
        r"(?P<x>.+) compresses (?P<r>\d+):1, limit (?P<m>\d+):1",
        r"\g<x> se comprime \g<r>:1; el límite es \g<m>:1",
    ),
    (r"(?P<x>.+) inflates past the size limit", r"\g<x> descomprimido pasa el límite de tamaño"),
    (r"not a PDF or an image", "no es un PDF ni una imagen"),
    (
        r"memory limit reached while reading|over the \d+ MiB memory limit",
        "leerlo pasó el límite de memoria",
    ),
    (r"nesting too deep", "tiene una estructura anidada demasiado profunda"),
    (r"PDF without a text layer \(scan\)", "el PDF no tiene texto (es un escaneo)"),
    (r"image attachment", "es una imagen"),
    (r"OCR found no text", "el OCR no encontró texto"),
    (r"text, but not a document we know", "tiene texto, pero no es un documento que conozcamos"),
    (r"corrupt PDF \(.*\)", "el PDF está dañado"),
    (r"unreadable file \(.*\)", "el archivo no se puede leer"),
    (r"encrypted PDF \(needs a password\)", "el PDF está protegido con contraseña"),
    (r"PDF without pages", "el PDF no tiene páginas"),
    (
        r"PDF has (?P<n>\d+) pages, limit (?P<m>\d+)",
        r"el PDF tiene \g<n> páginas; el límite es \g<m>",
    ),
    (r"PDF with active content \((?P<x>.+)\)", r"el PDF trae contenido ejecutable (\g<x>)"),
    (r"PDF with JavaScript", "el PDF trae JavaScript"),
    (r"PDF with embedded files", "el PDF trae archivos incrustados"),
    (r"no text layer \(image or scan\)", "el PDF no tiene texto (es una imagen o un escaneo)"),
    (r"no text; OCR failed: (?P<x>.+)", r"el PDF no tiene texto y el OCR falló (\g<x>)"),
    (r"not a known document \((?P<x>.+)\)", r"no es un documento que conozcamos (\g<x>)"),
    (
        r"attachment is (?P<n>\d+) bytes, limit (?P<m>\d+)",
        r"el adjunto pesa \g<n> bytes; el límite es \g<m>",
    ),
    (
        r"incremental update after the first %%EOF",
        "el PDF tiene cambios añadidos después de generarse",
    ),
    (r"written by a PDF editor \((?P<x>.+)\)", r"fue guardado con un editor de PDF (\g<x>)"),
    (
        r"modified (?P<m>[\d-]+) (?P<h>[\d:]+), after its creation (?P<c>[\d-]+)",
        lambda m: f"modificado el {_d(m['m'])} a las {m['h']}, después de creado el {_d(m['c'])}",
    ),
    (r"cadena original disagrees: (?P<x>.+)", r"la cadena original no coincide en: \g<x>"),
    (r"the text says both VIGENTE and BAJA", "el texto dice VIGENTE y también BAJA"),
    (r"Situación disagrees with the text", "la situación no coincide con el texto"),
    (r"servicio médico disagrees with the text", "el servicio médico no coincide con el texto"),
    # identity and roster
    (
        r"roster status (?P<s>.+): not enrolled this term",
        r"estatus \g<s> en el padrón: no está inscrito este periodo",
    ),
    (r"CURP missing or its check digit fails", "falta la CURP o su dígito verificador no cuadra"),
    (r"NSS missing or its check digit fails", "falta el NSS o su dígito verificador no cuadra"),
    (
        r"birth date on the document disagrees with the CURP",
        "la fecha de nacimiento del documento no coincide con la CURP",
    ),
    (
        r"sex on the document disagrees with the CURP",
        "el sexo del documento no coincide con la CURP",
    ),
    (
        r"neither the sender nor the CURP is on the roster",
        "ni el remitente ni la CURP del documento están en el padrón",
    ),
    (
        r"document (names a student who is not|belongs to another student than) the sender",
        "el documento es de otro alumno, no del remitente",
    ),
    (r"sender is not on the roster", "el remitente no está en el padrón"),
    # the constancia's date
    (r"no emission date found", "no se encontró la fecha de expedición"),
    (
        r"emitted (?P<e>[\d-]+), after it was received \((?P<r>[\d-]+)\)",
        lambda m: f"expedida el {_d(m['e'])}, después de recibirse ({_d(m['r'])})",
    ),
    (
        r"emitted (?P<e>[\d-]+)\? \((?P<n>-?\d+) days\) read from (?P<s>.+)",
        lambda m: f"¿expedida el {_d(m['e'])}? ({_days(m['n'])}); leída de {m['s']}",
    ),
    (
        r"emitted (?P<e>[\d-]+), (?P<n>-?\d+) days before receipt, max (?P<x>\d+)",
        lambda m: (
            f"expedida el {_d(m['e'])}, {_days(m['n'])} antes de recibirse (máximo {_days(m['x'])})"
        ),
    ),
    # coverage
    (r"Situación BAJA", "situación BAJA: no está afiliado"),
    (r"servicio médico NO", "sin derecho a servicio médico"),
    (r"Situación not found", "no se encontró la situación (vigente o baja)"),
    (
        r"vigente with last movement BAJA \(conservación de derechos\?\)",
        "vigente, pero su último movimiento es una baja (¿conservación de derechos?)",
    ),
    (
        r"vigente, our registro (?P<r>\S+), modalidad (?P<m>.+)",
        r"vigente con nuestro registro patronal \g<r>, modalidad \g<m>",
    ),
    (
        r"vigente(?: elsewhere)?, servicio médico not read",
        "vigente; no se leyó si tiene servicio médico",
    ),
    (r"vigente, registro patronal not found", "vigente; no se encontró el registro patronal"),
    (r"vigente, modalidad not found", "vigente; no se encontró la modalidad"),
    (
        r"registro (?P<r>\S+) is within 2 characters of ours",
        r"el registro patronal \g<r> difiere del nuestro en uno o dos caracteres",
    ),
    (
        r"registro (?P<r>\S+) is not ours, employer (?P<p>.+)",
        r"el registro patronal \g<r> no es el nuestro (patrón: \g<p>)",
    ),
    (
        r"vigente, modalidad 32, registro (?P<r>\S+) is another institution's",
        r"vigente en modalidad 32 con el registro patronal \g<r>, de otra institución",
    ),
    (
        r"covered as a worker's family member \((?P<p>.*)\)",
        r"cubierto como familiar de un trabajador (\g<p>)",
    ),
    (
        r"covered through employment \(modalidad (?P<m>.*)\)",
        r"cubierto por un trabajo (modalidad \g<m>)",
    ),
    (r"policy: accept", "regla del perfil: se acepta como cubierto"),
    (r"policy: ask", "regla del perfil: el personal confirma con el alumno"),
    # waivers and acuses
    (r"waiver CURP fails its check digit", "la CURP de la carta no pasa su dígito verificador"),
    (
        r"waiver lacks (?P<x>[^;]+); no place for (?P<y>.+) was found",
        r"a la carta le falta: \g<x>; no se encontró dónde va: \g<y>",
    ),
    (r"waiver lacks: (?P<x>.+)", r"a la carta le falta: \g<x>"),
    (r"complete FOR-24-01 waiver", "carta renuncia completa"),
    (r"IMSS NSS assignment acuse", "acuse de asignación del NSS del IMSS"),
    (
        r"this school asks for a constancia: the student must download it",
        "esta escuela pide la constancia: el alumno debe descargarla con su NSS",
    ),
    (
        r"IMSS could not assign an NSS online: Acudir a la Subdelegación",
        "el IMSS no asignó el NSS en línea («Acudir a la Subdelegación»)",
    ),
    # the mail itself
    (r"mail from a staff address", "correo del personal"),
    (
        r"forged sender: dmarc=fail in our server's Authentication-Results",
        "remitente falsificado: nuestro servidor marcó DMARC como fallido",
    ),
    (
        r"sender address could not be read safely \((?P<x>.+)\)",
        r"no se pudo leer con seguridad la dirección del remitente (\g<x>)",
    ),
    (r"not a mail: no header could be read", "no es un correo: no se pudo leer ningún encabezado"),
    (r"no sender address in From", "el correo no trae dirección de remitente"),
    (
        r"mail could not be read within limits: (?P<x>.+)",
        r"el correo no se pudo leer dentro de los límites (\g<x>)",
    ),
    (r"(?P<x>\w+) from an unknown sender", r"solicitud de alguien que no está en el padrón"),
    (r"subject keyword of the profile", "palabra clave en el asunto"),
    (r"executable attachment (?P<x>.+)", r"adjunto ejecutable \g<x>"),
    (r"zip attachment (?P<x>.+) \(zip_policy\)", r"adjunto ZIP \g<x> (no se aceptan ZIP)"),
    (r"no usable document attached", "no trae un documento que se pueda usar"),
    (r"same document already processed", "el mismo documento ya se había recibido"),
)
_COMPILED = tuple((re.compile(pattern), render) for pattern, render in _TEXTS)
UNKNOWN_PREFIX = "detalle técnico: "


def in_spanish(reason: object) -> str:
    """One stored reason as staff read it (already-Spanish reasons pass unchanged)."""
    text = str(reason).strip()
    for pattern, render in _COMPILED:
        found = pattern.fullmatch(text)
        if found is not None:
            return render(found) if callable(render) else found.expand(render)
    if _looks_spanish(text):
        return text
    return UNKNOWN_PREFIX + text


def reasons_in_spanish(reasons: Iterable[object]) -> list[str]:
    return [in_spanish(r) for r in reasons]


_SPANISH_WORDS = re.compile(
    r"\b(no|se|la|el|los|las|del|de|que|con|su|sus|es|está|están|un|una|falta|fecha)\b",
    re.IGNORECASE,
)
_ENGLISH_WORDS = re.compile(r"\b(the|is|not|and|of|with|after|before|from|was)\b", re.I)


def _looks_spanish(text: str) -> bool:
    """The needs_review motivo and the reasons written for staff are Spanish already."""
    return len(_SPANISH_WORDS.findall(text)) > len(_ENGLISH_WORDS.findall(text))
