"""Benchmark candidate Rasa NLU pipelines on the held-out Danish test set.

Run from the repository root with the Rasa interpreter:

    .venv-rasa/bin/python scripts/bench_nlu.py            # full run (DIET 100 epochs)
    .venv-rasa/bin/python scripts/bench_nlu.py --quick    # DIET 20 epochs, for a smoke test
    .venv-rasa/bin/python scripts/bench_nlu.py --only B,C

For every candidate pipeline it
  1. writes a temporary config file and trains an NLU-only model with `rasa train nlu`
     (training data: dialogues/data/nlu, domain: dialogues/domain, output: a temp dir),
  2. loads the model in a fresh Python process with rasa.core.agent.Agent.load and parses
     every utterance of tests/nlu/heldout.yml with agent.parse_message, timing each call,
  3. computes held-out accuracy, macro F1 and the per-intent F1.
It prints a table and writes var/bench/nlu.json.

Before anything is trained it checks that no held-out example equals a training example after
lower-casing (the held-out set must stay held out); it exits 2 if one does.

Timings: "train" is the wall clock of the whole `rasa train nlu` process, so it includes
Rasa's start-up (importing TensorFlow etc., reported separately as "import"); "load" is
Agent.load of the packed model in a process that has already imported Rasa; latencies are
per utterance (median of 3 parse_message calls) after warm-up, measured at the end in ONE
process that has loaded all candidate models and parses round-robin, so other work on the
machine slows all candidates alike; the cold first call is reported separately. The load average before and after the run is recorded, since the machine
may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DATA = ROOT / "dialogues" / "data" / "nlu"
DOMAIN = ROOT / "dialogues" / "domain"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
OUT_JSON = ROOT / "var" / "bench" / "nlu.json"
RESULT_MARK = "@@BENCH_RESULT@@"
# Each held-out utterance is parsed REPEATS times; its latency is the median of those calls,
# which damps spikes caused by other work on the (shared) machine.
REPEATS = 3
# Parse latencies (p50) within this fraction of the fastest candidate count as a tie.
SPEED_TIE = 0.10

ENV = {
    **os.environ,
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONWARNINGS": "ignore",
}


def candidates(quick: bool) -> dict[str, dict[str, Any]]:
    """The pipelines compared. Keys are short labels used in the table."""
    diet_epochs = 20 if quick else 100
    return {
        "A": {
            "description": f"Rasa default-ish: WS + Regex + LexSyn + CV word + CV char_wb 1-4 "
            f"+ DIET ({diet_epochs} ep)",
            "pipeline": [
                {"name": "WhitespaceTokenizer"},
                {"name": "RegexFeaturizer"},
                {"name": "LexicalSyntacticFeaturizer"},
                {"name": "CountVectorsFeaturizer"},
                {
                    "name": "CountVectorsFeaturizer",
                    "analyzer": "char_wb",
                    "min_ngram": 1,
                    "max_ngram": 4,
                },
                {
                    "name": "DIETClassifier",
                    "epochs": diet_epochs,
                    "constrain_similarities": True,
                    "random_seed": 42,
                },
                {"name": "EntitySynonymMapper"},
            ],
        },
        "B": {
            "description": "WS + CV word + CV char_wb 1-4 + LogisticRegression (max_iter 1000)",
            "pipeline": [
                {"name": "WhitespaceTokenizer"},
                {"name": "CountVectorsFeaturizer"},
                {
                    "name": "CountVectorsFeaturizer",
                    "analyzer": "char_wb",
                    "min_ngram": 1,
                    "max_ngram": 4,
                },
                # max_iter 1000: with the default 100, lbfgs stops before converging on this
                # data (sklearn ConvergenceWarning).
                {"name": "LogisticRegressionClassifier", "max_iter": 1000},
            ],
        },
        "C": {
            "description": "WS + CV word 1-2 + CV char_wb 2-5 + LogisticRegression (max_iter 1000)",
            "pipeline": [
                {"name": "WhitespaceTokenizer"},
                {"name": "CountVectorsFeaturizer", "min_ngram": 1, "max_ngram": 2},
                {
                    "name": "CountVectorsFeaturizer",
                    "analyzer": "char_wb",
                    "min_ngram": 2,
                    "max_ngram": 5,
                },
                {"name": "LogisticRegressionClassifier", "max_iter": 1000},
            ],
        },
    }


# --------------------------------------------------------------------------- data helpers


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from one Rasa NLU YAML file (or every *.yml under a directory)."""
    return [(text, intent) for text, intent, _ in read_examples_with_rounds(path)]


