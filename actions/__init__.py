"""rasa-sdk actions, built from one table (`table.py`) and registered as instances, so each
is handed the running app's `Dialogue`. Thin: each hands the latest message to one step."""
