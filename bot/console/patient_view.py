"""What the patient page shows: the transcript beside the structured answers, per
questionnaire, with scores, bands, triage, alerts and the review history; the patient's
courses and their scores over time (bot/console/course_view.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.console.course_view import CourseView, Trend, courses, trends
from bot.console.preferences_view import Preferences, latest_preferences
from bot.console.proxy_view import ProxyScore, Respondent, proxy_scores, respondents
from bot.console.relatives_view import RelativeRow, relative_rows
from bot.console.scores import ScoreSummary, incomplete, summarise, triage_levels
from bot.console.timeline import Entry, timeline
from bot.questionnaire.model import Questionnaire
from bot.questionnaire.scoring import ScoreResult, score, worst
from bot.storage.alerts import alerts_for
from bot.storage.console_models import ConsoleUser, PatientProfile, Review, Team
from bot.storage.course_history import enrolments_of
from bot.storage.doctor_questions import questions_of
from bot.storage.models import Alert, Answer, Conversation, Invitation, Patient, Response
from bot.storage.patient_profiles import profile_of
from bot.storage.patient_queries import conversations_of, invitations_of, responses_of
from bot.storage.question_models import DoctorQuestion
from bot.storage.responses import all_answers, answers_from_rows
from bot.storage.reviews import reviews_of
from bot.storage.staff import team_by_id, user_by_id
from bot.storage.transcripts import transcript


@dataclass(frozen=True)
class AnswerLine:
    id: int
    link_id: str
    prefix: str | None
    item_text: str
    status: str
    display: str | None
    score: float | None
    input_kind: str
    raw_text: str | None
    interpretation: str | None
    literacy_level: str
    wording_shown: str
    presentation: Mapping[str, Any]
    at: datetime
    superseded_at: datetime | None
    superseded_by_id: int | None


@dataclass
class ResponseView:
    """One questionnaire's answers in a conversation (the opening literacy screen has a
    response of its own beside the invited questionnaire's)."""

    questionnaire_id: str
    title: str
    status: str
    completed_at: datetime | None = None
    answers: list[AnswerLine] = field(default_factory=list)
    scores: list[ScoreSummary] = field(default_factory=list)
    incomplete: list[ScoreResult] = field(default_factory=list)


@dataclass
class ConversationView:
    id: str
    questionnaire_id: str
    title: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    entries: list[Entry] = field(default_factory=list)
    responses: list[ResponseView] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    triage: str = "green"
    # The relative who answered here (None: the patient), see proxy_view.
    respondent: Respondent | None = None

    @property
    def scores(self) -> list[ScoreSummary]:
        return [score for response in self.responses for score in response.scores]


@dataclass
class PatientView:
    patient: Patient
    profile: PatientProfile | None
    team: Team | None
    responsible: ConsoleUser | None
    conversations: list[ConversationView]
    invitations: list[Invitation]
    reviews: list[Review]
    triage: str
    courses: list[CourseView] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    # Scores relatives gave on the patient's behalf: apart from the trends (self-report only).
    proxy_scores: list[ProxyScore] = field(default_factory=list)
    # "Patientens præferencer": the latest preparation the patient answered themselves.
    preferences: Preferences | None = None
    # "Til samtalen": the patient's questions for the doctor, the newest first.
    doctor_questions: list[DoctorQuestion] = field(default_factory=list)
    # "Pårørende": the patient's relatives, removed ones too.
    relatives: list[RelativeRow] = field(default_factory=list)


