"""Plan files: the shipped plans, and every problem named with file, step and problem."""

from __future__ import annotations

import pickle
from datetime import timedelta
from pathlib import Path

import pytest

from bot.course.plans import Plan, PlanError, format_offset, load_plans, parse_offset

QUESTIONNAIRES = {"who5", "behovsvurdering"}
DAY = timedelta(days=1)

GOOD_STEP = """\
  - questionnaire: who5
    first: 0d
    every: 14d
    until: 182d
    reminders: [2d, 5d]
    overdue_after: 7d
"""


def write(tmp_path: Path, body: str, name: str = "demo") -> Path:
    (tmp_path / f"{name}.yml").write_text(body, encoding="utf-8")
    return tmp_path


def plan_with_step(step: str) -> str:
    return f'id: demo\ntitle: "Prøve"\nsteps:\n{GOOD_STEP}{step}'


def test_who5_14d_is_every_14_days_for_six_months(plans: dict[str, Plan]) -> None:
    (step,) = plans["who5-14d"].steps
    assert step.questionnaire_id == "who5"
    assert step.offsets() == tuple(k * 14 * DAY for k in range(14))  # day 0 ... day 182
    assert step.offsets()[-1] == 182 * DAY
    assert step.reminders == (2 * DAY, 5 * DAY)
    assert step.overdue_after == 7 * DAY
    assert step.open_for == 14 * DAY


def test_kemo_has_the_needs_assessment_at_0_3_and_6_months_and_who5_every_14_days(
    plans: dict[str, Plan],
) -> None:
    needs, who5 = plans["kemo"].steps
    assert needs.questionnaire_id == "behovsvurdering"
    assert needs.offsets() == (0 * DAY, 91 * DAY, 182 * DAY)
    assert who5.questionnaire_id == "who5"
    assert who5.offsets() == tuple(k * 14 * DAY for k in range(1, 14))  # day 14 ... day 182


