"""The console's facts about a patient (team, responsible coordinator, the coarse facts for
statistics, withdrawal), and which patients the members of some teams may see.

A patient without a profile or without a team is seen only by those who see every patient;
patients invited without a team choice join the default team, so its coordinators see them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from bot.storage.console_models import PatientProfile, Team
from bot.storage.models import Patient
from bot.storage.staff import default_team, team_named


def profile_of(session: Session, patient_id: int) -> PatientProfile | None:
    return session.get(PatientProfile, patient_id)


def add_profile(session: Session, profile: PatientProfile) -> PatientProfile:
    session.add(profile)
    return profile


def profile_for_update(session: Session, patient_id: int, *, created_by: str) -> PatientProfile:
    """The patient's profile, made now if they have none yet (invited on the command line)."""
    profile = profile_of(session, patient_id)
    if profile is None:
        profile = add_profile(session, PatientProfile(patient_id=patient_id, created_by=created_by))
    return profile


def place_in_team(
    session: Session, patient_id: int, team_name: str | None, *, created_by: str
) -> Team:
    """Put the patient in the team of this name (made if new, like `bot user add --team`),
    or, without a name, in the default team."""
    team = team_named(session, team_name, create=True) if team_name else default_team(session)
    if team is None:
        raise ValueError("a team name must not be blank")
    profile_for_update(session, patient_id, created_by=created_by).team = team
    return team


def team_of(session: Session, patient_id: int) -> int | None:
    return session.scalar(
        select(PatientProfile.team_id).where(PatientProfile.patient_id == patient_id)
    )


def visible_patient_ids(team_ids: Collection[int] | None) -> Select[Any]:
    """A query of the ids of the patients in these teams (None: every patient)."""
    query = select(Patient.id).outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
    if team_ids is None:
        return query
    if not team_ids:
        return query.where(false())
    return query.where(PatientProfile.team_id.in_(sorted(team_ids)))


def visible_patients(session: Session, team_ids: Collection[int] | None) -> set[int]:
    return set(session.scalars(visible_patient_ids(team_ids)))


def patients_per_team(session: Session) -> dict[int, int]:
    return {
        team_id: count
        for team_id, count in session.execute(
            select(PatientProfile.team_id, func.count())
            .where(PatientProfile.team_id.is_not(None))
            .group_by(PatientProfile.team_id)
        ).tuples()
        if team_id is not None
    }


def site_of(session: Session, patient_id: int) -> str | None:
    """The site set on the patient's profile (its crisis contacts apply), if any."""
    return session.scalar(
        select(PatientProfile.site).where(PatientProfile.patient_id == patient_id)
    )
