"""The population page: completion, time to complete and scores by group over a period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console import population
from bot.console.http import database, query, questionnaires, record, render, staff, texts
from bot.console.invitations import invitable
from bot.console.population_charts import group_names, population_charts
from bot.questionnaire.model import Questionnaire

DEFAULT_DAYS = 90
DEFAULT_QUESTIONNAIRE = "who5"


def _parse_date(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return default


def _questionnaire_id(request: Request, loaded: dict[str, Questionnaire]) -> str:
    """The one asked for, else WHO-5, else the first scored one."""
    asked = query(request, "questionnaire")
    if asked in loaded:
        return asked
    if DEFAULT_QUESTIONNAIRE in loaded:
        return DEFAULT_QUESTIONNAIRE
    return next((q.id for q in loaded.values() if q.scoring), "")


@requires("authenticated")
def population_page(request: Request) -> Response:
    console_texts = texts(request)
    today = datetime.now(console_texts.timezone).date()
    start_day = _parse_date(query(request, "from"), today - timedelta(days=DEFAULT_DAYS))
    end_day = _parse_date(query(request, "to"), today)
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    dimension = query(request, "by")
    if dimension not in population.DIMENSIONS:
        dimension = "literacy"
    loaded = questionnaires(request)
    questionnaire_id = _questionnaire_id(request, loaded)
    with database(request) as session:
        result = population.report(
            session,
            staff(request),
            loaded,
            questionnaire_id=questionnaire_id,
            dimension=dimension,
            start=datetime.combine(start_day, time.min, console_texts.timezone),
            end=datetime.combine(end_day + timedelta(days=1), time.min, console_texts.timezone),
        )
        record(request, session, "population.view", detail=f"{questionnaire_id} by {dimension}")
    names = group_names(console_texts).get(dimension, {})
    label = {group.key: names.get(group.key, group.key) for group in result.groups}
    label[population.UNKNOWN] = console_texts._("Not recorded")
    return render(
        request,
        "population.html",
        report=result,
        charts=population_charts(console_texts, result, label),
        group_label=label,
        dimension=dimension,
        dimensions=population.DIMENSIONS,
        start_day=start_day,
        end_day=end_day,
        questionnaires=invitable(loaded),
        selected=questionnaire_id,
    )
