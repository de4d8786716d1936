"""The one place that reads the environment.

Everything configurable is read here once, into an immutable `Settings`. Other modules get a
`Settings` passed in (or call `get_settings()` at their entry point); nothing else touches
`os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class CrisisContacts:
    """Numbers shown in the crisis message; every deployment sets its own region's."""

    emergency: str = "112"
    medical_helpline: str = "1813"
    medical_helpline_name: str = "Lægevagten"
    livslinien: str = "70 201 201"


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str
    port: int
    public_url: str
    rasa_url: str
    manage_rasa: bool
    rasa_port: int
    rasa_python: Path
    rasa_model_dir: Path
    dialogues_dir: Path
    questionnaire_dir: Path
    locales_dir: Path
    var_dir: Path
    locale: str
    fhir_canonical_base: str
    engine_timeout: float
    max_message_chars: int
    crisis: CrisisContacts = field(default_factory=CrisisContacts)
    log_level: str = "INFO"
    # Coordinator console (docs/CONSOLE.md). An empty secret key means: use the random key
    # kept in <var>/secret_key (created on first use); set BOT_SECRET_KEY when several app
    # processes serve the console. An empty pseudonym key is derived from the secret key.
    secret_key: str = ""
    export_pseudonym_key: str = ""
    console_idle_minutes: int = 30
    console_session_hours: int = 12
    console_cookie_secure: bool = False
    console_login_max_failures: int = 5
    console_login_window_minutes: int = 15
    console_stalled_days: int = 7
    console_timezone: str = "Europe/Copenhagen"
    # Telegram (docs/TELEGRAM.md). Telegram starts only when a bot token is set. The token
    # and the webhook secret are secrets: kept out of repr() so they never reach a log.
    telegram_bot_token: str = field(default="", repr=False)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: str = "polling"  # polling|webhook
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = field(default="", repr=False)
    telegram_invite_days: int = 14

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}/actions/webhook"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (the process environment by default)."""
    env = os.environ if env is None else env
    root = Path(env.get("BOT_HOME", PROJECT_ROOT))
    var_dir = Path(env.get("BOT_VAR_DIR", root / "var"))
    host = env.get("BOT_HOST", "127.0.0.1")
    port = int(env.get("BOT_PORT", "8000"))
    rasa_port = int(env.get("RASA_PORT", "5005"))
    rasa_url = env.get("RASA_URL", "")
    dialogues = Path(env.get("BOT_DIALOGUES_DIR", root / "dialogues"))
    return Settings(
        database_url=env.get("DATABASE_URL", f"sqlite:///{var_dir / 'bot.db'}"),
        host=host,
        port=port,
        public_url=env.get("BOT_PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
        # With no RASA_URL the app starts and supervises its own engine process.
        rasa_url=(rasa_url or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        manage_rasa=_bool(env.get("RASA_MANAGE"), default=not rasa_url),
        rasa_port=rasa_port,
        rasa_python=Path(env.get("RASA_PYTHON", root / ".venv-rasa" / "bin" / "python")),
        rasa_model_dir=Path(env.get("RASA_MODEL_DIR", var_dir / "models")),
        dialogues_dir=dialogues,
        questionnaire_dir=Path(env.get("BOT_QUESTIONNAIRE_DIR", dialogues / "questionnaires")),
        locales_dir=Path(env.get("BOT_LOCALES_DIR", root / "locales")),
        var_dir=var_dir,
        locale=env.get("BOT_LOCALE", "da"),
        fhir_canonical_base=env.get(
            "FHIR_CANONICAL_BASE", "https://pro-chat.example.org/fhir/Questionnaire"
        ).rstrip("/"),
        engine_timeout=float(env.get("RASA_TIMEOUT", "30")),
        max_message_chars=int(env.get("BOT_MAX_MESSAGE_CHARS", "2000")),
        crisis=CrisisContacts(
            emergency=env.get("CRISIS_EMERGENCY", "112"),
            medical_helpline=env.get("CRISIS_MEDICAL_HELPLINE", "1813"),
            medical_helpline_name=env.get("CRISIS_MEDICAL_HELPLINE_NAME", "Lægevagten"),
            livslinien=env.get("CRISIS_LIVSLINIEN", "70 201 201"),
        ),
        log_level=env.get("BOT_LOG_LEVEL", "INFO").upper(),
        secret_key=env.get("BOT_SECRET_KEY", ""),
        export_pseudonym_key=env.get("BOT_EXPORT_PSEUDONYM_KEY", ""),
        console_idle_minutes=int(env.get("BOT_CONSOLE_IDLE_MINUTES", "30")),
        console_session_hours=int(env.get("BOT_CONSOLE_SESSION_HOURS", "12")),
        # A Secure cookie is not sent over plain http (e.g. http://127.0.0.1 in development).
        console_cookie_secure=_bool(
            env.get("BOT_COOKIE_SECURE"),
            default=env.get("BOT_PUBLIC_URL", "").lower().startswith("https://"),
        ),
        console_login_max_failures=int(env.get("BOT_LOGIN_MAX_FAILURES", "5")),
        console_login_window_minutes=int(env.get("BOT_LOGIN_WINDOW_MINUTES", "15")),
        console_stalled_days=int(env.get("BOT_STALLED_DAYS", "7")),
        console_timezone=env.get("BOT_TIMEZONE", "Europe/Copenhagen"),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip()
        or "https://api.telegram.org/bot",
        telegram_mode=_telegram_mode(env.get("TELEGRAM_MODE", "")),
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip(),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        telegram_invite_days=int(env.get("TELEGRAM_INVITE_DAYS", "14")),
    )


def _telegram_mode(value: str) -> str:
    mode = value.strip().lower() or "polling"
    if mode not in {"polling", "webhook"}:
        raise ValueError(f"TELEGRAM_MODE must be 'polling' or 'webhook', not {value!r}")
    return mode


def user_password(env: Mapping[str, str] | None = None) -> str:
    """BOT_USER_PASSWORD: the password for `bot user add` (a one-off secret, so it is not kept
    in Settings); empty when not set."""
    env = os.environ if env is None else env
    return env.get("BOT_USER_PASSWORD", "")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
