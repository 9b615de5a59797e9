// Console helpers: busy buttons, times and ages, language names, reason and status chips.
// Elements are built with the shared DOM helpers (never by parsing data as HTML).

import { el } from "/shared/dom.js";

/**
 * Disable `button` (and mark the region busy) while `work` runs, so a request is never sent twice.
 * Returns what `work` returns.
 */
export async function whileBusy(button, work) {
  const buttons = Array.isArray(button) ? button : [button];
  for (const item of buttons) {
    item.disabled = true;
    item.setAttribute("aria-busy", "true");
  }
  try {
    return await work();
  } finally {
    for (const item of buttons) {
      item.disabled = false;
      item.removeAttribute("aria-busy");
    }
  }
}

const MINUTE = 60_000;

/** "just now", "4 min", "2 h 5 min", "3 d 4 h": how long ago `iso` was. */
export function age(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / MINUTE));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** A <time> element showing the local time (with the date when it is not today). */
export function timeElement(iso) {
  if (!iso) return el("span", { class: "muted" }, "—");
  const moment = new Date(iso);
  const sameDay = moment.toDateString() === new Date().toDateString();
  const text = sameDay
    ? moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : moment.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  return el("time", { datetime: iso, title: moment.toLocaleString() }, text);
}

/** A <time> that the page's clock keeps saying "… ago" on (see refreshAges). */
export function ageElement(iso) {
  return el("time", { datetime: iso, class: "age", title: new Date(iso).toLocaleString() }, age(iso));
}

/** Update every ageElement under `root`; the console calls it every 30 s. */
export function refreshAges(root) {
  for (const node of root.querySelectorAll("time.age")) node.textContent = age(node.getAttribute("datetime"));
}

const languageNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(["en"], { type: "language" }) : null;

/** "Hebrew (he)" for "he"; the code alone when the browser does not know it. */
export function languageName(code) {
  try {
    const name = languageNames && languageNames.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/**
 * `text` between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE: for a name or subject
 * inside an English sentence where no element can go (document.title, <option>, screen-reader
 * announcements), so Hebrew or Arabic keeps its own direction without reordering the sentence.
 * Elsewhere names go in a <bdi> or an element with dir="auto".
 */
export function isolate(text) {
  return `\u2068${text}\u2069`;
}

export const REASON_LABELS = {
  customer_request: "Asked for a person",
  kb_missed_twice: "KB missed twice",
  frustration: "Frustrated",
  sensitive_topic: "Sensitive topic",
  low_effort_score: "Low survey score",
  fallback: "Not understood",
};

export const STATUS_LABELS = {
  waiting: "Waiting", assigned: "Assigned", resolved: "Resolved", closed: "Closed", withdrawn: "Withdrawn by the customer",
};

export function chip(kind, value, label) {
  return el("span", { class: `chip chip-${kind} chip-${kind}-${value}` }, label || value);
}

/**
 * "Overdue 12 min", "Due in 8 min", "Met": the ticket's SLA state in words (colour is never the only
 * sign), worked out from the deadline the server says the state is about.
 */
export function slaLabel(sla, now = Date.now()) {
  if (!sla || !sla.state) return "";
  if (sla.state === "met") return "Met";
  if (!sla.due_at) return "Target missed";
  const due = Date.parse(sla.due_at);
  if (sla.state === "breached") {
    return now - due < 60_000 ? "Overdue" : `Overdue ${age(sla.due_at, now)}`;
  }
  return due - now < 60_000 ? "Due now" : `Due in ${age(new Date(now).toISOString(), due)}`;
}

/** The SLA state as a badge (queue, lists and the ticket's header); empty when there is none. */
export function slaBadge(ticket) {
  const label = slaLabel(ticket.sla);
  if (!label) return "";
  const title = ticket.sla.due_at ? `Due ${new Date(ticket.sla.due_at).toLocaleString()}` : null;
  return el("span", { class: `sla sla-${ticket.sla.state}`, title }, label);
}