def read_examples_with_rounds(path: Path) -> list[tuple[str, str, int]]:
    """Like read_examples, plus the held-out "round" of each example.

    A comment line starting with "# ---- Round N" (at column 0) starts round N; examples
    before the first such line are round 1. Rounds let docs/NLU.md report accuracy on
    examples written before and after the training data was last revised.
    """
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    out: list[tuple[str, str, int]] = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        doc = yaml.safe_load(text) or {}
        examples = [
            (line.strip()[2:].strip(), block["intent"])
            for block in doc.get("nlu") or []
            if block.get("intent")
            for line in str(block.get("examples", "")).splitlines()
            if line.strip().startswith("- ")
        ]
        # Recover the round of each example by scanning the raw lines in the same order.
        rounds: list[int] = []
        current = 1
        for raw in text.splitlines():
            m = re.match(r"# ---- Round (\d+)", raw)
            if m:
                current = int(m.group(1))
            elif raw.startswith("    - "):
                rounds.append(current)
        if len(rounds) != len(examples):  # unusual layout: give up on rounds
            rounds = [1] * len(examples)
        out.extend((t, i, r) for (t, i), r in zip(examples, rounds, strict=True))
    return out


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def check_heldout_is_held_out(
    train: list[tuple[str, str]], test: list[tuple[str, str]]
) -> list[str]:
    train_texts = {normalise(t) for t, _ in train}
    return [t for t, _ in test if normalise(t) in train_texts]


# --------------------------------------------------------------------------- metrics


def metrics(gold: list[str], pred: list[str]) -> dict[str, Any]:
    labels = sorted(set(gold) | set(pred))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    per_intent = {}
    for label in labels:
        prec = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        rec = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_intent[label] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "support": tp[label] + fn[label],
        }
    gold_labels = sorted(set(gold))  # macro over the intents present in the test set
    macro_f1 = sum(per_intent[label]["f1"] for label in gold_labels) / len(gold_labels)
    accuracy = sum(tp.values()) / len(gold)
    return {"accuracy": accuracy, "macro_f1": macro_f1, "per_intent": per_intent}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --------------------------------------------------------------------------- eval worker


def eval_worker(model_path: str, heldout_path: str) -> None:
    """Runs in a fresh process: load the model, parse every held-out utterance, report JSON."""
    import logging
    import resource
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)

    t0 = time.perf_counter()
    from rasa.core.agent import Agent

    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    agent = Agent.load(model_path)
    load_s = time.perf_counter() - t0

    examples = read_examples(Path(heldout_path))
    loop = asyncio.new_event_loop()

    t0 = time.perf_counter()
    loop.run_until_complete(agent.parse_message("hej"))  # cold first call
    first_parse_ms = (time.perf_counter() - t0) * 1000

    results = []
    for text, intent in examples:
        timings = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            parsed = loop.run_until_complete(agent.parse_message(text))
            timings.append((time.perf_counter() - t0) * 1000)
        top = parsed.get("intent") or {}
        results.append(
            {
                "text": text,
                "gold": intent,
                "pred": top.get("name"),
                "confidence": round(float(top.get("confidence") or 0.0), 4),
                "ms": statistics.median(timings),
            }
        )
    loop.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "import_s": import_s,
        "load_s": load_s,
        "first_parse_ms": first_parse_ms,
        "max_rss_mb": rss_mb,
        "results": results,
    }
    print(RESULT_MARK + json.dumps(out), flush=True)


def latency_worker(heldout_path: str, model_paths: list[str]) -> None:
    """Runs in a fresh process: load ALL candidate models, then time parse_message round-robin.

    Every held-out utterance is parsed by every model, REPEATS times, rotating the order, so a
    burst of other work on the machine slows all candidates alike. Reports, per model, the
    median latency of each utterance.
    """
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agents = [Agent.load(m) for m in model_paths]
    texts = [t for t, _ in read_examples(Path(heldout_path))]
    loop = asyncio.new_event_loop()
    for agent in agents:  # warm-up
        for text in texts[:10]:
            loop.run_until_complete(agent.parse_message(text))
    n = len(agents)
    times: list[list[list[float]]] = [[[] for _ in texts] for _ in agents]
    for rep in range(REPEATS):
        for i, text in enumerate(texts):
            for j in range(n):
                k = (i + rep + j) % n
                t0 = time.perf_counter()
                loop.run_until_complete(agents[k].parse_message(text))
                times[k][i].append((time.perf_counter() - t0) * 1000)
    loop.close()
    out = {"ms": [[statistics.median(t) for t in per_model] for per_model in times]}
    print(RESULT_MARK + json.dumps(out), flush=True)


