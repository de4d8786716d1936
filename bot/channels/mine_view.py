"""What the patient's own data page shows ("Mine svar", bot/channels/mine.py): their answers by
date in the words they chose, a chart per repeated score, the plan, and who has seen the data.

Worded neutrally: scores are numbers on their scale, never a band's label or a judgement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from markupsafe import Markup
from sqlalchemy.orm import Session

from bot.channels.mine_preferences import OwnPreferences, own_preferences
from bot.channels.mine_questions import QuestionLine, question_lines
from bot.channels.mine_relatives import AccessLine, relative_lines
from bot.console.charts import bar_chart
from bot.course.plans import Plan
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire, ScoringRule
from bot.questionnaire.scoring import score
from bot.storage.audit import access_log
from bot.storage.course_models import OPEN_STATUSES, Enrolment
from bot.storage.enrolments import active_enrolments
from bot.storage.models import Answer, AuditEvent, Response, utcnow
from bot.storage.own_data import answered_responses, current_answers_of
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID
from bot.storage.responses import answers_from_rows


@dataclass(frozen=True)
class Line:
    question: str
    answer: str


@dataclass(frozen=True)
class Occasion:
    title: str
    date: str
    completed: bool
    lines: list[Line]
    scores: list[str]
    # Answered on the patient's behalf by a relative (kept out of the trends).
    by_relative: bool = False


@dataclass(frozen=True)
class Trend:
    title: str
    chart: Markup
    rows: list[tuple[str, str]]
    summary: str


@dataclass(frozen=True)
class Course:
    title: str
    next_text: str | None


@dataclass(frozen=True)
class Access:
    when: str
    who: str
    what: str


@dataclass
class OwnData:
    occasions: list[Occasion] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    accesses: list[Access] = field(default_factory=list)
    questions: list[QuestionLine] = field(default_factory=list)  # "Mine spørgsmål"
    preferences: OwnPreferences | None = None  # the latest preparation for the doctor
    relatives: list[AccessLine] = field(default_factory=list)  # "Hvem har adgang"


@dataclass(frozen=True)
class Formats:
    texts: Texts
    zone: ZoneInfo

    def date(self, value: datetime) -> str:
        return format_date(value.astimezone(self.zone).date(), "long", locale=self.texts.locale)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, "medium", tzinfo=self.zone, locale=self.texts.locale)


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _answer_text(texts: Texts, questionnaire: Questionnaire, row: Answer) -> str:
    """The words the patient chose: the option as shown, or their own text."""
    if row.status == "skipped":
        return texts._("You skipped this question.")
    if row.display:
        return row.display
    item = questionnaire.item(row.link_id)
    option = item.option(row.code) if row.code else None
    if option is not None:
        return option.display
    if row.value_boolean is not None:
        return texts._("Yes") if row.value_boolean else texts._("No")
    for value in (row.value_string, row.value_integer):
        if value is not None:
            return str(value)
    return ""


def _lines(texts: Texts, questionnaire: Questionnaire, rows: Sequence[Answer]) -> list[Line]:
    """The current answers in questionnaire order (`answers_from_rows` decides which row of an
    item is current; the later one wins)."""
    current = answers_from_rows(rows)
    latest: dict[str, Answer] = {}
    for row in sorted(rows, key=lambda r: r.id):
        latest[row.link_id] = row
    known = [item for item in questionnaire.answerable_items if item.link_id in current]
    return [
        Line(
            latest[item.link_id].wording_shown or item.text,
            _answer_text(texts, questionnaire, latest[item.link_id]),
        )
        for item in known
    ]


def _when(response: Response) -> datetime:
    return response.completed_at or response.started_at


def _score_text(texts: Texts, rule: ScoringRule, value: float) -> str:
    return texts._(
        "{name}: {value} on a scale from {low} to {high}.",
        name=rule.name, value=number(value), low=number(rule.min), high=number(rule.max),
    )  # fmt: skip


def _trend(formats: Formats, rule: ScoringRule, points: list[tuple[datetime, float]]) -> Trend:
    texts = formats.texts
    rows = [(formats.date(at), number(value)) for at, value in points]
    first, last = rows[0], rows[-1]
    summary = texts._(
        "You have answered {n} times. The first time the number was {first} ({first_date}). "
        "The last time it was {last} ({last_date}). The scale goes from {low} to {high}.",
        n=len(rows), first=first[1], first_date=first[0], last=last[1], last_date=last[0],
        low=number(rule.min), high=number(rule.max),
    )  # fmt: skip
    chart = bar_chart(
        texts._("{name} over time", name=rule.name),
        summary,
        [(label, value, text) for (label, text), (_, value) in zip(rows, points, strict=True)],
        maximum=rule.max,
        low_text=number(rule.min),
        high_text=number(rule.max),
    )
    return Trend(rule.name, chart, rows, summary)


def _course(formats: Formats, enrolment: Enrolment, plans: Mapping[str, Plan],
            questionnaires: Mapping[str, Questionnaire], now: datetime) -> Course:  # fmt: skip
    texts = formats.texts
    plan = plans.get(enrolment.plan_id)
    title = plan.title if plan is not None else enrolment.plan_id

    def name(questionnaire_id: str) -> str:
        found = questionnaires.get(questionnaire_id)
        return found.title if found is not None else questionnaire_id

    open_now = [o for o in enrolment.occurrences if o.status in OPEN_STATUSES]
    if open_now:
        first = min(open_now, key=lambda o: (o.due_at, o.id))
        return Course(
            title, texts._("You can answer {name} now.", name=name(first.questionnaire_id))
        )
    # A scheduled one already past its time waits for the scheduler's next pass: not "next".
    later = [o for o in enrolment.occurrences if o.status == "scheduled" and o.due_at >= now]
    if later:
        first = min(later, key=lambda o: (o.due_at, o.id))
        return Course(
            title,
            texts._("Next time: {name} on {date}.", name=name(first.questionnaire_id),
                    date=formats.date(first.due_at)),
        )  # fmt: skip
    return Course(title, None)


def _who(texts: Texts, actor: str) -> str:
    """The kind of actor, never a staff member's e-mail address."""
    if actor == "patient":
        return texts._("You")
    if "@" in actor or actor.startswith("cli:"):
        return texts._("A member of staff")
    return texts._("The system")


