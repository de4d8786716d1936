"""Who may see which patient.

A coordinator sees the patients of their own team(s); an admin sees every patient. A patient
without a team (invited with ``bot invite`` on the command line) is seen by admins only, until
an admin puts them in a team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from bot.storage.console_models import ConsoleUser, PatientProfile
from bot.storage.models import Patient


class Forbidden(Exception):
    """The user may not see this (HTTP 403)."""


class NotFound(Exception):
    """No such thing (HTTP 404)."""


@dataclass(frozen=True)
class Staff:
    """A logged-in user, detached from the database session."""

    id: int
    email: str
    role: str
    team_ids: frozenset[int]
    locale: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @classmethod
    def of(cls, user: ConsoleUser) -> Staff:
        return cls(
            id=user.id,
            email=user.email,
            role=user.role,
            team_ids=frozenset(team.id for team in user.teams),
            locale=user.locale,
        )


def scope(staff: Staff) -> ColumnElement[bool] | None:
    """The condition on ``PatientProfile`` for the patients ``staff`` may see (None: all)."""
    if staff.is_admin:
        return None
    if not staff.team_ids:
        return false()
    return PatientProfile.team_id.in_(sorted(staff.team_ids))


def visible_patient_ids(staff: Staff) -> Select[Any]:
    """A subquery of the ids of the patients ``staff`` may see."""
    query = select(Patient.id).outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
    condition = scope(staff)
    return query if condition is None else query.where(condition)


def can_view(session: Session, staff: Staff, patient_id: int) -> bool:
    if staff.is_admin:
        return True
    team_id = session.scalar(
        select(PatientProfile.team_id).where(PatientProfile.patient_id == patient_id)
    )
    return team_id is not None and team_id in staff.team_ids


def patient_for(session: Session, staff: Staff, pseudonym: str) -> Patient:
    """The patient with this pseudonym if ``staff`` may see them; NotFound or Forbidden."""
    patient = session.scalar(select(Patient).where(Patient.pseudonym == pseudonym[:32]))
    if patient is None:
        raise NotFound(pseudonym)
    if not can_view(session, staff, patient.id):
        raise Forbidden(pseudonym)
    return patient


def profile_of(session: Session, patient_id: int) -> PatientProfile | None:
    return session.get(PatientProfile, patient_id)


def may_change_assignment(
    staff: Staff, profile: PatientProfile | None, team_id: int | None
) -> bool:
    """Admins may move anyone anywhere; a coordinator may assign within their own teams."""
    if staff.is_admin:
        return True
    current = profile.team_id if profile is not None else None
    return (
        current is not None
        and current in staff.team_ids
        and team_id is not None
        and team_id in staff.team_ids
    )
