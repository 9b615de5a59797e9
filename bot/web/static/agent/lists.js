// The two ticket lists: the queue (waiting tickets, live) and "My conversations".

import { ApiError } from "./api.js";
import { el } from "/shared/dom.js";
import { REASON_LABELS, STATUS_LABELS, ageElement, chip, languageName, slaBadge, slaLabel, whileBusy } from "./ui.js";
import { speaksLanguage } from "./profile.js";

const RELOAD_DELAY_MS = 200;
const MINE_LIMIT = 200;
const NEW_ROW_HIGHLIGHT_MS = 4_000;
// The queue reloads this often while open, so SLA states and "Due in …" stay current between events.
const SLA_REFRESH_MS = 30_000;
const QUEUE_ORDER_KEY = "effortless-agent:queue-order";
const QUEUE_ORDERS = {
  queue: "Queue order (priority, then age)",
  sla: "SLA first (most overdue, then soonest due)",
};

/**
 * A table of tickets that updates row by row (keyed by ticket id), so a live update neither
 * flickers nor takes the keyboard focus away from the row the agent is on.
 */
class TicketTable {
  constructor({ label, columns, emptyText }) {
    this.columns = columns;
    this.rows = new Map(); // ticket id → {row, signature}
    this.body = el("tbody");
    this.table = el("table", { class: "tickets" },
      el("caption", { class: "visually-hidden" }, label),
      el("thead", {}, el("tr", {}, columns.map((column) => el("th", { scope: "col", class: column.className }, column.header)))),
      this.body,
    );
    this.emptyText = emptyText;
    this.empty = el("p", { class: "empty" }, "Loading…");
    this.table.hidden = true;
    this.element = el("div", { class: "table-wrap" }, this.table, this.empty);
  }

  /** Show `tickets` in this order; `extra(ticket)` adds view state (e.g. unread) to the row's signature. */
  show(tickets, { extra = () => "", isNew = () => false } = {}) {
    const wanted = new Set(tickets.map((ticket) => ticket.id));
    for (const [id, entry] of this.rows) {
      if (!wanted.has(id)) {
        entry.row.remove();
        this.rows.delete(id);
      }
    }
    tickets.forEach((ticket, index) => {
      const signature = JSON.stringify([ticket, extra(ticket)]);
      let entry = this.rows.get(ticket.id);
      if (!entry) {
        entry = { row: el("tr", { "data-ticket-id": ticket.id }), signature: null };
        this.rows.set(ticket.id, entry);
        if (isNew(ticket)) flash(entry.row);
      }
      if (entry.signature !== signature) {
        this.fill(entry.row, ticket);
        entry.signature = signature;
      }
      if (this.body.children[index] !== entry.row) this.body.insertBefore(entry.row, this.body.children[index] || null);
    });
    this.table.hidden = tickets.length === 0;
    this.empty.hidden = tickets.length !== 0;
    this.empty.textContent = this.emptyText;
  }

  fill(row, ticket) {
    const focusKey = row.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    row.replaceChildren(...this.columns.map((column) => el("td", { class: column.className }, column.cell(ticket))));
    if (focusKey) {
      const target = row.querySelector(`[data-focus-key="${focusKey}"]`);
      if (target) target.focus();
    }
  }
}

function flash(row) {
  row.classList.add("is-new");
  window.setTimeout(() => row.classList.remove("is-new"), NEW_ROW_HIGHLIGHT_MS);
}

function ticketLink(ticket) {
  return el("a", { href: `#/ticket/${encodeURIComponent(ticket.reference)}`, class: "ticket-ref", "data-focus-key": "open" },
    ticket.reference);
}

function customerCell(ticket) {
  return [
    el("span", { class: "customer-name", dir: "auto" }, ticket.customer_name || "Unknown customer"),
    ticket.customer_email ? el("span", { class: "customer-email", dir: "auto" }, ticket.customer_email) : null,
  ];
}

/** Most overdue first, then soonest due; tickets with no running target last; then queue order. */
function bySla(a, b) {
  const dueA = a.sla && a.sla.due_at ? Date.parse(a.sla.due_at) : Infinity;
  const dueB = b.sla && b.sla.due_at ? Date.parse(b.sla.due_at) : Infinity;
  if (dueA !== dueB) return dueA < dueB ? -1 : 1;
  return (a.queue_position ?? Infinity) - (b.queue_position ?? Infinity);
}