# --------------------------------------------------------------------------- driver


def run(
    cmd: list[str], log_path: Path, env: dict[str, str] | None = None
) -> tuple[int, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env or ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    log_path.write_text(
        f"$ {' '.join(cmd)}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}", encoding="utf-8"
    )
    return proc.returncode, elapsed, proc.stdout


def interesting_warnings(log_text: str) -> list[str]:
    """Rasa/sklearn warnings worth reporting (not the usual deprecation noise)."""
    keep = []
    for line in log_text.splitlines():
        if re.search(r"ConvergenceWarning|UserWarning|WARNING|Warning:", line) and not re.search(
            r"DeprecationWarning|uber|SQLALCHEMY|jax|tensorflow_addons|sanic", line, re.I
        ):
            line = line.strip()
            if line and line not in keep:
                keep.append(line[:300])
    return keep[:15]


def bench_candidate(label: str, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    rasa = str(Path(sys.executable).with_name("rasa"))
    cand_dir = workdir / label
    cand_dir.mkdir(parents=True, exist_ok=True)
    config_path = cand_dir / "config.yml"
    config = {
        "recipe": "default.v1",
        "assistant_id": "bench-nlu",
        "language": "da",
        "pipeline": spec["pipeline"],
        "policies": [],
    }
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), "utf-8")

    print(f"[{label}] training: {spec['description']}", flush=True)
    cmd = [
        rasa, "train", "nlu",
        "--config", str(config_path),
        "--nlu", str(NLU_DATA),
        "--domain", str(DOMAIN),
        "--out", str(cand_dir / "models"),
        "--fixed-model-name", f"nlu-{label}",
    ]  # fmt: skip
    # A fresh, empty Rasa training cache per candidate: otherwise `rasa train` reuses cached
    # components from earlier runs (default cache: ./.rasa/cache) and the time is meaningless.
    env = {**ENV, "RASA_CACHE_DIRECTORY": str(cand_dir / "cache")}
    rc, train_s, _ = run(cmd, cand_dir / "train.log", env)
    train_log = (cand_dir / "train.log").read_text(encoding="utf-8")
    models = sorted((cand_dir / "models").glob("*.tar.gz"))
    if rc != 0 or not models:
        print(f"[{label}] training FAILED (rc={rc}); see {cand_dir / 'train.log'}", flush=True)
        print(train_log[-3000:], flush=True)
        return {"label": label, "description": spec["description"], "error": f"train rc={rc}"}
    print(f"[{label}] trained in {train_s:.1f} s -> evaluating", flush=True)

    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--eval-worker",
        str(models[0]),
        str(HELDOUT),
    ]
    rc, _, stdout = run(cmd, cand_dir / "eval.log")
    line = next((ln for ln in stdout.splitlines() if ln.startswith(RESULT_MARK)), None)
    if rc != 0 or line is None:
        print(f"[{label}] evaluation FAILED (rc={rc}); see {cand_dir / 'eval.log'}", flush=True)
        print((cand_dir / "eval.log").read_text(encoding="utf-8")[-3000:], flush=True)
        return {"label": label, "description": spec["description"], "error": f"eval rc={rc}"}
    worker = json.loads(line[len(RESULT_MARK) :])
    results = worker["results"]
    m = metrics([r["gold"] for r in results], [r["pred"] or "" for r in results])
    lat = [r["ms"] for r in results]
    errors = [
        {"text": r["text"], "gold": r["gold"], "pred": r["pred"], "confidence": r["confidence"]}
        for r in results
        if r["gold"] != r["pred"]
    ]
    confusions = Counter(f"{e['gold']} -> {e['pred']}" for e in errors)
    rounds = read_examples_with_rounds(HELDOUT)
    by_round: dict[int, list[bool]] = defaultdict(list)
    for (_, _, rnd), r in zip(rounds, results, strict=True):
        by_round[rnd].append(r["gold"] == r["pred"])
    accuracy_by_round = {
        f"round{k}": {"n": len(v), "accuracy": round(sum(v) / len(v), 4)}
        for k, v in sorted(by_round.items())
    }
    out = {
        "label": label,
        "description": spec["description"],
        "pipeline": spec["pipeline"],
        "_model": str(models[0]),
        "train_s": round(train_s, 2),
        "import_s": round(worker["import_s"], 2),
        "load_s": round(worker["load_s"], 2),
        "first_parse_ms": round(worker["first_parse_ms"], 1),
        # latency measured in this candidate's own process; replaced by the interleaved
        # measurement (measure_latency_interleaved) when that succeeds
        "parse_p50_ms": round(percentile(lat, 0.50), 2),
        "parse_p95_ms": round(percentile(lat, 0.95), 2),
        "isolated_parse_p50_ms": round(percentile(lat, 0.50), 2),
        "isolated_parse_p95_ms": round(percentile(lat, 0.95), 2),
        "latency_method": "isolated",
        "max_rss_mb": round(worker["max_rss_mb"], 0),
        "n_test": len(results),
        "accuracy": round(m["accuracy"], 4),
        "macro_f1": round(m["macro_f1"], 4),
        "accuracy_by_round": accuracy_by_round,
        "per_intent": m["per_intent"],
        "median_confidence_correct": round(
            statistics.median([r["confidence"] for r in results if r["gold"] == r["pred"]] or [0]),
            3,
        ),
        "errors": errors,
        "confusions": dict(confusions.most_common()),
        "train_warnings": interesting_warnings(train_log),
    }
    print(
        f"[{label}] accuracy {out['accuracy']:.1%}  macro F1 {out['macro_f1']:.3f}  "
        f"load {out['load_s']:.1f} s  (own process: p50 {out['parse_p50_ms']:.1f} ms  "
        f"p95 {out['parse_p95_ms']:.1f} ms)",
        flush=True,
    )
    print(
        f"[{label}] by held-out round: "
        + ", ".join(f"{k} {v['accuracy']:.1%} (n={v['n']})" for k, v in accuracy_by_round.items()),
        flush=True,
    )
    return out


