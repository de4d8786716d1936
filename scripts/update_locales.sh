#!/usr/bin/env bash
# Extract the patient-facing texts and update the Danish and English catalogs.
#
#   scripts/update_locales.sh              extract to locales/messages.pot, update da and en
#   scripts/update_locales.sh --pot FILE   only extract, to FILE (used by tests/test_locales.py)
#
# Idempotent: when no text changed, no file changes (not even the creation date).
# New or changed texts come out in locales/da/LC_MESSAGES/messages.po with an empty or a
# "fuzzy" msgstr; translate them (tests/test_locales.py fails until you have).
#
# Why not a bare `pybabel extract -F babel.cfg`: babel's jinja2 extractor only sees `_("...")`
# in templates, while ours call `texts._("...")`. This script reads babel.cfg and extracts
# templates with a thin wrapper that sees both; everything else is babel's own extraction.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
POT=locales/messages.pot
LOCALES=(da en)

extract() {
    "$PYTHON" - "$1" <<'PY'
"""Write the message template named in argv[1] from the files that babel.cfg names."""

from __future__ import annotations

import io
import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import write_po
from jinja2.ext import babel_extract

KEYWORDS = {**DEFAULT_KEYWORDS, "_": None}
COMMENT_TAGS = ("TRANSLATORS:",)


def extract_jinja2(fileobj, keywords, comment_tags, options):
    """Jinja2 extraction that also sees `texts._("...")` (babel's sees only `_("...")`).

    The receiver before the call (`texts.`) is cut from the source, which keeps line numbers,
    and the result goes through Jinja2's own extractor. Syntax errors are raised, not skipped.
    """
    names = "|".join(re.escape(keyword) for keyword in sorted(keywords, key=len, reverse=True))
    receiver = re.compile(rf"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.(?=(?:{names})\s*\()")
    encoding = options.get("encoding", "utf-8")
    source = receiver.sub("", fileobj.read().decode(encoding))
    options = {**options, "silent": "false"}
    yield from babel_extract(io.BytesIO(source.encode(encoding)), keywords, comment_tags, options)


with open("babel.cfg", encoding="utf-8") as handle:
    method_map, options_map = parse_mapping_cfg(handle, filename="babel.cfg")
method_map = [
    (pattern, extract_jinja2 if method == "jinja2" else method) for pattern, method in method_map
]

catalog = Catalog(
    project="bot",
    version="0.1.0",
    copyright_holder="bot",
    msgid_bugs_address=None,
    charset="utf-8",
)
for filename, lineno, message, comments, context in extract_from_dir(
    ".", method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
    strip_comment_tags=True,
):
    catalog.add(message, None, [(filename.replace("\\", "/"), lineno)],
                auto_comments=comments, context=context)

with open(sys.argv[1], "wb") as out:
    write_po(out, catalog, sort_output=True)
PY
}

if [[ ${1:-} == "--pot" ]]; then
    extract "${2:?--pot needs a file name}"
    exit 0
fi

mkdir -p locales
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
extract "$tmp/messages.pot"

# Keep the old template (and its creation date) when only that date differs.
without_date() { grep -v '^"POT-Creation-Date: ' "$1"; }
if [[ ! -f $POT ]] || ! diff -q <(without_date "$POT") <(without_date "$tmp/messages.pot") >/dev/null; then
    cp "$tmp/messages.pot" "$POT"
    echo "updated $POT"
fi

for locale in "${LOCALES[@]}"; do
    po=locales/$locale/LC_MESSAGES/messages.po
    if [[ ! -f $po ]]; then
        "$PYBABEL" -q init -i "$POT" -d locales -D messages -l "$locale"
        echo "created $po"
        continue
    fi
    cp "$po" "$tmp/before.po"
    "$PYBABEL" -q update -i "$POT" -d locales -D messages -l "$locale" --ignore-pot-creation-date
    if ! cmp -s "$po" "$tmp/before.po"; then
        echo "updated $po"
    fi
done

untranslated=$("$PYTHON" - <<'PY'
from babel.messages.pofile import read_po

with open("locales/da/LC_MESSAGES/messages.po", "rb") as handle:
    catalog = read_po(handle)

def done(message):
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(strings)


print(sum(1 for message in catalog if message.id and not done(message)))
PY
)
if [[ $untranslated != 0 ]]; then
    echo "locales/da/LC_MESSAGES/messages.po: $untranslated message(s) to translate or review (empty or fuzzy)"
fi
