"""Who may see which patient.

A coordinator sees the patients of their own team(s); an admin sees every patient. A patient
without a team (invited with ``bot invite`` on the command line) is seen by admins only, until
an admin puts them in a team.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.authentication import BaseUser

from bot.storage.console_models import ConsoleUser, PatientProfile
from bot.storage.models import Patient
from bot.storage.patient_profiles import team_of
from bot.storage.patients import patient_by_pseudonym


class Forbidden(Exception):
    """The user may not see this (HTTP 403)."""


class NotFound(Exception):
    """No such thing (HTTP 404)."""


@dataclass(frozen=True)
class Staff(BaseUser):
    """The logged-in user (``request.user``), detached from the database session."""

    id: int
    email: str
    role: str
    team_ids: frozenset[int]
    locale: str | None = None

    @classmethod
    def of(cls, user: ConsoleUser) -> Staff:
        return cls(
            id=user.id,
            email=user.email,
            role=user.role,
            team_ids=frozenset(team.id for team in user.teams),
            locale=user.locale,
        )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scopes(self) -> list[str]:
        """What ``@requires`` checks: "authenticated", and "admin" for admins."""
        return ["authenticated", "admin"] if self.is_admin else ["authenticated"]

    @property
    def visible_teams(self) -> frozenset[int] | None:
        """The teams whose patients this user sees (None: every patient)."""
        return None if self.is_admin else self.team_ids

    def may_see(self, team_id: int | None) -> bool:
        """May this user see a patient of this team (None: a patient without a team)?"""
        return self.is_admin or (team_id is not None and team_id in self.team_ids)

    # BaseUser
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.email

    @property
    def identity(self) -> str:
        return str(self.id)


def patient_for(session: Session, staff: Staff, pseudonym: str) -> Patient:
    """The patient with this pseudonym if ``staff`` may see them; NotFound or Forbidden."""
    patient = patient_by_pseudonym(session, pseudonym[:32])
    if patient is None:
        raise NotFound(pseudonym)
    if not staff.is_admin and not staff.may_see(team_of(session, patient.id)):
        raise Forbidden(pseudonym)
    return patient


def may_change_assignment(
    staff: Staff, profile: PatientProfile | None, team_id: int | None
) -> bool:
    """Admins may move anyone anywhere; a coordinator may assign within their own teams."""
    if staff.is_admin:
        return True
    current = profile.team_id if profile is not None else None
    return staff.may_see(current) and staff.may_see(team_id)
