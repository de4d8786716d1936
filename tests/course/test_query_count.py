"""A scheduler pass makes a constant number of queries: not more for 1,000 enrolled patients
than for 10, and not more for patients with many answers; only the recording of each reminder
actually sent adds one statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.course.scheduler import PassReport, run_pass
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.enrolments import mark_answered
from bot.storage.models import Answer, Conversation, Response, new_id
from tests.course.conftest import Channel, enrol, local

DAY = timedelta(days=1)
ANSWERS_PER_RESPONSE = 5


@dataclass
class Counted:
    report: PassReport
    statements: int


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def counted_pass(
    engine: Engine, factory: sessionmaker[Session], plans: dict[str, Plan], now: datetime
) -> Counted:
    with counting(engine) as statements:
        report = run_pass(factory, plans, now, Channel())
    return Counted(report, len(statements))


def cohort(factory: sessionmaker[Session], plans: dict[str, Plan], patients: int,
           start: datetime) -> tuple[Counted, Counted, Counted]:  # fmt: skip
    """``patients`` enrolled at ``start``; half answer their first WHO-5 (with answers
    stored). The passes: opening, the first reminder of the other half, the day they are
    overdue. The cohort's courses are ended afterwards."""
    engine = factory.kw["bind"]
    with factory() as session:
        enrolments = [enrol(session, plans["who5-14d"], start) for _ in range(patients)]
        session.commit()
    opening = counted_pass(engine, factory, plans, start + timedelta(minutes=5))
    with factory() as session:
        _answer_first(session, enrolments[: patients // 2], start + DAY)
        session.commit()
    reminding = counted_pass(engine, factory, plans, start + 2 * DAY)
    overdue = counted_pass(engine, factory, plans, start + 7 * DAY)
    with factory() as session:
        session.execute(
            update(Enrolment)
            .where(Enrolment.id.in_([e.id for e in enrolments]))
            .values(ended_at=start + 8 * DAY, end_reason="stopped")
        )
        session.commit()
    return opening, reminding, overdue


def _answer_first(session: Session, enrolments: list[Enrolment], at: datetime) -> None:
    """Each enrolment's first WHO-5 answered, with its answers stored."""
    occurrences = session.execute(
        select(Occurrence.id, Enrolment.patient_id)
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .where(Occurrence.enrolment_id.in_([e.id for e in enrolments]), Occurrence.sequence == 1)
    ).all()
    conversations = [{"id": new_id(), "patient_id": patient_id, "questionnaire_id": "who5"}
                     for _, patient_id in occurrences]  # fmt: skip
    session.execute(insert(Conversation), conversations)
    responses = [{"id": new_id(), "conversation_id": c["id"], "patient_id": c["patient_id"],
                  "questionnaire_id": "who5", "questionnaire_version": "1.0.0",
                  "status": "completed", "completed_at": at} for c in conversations]  # fmt: skip
    session.execute(insert(Response), responses)
    session.execute(insert(Answer), [
        {"response_id": r["id"], "link_id": f"who5-{i}", "item_type": "choice", "code": "3",
         "input_kind": "button", "literacy_level": "standard", "wording_shown": "…"}
        for r in responses for i in range(1, ANSWERS_PER_RESPONSE + 1)
    ])  # fmt: skip
    for (occurrence_id, _), response in zip(occurrences, responses, strict=True):
        assert mark_answered(session, occurrence_id, response["id"], at)


def test_the_queries_of_a_pass_do_not_grow_with_patients_or_answers(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], database_url: str
) -> None:
    small = cohort(session_factory, plans, 10, local(2026, 1, 5, 10, 0))
    large = cohort(session_factory, plans, 1000, local(2026, 3, 2, 10, 0))

    opening_small, reminding_small, overdue_small = small
    opening_large, reminding_large, overdue_large = large
    assert (opening_small.report.opened, opening_large.report.opened) == (10, 1000)
    assert opening_large.statements == opening_small.statements
    # Reminders go to those who have not answered: 5 and 500; each is recorded by itself.
    assert (reminding_small.report.reminders_sent, reminding_large.report.reminders_sent) == (
        5, 500
    )  # fmt: skip
    assert reminding_large.statements - 500 == reminding_small.statements - 5
    # On day 7 they are overdue, and get the second reminder (day 5).
    assert (overdue_small.report.overdue, overdue_large.report.overdue) == (5, 500)
    assert overdue_large.statements - 500 == overdue_small.statements - 5
    print(f"\n{database_url.split(':')[0]}: statements per pass for 1,000 enrolled patients: "
          f"opening {opening_large.statements}, reminders {reminding_large.statements} "
          f"({reminding_large.statements - 500} + 500 sent), overdue "
          f"{overdue_large.statements} ({overdue_large.statements - 500} + 500 sent)")  # fmt: skip
