"""Who has access, on the patient's own page ("Hvem har adgang", see bot/channels/mine_view.py):
each relative the patient (or the care team) invited, how the patient calls them, since when,
whether they may answer on the patient's behalf, and those whose access was taken away. Read
within the page's audited view."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.channels.mine_formats import DateFormats
from bot.storage.relatives import relative_status, relatives_of


@dataclass(frozen=True)
class AccessLine:
    relation: str
    since: str
    status: str
    may_answer: str
    active: bool


def relative_lines(session: Session, patient_id: int, formats: DateFormats) -> list[AccessLine]:
    """The patient's relatives, active ones first, each oldest invitation first."""
    texts = formats.texts
    lines = []
    for relative in relatives_of(session, patient_id):
        status = relative_status(relative)
        if status == "revoked" and relative.revoked_at is not None:
            said = texts._("Access removed on {date}", date=formats.date(relative.revoked_at))
        elif status == "consented":
            said = texts._("Has said yes to take part")
        elif status == "declined":
            said = texts._("Has said no thanks")
        else:
            said = texts._("Has not said yes yet")
        may_answer = (
            texts._("May answer questions for you")
            if relative.may_answer_for_patient and status != "revoked"
            else texts._("Only answers questions about themself")
        )
        lines.append(
            AccessLine(
                relation=relative.relation,
                since=texts._("Invited on {date}", date=formats.date(relative.invited_at)),
                status=said,
                may_answer=may_answer,
                active=status != "revoked",
            )
        )
    lines.sort(key=lambda line: not line.active)  # stable: the order of invitation kept
    return lines
