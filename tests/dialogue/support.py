"""What the dialogue tests share: the questionnaires' texts and small helpers."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.settings import PROJECT_ROOT
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent

QUESTIONNAIRE_DIR = PROJECT_ROOT / "dialogues" / "questionnaires"


def yaml_items(name: str) -> dict[str, str]:
    data = yaml.safe_load((QUESTIONNAIRE_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    return {item["linkId"]: item["text"] for item in data["items"] if item["type"] != "display"}


WHO5_TEXT = yaml_items("who5")
WHO5_IDS = [f"who5-{n}" for n in range(1, 6)]
PHQ9_STEM = yaml.safe_load(Path(QUESTIONNAIRE_DIR / "phq9.yml").read_text("utf-8"))["stem"]


def start_step(service: Dialogue, active: bool = False) -> partial:
    return partial(service.start, questionnaire_active=active)


def audit_actions(session_factory: sessionmaker[Session], patient_id: int) -> list[str]:
    with session_scope(session_factory) as session:
        return list(session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == patient_id)
            .order_by(AuditEvent.id)
        ))


