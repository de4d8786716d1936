"""Everything the tests ask of the trained engine model, in ONE Rasa process.

Run with the engine's interpreter from dialogues/ (as `rasa` runs there):

    cd dialogues && ../.venv-rasa/bin/python ../scripts/nlu_report.py --model M --out DIR \\
        [--validate] [--nlu NAME=FILE ...] [--stories FILE]

Each `rasa` command pays Rasa's start-up (TensorFlow imports) and the model load; the tests
used to pay it four times. This script pays it once and does the same work as
  --validate      `rasa data validate --domain domain --data data --config config.yml
                  --fail-on-warnings`,
  --nlu NAME=FILE `rasa test nlu --nlu FILE --successes` (rasa's own run_evaluation on the
                  same loaded model; its files go to DIR/NAME/),
  --stories FILE  `rasa test core --stories FILE --fail-on-prediction-errors` (DIR/core/),
without the plots. It writes DIR/report.json: per NLU set the accuracy, rasa's intent report
and every text's predicted (intent, confidence); for the stories and the validation whether
they passed and why not. A part that fails is reported there; the other parts still run.
It exits 0 once the report is written (the tests judge it), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
import traceback
import warnings
from pathlib import Path
from typing import Any


class _Collect(logging.Handler):
    """Keeps the warnings and errors Rasa logs, for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def validate() -> dict[str, Any]:
    """`rasa data validate --fail-on-warnings` on the project in the current directory."""
    import rasa.cli.utils
    from rasa.shared.importers.importer import TrainingDataImporter

    collect = _Collect()
    logging.getLogger().addHandler(collect)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importer = TrainingDataImporter.load_from_config(
                domain_path="domain", training_data_paths=["data"], config_path="config.yml"
            )
            try:
                rasa.cli.utils.validate_files(True, None, importer)
                ok = True
            except SystemExit as stop:  # how rasa's CLI reports a failed validation
                ok = stop.code in (0, None)
    finally:
        logging.getLogger().removeHandler(collect)
    messages = collect.lines + [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)
    ]
    return {"ok": ok, "messages": messages}


async def test_nlu(processor: Any, data: Path, out: Path) -> dict[str, Any]:
    from rasa.nlu.test import run_evaluation

    result = await run_evaluation(
        str(data), processor, output_directory=str(out), successes=True, errors=True,
        disable_plotting=True,
    )  # fmt: skip
    intents = result["intent_evaluation"]
    if intents is None:
        raise RuntimeError(f"{data} has fewer than two intents: rasa evaluates no intents")
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    return {
        "file": str(data),
        "accuracy": report["accuracy"],
        "report": report,
        "predictions": {
            p["text"]: [p["predicted"], float(p["confidence"] or 0)] for p in intents["predictions"]
        },
    }


async def test_core(agent: Any, stories: Path, out: Path) -> dict[str, Any]:
    from rasa.core.test import test

    out.mkdir(parents=True, exist_ok=True)
    await test(
        str(stories), agent, out_directory=str(out), fail_on_prediction_errors=True,
        disable_plotting=True,
    )  # fmt: skip
    failed = (out / "failed_test_stories.yml").read_text(encoding="utf-8")
    return {"ok": True, "failed_stories": failed}


def set_up_like_the_cli() -> None:
    """What `rasa`'s own main() does before a command, so the results are the same."""
    import os
    import sys

    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(
        logging.WARNING, None, warn_only_once=True, filter_repeated_logs=True
    )
    tf_env.setup_tf_environment()
    tf_env.check_deterministic_ops()
    sys.path.insert(1, os.getcwd())  # custom components, as rasa finds them
    configure_structlog(logging.WARNING)


def failure(error: BaseException) -> dict[str, Any]:
    return {"ok": False, "error": "".join(traceback.format_exception(error))[-4000:]}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    set_up_like_the_cli()
    report: dict[str, Any] = {"model": args.model.name, "seconds": {}, "nlu": {}}
    seconds = report["seconds"]
    if args.validate:
        start = time.monotonic()
        try:
            report["validate"] = validate()
        except Exception as error:
            report["validate"] = failure(error)
        seconds["validate"] = round(time.monotonic() - start, 2)
    if not args.nlu and not args.stories:
        return report

    from rasa.core.agent import Agent

    start = time.monotonic()
    agent = Agent.load(model_path=str(args.model))
    seconds["load"] = round(time.monotonic() - start, 2)
    for name, data in args.nlu:
        start = time.monotonic()
        try:
            report["nlu"][name] = await test_nlu(agent.processor, data, args.out / name)
        except Exception as error:
            report["nlu"][name] = failure(error)
        seconds[f"nlu:{name}"] = round(time.monotonic() - start, 2)
    if args.stories:
        start = time.monotonic()
        try:
            report["core"] = await test_core(agent, args.stories, args.out / "core")
        except Exception as error:  # rasa raises on the first wrong prediction
            report["core"] = failure(error)
        seconds["core"] = round(time.monotonic() - start, 2)
    return report


def named_file(value: str) -> tuple[str, Path]:
    name, sep, path = value.partition("=")
    if not sep or not name or "/" in name:
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, got {value!r}")
    return name, Path(path).resolve()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="trained model (.tar.gz)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the results")
    parser.add_argument("--validate", action="store_true", help="rasa data validate")
    parser.add_argument("--nlu", type=named_file, action="append", default=[])
    parser.add_argument("--stories", type=Path, help="test stories for rasa test core")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(run(args))
    path = args.out / "report.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({report['seconds']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