def measure_latency_interleaved(rows: list[dict[str, Any]], workdir: Path) -> None:
    """Re-measure parse latency of all candidates in one process, round-robin (see worker)."""
    ok = [r for r in rows if "error" not in r]
    if len(ok) < 2:
        return
    print(f"measuring parse latency of {', '.join(r['label'] for r in ok)} interleaved", flush=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--latency-worker",
        str(HELDOUT),
        *[r["_model"] for r in ok],
    ]
    rc, _, stdout = run(cmd, workdir / "latency.log")
    line = next((ln for ln in stdout.splitlines() if ln.startswith(RESULT_MARK)), None)
    if rc != 0 or line is None:
        print(f"interleaved latency FAILED (rc={rc}); keeping per-process latencies", flush=True)
        return
    per_model = json.loads(line[len(RESULT_MARK) :])["ms"]
    for r, lat in zip(ok, per_model, strict=True):
        r["parse_p50_ms"] = round(percentile(lat, 0.50), 2)
        r["parse_p95_ms"] = round(percentile(lat, 0.95), 2)
        r["parse_mean_ms"] = round(statistics.fmean(lat), 2)
        r["latency_method"] = "interleaved"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        "| pipeline | train (s) | load (s) | held-out acc | macro F1 | p50 (ms) | p95 (ms) "
        "| RSS (MB) |"
    )
    print()
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['label']}: {r['description']} | FAILED: {r['error']} ||||||| ")
            continue
        print(
            f"| {r['label']}: {r['description']} | {r['train_s']:.1f} | {r['load_s']:.1f} "
            f"| {r['accuracy']:.1%} | {r['macro_f1']:.3f} | {r['parse_p50_ms']:.1f} "
            f"| {r['parse_p95_ms']:.1f} | {r['max_rss_mb']:.0f} |"
        )
    methods = sorted({r.get("latency_method", "?") for r in rows if "error" not in r})
    print(f"p50/p95 = per-message parse_message latency, measured {' + '.join(methods)}")
    print()
    for r in rows:
        if "error" in r:
            continue
        rounds = ", ".join(
            f"{k} {v['accuracy']:.1%} (n={v['n']})" for k, v in r["accuracy_by_round"].items()
        )
        print(f"{r['label']}: accuracy by held-out round: {rounds}")
        print(f"{r['label']}: {len(r['errors'])} errors; confusions (gold -> predicted):")
        for k, v in list(r["confusions"].items())[:12]:
            print(f"    {v:2d}  {k}")
        for w in r["train_warnings"]:
            print(f"    warning: {w}")


