// The patient's chat: plain DOM, no libraries. Text is always inserted as text, never as HTML.
"use strict";
(function () {
  const root = document.getElementById("chat");
  const api = root.dataset.api;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message-input");
  const typing = document.getElementById("typing");
  const status = document.getElementById("status");
  let busy = false;
  // The item of the newest question shown: sent with typed text, so the bot never scores it
  // against a question this page did not show (another tab may have moved on).
  let linkId = null;
  let playing = null; // { audio, button } while a question is being read aloud

  function showStatus(text) {
    status.textContent = text;
    status.hidden = false;
  }

  function stopReading() {
    if (!playing) return;
    playing.audio.pause();
    playing.button.classList.remove("playing");
    playing = null;
  }

  // Read-aloud: the patient presses play (never autoplay); pressing again stops it.
  function readAloud(url, button) {
    const again = playing && playing.button === button;
    stopReading();
    if (again) return;
    const audio = new Audio(url);
    const current = { audio: audio, button: button };
    playing = current;
    button.classList.add("playing");
    const failed = () => {
      if (playing === current) stopReading();
      showStatus(root.dataset.audioError);
    };
    audio.addEventListener("ended", () => { if (playing === current) stopReading(); });
    audio.addEventListener("error", failed);
    const started = audio.play();
    if (started && started.catch) started.catch(failed);
  }

  function readAloudButton(url) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "read-aloud";
    el.setAttribute("aria-label", root.dataset.readAloudLabel);
    const icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "\u{1F50A} ";
    el.appendChild(icon);
    el.appendChild(document.createTextNode(root.dataset.readAloud));
    el.addEventListener("click", () => readAloud(url, el));
    return el;
  }

  function disableOldButtons() {
    log.querySelectorAll(".buttons button").forEach((b) => { b.disabled = true; });
  }

  function render(message) {
    if (message.from !== "patient" && message.link_id) linkId = message.link_id;
    const item = document.createElement("li");
    const fromPatient = message.from === "patient";
    item.className = fromPatient ? "from-patient" : "from-bot";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = (fromPatient ? root.dataset.you : root.dataset.bot) + ": ";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.appendChild(who);
    bubble.appendChild(document.createTextNode(message.text || ""));
    item.appendChild(bubble);
    if (!fromPatient && message.audio_url) {
      const tools = document.createElement("div");
      tools.className = "speech";
      tools.appendChild(readAloudButton(message.audio_url));
      item.appendChild(tools);
    }
    if (!fromPatient && message.buttons && message.buttons.length) {
      const group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      message.buttons.forEach((button) => {
        const el = document.createElement("button");
        el.type = "button";
        el.textContent = button.title;
        el.addEventListener("click", () => send({ payload: button.payload }, button.title));
        group.appendChild(el);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    form.querySelector("button").disabled = value;
  }

  async function send(body, shownText) {
    if (busy) return;
    status.hidden = true;
    disableOldButtons();
    if (shownText) render({ from: "patient", text: shownText });
    setBusy(true);
    try {
      const response = await fetch(api, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw await problem(response);
      const data = await response.json();
      data.messages.forEach((m) => render({
        from: "bot", text: m.text, buttons: m.buttons, audio_url: m.audio_url, link_id: m.link_id,
      }));
      const buttons = log.querySelectorAll(".buttons button:not(:disabled)");
      if (buttons.length) buttons[0].focus({ preventScroll: true });
      else input.focus({ preventScroll: true });
    } catch (error) {
      // The server's own Danish message when it gave one (too long, link closed, ...).
      status.textContent = (error.refused && error.message) || root.dataset.error;
      status.hidden = false;
      // The server refused what the patient typed (nothing was stored): give it back.
      if (error.refused && shownText && body.text !== undefined) {
        const sent = log.lastElementChild;
        if (sent && sent.classList.contains("from-patient")) sent.remove();
        if (!input.value) input.value = shownText;
      }
    } finally {
      setBusy(false);
    }
  }

  // An error the server answered (4xx/5xx), with its message for the patient if it gave one.
  async function problem(response) {
    let message = "";
    try {
      const data = await response.json();
      if (data && typeof data.error === "string") message = data.error;
    } catch (ignored) { /* not JSON: the page's own message is shown */ }
    const error = new Error(message);
    error.refused = response.status < 500;
    return error;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(linkId ? { text: text, link_id: linkId } : { text: text }, text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  async function start() {
    try {
      const response = await fetch(api);
      if (!response.ok) throw await problem(response);
      const data = await response.json();
      data.messages.forEach(render);
      const last = log.lastElementChild;
      // Only the newest bot message's buttons can still answer.
      log.querySelectorAll("li").forEach((li) => {
        if (li !== last) li.querySelectorAll(".buttons button").forEach((b) => { b.disabled = true; });
      });
      if (!data.messages.length) send({ payload: "/start" });
    } catch (error) {
      status.textContent = (error.refused && error.message) || root.dataset.error;
      status.hidden = false;
    }
  }
  start();
})();
