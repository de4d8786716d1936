"""Who answered, on the console's patient page: a relative's conversations are marked with the
patient's word for them ("Svaret af pårørende (min datter)"), and the scores a relative gave
on the patient's behalf are shown apart from the patient's own (never in "Scores over time",
never in the population view's figures: self-report always wins)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.console.scores import ScoreSummary
from bot.storage.models import Conversation
from bot.storage.proxy_conversations import is_proxy, relatives_by_id

if TYPE_CHECKING:
    from bot.console.patient_view import ConversationView


@dataclass(frozen=True)
class Respondent:
    """A relative who answered in a conversation."""

    relation: str
    # On the patient's behalf (True), or the relatives' own questionnaire (False).
    on_behalf: bool
    active: bool


def respondents(session: Session, conversations: Sequence[Conversation]) -> dict[str, Respondent]:
    """Conversation id -> the relative who answered in it (the patient's own are left out)."""
    relatives = relatives_by_id(session, [c.relative_id for c in conversations])
    found: dict[str, Respondent] = {}
    for conversation in conversations:
        relative = relatives.get(conversation.relative_id or 0)
        if relative is not None:
            found[conversation.id] = Respondent(
                relation=relative.relation,
                on_behalf=is_proxy(conversation),
                active=relative.revoked_at is None,
            )
    return found


@dataclass(frozen=True)
class ProxyScore:
    """One score of a response a relative gave on the patient's behalf."""

    at: datetime
    questionnaire_title: str
    score: ScoreSummary
    relation: str
    completed: bool


def proxy_scores(conversations: Iterable[ConversationView]) -> list[ProxyScore]:
    """The scores relatives gave on the patient's behalf, oldest first."""
    found = [
        ProxyScore(
            at=response.completed_at or conversation.started_at,
            questionnaire_title=response.title,
            score=summary,
            relation=conversation.respondent.relation,
            completed=response.status == "completed",
        )
        for conversation in conversations
        if conversation.respondent is not None and conversation.respondent.on_behalf
        for response in conversation.responses
        for summary in response.scores
    ]
    return sorted(found, key=lambda p: p.at)
