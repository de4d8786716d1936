"""Run one scheduler pass and die (SIGKILL) right after the first reminder went out, before
it is recorded: `python die_while_sending.py DATABASE_URL NOW_ISO`. For test_exactly_once."""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.course.plans import load_plans
from bot.course.scheduler import ReminderTask, run_pass
from bot.questionnaire.loader import load_directory
from bot.settings import PROJECT_ROOT
from bot.storage.db import make_engine, make_session_factory


def die_after_sending(task: ReminderTask) -> bool:
    print(f"sending reminder {task.attempt}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    return True


def main() -> None:
    url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    questionnaires = load_directory(PROJECT_ROOT / "dialogues" / "questionnaires")
    plans = load_plans(PROJECT_ROOT / "dialogues" / "plans", questionnaires)
    run_pass(make_session_factory(make_engine(url)), plans, now, die_after_sending)


if __name__ == "__main__":
    main()
