"""Turn latency through the web chat API, with the real engine and app processes.

Baseline, measured in the same run: the engine's bare NLU parse (`POST /model/parse`) of the
same texts. The ratio shows what the dialogue, the action round trip and the database add.

    .venv/bin/python scripts/bench_turns.py [--patients 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.engine import ensure_model
from bot.settings import PROJECT_ROOT
from tests.conftest import make_settings
from tests.e2e.conftest import LiveSystem, Patient

TYPED = ["det meste af tiden", "hele tiden", "lidt af tiden", "næsten aldrig", "hele tidden"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "var" / "bench" / "turns.json")
    args = parser.parse_args()

    model = ensure_model(make_settings(PROJECT_ROOT / "var"), quiet=True)
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        system = LiveSystem(var_dir=var_dir, model=model,
                            database_url=args.database_url or f"sqlite:///{var_dir / 'bot.db'}")
        print("starting engine and app ...", flush=True)
        started = time.perf_counter()
        system.start_engine()
        system.start_app()
        system.wait_ready()
        print(f"ready in {time.perf_counter() - started:.1f} s", flush=True)
        try:
            button_ms: list[float] = []
            typed_ms: list[float] = []
            for number in range(args.patients):
                patient = Patient(system, system.invite("who5"))
                patient.start()
                patient.say("ja")
                patient.say("spring over")  # the opening literacy screen
                for item in range(5):
                    if item % 2 == 0:
                        button_ms.append(timed(lambda p=patient: p.press("Det meste af tiden")))
                    else:
                        typed_ms.append(timed(lambda p=patient, i=item: p.say(TYPED[i])))
                print(f"  patient {number + 1}/{args.patients} done", flush=True)
            parse_url = f"http://127.0.0.1:{system.engine_port}/model/parse"
            with httpx.Client(timeout=30) as client:
                # The engine's API needs its token (issue 9); a 401 would time nothing real.
                token = {"token": system.rasa_auth_token}
                assert client.post(parse_url, params=token, json={"text": "ja"}).status_code == 200
                baseline = [
                    timed(lambda t=t: client.post(parse_url, params=token, json={"text": t}))
                    for _ in range(args.patients) for t in TYPED
                ]
        finally:
            system.stop()

    turns = button_ms + typed_ms
    result = {
        "patients": args.patients,
        "turns": len(turns),
        "turn_p50_ms": statistics.median(turns),
        "turn_p95_ms": percentile(turns, 0.95),
        "button_p50_ms": statistics.median(button_ms),
        "typed_p50_ms": statistics.median(typed_ms),
        "baseline_parse_p50_ms": statistics.median(baseline),
        "baseline_parse_p95_ms": percentile(baseline, 0.95),
    }
    result["ratio_p50"] = result["turn_p50_ms"] / result["baseline_parse_p50_ms"]
    print()
    print(f"{'measure':<34}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'turn through the web API':<34}{result['turn_p50_ms']:>10.1f}{result['turn_p95_ms']:>10.1f}")
    print(f"{'  button presses':<34}{result['button_p50_ms']:>10.1f}")
    print(f"{'  typed answers':<34}{result['typed_p50_ms']:>10.1f}")
    print(f"{'baseline: engine NLU parse only':<34}{result['baseline_parse_p50_ms']:>10.1f}"
          f"{result['baseline_parse_p95_ms']:>10.1f}")
    print(f"ratio turn/baseline (p50): {result['ratio_p50']:.1f}x over {len(turns)} turns")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
