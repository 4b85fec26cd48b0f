// The volunteer page: the queue, one case's conversation, reply/claim/close/reopen, and the knowledge base.
// Vanilla JS, no build step, no CDN. Every text from the server is inserted with textContent (never as HTML),
// except knowledge-base answers, which the server renders from its own small markup into safe HTML.
"use strict";

const API = "/api/v1";
const LOGIN_URL = API + "/login/cookie";
const LOGOUT_URL = API + "/logout";
const ME_URL = API + "/users/me";
const PAGE_SIZE = 30;
const REFRESH_MS = 15000;
const CHANNELS = { telegram: "Telegram", whatsapp: "WhatsApp", webchat: "Web chat", cli: "Console" };
const LANGS = { uk: "Ukrainian", nl: "Dutch", en: "English", ru: "Russian" };

const $ = (id) => document.getElementById(id);
const state = { view: "active", offset: 0, caseId: null, caseData: null, timer: null, me: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class HttpError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: { Accept: "application/json" }, ...options };
  if (options.json !== undefined) {
    init.method = init.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, init);
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    if (response.status === 401) { showLogin(); }
    let detail = body && body.detail;
    if (Array.isArray(detail)) detail = detail.map((d) => d.msg).join("; ");
    throw new HttpError(response.status, detail || response.statusText);
  }
  return body;
}

function notify(text, ok = false) {
  const box = $("notice");
  box.textContent = text;
  box.className = ok ? "notice ok" : "notice";
  box.hidden = !text;
  if (text && ok) setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 4000);
}

function waited(iso) {
  const minutes = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return minutes + " min";
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return hours + " h " + (minutes % 60) + " min";
  return Math.floor(hours / 24) + " days";
}

