"""Our actions served the way Rasa documents it, for row (b) of scripts/bench_load.py.

`rasa run actions` (rasa_sdk.endpoint.run) serves an actions package in rasa-sdk's own Sanic
server, a process of its own beside the engine. Our actions are instances bound to a Dialogue
(actions/table.py), which `--actions PACKAGE` cannot build, so this script builds them and hands
them to the same Sanic app (rasa_sdk.endpoint.create_app) under the same process model
(Sanic.serve: a manager process and ACTION_SERVER_SANIC_WORKERS worker processes). Settings and
the database come from the usual environment (DATABASE_URL, BOT_VAR_DIR, ...).

    .venv/bin/python scripts/bench_action_server.py --port 5055
"""

from __future__ import annotations

import argparse
import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.worker.loader import AppLoader

HOST = "127.0.0.1"


def build_app() -> Sanic:
    """The Sanic app with our executor; run in each worker (spawned: nothing is inherited)."""
    from actions.table import action_executor
    from bot.dialogue.service import Dialogue
    from bot.i18n import Texts
    from bot.questionnaire.loader import load_directory
    from bot.settings import get_settings
    from bot.storage import db

    settings = get_settings()
    database = db.open(settings)
    questionnaires = load_directory(
        settings.questionnaire_dir, canonical_base=settings.fhir_canonical_base
    )
    texts = Texts(settings.locales_dir, settings.locale)
    dialogue = Dialogue(settings, database.session_factory, questionnaires, texts)
    return create_app(action_executor(dialogue), cors_origins=None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    loader = AppLoader(factory=build_app)
    app = loader.load()
    app.prepare(host=HOST, port=args.port, workers=utils.number_of_sanic_workers(),
                access_log=False, motd=False)  # fmt: skip
    Sanic.serve(primary=app, app_loader=loader)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
