"""People of the held-out corpus: the roster of students and outsiders (parents, strangers).

Names carry accents and Ñ and compound surnames, because real rosters do.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench.heldout.ids import make_curp, make_nss, strip_accents

GIVEN_F = [
    "ANA MARÍA",
    "MARÍA FERNANDA",
    "SOFÍA",
    "XIMENA",
    "MÓNICA",
    "VERÓNICA",
    "INÉS",
    "ZOÉ",
    "BRENDA",
    "GUADALUPE",
    "ITZEL",
    "DANIELA",
    "MARÍA JOSÉ",
    "LUCÍA",
    "NOEMÍ",
    "RUTH",
    "ARACELI",
    "BEATRIZ",
    "YARELI",
    "FÁTIMA",
    "ANDREA",
    "MA. DE LOURDES",
    "CITLALI",
    "RENATA",
]
GIVEN_M = [
    "JOSÉ LUIS",
    "JESÚS",
    "RAÚL",
    "NOÉ",
    "IVÁN",
    "RUBÉN",
    "VÍCTOR HUGO",
    "ÁNGEL",
    "JOAQUÍN",
    "MARTÍN",
    "ANDRÉS",
    "LUIS ÁNGEL",
    "EFRAÍN",
    "JUAN PABLO",
    "OMAR",
    "DIEGO",
    "SEBASTIÁN",
    "JOSÉ MARÍA",
    "HÉCTOR",
    "ULISES",
    "ÓSCAR",
    "TOMÁS",
    "EMILIANO",
    "ISAÍ",
]
SURNAMES = [
    "GÓMEZ",
    "NÚÑEZ",
    "PEÑA",
    "MUÑOZ",
    "IBÁÑEZ",
    "HERNÁNDEZ",
    "MARTÍNEZ",
    "LÓPEZ",
    "GONZÁLEZ",
    "PÉREZ",
    "SÁNCHEZ",
    "RAMÍREZ",
    "CRUZ",
    "ORDÓÑEZ",
    "CASTAÑEDA",
    "ZÚÑIGA",
    "BRISEÑO",
    "YÁÑEZ",
    "VILLASEÑOR",
    "DE LA CRUZ",
    "DEL ÁNGEL",
    "OLVERA",
    "ACUÑA",
    "BÁEZ",
    "RÍOS",
    "QUIÑONES",
    "ESPAÑA",
    "MONTAÑO",
    "TREVIÑO",
    "SALDAÑA",
    "ÁVILA",
    "JUÁREZ",
    "VÁZQUEZ",
    "DE LOS SANTOS",
    "ORTÍZ",
    "CÁRDENAS",
    "ÁLVAREZ",
    "MÉNDEZ",
    "GUTIÉRREZ",
    "ROSAS",
]

DOMAIN = "alumnos.ute.example.edu.mx"


@dataclass
class Person:
    """Somebody whose identifiers appear on documents."""

    nombres: str
    paterno: str
    materno: str
    sex: str  # "H" / "M" as the CURP writes it
    birth: dt.date
    state: str
    curp: str
    nss: str

    def full_name(self, surname_first: bool = False) -> str:
        """The name in the order a document prints it."""
        if surname_first:
            return f"{self.paterno} {self.materno} {self.nombres}".strip()
        return f"{self.nombres} {self.paterno} {self.materno}".strip()


@dataclass
class Student(Person):
    """A rostered student."""

    matricula: str = ""
    email: str = ""
    status: str = "ACTIVO"
    programa: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def roster_entry(self) -> dict[str, str]:
        """The manifest's students[] row."""
        return {
            "matricula": self.matricula,
            "curp": self.curp,
            "nombres": self.nombres,
            "apellido_paterno": self.paterno,
            "apellido_materno": self.materno,
            "email_institucional": self.email,
            "status": self.status,
        }


PROGRAMAS = [
    "Ingeniería en Tecnologías de la Información",
    "TSU en Desarrollo de Software Multiplataforma",
    "Licenciatura en Gestión de Negocios y Proyectos",
    "Ingeniería en Mecatrónica",
    "TSU en Energías Renovables",
    "Licenciatura en Gastronomía",
    "Ingeniería Industrial",
    "TSU en Mantenimiento Área Industrial",
]

STATES_COMMON = ["DF", "MC", "JC", "PL", "GT", "NL", "VZ", "HG", "QT", "MN", "OC", "YN"]


class PersonFactory:
    """Makes unique, valid people from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.curps: set[str] = set()
        self.nss: set[str] = set()
        self.names: set[str] = set()

    def person(self, born_from: int = 2001, born_to: int = 2007, sex: str | None = None) -> Person:
        """A new person with a CURP and NSS nobody else in the corpus has."""
        rng = self.rng
        while True:
            sx = sex or rng.choice("HM")
            nombres = rng.choice(GIVEN_M if sx == "H" else GIVEN_F)
            paterno, materno = rng.sample(SURNAMES, 2)
            if rng.random() < 0.04:
                materno = ""
            key = f"{nombres}|{paterno}|{materno}"
            if key in self.names:
                continue
            birth = dt.date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
            state = rng.choice(STATES_COMMON)
            curp = make_curp(paterno, materno, nombres, birth, sx, state, rng)
            nss = make_nss(birth.year, rng)
            if curp in self.curps or nss in self.nss:
                continue
            self.curps.add(curp)
            self.nss.add(nss)
            self.names.add(key)
            return Person(nombres, paterno, materno, sx, birth, state, curp, nss)


def make_roster(rng: random.Random, factory: PersonFactory, size: int) -> list[Student]:
    """The school's roster: mostly ACTIVO, one ESTADÍA, a few BAJA."""
    students: list[Student] = []
    emails: set[str] = set()
    statuses = ["BAJA DEFINITIVA", "BAJA DEFINITIVA", "BAJA TEMPORAL", "ESTADÍA"]
    for i in range(size):
        p = factory.person()
        first = strip_accents(p.nombres.split()[0].rstrip(".")).lower()
        last = strip_accents(p.paterno.replace(" ", "")).lower()
        email = f"{first}.{last}@{DOMAIN}"
        n = 2
        while email in emails:
            email = f"{first}.{last}{n}@{DOMAIN}"
            n += 1
        emails.add(email)
        status = statuses[i - 3] if 3 <= i < 3 + len(statuses) else "ACTIVO"
        students.append(
            Student(
                **p.__dict__,
                matricula=f"UTE{rng.choice([2023, 2024, 2025])}{i * 7 + 101:04d}",
                email=email,
                status=status,
                programa=rng.choice(PROGRAMAS),
            )
        )
    return students


UNKNOWN_MAIL = ["gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "icloud.com"]


def stranger_email(p: Person, rng: random.Random) -> str:
    """A personal address of somebody not on the roster."""
    first = strip_accents(p.nombres.split()[0].rstrip(".")).lower()
    last = strip_accents(p.paterno.replace(" ", "")).lower()[:5]
    return f"{first}{last}{rng.randint(1, 99)}@{rng.choice(UNKNOWN_MAIL)}"