function clock(iso) {
  return new Date(iso).toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function show(section) {
  for (const id of ["login", "queue", "case"]) $(id).hidden = id !== section;
  $("back").hidden = section !== "case";
  $("logout").hidden = section === "login";
}

// ---- login --------------------------------------------------------------------------------------------

function showLogin() {
  clearInterval(state.timer);
  state.me = null;
  $("who").textContent = "";
  show("login");
}

async function login(event) {
  event.preventDefault();
  try {
    await api(LOGIN_URL, { json: { token: $("token").value.trim() } });
    $("token").value = "";
    notify("");
    await start();
  } catch (err) {
    notify(err.status === 401 || err.status === 403 ? "That token was not accepted." : "Log-in failed: " + err.message);
  }
}

async function logout() {
  try { await api(LOGOUT_URL, { method: "POST" }); } catch { /* already logged out */ }
  showLogin();
}

// ---- queue --------------------------------------------------------------------------------------------

function queueQuery() {
  const params = new URLSearchParams({ limit: PAGE_SIZE, offset: state.offset });
  const statuses = state.view === "active" ? ["open", "claimed", "answered"] : ["closed"];
  for (const s of statuses) params.append("status", s);
  return API + "/cases?" + params;
}

function caseItem(c) {
  const badges = [
    c.urgent ? el("span", { class: "badge urgent" }, "URGENT") : null,
    el("span", { class: "badge lang", title: LANGS[c.language] || c.language }, c.language),
    el("span", { class: "badge" }, CHANNELS[c.channel] || c.channel),
    el("span", { class: "badge" }, c.category),
    el("span", { class: "badge" }, c.status + (c.claimed_by_name ? " · " + c.claimed_by_name : "")),
    c.status !== "closed" ? el("span", { class: "badge wait", title: "Waiting since " + clock(c.waiting_since) },
      "waiting " + waited(c.waiting_since)) : el("span", { class: "badge" }, "closed " + clock(c.closed_at)),
    c.awaiting_volunteer && c.status !== "closed" ? el("span", { class: "badge yourturn" }, "visitor wrote last") : null,
  ];
  const open = () => openCase(c.id);
  return el("li", {
    class: c.urgent ? "urgent" : "", tabindex: "0", role: "button",
    onclick: open, onkeydown: (e) => { if (e.key === "Enter") open(); },
  },
  el("div", { class: "meta" }, el("strong", {}, "#" + c.id), badges),
  el("p", { class: "preview" }, c.purged_at ? "(text deleted after the retention period)" : c.text || ""));
}

async function loadQueue(append = false) {
  if (!append) state.offset = 0;
  const page = await api(queueQuery());
  const list = $("cases");
  if (!append) list.replaceChildren();
  for (const c of page.data) list.append(caseItem(c));
  state.offset += page.data.length;
  $("empty").hidden = page.count > 0;
  $("more").hidden = state.offset >= page.count;
  const waiting = state.view === "active" ? page.count : null;
  document.title = (waiting ? "(" + waiting + ") " : "") + "HubDesk · Volunteers";
}

function showQueue() {
  state.caseId = null;
  state.caseData = null;
  $("title").textContent = "HubDesk · Volunteers";
  show("queue");
  loadQueue().catch((err) => notify("Could not load the queue: " + err.message));
}

// ---- one case -----------------------------------------------------------------------------------------

const ACTIONS = {
  claim: { label: "Claim", states: ["open"] },
  close: { label: "Close", states: ["open", "claimed", "answered"], danger: true },
  reopen: { label: "Reopen", states: ["closed"] },
};

function renderCase(c) {
  state.caseData = c;
  $("title").textContent = "Case #" + c.id;
  const head = $("case-head");
  head.className = "case-head" + (c.urgent ? " urgent" : "");
  const span = (text, cls) => el("span", cls ? { class: cls } : {}, text);
  head.replaceChildren(...[
    el("h2", {}, (c.urgent ? "URGENT · " : "") + "Case #" + c.id),
    el("div", { class: "meta" },
      span(c.language, "badge lang"), span(LANGS[c.language] || c.language),
      span(CHANNELS[c.channel] || c.channel, "badge"), span("guess: " + c.category, "badge"),
      span("hub: " + (c.hub_id || "-"))),
    el("div", { class: "meta" },
      span(c.status + (c.claimed_by_name ? " · " + c.claimed_by_name : ""), "badge"),
      span("opened " + clock(c.created_at)),
      c.status !== "closed" ? span("waiting " + waited(c.waiting_since), "badge wait") : null),
    c.purged_at ? el("p", { class: "muted" }, "The text of this case was deleted after the retention period.") : null,
  ].filter(Boolean));
  const actions = $("actions");
  actions.replaceChildren();
  for (const [action, spec] of Object.entries(ACTIONS)) {
    if (!spec.states.includes(c.status) || c.purged_at) continue;
    actions.append(el("button", {
      type: "button", class: spec.danger ? "danger" : "", onclick: () => act(action),
    }, spec.label));
  }
  const messages = $("messages");
  messages.replaceChildren();
  for (const m of c.messages) {
    const who = m.sender === "visitor" ? "Visitor" : m.sender === "volunteer" ? (m.author_name || "Volunteer") : "HubDesk";
    messages.append(el("li", { class: m.sender },
      m.text === null ? el("em", {}, "(deleted)") : m.text,
      el("span", { class: "when" }, who + " · " + clock(m.created_at))));
  }
  $("reply-form").hidden = c.status === "closed";
}

async function openCase(id) {
  state.caseId = id;
  show("case");
  $("kb").hidden = true;
  try {
    renderCase(await api(API + "/cases/" + id));
    window.scrollTo(0, document.body.scrollHeight);
  } catch (err) {
    notify(err.status === 404 ? "Case #" + id + " does not exist or is not in your hub." : err.message);
    showQueue();
  }
}

async function act(action) {
  const id = state.caseId;
  if (action === "close" && !confirm("Close case #" + id + "? The visitor is told it is closed.")) return;
  try {
    renderCase(await api(API + "/cases/" + id + "/" + action, { method: "POST" }));
    notify("Case #" + id + ": " + action + " done.", true);
  } catch (err) {
    notify(err.message);
    if (err.status === 409) openCase(id);
  }
}

async function sendReply(event) {
  event.preventDefault();
  const box = $("reply-text");
  const text = box.value.trim();
  if (!text) return;
  const button = event.submitter || $("reply-form").querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await api(API + "/cases/" + state.caseId + "/reply", { json: { text } });
    box.value = "";
    renderCase(result.case);
    if (result.delivered) notify("Reply sent to the visitor.", true);
    else notify("Saved, but not delivered to the visitor: " + (result.delivery_error || "unknown error"));
  } catch (err) {
    notify(err.message);
  } finally {
    button.disabled = false;
  }
}

