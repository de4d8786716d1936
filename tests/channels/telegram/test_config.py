"""The Telegram settings and the Bot API addresses derived from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.telegram.config import config_problem, file_base_url
from tests.channels.telegram.fake_bot_api import TOKEN
from tests.conftest import make_settings


def test_file_base_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_base_url("http://h/x/bot{token}/test") == "http://h/x/file/bot{token}/test"


def test_settings(tmp_path: Path) -> None:
    off = make_settings(tmp_path)
    assert off.telegram_bot_token == "" and off.telegram_mode == "polling"
    assert off.telegram_api_base_url == "https://api.telegram.org/bot"
    assert off.telegram_invite_days == 14
    assert config_problem(off) is None
    on = make_settings(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET="s3cr3t")
    assert TOKEN not in repr(on) and "s3cr3t" not in repr(on)
    assert config_problem(on) is None
    with pytest.raises(ValueError, match="TELEGRAM_MODE must be 'polling' or 'webhook'"):
        make_settings(tmp_path, TELEGRAM_MODE="pull")
    webhook = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook"}
    problem = config_problem(make_settings(tmp_path, **webhook))
    assert problem is not None and "TELEGRAM_WEBHOOK_URL is required" in problem
    webhook["TELEGRAM_WEBHOOK_URL"] = "https://example.org/telegram/webhook"
    problem = config_problem(make_settings(tmp_path, **webhook))
    assert problem is not None and "TELEGRAM_WEBHOOK_SECRET is required" in problem
    webhook["TELEGRAM_WEBHOOK_SECRET"] = "not allowed!"
    problem = config_problem(make_settings(tmp_path, **webhook))
    assert problem is not None and "may only hold" in problem
