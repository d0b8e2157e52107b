"""PAB-24 paso 12: corrective actions on salidas no conformes, and the follow-up on them.

A salida no conforme (an alta not done, a credential not delivered within the §8 plazo) is
computed by ``build_digest`` as an ``Overdue``; staff record what they did about it. The
follow-up the procedure asks for ("da seguimiento a las acciones correctivas o salidas no
conformes") is two lists: open salidas nobody has acted on, and those acted on whose fault
is still there (the alta still not done, the card still not handed over). An open
``Overdue`` is by construction a fault not yet fixed, so both lists are parts of it.

An action belongs to a salida of the same student and kind when it was recorded on or after
the day the salida started counting: one recorded earlier was about an earlier fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from daemon.domain.digest import Overdue, OverdueKind


@dataclass(frozen=True, slots=True)
class CorrectiveAction:
    """One record: what was done (Spanish, as staff wrote it), by whom, when (local)."""

    id: int
    matricula: str
    kind: OverdueKind
    action: str
    actor: str
    at: datetime  # in the school's time zone

    @property
    def recorded_on(self) -> date:
        return self.at.date()


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An open salida no conforme with the corrective actions recorded for it."""

    salida: Overdue
    actions: tuple[CorrectiveAction, ...]

    @property
    def latest(self) -> CorrectiveAction:
        return self.actions[-1]


@dataclass(frozen=True, slots=True)
class CorrectiveFollowUp:
    without_action: tuple[Overdue, ...]  # open, nobody recorded a corrective action
    unresolved: tuple[FollowUp, ...]  # acted on, but the alta / the delivery is still missing


def actions_for(
    kind: OverdueKind,
    matricula: str,
    since: date,
    actions: Iterable[CorrectiveAction],
    *,
    before: date | None = None,
) -> tuple[CorrectiveAction, ...]:
    """The actions about the salida of ``kind`` of this student that started ``since``,
    oldest first; ``before`` excludes those recorded from that day on (a later term's)."""
    return tuple(
        sorted(
            (
                a
                for a in actions
                if a.kind is kind
                and a.matricula == matricula
                and a.recorded_on >= since
                and (before is None or a.recorded_on < before)
            ),
            key=lambda a: (a.at, a.id),
        )
    )


def follow_up(
    overdue: Sequence[Overdue], actions: Sequence[CorrectiveAction]
) -> CorrectiveFollowUp:
    """Split the open salidas no conformes by whether a corrective action was recorded."""
    without: list[Overdue] = []
    unresolved: list[FollowUp] = []
    for salida in overdue:
        found = actions_for(salida.kind, salida.matricula, salida.since, actions)
        if found:
            unresolved.append(FollowUp(salida, found))
        else:
            without.append(salida)
    return CorrectiveFollowUp(tuple(without), tuple(unresolved))
