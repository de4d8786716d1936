"""Crisis detection on the held-out sets: the NLU alone, the safety net alone, and both.

Run from the repository root with the app's interpreter (it calls the engine's `rasa`):

    .venv/bin/python scripts/bench_safety.py               # model for the current dialogues/
    .venv/bin/python scripts/bench_safety.py --model PATH  # another trained model

It trains the model first if dialogues/ changed (like `bot train`), evaluates the NLU ONCE on
tests/nlu/crisis_heldout.yml and tests/nlu/ordinary_heldout.yml together (rasa's own `rasa test
nlu` evaluation, run by scripts/nlu_report.py in the engine's interpreter), and reports for each
layer and each round of the files:
  - crisis recall: the share of crisis statements flagged (the NLU predicts `crisis`, or
    bot.dialogue.safety.is_crisis fires, or either for "both"),
  - false-alarm rate: the share of ordinary messages flagged in the same way.
It prints a table and every miss and false alarm (invented test sentences, no patient data),
and writes var/bench/safety.json. tests/dialogues/test_safety_nlu.py checks the same numbers
(from the one engine report that tests/dialogues/conftest.py makes for all engine tests).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.dialogue.safety import is_crisis  # noqa: E402
from bot.engine import engine_environment, ensure_model  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402

CRISIS_HELDOUT = ROOT / "tests" / "nlu" / "crisis_heldout.yml"
ORDINARY_HELDOUT = ROOT / "tests" / "nlu" / "ordinary_heldout.yml"
OUT_JSON = ROOT / "var" / "bench" / "safety.json"
NLU_REPORT = ROOT / "scripts" / "nlu_report.py"
LAYERS = ("nlu", "net", "both")


def read_rounds(path: Path) -> list[tuple[str, str, int]]:
    """(text, intent, round) of every example; "# ---- Round N" at column 0 starts round N."""
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}
    examples = [
        (line.strip()[2:].strip(), block["intent"])
        for block in doc.get("nlu") or []
        for line in str(block.get("examples", "")).splitlines()
        if line.strip().startswith("- ")
    ]
    rounds: list[int] = []
    current = 1
    for raw in text.splitlines():
        mark = re.match(r"# ---- Round (\d+)", raw)
        if mark:
            current = int(mark.group(1))
        elif raw.startswith("    - "):
            rounds.append(current)
    if len(rounds) != len(examples):
        rounds = [1] * len(examples)
    return [(t, i, r) for (t, i), r in zip(examples, rounds, strict=True)]


def write_heldout(paths: list[Path], target: Path) -> None:
    """All examples of ``paths`` in one NLU file: rasa evaluates intents only when a file has
    at least two (the crisis set alone has one)."""
    blocks: dict[str, list[str]] = {}
    for path in paths:
        for text, intent, _ in read_rounds(path):
            blocks.setdefault(intent, []).append(text)
    doc = {
        "version": "3.1",
        "nlu": [
            {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
            for intent, texts in blocks.items()
        ],
    }
    target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")


def engine_report(settings: Settings, model: Path, out: Path, *args: str) -> dict[str, Any]:
    """Runs scripts/nlu_report.py (one Rasa process, the model loaded once) with ``args``."""
    command = [
        str(settings.rasa_python), str(NLU_REPORT), "--model", str(model), "--out", str(out),
        *args,
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=settings.dialogues_dir, env=engine_environment(settings),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    report_file = out / "report.json"
    if result.returncode != 0 or not report_file.exists():
        raise RuntimeError("scripts/nlu_report.py failed:\n" + result.stderr[-3000:])
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    return report


def predictions_of(section: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """(intent, confidence) per text from one NLU set of an engine report."""
    if "predictions" not in section:
        raise RuntimeError("the NLU evaluation failed:\n" + str(section.get("error")))
    return {text: (str(p[0]), float(p[1])) for text, p in section["predictions"].items()}


def nlu_predictions(
    settings: Settings, model: Path, paths: list[Path]
) -> dict[str, tuple[str, float]]:
    """(intent, confidence) the model predicts for every example of ``paths`` (one run)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "safety_heldout.yml"
        write_heldout(paths, data)
        report = engine_report(settings, model, Path(tmp) / "results", "--nlu", f"safety={data}")
    return predictions_of(report["nlu"]["safety"])