function subjectCell(ticket) {
  return el("span", { class: "subject", dir: "auto", title: ticket.subject }, ticket.subject);
}

const COMMON_COLUMNS = {
  ticket: { header: "Ticket", cell: ticketLink, className: "col-ref" },
  customer: { header: "Customer", cell: customerCell, className: "col-customer" },
  subject: { header: "Subject", cell: subjectCell, className: "col-subject" },
  reason: { header: "Reason", cell: (t) => REASON_LABELS[t.reason] || t.reason, className: "col-reason" },
  priority: { header: "Priority", cell: (t) => chip("priority", t.priority), className: "col-priority" },
  language: { header: "Language", cell: (t) => el("span", { title: languageName(t.language) }, t.language), className: "col-lang" },
  channel: { header: "Channel", cell: (t) => t.channel, className: "col-channel" },
};

/** Common parts of a list page: heading, error line, live reload on demand. */
class ListView {
  constructor(app, title) {
    this.app = app;
    this.title = title;
    this.heading = el("h1", { tabindex: "-1" }, title);
    this.error = el("p", { class: "form-error", role: "alert" });
    this.reloadTimer = null;
  }

  showError(message) {
    this.error.textContent = message;
  }

  reloadSoon() {
    window.clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => this.reload(), RELOAD_DELAY_MS);
  }

  unmount() {
    window.clearTimeout(this.reloadTimer);
  }

  /** Run an action from a row's button: errors are shown on the page, 401 is the app's business. */
  async act(button, work) {
    this.showError("");
    await whileBusy(button, async () => {
      try {
        await work();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status !== 401) this.showError(error.message);
      }
    });
  }
}

export class QueueView extends ListView {
  constructor(app) {
    super(app, "Queue");
    this.seenIds = null; // ids shown so far; tickets not in it are highlighted as new
    this.table = new TicketTable({
      label: "Waiting tickets, next to be served first",
      emptyText: "Nobody is waiting. New escalations appear here by themselves.",
      columns: [
        { header: "#", cell: (t) => String(t.queue_position ?? ""), className: "col-position" },
        COMMON_COLUMNS.ticket,
        COMMON_COLUMNS.customer,
        COMMON_COLUMNS.subject,
        COMMON_COLUMNS.reason,
        COMMON_COLUMNS.priority,
        { ...COMMON_COLUMNS.language, cell: (t) => this.languageCell(t) },
        COMMON_COLUMNS.channel,
        { header: "Waiting", cell: (t) => ageElement(t.created_at), className: "col-age" },
        { header: "SLA", cell: slaBadge, className: "col-sla" },
        { header: "Action", cell: (t) => this.claimButton(t), className: "col-action" },
      ],
    });
    this.summary = el("p", { class: "summary", "aria-live": "polite" }, "Loading…");
    this.claimNext = el("button", { type: "button", class: "primary", onclick: () => this.claimNextTicket() }, "Claim next");
    this.order = el("select", { id: "queue-order", onchange: () => this.changeOrder() },
      Object.entries(QUEUE_ORDERS).map(([value, text]) => el("option", { value }, text)));
    this.order.value = QUEUE_ORDERS[localStorage.getItem(QUEUE_ORDER_KEY)] ? localStorage.getItem(QUEUE_ORDER_KEY) : "queue";
    this.refreshTimer = null;
  }

  mount(main) {
    document.title = "Queue · Effortless agent console";
    main.append(el("section", { class: "list-view", "aria-labelledby": "queue-title" },
      el("div", { class: "view-head" }, withId(this.heading, "queue-title"), this.summary,
        el("label", { class: "queue-order", for: "queue-order" }, "Sort ", this.order), this.claimNext),
      this.error,
      this.table.element,
    ));
    this.heading.focus();
    if (this.app.queueLoaded) this.showQueue(this.app.queue);
    this.app.refreshQueue();
    this.refreshTimer = window.setInterval(() => this.app.refreshQueue(), SLA_REFRESH_MS);
  }

  unmount() {
    super.unmount();
    window.clearInterval(this.refreshTimer);
  }

  /** Remember the agent's order (this browser) and show the queue in it. */
  changeOrder() {
    localStorage.setItem(QUEUE_ORDER_KEY, this.order.value);
    if (this.app.queueLoaded) this.showQueue(this.app.queue);
  }

  reload() {
    this.app.refreshQueue();
  }

