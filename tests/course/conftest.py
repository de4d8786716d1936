"""Fixtures of the course tests: the shipped plans, patients enrolled in them, a recording
reminder channel. The databases (SQLite and PostgreSQL) come from tests/conftest.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan, load_plans
from bot.course.schedule import planned_occurrences
from bot.course.scheduler import PassReport, ReminderTask, SendReminder, run_pass
from bot.questionnaire.model import Questionnaire
from bot.settings import PROJECT_ROOT
from bot.storage.course_models import Enrolment
from bot.storage.enrolments import add_enrolment
from bot.storage.models import Patient

PLANS_DIR = PROJECT_ROOT / "dialogues" / "plans"
CPH = ZoneInfo("Europe/Copenhagen")


def local(*args: int) -> datetime:
    """A Copenhagen wall-clock time (aware)."""
    return datetime(*args, tzinfo=CPH)  # type: ignore[misc]


@pytest.fixture(scope="session")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(PLANS_DIR, questionnaires)


def new_patient(session: Session) -> Patient:
    patient = Patient(pseudonym=f"P-{uuid.uuid4().hex[:8].upper()}")
    session.add(patient)
    session.flush()
    return patient


def enrol(session: Session, plan: Plan, at: datetime, patient: Patient | None = None) -> Enrolment:
    patient = patient or new_patient(session)
    return add_enrolment(session, patient.id, plan.id, at, planned_occurrences(plan, at, CPH))


Enrol = Callable[..., Enrolment]


@pytest.fixture
def enrolled(session_factory: sessionmaker[Session], plans: dict[str, Plan]) -> Enrol:
    """``enrolled(at, plan_id="who5-14d", count=1)``: new patients enrolled at ``at``; the
    last enrolment is returned."""

    def make(at: datetime, plan_id: str = "who5-14d", count: int = 1) -> Enrolment:
        with session_factory() as session:
            for _ in range(count):
                enrolment = enrol(session, plans[plan_id], at)
            session.commit()
        return enrolment

    return make


@dataclass
class Channel:
    """The reminder channel of the tests: records what it was asked to send (the real ones,
    Telegram and the web chat, are wired in by the app)."""

    ok: bool = True
    sent: list[ReminderTask] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, task: ReminderTask) -> bool:
        with self.lock:
            self.sent.append(task)
        return self.ok


@pytest.fixture
def channel() -> Channel:
    return Channel()


def passes_at_once(
    factory: sessionmaker[Session],
    plans: dict[str, Plan],
    now: datetime,
    sender: SendReminder,
    times: int,
) -> list[PassReport]:
    """``times`` scheduler passes started at the same moment, each in a thread of its own."""
    start = threading.Barrier(times)
    reports: list[PassReport] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            start.wait()
            reports.append(run_pass(factory, plans, now, sender))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return reports
