#!/usr/bin/env bash
# Creates or updates one virtual environment from its lock file. Idempotent: a stamp file
# records the lock file's hash, so an unchanged environment is left alone.
#   scripts/setup-env.sh app     -> .venv       (Python >= 3.11, requirements.lock + the bot package)
#   scripts/setup-env.sh engine  -> .venv-rasa  (Python 3.10, requirements-rasa.lock: rasa==3.6.21)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: setup-env.sh app|engine}
case "$kind" in
  app) venv=.venv; lock=requirements.lock; python=$(scripts/find-python311.sh); extra=pyproject.toml ;;
  engine) venv=.venv-rasa; lock=requirements-rasa.lock; python=$(scripts/find-python310.sh); extra= ;;
  *) echo "usage: setup-env.sh app|engine" >&2; exit 2 ;;
esac
want=$(cat "$lock" $extra | sha256sum | cut -c1-16)
stamp="$venv/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv is up to date."
  exit 0
fi
echo "Setting up $venv with $("$python" --version) from $lock (this takes a few minutes the first time) ..."
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# pip's own progress bars show the long downloads; --no-input keeps CI from waiting on a prompt.
"$venv/bin/python" -m pip install --no-input --progress-bar on -r "$lock" 2>&1 | grep -v "already satisfied" || true
"$venv/bin/python" -m pip check >/dev/null 2>&1 || true
if [ "$kind" = app ]; then
  "$venv/bin/python" -m pip install --no-input --quiet --no-deps -e .
  "$venv/bin/python" -c "import bot, starlette, sqlalchemy, rasa_sdk"
else
  "$venv/bin/python" -c "import rasa.version as v; assert v.__version__ == '3.6.21', v.__version__"
fi
echo "$want" > "$stamp"
echo "$venv is ready."
