"""Tables of the coordinator console: staff users, teams, patient profiles, reviews.

They live beside the core tables (``models.py``) on the same declarative ``Base`` and are
created by their own migration branch (``0003_console``). No core table is changed: the
console's facts about a patient are in ``patient_profiles``, keyed by the patient id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, utcnow

ROLES: tuple[str, ...] = ("coordinator", "admin")
AGE_BANDS: tuple[str, ...] = ("18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+")
SEXES: tuple[str, ...] = ("female", "male", "other")


class ConsoleUser(Base):
    """A member of staff who logs in to the console (a coordinator or an admin)."""

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="coordinator")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))  # None: the deployment's default
    # Bumped at log-out and password change: every session cookie issued before is void.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    teams: Mapped[list[Team]] = relationship(
        secondary="console_team_members", back_populates="members", order_by="Team.name"
    )

    def end_sessions(self) -> None:
        """Void every session cookie issued to this user so far."""
        self.session_epoch += 1


class Team(Base):
    """A group of coordinators; a patient belongs to one team."""

    __tablename__ = "console_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[ConsoleUser]] = relationship(
        secondary="console_team_members", back_populates="teams", order_by="ConsoleUser.email"
    )


class TeamMember(Base):
    __tablename__ = "console_team_members"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("console_teams.id", ondelete="CASCADE"), primary_key=True
    )


class PatientProfile(Base):
    """The console's facts about a pseudonymous patient: team, responsible coordinator and
    the coarse facts used for statistics (age band, sex, site). Never a name or CPR number."""

    __tablename__ = "patient_profiles"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("console_teams.id"), index=True)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"))
    age_band: Mapped[str | None] = mapped_column(String(16))
    sex: Mapped[str | None] = mapped_column(String(16))
    site: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    team: Mapped[Team | None] = relationship()
    responsible: Mapped[ConsoleUser | None] = relationship()


class Review(Base):
    """A coordinator marked a patient's answers as reviewed, with an optional note."""

    __tablename__ = "console_reviews"
    __table_args__ = (Index("ix_console_reviews_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"))
    reviewed_by: Mapped[str] = mapped_column(String(254))  # the e-mail, kept if the user goes
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    """One failed log-in, for rate limiting per e-mail and IP address (shared by workers)."""

    __tablename__ = "console_login_attempts"
    __table_args__ = (Index("ix_console_login_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