def _what(texts: Texts, action: str) -> str | None:
    """What was done, for the reads and exports of the patient's data (None: not a read)."""
    if action == "patient.view":
        return texts._("Opened your answers and your chat")
    if action in ("export.fhir", "export.csv"):
        return texts._("Took a copy of your answers")
    if action == "access_log.view":
        return texts._("Looked at who has seen your data")
    if action == "transcript.view.self":
        return texts._("Opened the chat")
    if action == "answers.view.self":
        return texts._("Looked at the answers in the chat")
    if action == "own_data.view":
        return texts._("Opened the page with your answers")
    if action == "own_data.download":
        return texts._("Downloaded your data")
    return None


def _accesses(formats: Formats, events: Sequence[AuditEvent]) -> list[Access]:
    found = []
    for event in events:
        what = _what(formats.texts, event.action)
        if what is not None:
            found.append(
                Access(formats.datetime(event.created_at), _who(formats.texts, event.actor), what)
            )
    return found


def own_data(
    session: Session,
    patient_id: int,
    questionnaires: Mapping[str, Questionnaire],
    plans: Mapping[str, Plan],
    formats: Formats,
) -> OwnData:
    texts = formats.texts
    view = OwnData()
    responses = [
        r for r in answered_responses(session, patient_id) if r.questionnaire_id in questionnaires
    ]
    rows_of = current_answers_of(session, [r.id for r in responses])
    points: dict[tuple[str, str], list[tuple[datetime, float]]] = defaultdict(list)
    for response in responses:
        questionnaire = questionnaires[response.questionnaire_id]
        rows = rows_of.get(response.id, [])
        if all(row.status == "skipped" for row in rows):
            continue  # e.g. the reading questions, skipped as a whole: nothing was answered
        if (
            response.relative_id is not None
            and response.questionnaire_id == RELATIVE_QUESTIONNAIRE_ID
        ):
            continue  # the relative's own needs: theirs, not the patient's to read
        by_relative = response.relative_id is not None
        completed = response.status == "completed"
        scores = []
        if completed:
            for result in score(questionnaire, answers_from_rows(rows)):
                if result.value is not None:
                    scores.append(_score_text(texts, result.rule, result.value))
                    if by_relative:
                        continue  # "You have answered ..." counts the patient's own answers
                    points[(questionnaire.id, result.rule.id)].append(
                        (_when(response), result.value)
                    )
        view.occasions.append(
            Occasion(questionnaire.title, formats.date(_when(response)), completed,
                     _lines(texts, questionnaire, rows), scores, by_relative)
        )  # fmt: skip
    view.occasions.reverse()  # the newest first
    for (questionnaire_id, rule_id), series in points.items():
        if len(series) > 1:
            questionnaire = questionnaires[questionnaire_id]
            rule = questionnaire.scoring_rule(rule_id)
            view.trends.append(_trend(formats, rule, sorted(series)))
    view.courses = [
        _course(formats, e, plans, questionnaires, utcnow())
        for e in active_enrolments(session, patient_id, with_occurrences=True)
    ]
    view.questions = question_lines(session, patient_id, formats)
    view.preferences = own_preferences(session, patient_id, questionnaires, formats)
    view.relatives = relative_lines(session, patient_id, formats)
    view.accesses = _accesses(formats, access_log(session, patient_id))
    return view
