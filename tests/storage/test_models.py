"""The models: datetimes are stored and read back as aware UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.db import session_scope
from bot.storage.models import Patient
from bot.storage.patients import create_patient

from .conftest import assert_utc


def test_datetimes_come_back_aware_utc(session_factory: sessionmaker[Session]) -> None:
    copenhagen_summer = timezone(timedelta(hours=2))
    moment = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=copenhagen_summer)
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        patient.consent_at = moment
        patient_id = patient.id
    with session_scope(session_factory) as session:
        stored = session.get(Patient, patient_id)
        assert stored is not None
        assert_utc(stored.consent_at)
        assert_utc(stored.created_at)
        assert stored.consent_at == moment
        assert stored.consent_at.hour == 12  # 14:30 at +02:00 is 12:30 UTC
        assert stored.consent_at.microsecond == 123456

    with (
        pytest.raises(StatementError, match="naive datetime"),
        session_scope(session_factory) as session,
    ):
        patient = create_patient(session)
        patient.consent_at = datetime(2025, 1, 1, 12, 0)  # naive: the point of the test
        session.flush()
