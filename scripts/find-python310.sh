#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (on PATH or under pyenv), for the engine env.
set -euo pipefail
candidates=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  candidates+=("$root"/versions/3.10*/bin/python3.10)
fi
candidates+=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10)
for candidate in "${candidates[@]}"; do
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    # pyenv shims may point at a missing version; ask the interpreter for its real path.
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "error: Python 3.10 is needed for the Rasa engine environment; none found on PATH or under pyenv." >&2
exit 1
