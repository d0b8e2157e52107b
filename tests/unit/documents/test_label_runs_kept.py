"""The labels found in a run's text are kept between documents (every constancia of one
producer repeats the same label runs, issue 11): what is kept is only the text's labels,
never where they were, so a document reads the same whatever was read before it."""

from __future__ import annotations

from daemon.documents.constancia import parse_constancia
from daemon.documents.labels import Vocabulary
from daemon.documents.layout import Line
from tests.unit.documents.conftest import TITLE, page_of


def _page(x: float, name: str) -> tuple[Line, ...]:
    return page_of(TITLE, ("Nombre del asegurado:", x, 120), (name, x + 130, 120))


def test_a_label_run_seen_before_is_placed_where_this_page_prints_it() -> None:
    first = parse_constancia(_page(40, "ANA MARÍA GÓMEZ NÚÑEZ"))
    second = parse_constancia(_page(300, "LUIS PÉREZ SOTO"))
    assert (first.nombre, second.nombre) == ("ANA MARÍA GÓMEZ NÚÑEZ", "LUIS PÉREZ SOTO")


def test_a_page_reads_the_same_cold_and_with_label_runs_kept() -> None:
    page = page_of(
        TITLE,
        ("NOMBRE(S) Y APELLIDOS", 52, 118), ("CURP", 219, 118), ("SITUACIÓN", 385, 118),
        ("JOSUÉ VILLANUEVA ESTRADA", 52, 132), ("VIEJ030108HJCLSS08", 219, 132),
        ("VIGENTE", 385, 132),
    )  # fmt: skip
    Vocabulary.forget_label_runs()
    cold = parse_constancia(page)
    warm = parse_constancia(page)
    assert cold == warm
    assert cold.vigente is True
    assert cold.nombre == "JOSUÉ VILLANUEVA ESTRADA"
