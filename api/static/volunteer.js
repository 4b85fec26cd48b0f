// The volunteer page: the queue, one case's conversation, reply/claim/close/reopen, and the knowledge base.
// Vanilla JS, no build step, no CDN. Every text from the server is inserted with textContent (never as HTML),
// except knowledge-base answers, which the server renders from its own small markup into safe HTML.
// Words and the names of ids come from the page (api/pages/volunteer.py), in the volunteer's language:
// t(msgid, {placeholder: value}) with the English msgid, and named(table, id).
"use strict";

const API = "/api/v1";
const LOGIN_PAGE = "/login?next=/volunteer";  // the one login screen, shared with the coordinator page
const ME_URL = API + "/users/me";
const PAGE_SIZE = 30;
const REFRESH_MS = 15000;
const PAGE = JSON.parse(document.getElementById("page-data").textContent);

function t(msgid, values = {}) {
  const text = PAGE.strings[msgid] || msgid;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function named(table, id) {
  return (PAGE.names[table] || {})[id] || id;
}

const $ = (id) => document.getElementById(id);
const state = { view: "active", offset: 0, caseId: null, caseData: null, timer: null, me: null, linkTimer: null };

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
  if (minutes < 60) return t("{minutes} min", { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("{hours} h {minutes} min", { hours, minutes: minutes % 60 });
  return t("{days} d", { days: Math.floor(hours / 24) });
}

function clock(iso) {
  return new Date(iso).toLocaleString(PAGE.lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

function show(section) {
  for (const id of ["queue", "case"]) $(id).hidden = id !== section;
  $("back").hidden = section !== "case";
}

// ---- login: the one login page; back here afterwards -----------------------------------------------------

function showLogin() {
  clearInterval(state.timer);
  window.location.assign(LOGIN_PAGE + "&lang=" + PAGE.lang);
}

function chooseLanguage() {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", $("lang").value);  // the server remembers the choice (a cookie)
  window.location.assign(url);
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
    c.urgent ? el("span", { class: "badge urgent" }, t("URGENT")) : null,
    el("span", { class: "badge lang" }, named("languages", c.language)),
    el("span", { class: "badge" }, named("channels", c.channel)),
    el("span", { class: "badge" }, named("categories", c.category)),
    el("span", { class: "badge" }, named("statuses", c.status) + (c.claimed_by_name ? " · " + c.claimed_by_name : "")),
    c.status !== "closed"
      ? el("span", { class: "badge wait", title: t("Waiting since {time}", { time: clock(c.waiting_since) }) },
        t("waiting {time}", { time: waited(c.waiting_since) }))
      : el("span", { class: "badge" }, t("closed {time}", { time: clock(c.closed_at) })),
    c.awaiting_volunteer && c.status !== "closed" ? el("span", { class: "badge yourturn" }, t("visitor wrote last")) : null,
  ];
  const open = () => openCase(c.id);
  return el("li", {
    class: c.urgent ? "urgent" : "", tabindex: "0", role: "button",
    onclick: open, onkeydown: (e) => { if (e.key === "Enter") open(); },
  },
  el("div", { class: "meta" }, el("strong", {}, "#" + c.id), badges),
  el("p", { class: "preview" }, c.purged_at ? t("(text deleted after the retention period)") : c.text || ""));
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
  document.title = (waiting ? "(" + waiting + ") " : "") + t("HubDesk · Volunteers");
}

function showQueue() {
  state.caseId = null;
  state.caseData = null;
  $("title").textContent = t("HubDesk · Volunteers");
  show("queue");
  loadQueue().catch((err) => notify(t("Could not load the queue: {error}", { error: err.message })));
}

// ---- one case -----------------------------------------------------------------------------------------

const ACTIONS = {
  claim: { label: "Claim", done: "Case #{number} claimed.", states: ["open"] },
  close: { label: "Close", done: "Case #{number} closed.", states: ["open", "claimed", "answered"], danger: true },
  reopen: { label: "Reopen", done: "Case #{number} reopened.", states: ["closed"] },
};

function renderCase(c) {
  state.caseData = c;
  const number = t("Case #{number}", { number: c.id });
  $("title").textContent = number;
  const head = $("case-head");
  head.className = "case-head" + (c.urgent ? " urgent" : "");
  const span = (text, cls) => el("span", cls ? { class: cls } : {}, text);
  head.replaceChildren(...[
    el("h2", {}, (c.urgent ? t("URGENT") + " · " : "") + number),
    el("div", { class: "meta" },
      span(named("languages", c.language), "badge lang"),
      span(named("channels", c.channel), "badge"),
      span(t("Topic: {category}", { category: named("categories", c.category) }), "badge"),
      span(t("Hub: {hub}", { hub: c.hub_id ? named("hubs", c.hub_id) : "-" }))),
    el("div", { class: "meta" },
      span(named("statuses", c.status) + (c.claimed_by_name ? " · " + c.claimed_by_name : ""), "badge"),
      span(t("opened {time}", { time: clock(c.created_at) })),
      c.status !== "closed" ? span(t("waiting {time}", { time: waited(c.waiting_since) }), "badge wait") : null),
    c.purged_at ? el("p", { class: "muted" }, t("The text of this case was deleted after the retention period.")) : null,
  ].filter(Boolean));
  const actions = $("actions");
  actions.replaceChildren();
  for (const [action, spec] of Object.entries(ACTIONS)) {
    if (!spec.states.includes(c.status) || c.purged_at) continue;
    actions.append(el("button", {
      type: "button", class: spec.danger ? "danger" : "", onclick: () => act(action),
    }, t(spec.label)));
  }
  const messages = $("messages");
  messages.replaceChildren();
  for (const m of c.messages) {
    const who = m.sender === "visitor" ? t("Visitor") : m.sender === "volunteer" ? (m.author_name || t("Volunteer")) : "HubDesk";
    messages.append(el("li", { class: m.sender },
      m.text === null ? el("em", {}, t("(deleted)")) : m.text,
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
    notify(err.status === 404 ? t("Case #{number} does not exist or is not in your hub.", { number: id }) : err.message);
    showQueue();
  }
}

async function act(action) {
  const id = state.caseId;
  if (action === "close" && !confirm(t("Close case #{number}? The visitor is told it is closed.", { number: id }))) return;
  try {
    renderCase(await api(API + "/cases/" + id + "/" + action, { method: "POST" }));
    notify(t(ACTIONS[action].done, { number: id }), true);
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
    if (result.delivered) notify(t("Reply sent to the visitor."), true);
    else notify(t("Saved, but not delivered to the visitor: {error}", { error: result.delivery_error || t("unknown error") }));
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
  $("kb-title").textContent = query ? t("Articles: {category}", { category: named("categories", category) }) : t("All articles");
  try {
    const page = await api(API + "/kb/articles" + query);
    const list = $("kb-list");
    list.replaceChildren();
    const lang = state.caseData ? state.caseData.language : "en";
    for (const a of page.data) {
      list.append(el("li", {}, el("button", { type: "button", onclick: () => showArticle(a.id) },
        a.title[lang] || a.title.en)));
    }
    if (!page.data.length) list.append(el("li", { class: "muted" }, t("No articles in this category.")));
    kb.scrollIntoView({ behavior: "smooth" });
  } catch (err) {
    notify(t("Could not load the knowledge base: {error}", { error: err.message }));
  }
}

async function showArticle(id) {
  const lang = state.caseData && ["uk", "nl", "en"].includes(state.caseData.language) ? state.caseData.language : "uk";
  let a;
  try {
    a = await api(API + "/kb/articles/" + encodeURIComponent(id));
  } catch (err) {
    notify(t("Could not load the article: {error}", { error: err.message }));
    return;
  }
  const box = $("kb-article");
  const answer = el("div", {});
  answer.innerHTML = a.answer_html[lang]; // rendered and escaped by the server from the KB markup
  box.replaceChildren(...[
    el("h3", {}, a.title[lang]),
    el("p", { class: a.stale ? "stale" : "muted" }, t("Checked {date}", { date: a.checked }) + (a.stale ? " " + t("(needs re-checking)") : "")),
    answer,
    a.volunteer_hint ? el("p", { class: "hint" }, a.volunteer_hint[lang]) : null,
    el("ul", {}, a.sources.map((s) => el("li", {}, el("a", { href: s.url, target: "_blank", rel: "noopener" }, s.title)))),
    el("div", { class: "row" },
      el("button", { type: "button", onclick: () => quote(a, lang) }, t("Quote in reply")),
      el("button", { type: "button", class: "secondary", onclick: () => { box.hidden = true; } }, t("Back to list"))),
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

// ---- linking Telegram: a one-time code the volunteer sends to the bot ----------------------------------

function showTelegram() {
  const linked = Boolean(state.me && state.me.telegram_linked);
  $("telegram-state").textContent = linked
    ? t("Linked: your claims and replies in the volunteers' Telegram group count as yours.")
    : t("Not linked: in the volunteers' Telegram group you act as an unnamed volunteer.");
  $("telegram-unlink").hidden = !linked;
  if (linked) $("telegram-code").hidden = true;
}

async function linkTelegram() {
  try {
    const link = await api(API + "/users/me/telegram-link", { method: "POST" });
    const box = $("telegram-code");
    const [before, after] = t("Send {command} to the HubDesk bot in a private Telegram chat within 15 minutes.")
      .split("{command}");
    box.replaceChildren(before, el("code", {}, link.command), after || "");
    box.hidden = false;
    $("telegram-link").textContent = t("Make a new code");
    clearInterval(state.linkTimer);
    state.linkTimer = setInterval(async () => {  // until the bot has the code (or it has expired)
      if (Date.now() > new Date(link.expires_at).getTime()) { clearInterval(state.linkTimer); return; }
      try { state.me = await api(ME_URL); } catch { return; }
      if (state.me.telegram_linked) { clearInterval(state.linkTimer); $("telegram-link").textContent = t("Link Telegram"); }
      showTelegram();
    }, 3000);
  } catch (err) {
    notify(t("Could not make a code: {error}", { error: err.message }));
  }
}

async function unlinkTelegram() {
  try {
    state.me = await api(API + "/users/me/telegram", { method: "DELETE" });
    showTelegram();
  } catch (err) {
    notify(err.message);
  }
}

// ---- start --------------------------------------------------------------------------------------------

async function start() {
  try {
    state.me = await api(ME_URL);
  } catch (err) {
    if (err.status !== 401) notify(t("Could not reach HubDesk: {error}", { error: err.message }));
    return;  // a 401 has gone to the login page already
  }
  $("who").textContent = state.me.name + (state.me.hub_id ? " · " + named("hubs", state.me.hub_id) : "");
  showTelegram();
  showQueue();
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (document.hidden) return;
    if (state.caseId === null) loadQueue().catch(() => {});
    else if (!$("reply-text").value) api(API + "/cases/" + state.caseId).then(renderCase).catch(() => {});
  }, REFRESH_MS);
}

$("lang").addEventListener("change", chooseLanguage);
$("telegram-link").addEventListener("click", linkTelegram);
$("telegram-unlink").addEventListener("click", unlinkTelegram);
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
