"""The titles of the course plans, for pages that name a patient's plan."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from bot.console.http import questionnaires, settings
from bot.course.plans import Plan, load_plans


def plan_titles(request: HTTPConnection) -> dict[str, str]:
    """Plan id -> title: the app's loaded plans when it keeps them in its state (``plans``),
    else read from the plans folder (validated at start-up, so this does not fail there)."""
    plans: dict[str, Plan] | None = getattr(request.app.state, "plans", None)
    if plans is None:
        directory = settings(request).dialogues_dir / "plans"
        plans = load_plans(directory, questionnaires(request)) if directory.is_dir() else {}
    return {plan_id: plan.title for plan_id, plan in plans.items()}
