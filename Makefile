# The two commands of the quick start: `make run` and `make test`. Both set up what they need.
.PHONY: run test test-fast setup setup-app setup-engine model system-deps lint bench bench-nlu bench-turns bench-login clean

run: setup model
	.venv/bin/bot run --demo

# Two workers (pytest-xdist, one per core); --dist loadfile keeps each test file on one worker,
# so a module's shared live system starts once. The model is trained before (model), so the
# workers never train it at the same time.
test: setup model system-deps
	.venv/bin/python -m pytest -n 2 --dist loadfile

test-fast: setup-app
	.venv/bin/python -m pytest -n 2 --dist loadfile -m "not e2e and not browser"

setup: setup-app setup-engine

setup-app:
	@scripts/setup-env.sh app

setup-engine:
	@scripts/setup-env.sh engine

# Trains only when dialogues/ changed (content hash; questionnaires are not part of it).
model: setup
	@.venv/bin/bot train

system-deps:
	@scripts/install-system-deps.sh

lint: setup-app
	.venv/bin/ruff check bot actions tests scripts
	.venv/bin/mypy bot actions

# The load benchmark of issue 13 (docs/PERFORMANCE.md): floor, Rasa's documented set-up, ours on
# SQLite and PostgreSQL, 1 and 50 patients; a few minutes. `--quick` is its smoke in `make test`.
bench: setup model
	.venv/bin/python scripts/bench_load.py

bench-nlu: setup-engine
	.venv-rasa/bin/python scripts/bench_nlu.py

bench-turns: setup model
	.venv/bin/python scripts/bench_turns.py

bench-login: setup model
	.venv/bin/python scripts/bench_login.py

clean:
	rm -rf var/models var/bench .pytest_cache .mypy_cache .ruff_cache