// ---- knowledge base -----------------------------------------------------------------------------------

async function openKb() {
  const kb = $("kb");
  kb.hidden = false;
  $("kb-article").hidden = true;
  const category = state.caseData ? state.caseData.category : "";
  const query = category && category !== "other" ? "?category=" + encodeURIComponent(category) : "";
  $("kb-title").textContent = query ? "Articles: " + category : "All articles";
  try {
    const page = await api(API + "/kb/articles" + query);
    const list = $("kb-list");
    list.replaceChildren();
    const lang = state.caseData ? state.caseData.language : "en";
    for (const a of page.data) {
      list.append(el("li", {}, el("button", { type: "button", onclick: () => showArticle(a.id) },
        a.title[lang] || a.title.en)));
    }
    if (!page.data.length) list.append(el("li", { class: "muted" }, "No articles in this category."));
    kb.scrollIntoView({ behavior: "smooth" });
  } catch (err) {
    notify("Could not load the knowledge base: " + err.message);
  }
}

async function showArticle(id) {
  const lang = state.caseData && ["uk", "nl", "en"].includes(state.caseData.language) ? state.caseData.language : "uk";
  let a;
  try {
    a = await api(API + "/kb/articles/" + encodeURIComponent(id));
  } catch (err) {
    notify("Could not load the article: " + err.message);
    return;
  }
  const box = $("kb-article");
  const answer = el("div", {});
  answer.innerHTML = a.answer_html[lang]; // rendered and escaped by the server from the KB markup
  box.replaceChildren(...[
    el("h3", {}, a.title[lang]),
    el("p", { class: a.stale ? "stale" : "muted" }, "Checked " + a.checked + (a.stale ? " (needs re-checking)" : "")),
    answer,
    a.volunteer_hint ? el("p", { class: "hint" }, a.volunteer_hint[lang]) : null,
    el("ul", {}, a.sources.map((s) => el("li", {}, el("a", { href: s.url, target: "_blank", rel: "noopener" }, s.title)))),
    el("div", { class: "row" },
      el("button", { type: "button", onclick: () => quote(a, lang) }, "Quote in reply"),
      el("button", { type: "button", class: "secondary", onclick: () => { box.hidden = true; } }, "Back to list")),
  ].filter(Boolean));
  box.hidden = false;
  box.scrollIntoView({ behavior: "smooth" });
}

function quote(article, lang) {
  const box = $("reply-text");
  const sources = article.sources.map((s) => s.url).join("\n");
  const text = article.answer_plain[lang] + (sources ? "\n" + sources : "");
  box.value = box.value ? box.value.trimEnd() + "\n\n" + text : text;
  box.focus();
}

// ---- start --------------------------------------------------------------------------------------------

async function start() {
  try {
    state.me = await api(ME_URL);
  } catch (err) {
    if (err.status !== 401) notify("Could not reach HubDesk: " + err.message);
    showLogin();
    return;
  }
  $("who").textContent = state.me.name + (state.me.hub_id ? " · " + state.me.hub_id : "");
  showQueue();
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (document.hidden) return;
    if (state.caseId === null) loadQueue().catch(() => {});
    else if (!$("reply-text").value) api(API + "/cases/" + state.caseId).then(renderCase).catch(() => {});
  }, REFRESH_MS);
}

$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", logout);
$("back").addEventListener("click", showQueue);
$("reply-form").addEventListener("submit", sendReply);
$("kb-open").addEventListener("click", openKb);
$("kb-close").addEventListener("click", () => { $("kb").hidden = true; });
$("more").addEventListener("click", () => loadQueue(true).catch((err) => notify(err.message)));
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll(".tab")) t.classList.toggle("active", t === tab);
    state.view = tab.dataset.view;
    loadQueue().catch((err) => notify(err.message));
  });
}
start();
