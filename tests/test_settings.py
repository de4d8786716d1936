"""load_settings: defaults and overrides from an environment mapping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, CrisisContacts, Settings, get_settings, load_settings


def test_defaults() -> None:
    settings = load_settings({})
    root = PROJECT_ROOT
    assert settings.var_dir == root / "var"
    assert settings.database_url == f"sqlite:///{root / 'var' / 'bot.db'}"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.manage_rasa is True
    assert settings.rasa_port == 5005
    assert settings.rasa_python == root / ".venv-rasa" / "bin" / "python"
    assert settings.rasa_model_dir == root / "var" / "models"
    assert settings.dialogues_dir == root / "dialogues"
    assert settings.questionnaire_dir == root / "dialogues" / "questionnaires"
    assert settings.locales_dir == root / "locales"
    assert settings.locale == "da"
    assert settings.engine_timeout == 30.0
    assert settings.max_message_chars == 2000
    assert settings.log_level == "INFO"
    assert settings.crisis == CrisisContacts()
    assert settings.crisis.emergency == "112"
    assert settings.crisis.medical_helpline == "1813"
    # The engine calls the actions on the internal loopback listener, never the public port.
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"
    assert (settings.actions_port, settings.actions_secret, settings.rasa_auth_token) == (
        5055,
        "",
        "",
    )
    assert settings.fhir_canonical_base.startswith("https://")
    assert not settings.fhir_canonical_base.endswith("/")


def test_overrides(tmp_path: Path) -> None:
    env = {
        "BOT_HOME": str(tmp_path),
        "BOT_VAR_DIR": str(tmp_path / "state"),
        "DATABASE_URL": "postgresql://bot@db.internal:5432/bot",
        "BOT_HOST": "0.0.0.0",
        "BOT_PORT": "9001",
        "BOT_PUBLIC_URL": "https://chat.example.dk/",
        "RASA_URL": "http://rasa.internal:5005/",
        "RASA_TIMEOUT": "7.5",
        "BOT_MAX_MESSAGE_CHARS": "500",
        "BOT_LOG_LEVEL": "debug",
        "BOT_LOCALE": "en",
        "FHIR_CANONICAL_BASE": "https://fhir.example.dk/Questionnaire/",
        "CRISIS_EMERGENCY": "911",
        "CRISIS_MEDICAL_HELPLINE": "7011 3131",
        "CRISIS_MEDICAL_HELPLINE_NAME": "Akuttelefonen",
        "CRISIS_LIVSLINIEN": "70 201 202",
        "BOT_ACTIONS_PORT": "6066",
        "BOT_ACTIONS_SECRET": " actions-secret ",
        "RASA_AUTH_TOKEN": "engine-token",
    }
    settings = load_settings(env)
    assert settings.database_url == "postgresql://bot@db.internal:5432/bot"
    assert settings.var_dir == tmp_path / "state"
    assert (settings.host, settings.port) == ("0.0.0.0", 9001)
    assert settings.public_url == "https://chat.example.dk"
    assert settings.rasa_url == "http://rasa.internal:5005"
    assert settings.manage_rasa is False  # an external engine is not supervised
    assert settings.engine_timeout == 7.5
    assert settings.max_message_chars == 500
    assert settings.log_level == "DEBUG"
    assert settings.locale == "en"
    assert settings.fhir_canonical_base == "https://fhir.example.dk/Questionnaire"
    assert settings.dialogues_dir == tmp_path / "dialogues"
    assert settings.rasa_model_dir == tmp_path / "state" / "models"
    # Even with the public app on every interface, the action listener is loopback only.
    assert settings.action_endpoint_url == "http://127.0.0.1:6066/webhook"
    assert settings.actions_secret == "actions-secret"
    assert settings.rasa_auth_token == "engine-token"
    assert "actions-secret" not in repr(settings) and "engine-token" not in repr(settings)
    assert settings.crisis == CrisisContacts(
        emergency="911", medical_helpline="7011 3131", medical_helpline_name="Akuttelefonen",
        livslinien="70 201 202",
    )


def test_port_changes_public_url_and_database_follows_var_dir(tmp_path: Path) -> None:
    settings = load_settings({"BOT_PORT": "8123", "BOT_VAR_DIR": str(tmp_path)})
    assert settings.public_url == "http://127.0.0.1:8123"
    assert settings.database_url == f"sqlite:///{tmp_path / 'bot.db'}"
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"


@pytest.mark.parametrize(
    ("env", "manage"),
    [
        ({}, True),
        ({"RASA_URL": "http://127.0.0.1:5005"}, False),
        ({"RASA_URL": "http://127.0.0.1:5005", "RASA_MANAGE": "true"}, True),
        ({"RASA_MANAGE": "false"}, False),
        ({"RASA_MANAGE": "0"}, False),
        ({"RASA_MANAGE": "yes"}, True),
        ({"RASA_MANAGE": ""}, True),
        ({"RASA_PORT": "5999"}, True),
    ],
)
def test_manage_rasa(env: dict[str, str], manage: bool) -> None:
    assert load_settings(env).manage_rasa is manage


def test_rasa_port_without_url() -> None:
    settings = load_settings({"RASA_PORT": "5999"})
    assert settings.rasa_url == "http://127.0.0.1:5999"
    assert settings.rasa_port == 5999


def test_bad_number_is_an_error() -> None:
    with pytest.raises(ValueError):
        load_settings({"BOT_PORT": "eighty"})


def test_settings_are_immutable_and_overridable() -> None:
    settings = load_settings({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]
    changed = settings.with_overrides(port=8080)
    assert isinstance(changed, Settings)
    assert (changed.port, settings.port) == (8080, 8000)


def test_get_settings_reads_the_process_environment_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    get_settings.cache_clear()
    try:
        monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
        monkeypatch.setenv("BOT_PORT", "8765")
        first = get_settings()
        assert first.port == 8765 and first.var_dir == tmp_path
        monkeypatch.setenv("BOT_PORT", "8766")
        assert get_settings() is first
    finally:
        get_settings.cache_clear()


def test_the_region_picks_the_acute_line_and_a_sites_file_adds_sites(tmp_path: Path) -> None:
    from bot.settings import SettingsError

    settings = load_settings({"BOT_HOME": str(tmp_path), "BOT_REGION": "Midtjylland"})
    assert (settings.crisis.medical_helpline_name, settings.crisis.medical_helpline) == (
        "Lægevagten", "70 11 31 31")
    assert load_settings({"BOT_HOME": str(tmp_path)}).crisis.medical_helpline_name == (
        "Akuttelefonen")  # Region Hovedstaden by default: 1813 is called Akuttelefonen there
    sites = tmp_path / "sites.yml"
    sites.write_text(
        "sites:\n  aarhus-onkologi:\n    region: midtjylland\n    department: 78 46 00 00\n"
        "  odense:\n    region: syddanmark\n", encoding="utf-8")
    settings = load_settings({"BOT_HOME": str(tmp_path), "BOT_SITES_FILE": str(sites),
                              "CRISIS_DEPARTMENT": "35 45 00 00"})
    aarhus = settings.contacts_for("aarhus-onkologi")
    assert (aarhus.medical_helpline, aarhus.department) == ("70 11 31 31", "78 46 00 00")
    assert settings.contacts_for("odense").medical_helpline == "70 11 07 07"
    assert settings.contacts_for("odense").department == ""  # never another site's number
    assert settings.contacts_for(None) == settings.crisis
    assert settings.contacts_for("unknown").department == "35 45 00 00"
    with pytest.raises(SettingsError, match="BOT_REGION"):
        load_settings({"BOT_HOME": str(tmp_path), "BOT_REGION": "Skåne"})
    sites.write_text("sites:\n  x:\n    region: atlantis\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="site 'x'"):
        load_settings({"BOT_HOME": str(tmp_path), "BOT_SITES_FILE": str(sites)})


def test_login_limits_and_trusted_proxies() -> None:
    default = load_settings({})
    # Nobody's X-Forwarded-For counts unless set: a client cannot choose its address.
    assert default.forwarded_allow_ips == ""
    assert (default.console_login_ip_max_failures, default.console_login_global_per_minute) == (
        20,
        120,
    )
    assert default.login_hash_workers == 1
    settings = load_settings(
        {
            "FORWARDED_ALLOW_IPS": " 10.0.0.5,10.0.0.6 ",
            "BOT_LOGIN_IP_MAX_FAILURES": "7",
            "BOT_LOGIN_GLOBAL_PER_MINUTE": "30",
            "BOT_LOGIN_HASH_WORKERS": "2",
        }
    )
    assert settings.forwarded_allow_ips == "10.0.0.5,10.0.0.6"
    assert (settings.console_login_ip_max_failures, settings.console_login_global_per_minute) == (
        7,
        30,
    )
    assert settings.login_hash_workers == 2


def test_reminder_hours() -> None:
    assert load_settings({}).reminder_hours == (8, 20)
    assert load_settings({"BOT_REMINDER_HOURS": "09-17"}).reminder_hours == (9, 17)
    for wrong in ("9", "20-08", "08-25", "otte-tyve"):
        with pytest.raises(ValueError, match="BOT_REMINDER_HOURS"):
            load_settings({"BOT_REMINDER_HOURS": wrong})
