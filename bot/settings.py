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


# Each region's acute medical line (../shared/content/INSTRUMENTS.md). Hovedstaden calls it
# Akuttelefonen (open around the clock); the other regions Lægevagten (16-08 and weekends).
# UNVERIFIED: check against the regions' own pages before clinical use.
REGION_ACUTE_LINES: Mapping[str, tuple[str, str]] = {
    "hovedstaden": ("Akuttelefonen", "1813"),
    "sjaelland": ("Lægevagten", "1818"),
    "syddanmark": ("Lægevagten", "70 11 07 07"),
    "midtjylland": ("Lægevagten", "70 11 31 31"),
    "nordjylland": ("Lægevagten", "70 15 03 00"),
}


@dataclass(frozen=True)
class CrisisContacts:
    """Numbers shown in the crisis message and wherever the bot says whom to call. A site (a
    clinic or team) has its own: its region's acute line and the department's own number;
    never another region's."""

    emergency: str = "112"
    medical_helpline: str = "1813"
    medical_helpline_name: str = "Akuttelefonen"
    livslinien: str = "70 201 201"
    # The department's own (often 24-hour) number for patients in treatment; "" if not set.
    department: str = ""


class SettingsError(ValueError):
    """A setting has a value the app cannot use (the message says which and why)."""


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
    # Sites with contacts of their own (BOT_SITES_FILE), by the site name set on a patient.
    sites: Mapping[str, CrisisContacts] = field(default_factory=dict)
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
    # Per IP address in the same window, and for everyone per minute (attempts that reach
    # the password check); the password check runs on this many threads of its own.
    console_login_ip_max_failures: int = 20
    console_login_global_per_minute: int = 120
    login_hash_workers: int = 1
    # Proxies whose X-Forwarded-For/-Proto uvicorn believes (comma-separated IPs or "*").
    # Empty: nobody's, so a client cannot choose the address its log-in limit counts.
    forwarded_allow_ips: str = ""
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
    # The internal listener for the engine's action calls (loopback only) and the secrets of
    # the two internal interfaces. Empty secrets are generated at start-up (bot/internal.py).
    actions_port: int = 5055
    actions_secret: str = field(default="", repr=False)
    rasa_auth_token: str = field(default="", repr=False)
    # Web chat links: a link expires this many days after its last use; the
    # link the Telegram consent step sends works once, for this many minutes.
    link_days: int = 60
    handoff_minutes: int = 15
    # The app runs a scheduler pass (bot/course/runner.py) this often; 0: never (tests that
    # drive passes themselves, or when `bot schedule run` runs from cron instead).
    scheduler_seconds: float = 60.0
    # Reminders go out from the first to the last hour, local time (BOT_REMINDER_HOURS=08-20).
    reminder_hours: tuple[int, int] = (8, 20)

    def contacts_for(self, site: str | None) -> CrisisContacts:
        """The crisis contacts of a patient's site (the default ones for no or another site)."""
        return self.sites.get(site or "", self.crisis)

    @property
    def plans_dir(self) -> Path:
        """The course plans (dialogues/plans/*.yml), read at run time like questionnaires."""
        return self.dialogues_dir / "plans"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _region(name: str, where: str) -> tuple[str, str]:
    key = name.strip().lower().replace("æ", "ae")
    if key not in REGION_ACUTE_LINES:
        raise SettingsError(
            f"{where}: unknown region {name!r}; use one of {', '.join(REGION_ACUTE_LINES)}"
        )
    return REGION_ACUTE_LINES[key]


def _sites(path: str, default: CrisisContacts) -> dict[str, CrisisContacts]:
    """Sites from a YAML file: `sites: {<site>: {region: <region>, department: "<number>"}}`."""
    if not path:
        return {}
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SettingsError(f"BOT_SITES_FILE: cannot read {path}: {error}") from error
    sites = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(sites, dict):
        raise SettingsError(f"BOT_SITES_FILE: {path} must have a 'sites:' mapping")
    contacts: dict[str, CrisisContacts] = {}
    for site, entry in sites.items():
        if not isinstance(entry, dict) or "region" not in entry:
            raise SettingsError(f"BOT_SITES_FILE: site {site!r} needs a 'region'")
        name, number = _region(str(entry["region"]), f"BOT_SITES_FILE: site {site!r}")
        contacts[str(site)] = replace(
            default,
            medical_helpline=number,
            medical_helpline_name=name,
            department=str(entry.get("department") or "").strip(),
        )
    return contacts


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
    acute_name, acute_number = _region(env.get("BOT_REGION", "hovedstaden"), "BOT_REGION")
    default_contacts = CrisisContacts(
        emergency=env.get("CRISIS_EMERGENCY", "112"),
        medical_helpline=env.get("CRISIS_MEDICAL_HELPLINE", acute_number),
        medical_helpline_name=env.get("CRISIS_MEDICAL_HELPLINE_NAME", acute_name),
        livslinien=env.get("CRISIS_LIVSLINIEN", "70 201 201"),
        department=env.get("CRISIS_DEPARTMENT", "").strip(),
    )
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
        crisis=default_contacts,
        sites=_sites(env.get("BOT_SITES_FILE", ""), default_contacts),
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
        console_login_ip_max_failures=int(env.get("BOT_LOGIN_IP_MAX_FAILURES", "20")),
        console_login_global_per_minute=int(env.get("BOT_LOGIN_GLOBAL_PER_MINUTE", "120")),
        login_hash_workers=max(1, int(env.get("BOT_LOGIN_HASH_WORKERS", "1"))),
        forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", "").strip(),
        console_stalled_days=int(env.get("BOT_STALLED_DAYS", "7")),
        console_timezone=env.get("BOT_TIMEZONE", "Europe/Copenhagen"),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip()
        or "https://api.telegram.org/bot",
        telegram_mode=_telegram_mode(env.get("TELEGRAM_MODE", "")),
        telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip(),
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        telegram_invite_days=int(env.get("TELEGRAM_INVITE_DAYS", "14")),
        actions_port=int(env.get("BOT_ACTIONS_PORT", "5055")),
        actions_secret=env.get("BOT_ACTIONS_SECRET", "").strip(),
        rasa_auth_token=env.get("RASA_AUTH_TOKEN", "").strip(),
        link_days=int(env.get("BOT_LINK_DAYS", "60")),
        handoff_minutes=int(env.get("BOT_HANDOFF_MINUTES", "15")),
        scheduler_seconds=max(0.0, float(env.get("BOT_SCHEDULER_SECONDS", "60"))),
        reminder_hours=_hours(env.get("BOT_REMINDER_HOURS", "08-20")),
    )


def _hours(value: str) -> tuple[int, int]:
    """``08-20``: from 8 to 20 o'clock."""
    try:
        start, end = (int(part) for part in value.strip().split("-"))
    except ValueError:
        raise ValueError(f"BOT_REMINDER_HOURS must look like 08-20, not {value!r}") from None
    if not 0 <= start < end <= 24:
        raise ValueError(
            f"BOT_REMINDER_HOURS must be two hours from 0 to 24, the first before the last: "
            f"{value!r}"
        )
    return start, end


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
