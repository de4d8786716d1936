"""A live system shared by the tests of one module. Starting the engine and the app costs
seconds each time (Rasa's start-up and model load); tests that use their own patients do not
disturb each other and can share one. Tests that kill processes, count everything in the
database or need settings of their own keep conftest's function-scoped `make_system`.

    @pytest.fixture(scope="module")
    def system(tmp_path_factory, trained_model):
        with running_system(tmp_path_factory.mktemp("safety"), trained_model, SITE) as live:
            yield live
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import LiveSystem


@contextmanager
def running_system(
    var_dir: Path,
    model: Path,
    env: dict[str, str] | None = None,
    database_url: str | None = None,
) -> Iterator[LiveSystem]:
    """An engine and an app as conftest's `make_system` starts them, stopped at the end."""
    system = LiveSystem(
        var_dir=var_dir,
        model=model,
        database_url=database_url or f"sqlite:///{var_dir / 'bot.db'}",
        extra_env=dict(env or {}),
    )
    try:
        system.start_engine()
        system.start_app()
        system.wait_ready()
        yield system
    finally:
        system.stop()
