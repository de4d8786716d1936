"""The population page: completion, time to complete and scores by group over a period, and
the response rates of the courses (bot/console/response_rates.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from markupsafe import Markup
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console import population
from bot.console.charts import bar_chart
from bot.console.http import (
    database,
    plan_titles,
    query,
    questionnaires,
    record,
    render,
    staff,
    texts,
)
from bot.console.i18n import ConsoleTexts
from bot.console.invitations import invitable
from bot.console.population_charts import group_names, population_charts
from bot.console.response_rates import MIN_PATIENTS, ResponseRates, response_rates
from bot.questionnaire.model import Questionnaire
from bot.storage.population_queries import course_outcomes

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
    start = datetime.combine(start_day, time.min, console_texts.timezone)
    end = datetime.combine(end_day + timedelta(days=1), time.min, console_texts.timezone)
    with database(request) as session:
        result = population.report(
            session,
            staff(request),
            loaded,
            questionnaire_id=questionnaire_id,
            dimension=dimension,
            start=start,
            end=end,
        )
        rates = response_rates(
            course_outcomes(session, staff(request).visible_teams, start=start, end=end),
            loaded,
            plan_titles(request),
            console_texts.timezone,
            no_site=console_texts._("Not recorded"),
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
        rates=rates,
        rate_chart=_rate_chart(console_texts, rates),
        min_patients=MIN_PATIENTS,
    )


def _rate_chart(console_texts: ConsoleTexts, rates: ResponseRates) -> Markup | None:
    """The response rate per occurrence as bars; suppressed groups are left out."""
    _ = console_texts._
    shown = [g for g in rates.by_occurrence if g.rate is not None]
    if not shown:
        return None
    rows = [
        (
            _("{questionnaire} no. {number}", questionnaire=g.questionnaire, number=g.sequence),
            (g.rate or 0.0) * 100,
            console_texts.percent(g.rate),
        )
        for g in shown
    ]
    return bar_chart(
        _("Response rate per occurrence"),
        "; ".join(f"{label}: {text}" for label, _value, text in rows),
        rows,
        maximum=100,
        high_text="100 %",
    )