def _presentation(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The presentation record of an answer (``ConsoleTexts.presentation`` puts it in words;
    the buttons themselves are in the transcript)."""
    return dict(value or {})


def load(
    session: Session,
    patient: Patient,
    questionnaires: Mapping[str, Questionnaire],
    plan_titles: Mapping[str, str] | None = None,
) -> PatientView:
    profile = profile_of(session, patient.id)
    conversations = conversations_of(session, patient.id)
    who = respondents(session, conversations)
    views = [
        _conversation_view(session, conversation, questionnaires) for conversation in conversations
    ]
    for view in views:
        view.respondent = who.get(view.id)
    return PatientView(
        patient=patient,
        profile=profile,
        team=team_by_id(session, profile.team_id) if profile and profile.team_id else None,
        responsible=(
            user_by_id(session, profile.responsible_user_id)
            if profile and profile.responsible_user_id
            else None
        ),
        conversations=views,
        invitations=invitations_of(session, patient.id),
        reviews=reviews_of(session, patient.id),
        preferences=latest_preferences(session, patient.id, questionnaires),
        doctor_questions=questions_of(session, patient.id),
        relatives=relative_rows(session, patient.id),
        triage=worst([v.triage for v in views]),
        courses=courses(enrolments_of(session, patient.id), plan_titles or {}, questionnaires),
        trends=trends(
            (
                (r.questionnaire_id, r.completed_at, s.rule_id, s.value, s.band_label)
                for v in views
                if v.respondent is None  # the patient's own answers only
                for r in v.responses
                if r.status == "completed" and r.completed_at is not None
                for s in r.scores
            ),
            questionnaires,
        ),
        proxy_scores=proxy_scores(views),
    )


def _conversation_view(
    session: Session, conversation: Conversation, questionnaires: Mapping[str, Questionnaire]
) -> ConversationView:
    questionnaire = questionnaires.get(conversation.questionnaire_id)
    view = ConversationView(
        id=conversation.id,
        questionnaire_id=conversation.questionnaire_id,
        title=questionnaire.title if questionnaire else conversation.questionnaire_id,
        status=conversation.status,
        started_at=conversation.started_at,
        completed_at=conversation.completed_at,
        alerts=alerts_for(session, conversation.id),
    )
    view.entries = timeline(transcript(session, conversation.id), view.alerts)
    view.responses = [
        _response_view(response, _answers(session, response), questionnaires)
        for response in responses_of(session, conversation.id)
    ]
    view.triage = worst([a.level for a in view.alerts] + triage_levels(view.scores))
    return view


def _answers(session: Session, response: Response) -> list[Answer]:
    """Every answer of the response, superseded ones too, in the order given."""
    return sorted(all_answers(session, response.id), key=lambda row: row.id)


def _response_view(
    response: Response, rows: list[Answer], questionnaires: Mapping[str, Questionnaire]
) -> ResponseView:
    questionnaire = questionnaires.get(response.questionnaire_id)
    view = ResponseView(
        questionnaire_id=response.questionnaire_id,
        title=questionnaire.title if questionnaire else response.questionnaire_id,
        status=response.status,
        completed_at=response.completed_at,
        answers=[_answer_line(row, questionnaire) for row in rows],
    )
    current = [r for r in rows if r.superseded_at is None]
    if questionnaire is not None and current:
        results = score(questionnaire, answers_from_rows(current))
        view.scores = summarise(questionnaire, results)
        if response.status == "completed":
            view.incomplete = incomplete(results)
    return view


def _answer_line(row: Answer, questionnaire: Questionnaire | None) -> AnswerLine:
    item = None
    if questionnaire is not None:
        try:
            item = questionnaire.item(row.link_id)
        except KeyError:
            item = None
    return AnswerLine(
        id=row.id,
        link_id=row.link_id,
        prefix=item.prefix if item else None,
        item_text=item.text if item else row.link_id,
        status=row.status,
        display=row.display,
        score=row.score,
        input_kind=row.input_kind,
        raw_text=row.raw_text,
        interpretation=row.interpretation,
        literacy_level=row.literacy_level,
        wording_shown=row.wording_shown,
        presentation=_presentation(row.presentation),
        at=row.created_at,
        superseded_at=row.superseded_at,
        superseded_by_id=row.superseded_by_id,
    )
