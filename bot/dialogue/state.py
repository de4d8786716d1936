"""The turn's state, loaded once: who the patient is, where they are, what they have seen.

The dialogue never trusts the engine's memory: progress comes from the stored answers and
from what the transcript shows was sent (kept on the conversation row, see
`transcripts.presented_after`), so a restart of any process resumes at the first unanswered
item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.dialogue.awaiting import Awaiting, awaiting_of
from bot.dialogue.context import SCREENING_ID, DialogueContext
from bot.dialogue.pending import Pending, pending_from
from bot.questionnaire.flow import next_item
from bot.questionnaire.model import AnswerValue, Item, Questionnaire
from bot.settings import CrisisContacts
from bot.storage.conversations import get_conversation
from bot.storage.models import Conversation, Message, Patient, Response
from bot.storage.patient_profiles import site_of
from bot.storage.relative_models import Relative
from bot.storage.responses import answers_from_rows, current_answers, find_response, open_response
from bot.storage.transcripts import last_inbound


class UnknownConversation(LookupError):
    pass


@dataclass
class TurnState:
    session: Session
    conversation: Conversation
    questionnaire: Questionnaire  # the active one: the opening screen first, then the invited
    response: Response | None  # None until the patient is asked or answers something
    answers: dict[str, AnswerValue]
    current: Item | None  # the item to ask or being answered; None when all are answered
    # The awaited reply this message answers, kept for its step after `awaiting` is cleared
    # (set by Dialogue._awaited): e.g. the typed words held while "Ja/Nej" is asked.
    replying_to: Awaiting | None = None
    _last_inbound: Message | None = field(default=None, repr=False)
    _contacts: CrisisContacts | None = field(default=None, repr=False)

    @property
    def patient(self) -> Patient:
        return self.conversation.patient

    @property
    def relative(self) -> Relative | None:
        """The relative whose own conversation this is; None: the patient's."""
        relative_id = self.conversation.relative_id
        return self.session.get(Relative, relative_id) if relative_id is not None else None

    @property
    def respondent(self) -> Patient | Relative:
        """Who writes in this conversation: their consent and literacy level rule it (a
        relative's own, never the patient's)."""
        return self.relative or self.patient

    @property
    def consented(self) -> bool:
        return self.respondent.consent == "given"

    @property
    def level(self) -> str:
        return self.respondent.literacy_level

    @property
    def reads_aloud(self) -> bool:
        """Read-aloud is the patient's setting; a relative's conversation is text only."""
        return self.relative is None and self.patient.read_aloud

    @property
    def shown(self) -> set[str]:
        """Markers of what was sent: item link_ids, message kinds, "kind:questionnaire"."""
        return set((self.conversation.presented or {}).get("markers", []))

    @property
    def presented_link_id(self) -> str | None:
        """The item of the last question the patient was actually sent."""
        return (self.conversation.presented or {}).get("last_link_id")

    @property
    def last_kind(self) -> str | None:
        """The kind of the newest bot message (e.g. "consent")."""
        return (self.conversation.presented or {}).get("last_kind")

    @property
    def pending(self) -> Pending | None:
        """A typed answer awaiting "Passer det?", or a choice offered, for the current item."""
        pending = pending_from(self.conversation.pending)
        if pending is None or self.current is None or pending.link_id != self.current.link_id:
            return None
        return pending

    @property
    def awaiting(self) -> Awaiting | None:
        """A reply the bot waits for that is not an answer to the current item."""
        return awaiting_of(self.conversation)

    @property
    def mid_questionnaire(self) -> bool:
        """Consented, active, and an item left to ask."""
        return self.consented and self.conversation.status == "active" and self.current is not None

    @property
    def channel(self) -> str | None:
        """Where the patient last wrote from ("web", "telegram"): a channel fact the dialogue
        only reads for wording, never to decide what is stored."""
        return self._last_inbound.channel if self._last_inbound is not None else None

    @property
    def answering_link_id(self) -> str | None:
        """The item the patient's page showed last when they typed the newest message (the
        web page sends it with typed text; None when the channel does not know it)."""
        return self._last_inbound.link_id if self._last_inbound is not None else None

    @property
    def inbound_message_id(self) -> int | None:
        """The newest message from the patient (the one being answered now)."""
        return self._last_inbound.id if self._last_inbound is not None else None

    def contacts(self, ctx: DialogueContext) -> CrisisContacts:
        """Whom this patient calls: their site's crisis contacts (read once, when needed)."""
        if self._contacts is None:
            self._contacts = ctx.settings.contacts_for(site_of(self.session, self.patient.id))
        return self._contacts

    def open_response(self) -> Response:
        """The active questionnaire's response, created on first use."""
        if self.response is None:
            self.response = open_response(
                self.session,
                self.conversation,
                self.questionnaire.version,
                questionnaire_id=self.questionnaire.id,
            )
        return self.response

    def refresh_answers(self) -> None:
        """Re-read the current answers after one was stored."""
        if self.response is not None:
            self.session.flush()
            self.answers = answers_from_rows(current_answers(self.session, self.response.id))


def active_questionnaire(ctx: DialogueContext, conversation: Conversation) -> Questionnaire:
    """The opening literacy screen until it is answered or skipped, then the invited one."""
    patient = conversation.patient
    if (
        conversation.relative_id is None  # the screening is the patient's, never a relative's
        and patient.consent == "given"
        and patient.screening == "pending"
        and SCREENING_ID in ctx.questionnaires
        and conversation.questionnaire_id != SCREENING_ID
    ):
        return ctx.questionnaires[SCREENING_ID]
    return ctx.questionnaires[conversation.questionnaire_id]


def load_state(ctx: DialogueContext, session: Session, conversation_id: str) -> TurnState:
    conversation = get_conversation(session, conversation_id)
    if conversation is None:
        raise UnknownConversation(conversation_id)
    questionnaire = active_questionnaire(ctx, conversation)
    response = find_response(session, conversation, questionnaire.id)
    answers = (
        answers_from_rows(current_answers(session, response.id)) if response is not None else {}
    )
    current: Item | None
    if conversation.reopened_link_id and questionnaire.id == conversation.questionnaire_id:
        current = questionnaire.item(conversation.reopened_link_id)
    else:
        current = next_item(questionnaire, answers)
    return TurnState(
        session=session,
        conversation=conversation,
        questionnaire=questionnaire,
        response=response,
        answers=answers,
        current=current,
        _last_inbound=last_inbound(session, conversation_id),
    )
