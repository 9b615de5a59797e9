// Building the page from data without ever parsing data as HTML: every text goes in as a text node.

/**
 * el("button", {class: "primary", type: "button", onclick: fn}, "Claim") → <button>.
 * Attributes are set with setAttribute (values are never interpreted as markup); `on*` keys add
 * listeners; children may be strings, nodes, arrays, or null/false (skipped).
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replace everything inside `node` with `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

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

export const REASON_LABELS = {
  customer_request: "Asked for a person",
  kb_missed_twice: "KB missed twice",
  frustration: "Frustrated",
  sensitive_topic: "Sensitive topic",
  low_effort_score: "Low effort score",
  fallback: "Not understood",
};

export const STATUS_LABELS = { waiting: "Waiting", assigned: "Assigned", resolved: "Resolved", closed: "Closed" };

export function chip(kind, value, label) {
  return el("span", { class: `chip chip-${kind} chip-${kind}-${value}` }, label || value);
}