  showQueue(tickets) {
    const seen = this.seenIds;
    const ordered = this.order.value === "sla" ? [...tickets].sort(bySla) : tickets;
    this.table.show(ordered, {
      isNew: (ticket) => seen !== null && !seen.has(ticket.id),
      extra: (ticket) => [speaksLanguage(this.app.agent, ticket), slaLabel(ticket.sla)],
    });
    this.seenIds = new Set([...(seen || []), ...tickets.map((ticket) => ticket.id)]);
    this.summary.textContent = tickets.length === 1 ? "1 ticket waiting" : `${tickets.length} tickets waiting`;
    this.claimNext.disabled = tickets.length === 0;
  }

  /** The ticket's language, marked when you speak it ("Claim next" gives you those first). */
  languageCell(ticket) {
    const code = el("span", { title: languageName(ticket.language) }, ticket.language);
    if (!speaksLanguage(this.app.agent, ticket)) return code;
    return [code, " ", el("span", { class: "speaks-language", title: "You speak this language" }, "✓ yours")];
  }

  claimButton(ticket) {
    const button = el("button", { type: "button", class: "small", "data-focus-key": "claim", "aria-label": `Claim ${ticket.reference}` }, "Claim");
    button.addEventListener("click", () => this.act(button, async () => {
      try {
        this.app.openTicket(await this.app.api.post(`/api/tickets/${ticket.id}/claim`), { compose: true });
      } finally {
        this.app.refreshQueue();
      }
    }));
    return button;
  }

  async claimNextTicket() {
    await this.act(this.claimNext, async () => {
      const ticket = await this.app.api.post("/api/tickets/claim-next");
      if (ticket === null) this.showError("The queue is empty: there is nothing to claim.");
      else this.app.openTicket(ticket, { compose: true });
    });
    this.claimNext.disabled = this.app.queue.length === 0;
  }
}

export class MineView extends ListView {
  constructor(app) {
    super(app, "My conversations");
    this.ids = new Set();
    const columns = [
      COMMON_COLUMNS.ticket,
      COMMON_COLUMNS.customer,
      COMMON_COLUMNS.subject,
      { header: "Status", cell: (t) => this.statusCell(t), className: "col-status" },
      COMMON_COLUMNS.priority,
      COMMON_COLUMNS.language,
      COMMON_COLUMNS.channel,
      { header: "Last activity", cell: (t) => ageElement(t.updated_at), className: "col-age" },
    ];
    this.open = new TicketTable({ label: "Conversations assigned to you", columns,
      emptyText: "You have no open conversations. Claim one from the queue." });
    this.done = new TicketTable({ label: "Your resolved and closed tickets", columns,
      emptyText: "No resolved tickets yet." });
  }

  mount(main) {
    document.title = "My conversations · Effortless agent console";
    main.append(el("section", { class: "list-view", "aria-labelledby": "mine-title" },
      el("div", { class: "view-head" }, withId(this.heading, "mine-title")),
      this.error,
      el("h2", {}, "Open"),
      this.open.element,
      el("h2", {}, "Resolved and closed"),
      this.done.element,
    ));
    this.heading.focus();
    this.reload();
  }

  async reload() {
    let tickets;
    try {
      tickets = await this.app.api.get("/api/tickets", { mine: true, limit: MINE_LIMIT });
    } catch (error) {
      if (error.status !== 401) this.showError(error.message);
      return;
    }
    this.showError("");
    tickets.forEach((ticket) => this.app.rememberTicket(ticket));
    this.ids = new Set(tickets.map((ticket) => ticket.id));
    const unread = (ticket) => this.app.unread.has(ticket.id);
    this.open.show(tickets.filter((t) => t.status === "assigned"), { extra: unread });
    this.done.show(tickets.filter((t) => t.status !== "assigned"), { extra: unread });
  }

  handleEvent(event) {
    const me = this.app.agent.id;
    const mine = event.ticket && event.ticket.assignee && event.ticket.assignee.id === me;
    if (mine || this.ids.has(event.ticket_id)) this.reloadSoon();
  }

  statusCell(ticket) {
    return [
      chip("status", ticket.status, STATUS_LABELS[ticket.status]),
      this.app.unread.has(ticket.id) ? el("span", { class: "unread" }, "new message") : null,
    ];
  }
}

function withId(node, id) {
  node.id = id;
  return node;
}