def pick_winner(rows: list[dict[str, Any]]) -> str | None:
    """Accuracy first; among candidates within 1 point of the best, the fastest.

    "Fastest" = lowest p50 parse latency (measured interleaved, see measure_latency_interleaved);
    candidates within SPEED_TIE (10 %) of the fastest count as equally fast. Among those the
    more accurate one wins; train + load time (noisy under load) only breaks an exact tie.
    """
    ok = [r for r in rows if "error" not in r]
    if not ok:
        return None
    best = max(r["accuracy"] for r in ok)
    close = [r for r in ok if r["accuracy"] >= best - 0.01]
    fastest_p50 = min(r["parse_p50_ms"] for r in close)
    margin = SPEED_TIE * fastest_p50
    fast = [r for r in close if r["parse_p50_ms"] <= fastest_p50 + margin]
    return min(fast, key=lambda r: (-r["accuracy"], r["load_s"] + r["train_s"]))["label"]


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="DIET with 20 epochs instead of 100")
    ap.add_argument("--only", default="", help="comma-separated candidate labels, e.g. B,C")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir with models and logs")
    ap.add_argument("--eval-worker", nargs=2, metavar=("MODEL", "HELDOUT"), help=argparse.SUPPRESS)
    ap.add_argument("--latency-worker", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.eval_worker:
        eval_worker(*args.eval_worker)
        return 0
    if args.latency_worker:
        latency_worker(args.latency_worker[0], args.latency_worker[1:])
        return 0

    train = read_examples(NLU_DATA)
    test = read_examples(HELDOUT)
    leaked = check_heldout_is_held_out(train, test)
    if leaked:
        print("Held-out examples that also occur in the training data:", file=sys.stderr)
        for t in leaked:
            print(f"  {t}", file=sys.stderr)
        return 2
    per_intent_test = Counter(i for _, i in test)
    print(
        f"training examples: {len(train)} ({len(set(i for _, i in train))} intents); "
        f"held-out: {len(test)} ({len(per_intent_test)} intents); overlap: none",
        flush=True,
    )

    cands = candidates(args.quick)
    wanted = [c.strip() for c in args.only.split(",") if c.strip()] or list(cands)
    unknown = [c for c in wanted if c not in cands]
    if unknown:
        print(f"unknown candidate(s): {unknown}; known: {list(cands)}", file=sys.stderr)
        return 2

    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench_nlu_"))
    rows = []
    try:
        for label in wanted:
            rows.append(bench_candidate(label, cands[label], workdir))
        measure_latency_interleaved(rows, workdir)
    finally:
        if args.keep:
            print(f"models and logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    for r in rows:
        r.pop("_model", None)
    print_table(rows)
    winner = pick_winner(rows)
    print(f"\nwinner (accuracy first; within 1 point the faster one): {winner}")
    config_path = ROOT / "dialogues" / "config.yml"
    in_use = None
    if config_path.exists():
        used = (yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}).get("pipeline")
        in_use = next((lb for lb, spec in cands.items() if spec["pipeline"] == used), None)
    print(f"dialogues/config.yml uses candidate: {in_use or 'none of these'}")

    import rasa  # only for the version string

    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "rasa_version": rasa.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_1min_before": round(load_before[0], 2),
        "loadavg_1min_after": round(os.getloadavg()[0], 2),
        "latency_repeats": REPEATS,
        "training_examples": len(train),
        "training_per_intent": dict(Counter(i for _, i in train)),
        "heldout_examples": len(test),
        "heldout_per_intent": dict(per_intent_test),
        "winner": winner,
        "config_yml_candidate": in_use,
        "candidates": rows,
    }
    OUT_JSON.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {OUT_JSON.relative_to(ROOT)}")
    return 0 if any("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
