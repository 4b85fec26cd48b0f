// The web chat page (api/static/chat.html): a file of its own, so the Content-Security-Policy allows
// scripts from this origin only (no inline script).
(() => {
  const log = document.getElementById("log"), form = document.getElementById("form"), input = document.getElementById("text");
  let session = localStorage.getItem("hubdesk-session");
  if (!session) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    session = Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem("hubdesk-session", session);
  }
  const locale = navigator.language || "uk";
  // The page's own few words, in the conversation's language (the server says which with every answer; before
  // that, the browser's). One language at a time: three side by side did not fit a phone's input box.
  const WORDS = {
    uk: {kind: "веб-чат", placeholder: "Напишіть питання…", message: "Повідомлення", send: "Надіслати",
         failed: "Не вдалося надіслати. Спробуйте ще раз."},
    nl: {kind: "webchat", placeholder: "Stel uw vraag…", message: "Bericht", send: "Versturen",
         failed: "Versturen mislukt. Probeer het opnieuw."},
    en: {kind: "web chat", placeholder: "Ask a question…", message: "Message", send: "Send",
         failed: "Could not send. Please try again."},
  };
  function speak(lang) {
    const words = WORDS[lang] || WORDS.uk;
    document.documentElement.lang = WORDS[lang] ? lang : "uk";
    input.placeholder = words.placeholder;
    document.getElementById("kind").textContent = words.kind;
    input.setAttribute("aria-label", words.message);
    form.querySelector("button").setAttribute("aria-label", words.send);
    return words;
  }
  const browser = (locale.split("-")[0] || "").toLowerCase();
  // The chat as shown, kept in this browser so a reload shows it again; `cursor` is the id of the last
  // volunteer message shown and kept: the next poll acknowledges it, and only then the server deletes it.
  const KEY = "hubdesk-chat", MAX_KEPT = 200;
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
  const chat = saved && saved.session === session ? saved : {session, cursor: 0, items: []};
  chat.lang = chat.lang || (browser === "ru" ? "uk" : browser);
  let words = speak(chat.lang);
  function save() {
    chat.items = chat.items.slice(-MAX_KEPT);
    try { localStorage.setItem(KEY, JSON.stringify(chat)); } catch (e) { /* storage full: the chat goes on */ }
  }
  function render(item) {
    const div = document.createElement("div");
    div.className = "msg " + item.cls;
    if (item.cls === "me") div.textContent = item.text; else div.innerHTML = item.html;  // bot html is escaped by the server
    if (item.buttons && item.buttons.length) {
      const box = document.createElement("div"); box.className = "buttons";
      for (const row of item.buttons) {
        const rowDiv = document.createElement("div"); rowDiv.className = "row";
        for (const b of row) {
          const btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.label;
          btn.onclick = () => { mine(b.label); post("/api/v1/chat/button", {session, action: b.action, locale}); };
          rowDiv.appendChild(btn);
        }
        box.appendChild(rowDiv);
      }
      div.appendChild(box);
    }
    log.appendChild(div);
    return div;
  }
  function add(item) { chat.items.push(item); save(); return render(item); }
  function mine(text) { add({cls: "me", text}); log.scrollTop = log.scrollHeight; }
  // Scroll once a new answer is complete (its buttons included): to the end when all of it fits, otherwise so
  // that its first line is at the top; the rest, buttons last, is a short scroll down, never above the fold.
  function reveal(first) {
    const top = first.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop;
    const margin = 8;
    if (log.scrollHeight - top + margin <= log.clientHeight) log.scrollTop = log.scrollHeight;
    else log.scrollTop = Math.max(0, top - margin);
  }
  function show(replies) {
    let first = null;
    for (const r of replies) {
      const div = add({cls: "bot", html: r.html, buttons: r.buttons});
      first = first || div;
    }
    if (first) reveal(first);
  }
  function failed() {
    const err = document.createElement("div"); err.className = "error";
    err.textContent = words.failed;
    log.appendChild(err);
    log.scrollTop = log.scrollHeight;
  }
  async function post(url, body) {
    try {
      const res = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      if (!res.ok) throw new Error(res.status);
      const answer = await res.json();
      if (answer.language && answer.language !== chat.lang) { chat.lang = answer.language; words = speak(chat.lang); save(); }
      show(answer.replies);
    } catch (e) { failed(); }
  }
  let polling = false;
  async function poll() {  // volunteer replies and case news, delivered until acknowledged
    if (polling) return;
    polling = true;
    try {
      const res = await fetch("/api/v1/chat/updates?session=" + encodeURIComponent(session) + "&after=" + chat.cursor);
      if (res.ok) {
        const updates = await res.json();
        const fresh = updates.data.filter(m => m.id > chat.cursor);
        if (fresh.length) show(fresh);
        chat.cursor = Math.max(chat.cursor, updates.cursor);  // kept: the next poll acknowledges it
        save();
      }
    } catch (e) { /* offline: try again later */ }
    finally { polling = false; }
  }
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const text = input.value.trim(); if (!text) return;
    mine(text); input.value = "";
    post("/api/v1/chat", {session, text, locale});
  };
  input.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); } });
  if (chat.items.length) { chat.items.forEach(render); log.scrollTop = log.scrollHeight; }
  else post("/api/v1/chat/button", {session, action: "menu", locale});
  poll();
  setInterval(poll, 2500);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
})();
