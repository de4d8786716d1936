"""A fake Telegram Bot API server (real HTTP on 127.0.0.1) and a Telegram user to drive it.

Only Telegram's cloud is fake: the app's python-telegram-bot talks to this server over HTTP
exactly as it would to api.telegram.org (TELEGRAM_API_BASE_URL = `FakeBotApi.base_url`).
Every call is recorded. Updates for polling mode are queued here and served by a long-polling
`getUpdates`; in webhook mode the test posts them to the app itself (`TelegramUser.deliver`).
A chat can be made to refuse delivery, as Telegram does when the user blocked the bot, and
sendMessage can be held (recorded, then no answer until released) to kill a sender mid-call.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAFakeTokenForTestsOnly_x1y2z3"
USERNAME = "pro_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    message_id: int | None = None  # the message a send created

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value not in (None, "") else None

    def json(self, name: str) -> Any:
        value = self.params.get(name)
        return json.loads(value) if value else None


class FakeBotApi:
    """The Bot API methods the app uses: getMe, setMyCommands, setWebhook, deleteWebhook,
    getUpdates, sendMessage, sendChatAction, answerCallbackQuery, editMessageReplyMarkup,
    sendVoice (plus getWebhookInfo, close, logOut)."""

    def __init__(self, token: str = TOKEN, username: str = USERNAME) -> None:
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.blocked: set[int] = set()
        # Sent bot messages by id, with their current reply_markup (edits applied).
        self.messages: dict[int, dict[str, Any]] = {}
        # Queued updates: [token, update, served]. A served one is dropped once getUpdates
        # confirms it (offset past its id); the same update may be queued again (redelivery).
        self._updates: list[list[Any]] = []
        self._tokens = itertools.count(1)
        self._update_ids = itertools.count(5000)
        self._message_ids = itertools.count(100)
        self._cond = threading.Condition()
        # While cleared, sendMessage is recorded and then waits (see `hold_sends`).
        self._sends_flow = threading.Event()
        self._sends_flow.set()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._sends_flow.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test side

    def hold_sends(self) -> None:
        """From now on sendMessage is recorded but not answered until `release_sends`."""
        self._sends_flow.clear()

    def release_sends(self) -> None:
        self._sends_flow.set()

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (polling mode); returns a token for `taken`."""
        with self._cond:
            token = next(self._tokens)
            self._updates.append([token, update, False])
            self._cond.notify_all()
            return token

    def taken(self, token: int) -> bool:
        """The queued update was served and then confirmed by the next getUpdates."""
        with self._cond:
            return all(entry[0] != token for entry in self._updates)

    def calls_to(self, method: str, chat_id: int | None = None, since: int = 0) -> list[Call]:
        with self._cond:
            calls = self.calls[since:]
        return [
            c for c in calls if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, oldest first, as they look now (edits applied)."""
        with self._cond:
            return [m for m in self.messages.values() if m["chat"]["id"] == chat_id]

    def sent_since(self, since: int, chat_id: int) -> list[dict[str, Any]]:
        """The bot's text messages to a chat after call number `since`, as they look now."""
        with self._cond:
            return [
                self.messages[c.message_id]
                for c in self.calls[since:]
                if c.method == "sendMessage" and c.chat_id == chat_id and c.message_id
            ]

    def mark(self) -> int:
        with self._cond:
            return len(self.calls)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the fake Bot API did not see what was expected")
            time.sleep(0.02)

    def wait_quiet(
        self, since: int, *, chat_id: int, sends: int = 1, quiet: float = 0.4, timeout: float = 60.0
    ) -> None:
        """Until at least `sends` sendMessage calls to the chat came after `since`, and then
        no call at all for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                last = self.calls[-1].at if self.calls else 0.0
            enough = len(self.calls_to("sendMessage", chat_id, since)) >= sends
            if enough and time.monotonic() - last >= quiet:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to chat {chat_id} within {timeout} s")
            time.sleep(0.05)

    # ------------------------------------------------------------------ server side

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "PRO test",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, call: Call, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._bot_user(),
            **content,
        }
        with self._cond:
            self.messages[message["message_id"]] = message
            call.message_id = message["message_id"]
        return message

    def _dispatch(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        call = Call(method, params)
        if method != "getUpdates":
            with self._cond:
                self.calls.append(call)
        chat_id = call.chat_id
        if chat_id is not None and chat_id in self.blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        if method == "getMe":
            return 200, {"ok": True, "result": self._bot_user()}
        if method in {"setMyCommands", "setWebhook", "deleteWebhook", "close", "logOut"}:
            return 200, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            info = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
            return 200, {"ok": True, "result": info}
        if method in {"sendChatAction", "answerCallbackQuery"}:
            return 200, {"ok": True, "result": True}
        if method == "sendMessage":
            assert chat_id is not None
            self._sends_flow.wait(timeout=60)
            content: dict[str, Any] = {"text": params.get("text", "")}
            markup = call.json("reply_markup")
            if markup:
                content["reply_markup"] = markup
            return 200, {"ok": True, "result": self._message(call, chat_id, **content)}
        if method == "sendVoice":
            assert chat_id is not None
            voice = {"file_id": "v1", "file_unique_id": "v1u", "duration": 1}
            return 200, {"ok": True, "result": self._message(call, chat_id, voice=voice)}
        if method == "editMessageReplyMarkup":
            message = self.messages.get(int(params.get("message_id", "0")))
            if message is None:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to edit not found",
                }
            markup = call.json("reply_markup")
            if not markup and "reply_markup" not in message:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message is not modified",
                }
            with self._cond:
                if markup:
                    message["reply_markup"] = markup
                else:
                    message.pop("reply_markup", None)
            return 200, {"ok": True, "result": message}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)  # short: PTB stops quickly
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                self._updates = [
                    e for e in self._updates if not (e[2] and e[1]["update_id"] < offset)
                ]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(timeout=max(0.0, deadline - time.monotonic()))
            for entry in self._updates:
                entry[2] = True
            return [entry[1] for entry in self._updates]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                prefix = f"/bot{api.token}/"
                if not self.path.startswith(prefix):
                    self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                method = self.path[len(prefix) :].split("?")[0]
                params = _parse_body(self.headers.get("Content-Type", ""), raw)
                status, body = api._dispatch(method, params)
                self._reply(status, body)

            do_GET = _handle
            do_POST = _handle

        return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-long-poll (the app stopping) is not news


def _parse_body(content_type: str, raw: bytes) -> dict[str, str]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(raw)
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        params: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name and part.get_filename() is None:
                params[str(name)] = part.get_content()
            elif name:
                data = part.get_payload(decode=True) or b""
                head = data[:4].decode("latin-1")
                params[str(name)] = f"<file {part.get_filename()} {len(data)} bytes {head}>"
        return params
    return dict(parse_qsl(raw.decode(), keep_blank_values=True))


# ---------------------------------------------------------------------- a Telegram user


class TelegramUser:
    """A person in a private chat with the bot. `deliver` hands an update to the app: queue it
    on the fake server (polling) or post it to the app's webhook; `wait(user, since, sends,
    receipt)` (receipt: what `deliver` returned) waits until the app has handled it. After each action, `last` holds what the bot
    sent to this chat in reply."""

    FIRST_NAME = "Kirstine"  # must never reach the app's database
    LAST_NAME = "Testesen"

    def __init__(
        self,
        api: FakeBotApi,
        chat_id: int,
        deliver: Callable[[dict[str, Any]], Any],
        *,
        wait: Callable[[TelegramUser, int, int, Any], None] | None = None,
    ) -> None:
        self.api = api
        self.chat_id = chat_id
        self.deliver = deliver
        self.wait = wait
        self.last: list[dict[str, Any]] = []
        self._message_ids = itertools.count(1)

    @property
    def person(self) -> dict[str, Any]:
        return {
            "id": self.chat_id,
            "is_bot": False,
            "first_name": self.FIRST_NAME,
            "last_name": self.LAST_NAME,
            "language_code": "da",
        }

    def _send(self, update: dict[str, Any], *, sends: int = 1) -> list[dict[str, Any]]:
        since = self.api.mark()
        receipt = self.deliver(update)
        if self.wait is not None:
            self.wait(self, since, sends, receipt)
        self.last = self.api.sent_since(since, self.chat_id)
        return self.last

    def message_update(self, text: str, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {
                "id": self.chat_id,
                "type": "private",
                "first_name": self.FIRST_NAME,
                "last_name": self.LAST_NAME,
            },
            "from": self.person,
            **extra,
        }
        if text:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self.api.next_update_id(), "message": message}

    def say(self, text: str, *, sends: int = 1) -> list[dict[str, Any]]:
        return self._send(self.message_update(text), sends=sends)

    def command(
        self, name: str, argument: str | None = None, *, sends: int = 1
    ) -> list[dict[str, Any]]:
        text = f"/{name}" + (f" {argument}" if argument else "")
        return self._send(self.message_update(text), sends=sends)

    def voice(self) -> list[dict[str, Any]]:
        voice = {
            "file_id": "in1",
            "file_unique_id": "in1u",
            "duration": 3,
            "mime_type": "audio/ogg",
        }
        return self._send(self.message_update("", voice=voice))

    def keyboards(self) -> list[dict[str, Any]]:
        """Bot messages in this chat that still show an inline keyboard."""
        return [m for m in self.api.chat_messages(self.chat_id) if m.get("reply_markup")]

    def button_update(self, title: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        candidates = [message] if message is not None else list(reversed(self.keyboards()))
        for candidate in candidates:
            for row in (candidate.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return self.callback_update(button["callback_data"], candidate)
        raise AssertionError(f"no button {title!r} in chat {self.chat_id}")

    def callback_update(self, data: str, message: dict[str, Any]) -> dict[str, Any]:
        query = {
            "id": uuid.uuid4().hex,
            "from": self.person,
            "chat_instance": f"ci{self.chat_id}",
            "data": data,
            "message": message,
        }
        return {"update_id": self.api.next_update_id(), "callback_query": query}

    def press(self, title: str, *, sends: int = 1) -> list[dict[str, Any]]:
        return self._send(self.button_update(title), sends=sends)

    def send_update(self, update: dict[str, Any], *, sends: int = 1) -> list[dict[str, Any]]:
        return self._send(update, sends=sends)

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)

    def buttons(self) -> list[str]:
        return [
            b["text"]
            for m in self.last
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
