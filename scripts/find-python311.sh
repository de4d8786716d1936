#!/usr/bin/env bash
# Prints the path of a Python >= 3.11 interpreter for the app env.
set -euo pipefail
for candidate in python3.13 python3.12 python3.11 python3; do
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "error: Python 3.11 or newer is needed for the app environment." >&2
exit 1
