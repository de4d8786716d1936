"""The population view's charts of a report: completion, time to complete and, for a scored
questionnaire, the score distribution over its bands and the share per triage colour."""

from __future__ import annotations

from markupsafe import Markup

from bot.console.charts import Segment, bar_chart, box_chart, stacked_chart
from bot.console.i18n import ConsoleTexts
from bot.console.population import Group, Report
from bot.questionnaire.model import ScoringRule


def group_names(texts: ConsoleTexts) -> dict[str, dict[str, str]]:
    """How the groups of a dimension are called (the others by their recorded value)."""
    _ = texts._
    return {
        "literacy": {
            "standard": _("Standard"),
            "plain": _("Plain language"),
            "guided": _("Guided"),
        },
        "sex": {"female": _("Female"), "male": _("Male"), "other": _("Other")},
    }


def population_charts(
    texts: ConsoleTexts, result: Report, label: dict[str, str]
) -> dict[str, Markup]:
    """The charts by name ("completion", "times", and "scores" and "triage" when scored);
    ``label`` names each group."""
    groups = result.groups
    if not groups:
        return {}
    charts = {
        "completion": _completion(texts, groups, label),
        "times": _times(texts, groups, label),
    }
    if result.rule is not None:
        charts["scores"] = _scores(texts, result.rule, groups, label)
        charts["triage"] = _triage(texts, result.rule, groups, label)
    return charts


def _completion(texts: ConsoleTexts, groups: list[Group], label: dict[str, str]) -> Markup:
    _ = texts._
    return bar_chart(
        _("Completion rate"),
        _("Share of invited patients who completed the questionnaire, per group."),
        [
            (
                label[g.key],
                (g.completion_rate or 0) * 100,
                f"{texts.percent(g.completion_rate)} ({g.completed}/{g.invited})",
            )
            for g in groups
        ],
        maximum=100,
        low_text="0 %",
        high_text="100 %",
    )


def _times(texts: ConsoleTexts, groups: list[Group], label: dict[str, str]) -> Markup:
    _ = texts._
    longest = max((max(g.minutes) for g in groups if g.minutes), default=0.0)
    return box_chart(
        _("Time to complete (minutes)"),
        _("Minimum, quartiles and maximum of the minutes from start to completion, per group."),
        [
            (
                label[g.key],
                g.time_stats,
                _("{minutes} min", minutes=texts.number(g.median_minutes)) if g.minutes else "–",
            )
            for g in groups
        ],
        low=0,
        high=max(longest, 1.0),
    )


def _scores(
    texts: ConsoleTexts, rule: ScoringRule, groups: list[Group], label: dict[str, str]
) -> Markup:
    _ = texts._
    return box_chart(
        _("{score}: distribution", score=rule.name),
        _(
            "Minimum, quartiles and maximum of the score of completed questionnaires, per "
            "group, over the score bands."
        ),
        [
            (
                label[g.key],
                g.score_stats,
                _("median {value}", value=texts.number(g.score_stats[2])) if g.score_stats else "–",
            )
            for g in groups
        ],
        low=rule.min,
        high=rule.max,
        bands=[(band.min, band.max, band.triage) for band in rule.bands],
    )


def _triage(
    texts: ConsoleTexts, rule: ScoringRule, groups: list[Group], label: dict[str, str]
) -> Markup:
    _ = texts._
    rows = []
    for g in groups:
        red, yellow, green = (g.triage.get(colour, 0) for colour in ("red", "yellow", "green"))
        segments = [
            Segment("red", red, _("Red: {n}", n=red)),
            Segment("yellow", yellow, _("Yellow: {n}", n=yellow)),
            Segment("green", green, _("Green: {n}", n=green)),
        ]
        rows.append((label[g.key], segments, f"{red} / {yellow} / {green}"))
    return stacked_chart(
        _("{score}: triage", score=rule.name),
        _("Share of completed questionnaires with a red, yellow or green result, per group."),
        rows,
    )