def flagged(text: str, predicted: tuple[str, float]) -> dict[str, bool]:
    nlu = predicted[0] == "crisis"
    net = is_crisis(text)
    return {"nlu": nlu, "net": net, "both": nlu or net}


def figures(predictions: dict[str, tuple[str, float]]) -> dict[str, Any]:
    """Recall (crisis set) and false-alarm rate (ordinary set) per layer, overall and per round."""
    report: dict[str, Any] = {}
    for name, path, want in (
        ("crisis", CRISIS_HELDOUT, True),
        ("ordinary", ORDINARY_HELDOUT, False),
    ):
        rows = read_rounds(path)
        missing = [t for t, _, _ in rows if t not in predictions]
        if missing:
            raise RuntimeError(f"no NLU prediction for {len(missing)} {name} examples")
        flags = [(t, r, flagged(t, predictions[t])) for t, _, r in rows]
        section: dict[str, Any] = {"examples": len(rows), "rounds": {}, "wrong": {}}
        for layer in LAYERS:
            hits = [f[layer] for _, _, f in flags]
            section[layer] = sum(hits) / len(hits)
            section["wrong"][layer] = [
                {"text": t, "nlu": predictions[t][0], "confidence": round(predictions[t][1], 3)}
                for t, _, f in flags
                if f[layer] != want
            ]
        for rnd in sorted({r for _, r, _ in flags}):
            sub = [f for _, r, f in flags if r == rnd]
            section["rounds"][rnd] = {"examples": len(sub)} | {
                layer: sum(f[layer] for f in sub) / len(sub) for layer in LAYERS
            }
        section["crisis_confidences"] = sorted(
            round(predictions[t][1], 3) for t, _, _ in rows if predictions[t][0] == "crisis"
        )
        report[name] = section
    return report


def print_report(report: dict[str, Any]) -> None:
    crisis, ordinary = report["crisis"], report["ordinary"]
    print(f"\nheld-out: {crisis['examples']} crisis, {ordinary['examples']} ordinary messages\n")
    print("| layer | crisis recall | false alarms |")
    print("|---|---|---|")
    labels = {"nlu": "NLU alone (intent crisis)", "net": "safety net alone", "both": "both"}
    for layer in LAYERS:
        print(f"| {labels[layer]} | {crisis[layer]:.1%} | {ordinary[layer]:.1%} |")
    print("\nper round (recall / false alarms):")
    for rnd in sorted(set(crisis["rounds"]) | set(ordinary["rounds"])):
        cells = []
        for layer in LAYERS:
            c = crisis["rounds"].get(rnd, {}).get(layer, float("nan"))
            o = ordinary["rounds"].get(rnd, {}).get(layer, float("nan"))
            cells.append(f"{layer} {c:.1%} / {o:.1%}")
        print(f"  round {rnd}: " + ", ".join(cells))
    for name, section in (("missed crisis", crisis), ("false alarm", ordinary)):
        for layer in LAYERS:
            for row in section["wrong"][layer]:
                print(
                    f"  {name} ({layer}): {row['text']!r} "
                    f"(NLU: {row['nlu']} {row['confidence']:.2f})"
                )
    print("\nconfidence of the NLU's crisis predictions:")
    for name, section in (("crisis set", crisis), ("ordinary set", ordinary)):
        print(f"  {name}: {section['crisis_confidences']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a trained engine model (.tar.gz)")
    args = parser.parse_args()
    settings = load_settings({"BOT_HOME": str(ROOT)})
    model = args.model or ensure_model(settings)
    print(f"model: {model.name}; evaluating the NLU on the crisis and ordinary sets ...")
    predictions = nlu_predictions(settings, model, [CRISIS_HELDOUT, ORDINARY_HELDOUT])
    report = figures(predictions)
    print_report(report)
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps({"model": model.name} | report, indent=2, ensure_ascii=False))
    print(f"\nwrote {OUT_JSON.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