def test_the_shipped_plans_name_only_real_questionnaires(questionnaires: dict[str, object]) -> None:
    from tests.course.conftest import PLANS_DIR

    assert set(load_plans(PLANS_DIR, questionnaires)) == {"who5-14d", "kemo", "forberedelse"}
    with pytest.raises(PlanError, match="unknown questionnaire 'who5'"):
        load_plans(PLANS_DIR, {"behovsvurdering", "forberedelse"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0d", timedelta(0)), ("14d", 14 * DAY), ("2w", 14 * DAY), ("12h", timedelta(hours=12))],
)
def test_offsets(text: str, expected: timedelta) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize("text", ["14", "d", "-1d", "1.5d", "14 days", "1m", 14, None])
def test_bad_offsets(text: object) -> None:
    with pytest.raises(ValueError, match="must be an offset like 14d"):
        parse_offset(text)


def test_format_offset() -> None:
    assert format_offset(14 * DAY) == "14d"
    assert format_offset(timedelta(hours=36)) == "36h"
    assert format_offset(timedelta(0)) == "0d"


def test_count_ends_a_repeating_step(tmp_path: Path) -> None:
    body = plan_with_step("  - questionnaire: behovsvurdering\n    first: 0d\n    every: 91d\n"
                          "    count: 3\n    window: 28d\n    overdue_after: 7d\n")  # fmt: skip
    plan = load_plans(write(tmp_path, body), QUESTIONNAIRES)["demo"]
    assert plan.steps[1].offsets() == (0 * DAY, 91 * DAY, 182 * DAY)
    assert plan.steps[1].open_for == 28 * DAY


def test_a_single_step_stays_open_until_answered_without_a_window(tmp_path: Path) -> None:
    body = plan_with_step("  - questionnaire: behovsvurdering\n    first: 3d\n"
                          "    overdue_after: 7d\n    reminders: [1d, 30d]\n")  # fmt: skip
    step = load_plans(write(tmp_path, body), QUESTIONNAIRES)["demo"].steps[1]
    assert step.offsets() == (3 * DAY,)
    assert step.open_for is None
    assert step.reminders == (DAY, 30 * DAY)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("  - questionnaire: phq9\n    first: 0d\n    overdue_after: 7d\n",
         "demo.yml, step 2: unknown questionnaire 'phq9' (known: behovsvurdering, who5)"),
        ("  - questionnaire: who5\n    first: soon\n    overdue_after: 7d\n",
         "demo.yml, step 2: first must be an offset like 14d, 2w or 12h, not 'soon'"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    overdue_after: 7d\n",
         "demo.yml, step 2: a repeating step needs either count or until (not both)"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    count: 2\n"
         "    until: 28d\n    overdue_after: 7d\n",
         "demo.yml, step 2: a repeating step needs either count or until (not both)"),
        ("  - questionnaire: who5\n    first: 0d\n    count: 2\n    overdue_after: 7d\n",
         "demo.yml, step 2: count and until need every (a step without it is due once)"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    count: 0\n"
         "    overdue_after: 7d\n", "demo.yml, step 2: count must be at least 1"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    count: two\n"
         "    overdue_after: 7d\n", "demo.yml, step 2: count must be a whole number, not 'two'"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 0d\n    count: 2\n"
         "    overdue_after: 7d\n", "demo.yml, step 2: every must be longer than 0"),
        ("  - questionnaire: who5\n    first: 30d\n    every: 14d\n    until: 28d\n"
         "    overdue_after: 7d\n", "demo.yml, step 2: until (28d) is before first (30d)"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    count: 2\n"
         "    window: 15d\n    overdue_after: 7d\n",
         "demo.yml, step 2: window (15d) is longer than every (14d)"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    count: 2\n"
         "    overdue_after: 14d\n",
         "demo.yml, step 2: overdue_after (14d) must be shorter than the time an occurrence "
         "stays open (14d)"),
        ("  - questionnaire: who5\n    first: 0d\n    overdue_after: 0d\n",
         "demo.yml, step 2: overdue_after must be longer than 0"),
        ("  - questionnaire: who5\n    first: 0d\n    every: 14d\n    count: 2\n"
         "    reminders: [2d, 14d]\n    overdue_after: 7d\n",
         "demo.yml, step 2: reminder 14d comes after the occurrence has closed (14d after it "
         "opens)"),
        ("  - questionnaire: who5\n    first: 0d\n    reminders: [5d, 2d]\n    overdue_after: 7d\n",
         "demo.yml, step 2: reminders must be in increasing order, each once"),
        ("  - questionnaire: who5\n    first: 0d\n    reminders: 2d\n    overdue_after: 7d\n",
         "demo.yml, step 2: reminders must be a list of offsets like [2d, 5d], not '2d'"),
        ("  - questionnaire: who5\n    first: 0d\n    reminders: [2x]\n    overdue_after: 7d\n",
         "demo.yml, step 2: reminder must be an offset like 14d, 2w or 12h, not '2x'"),
        ("  - questionnaire: who5\n    first: 0d\n    overdue_after: 7d\n    often: yes\n",
         "demo.yml, step 2: unknown key(s) in the step: often"),
        ("  - questionnaire: who5\n    first: 0d\n",
         "demo.yml, step 2: missing key(s) in the step: overdue_after"),
        ("  - who5\n", "demo.yml, step 2: a step must be a mapping of names to values"),
    ],
)  # fmt: skip
def test_a_bad_step_is_named_with_its_problem(tmp_path: Path, step: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        load_plans(write(tmp_path, plan_with_step(step)), QUESTIONNAIRES)
    assert str(caught.value) == message
    assert caught.value.file == "demo.yml" and caught.value.step == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('id: other\ntitle: "x"\nsteps:\n' + GOOD_STEP,
         "demo.yml: id 'other' does not match the file name 'demo'"),
        ('id: demo\ntitle: "x"\nsteps: []\n', "demo.yml: steps must be a non-empty list"),
        ('id: demo\nsteps:\n' + GOOD_STEP, "demo.yml: missing key(s) in the plan: title"),
        ('id: demo\ntitle: ""\nsteps:\n' + GOOD_STEP,
         "demo.yml: title must be text that is not empty"),
        ('id: demo\ntitle: "x"\nowner: me\nsteps:\n' + GOOD_STEP,
         "demo.yml: unknown key(s) in the plan: owner"),
        ("- just a list\n", "demo.yml: the file must be a mapping of names to values"),
        ("id: demo\ntitle: [unclosed\n", "demo.yml: not valid YAML at line 3"),
    ],
)  # fmt: skip
def test_a_bad_file_is_named_with_its_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        load_plans(write(tmp_path, body), QUESTIONNAIRES)
    assert str(caught.value).startswith(message)
    assert caught.value.step is None


def test_the_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(PlanError("kemo.yml", 2, "bad")))
    assert (str(error), error.step) == ("kemo.yml, step 2: bad", 2)


def test_a_missing_directory_has_no_plans(tmp_path: Path) -> None:
    assert load_plans(tmp_path / "none", QUESTIONNAIRES) == {}
