"""Time `make run` phase by phase (environments, engine model, ready), then stop it.

    python3 scripts/time_make_run.py [--port 8600] [--rasa-port 5600]

Run it in a fresh clone for the first-time figure and again for the warm one. Uses only the
standard library, so it works before the environments exist.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", default="8600")
    parser.add_argument("--rasa-port", default="5600")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    env = {**os.environ, "BOT_PORT": args.port, "RASA_PORT": args.rasa_port}
    started = time.monotonic()
    marks: dict[str, float] = {}
    process = subprocess.Popen(
        ["make", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        now = time.monotonic() - started
        if ".venv is" in line and "app_env" not in marks:
            marks["app_env"] = now
        if ".venv-rasa is" in line:
            marks["engine_env"] = now
        if "Engine model is up to date" in line or "Engine model trained" in line:
            marks["model"] = now
        if line.startswith("Ready in"):
            marks["ready"] = now
            break
        if now > args.timeout:
            break
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    previous = 0.0
    for name in ("app_env", "engine_env", "model", "ready"):
        if name in marks:
            print(f"{name:<11} at {marks[name]:7.1f} s  (+{marks[name] - previous:6.1f} s)")
            previous = marks[name]
    return 0 if "ready" in marks else 1


if __name__ == "__main__":
    sys.exit(main())
