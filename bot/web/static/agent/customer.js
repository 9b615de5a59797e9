// Customers in the console: the Customer panel of a conversation (who this is, what is verified,
// their other tickets and conversations on every channel) and the customer page (#/customers/<id>)
// with everything, the merge audit and "Merge with another customer…".
// Every text from the API goes in as text (el); names are isolated (<bdi>, dir="auto").

import { ApiError } from "./api.js";
import { el, replaceChildren } from "/shared/dom.js";
import { STATUS_LABELS, chip, isolate, languageName, timeElement, whileBusy } from "./ui.js";

// The channel a conversation came in on, as a glyph with an accessible name. Glyphs from the Basic
// Multilingual Plane only: agents' machines may have no emoji font.
const CHANNELS = {
  web: { label: "Web chat", glyph: "⊕" },
  telegram: { label: "Telegram", glyph: "✈" },
  whatsapp: { label: "WhatsApp", glyph: "✆" },
  messenger: { label: "Messenger", glyph: "ⓜ" },
  slack: { label: "Slack", glyph: "#" },
  email: { label: "E-mail", glyph: "✉" },
  rest: { label: "REST API", glyph: "⇄" },
  other: { label: "Other channel", glyph: "•" },
};
const PROOF_LABELS = { channel: "proven by the channel", code: "one-time code", signed: "signed by your site" };
const SEARCH_DELAY_MS = 250;

export function channelIcon(channel) {
  const known = CHANNELS[channel] || CHANNELS.other;
  return el("span", { class: `channel-icon channel-${channel in CHANNELS ? channel : "other"}`, role: "img",
    "aria-label": known.label, title: known.label }, known.glyph);
}

export function customerLink(id, text = "Customer page") {
  return el("a", { href: `#/customers/${id}`, class: "customer-link" }, text);
}

/** "Dana Levi" in a <bdi>, or "Customer #12" when the record has no name yet. */
function customerName(customer) {
  return customer.name ? el("bdi", { class: "customer-record-name" }, customer.name) : `Customer #${customer.id}`;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function verifiedBadges(customer) {
  const badges = [];
  if (customer.email) {
    badges.push(el("li", { class: "verified", "data-verified": "email" },
      el("span", { class: "verified-mark", "aria-hidden": "true" }, "✓"), " E-mail verified: ",
      el("bdi", { dir: "auto" }, customer.email)));
  }
  if (customer.phone) {
    badges.push(el("li", { class: "verified", "data-verified": "phone" },
      el("span", { class: "verified-mark", "aria-hidden": "true" }, "✓"), " Phone verified: ",
      el("bdi", { dir: "ltr" }, customer.phone)));
  }
  if (!badges.length) badges.push(el("li", { class: "muted" }, "No verified e-mail or phone yet"));
  return el("ul", { class: "verified-list" }, badges);
}

/** One ticket or conversation: channel icon, what it is (a link to the ticket), status, when. */
function historyItem(app, entry) {
  if (entry.kind === "ticket") {
    app.rememberTicket({ id: entry.ticket_id, reference: entry.reference });
    return el("li", { class: "history-item", "data-kind": "ticket", "data-channel": entry.channel },
      channelIcon(entry.channel),
      el("a", { href: `#/ticket/${encodeURIComponent(entry.reference)}`, class: "ticket-ref" }, entry.reference),
      " ",
      chip("status", entry.status, STATUS_LABELS[entry.status] || entry.status),
      el("span", { class: "history-subject", dir: "auto" }, entry.subject || ""),
      el("span", { class: "history-time" }, timeElement(entry.at)),
    );
  }
  return el("li", { class: "history-item", "data-kind": "conversation", "data-channel": entry.channel },
    channelIcon(entry.channel),
    el("span", { class: "history-kind" }, "Conversation"),
    el("code", { class: "conversation-id" }, entry.conversation_id),
    el("span", { class: "history-time" }, "last message ", timeElement(entry.at)),
  );
}

function historyList(app, entries, emptyText) {
  return entries.length
    ? el("ol", { class: "customer-history" }, entries.map((entry) => historyItem(app, entry)))
    : el("p", { class: "muted" }, emptyText);
}

/** The Customer panel inside a conversation: loaded once per ticket, kept across re-renders. */
export class CustomerPanel {
  constructor(app) {
    this.app = app;
    this.element = el("section", { class: "customer-panel", "aria-labelledby": "customer-panel-title" },
      el("h2", { id: "customer-panel-title" }, "Customer record"),
      el("p", { class: "muted" }, "Loading…"));
  }

  async load(ticketId) {
    try {
      this.show(await this.app.api.get(`/api/tickets/${ticketId}/customer`));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) this.body(el("p", { class: "form-error" }, `Could not load the customer: ${error.message}`));
    }
  }

  show({ customer, others, more }) {
    if (!customer) {
      this.body(el("p", { class: "muted" }, "No customer record holds this conversation."));
      return;
    }
    this.body(
      el("p", { class: "customer-panel-name" }, customerName(customer), " · ", customerLink(customer.id)),
      verifiedBadges(customer),
      el("p", { class: "muted" }, `${plural(customer.ticket_count, "ticket", "tickets")}, `
        + `${plural(customer.conversation_count, "conversation", "conversations")} on all channels`),
      el("h3", {}, "Other tickets and conversations"),
      historyList(this.app, others, "None: this is the customer's only one."),
      more ? el("p", {}, customerLink(customer.id, `${more} more on the customer page`)) : null,
    );
  }

  body(...children) {
    replaceChildren(this.element, this.element.firstChild, ...children);
  }
}

/** The customer page: the record, identities, every ticket and conversation, merges. */
export class CustomerView {
  constructor(app, customerId) {
    this.app = app;
    this.customerId = customerId;
    this.customer = null;
    this.unmounted = false;
    this.searchTimer = null;
  }

  async mount(main) {
    document.title = `Customer #${this.customerId} · Effortless agent console`;
    this.heading = el("h1", { id: "customer-title", tabindex: "-1" }, `Customer #${this.customerId}`);
    this.error = el("p", { class: "form-error", role: "alert" });
    this.notice = el("p", { class: "notice-line", role: "status" });
    this.content = el("div", { class: "customer-page-body" });
    this.root = el("section", { class: "list-view customer-page", "aria-labelledby": "customer-title" },
      el("div", { class: "view-head" }, this.heading), this.error, this.notice, this.content);
    main.append(this.root);
    this.heading.focus();
    await this.reload();
  }

  unmount() {
    this.unmounted = true;
    window.clearTimeout(this.searchTimer);
  }

  async reload() {
    try {
      const [customer, merges] = await Promise.all([
        this.app.api.get(`/api/customers/${this.customerId}`),
        this.app.api.get(`/api/customers/${this.customerId}/merges`),
      ]);
      if (!this.unmounted) this.render(customer, merges);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) this.error.textContent = error.message;
    }
  }

  render(customer, merges) {
    this.customer = customer;
    if (customer.redirected_from) {
      // The old id went into this record: show the record's own address from now on.
      this.customerId = customer.id;
      window.history.replaceState(null, "", `#/customers/${customer.id}`);
      this.notice.textContent = `Customer #${customer.redirected_from} was merged into this record (#${customer.id}).`;
    }
    document.title = `${customer.name ? isolate(customer.name) : `Customer #${customer.id}`} · Effortless agent console`;
    replaceChildren(this.heading, "Customer: ", customerName(customer),
      el("span", { class: "muted customer-id" }, ` #${customer.id}`));
    replaceChildren(this.content,
      el("div", { class: "customer-columns" },
        el("div", { class: "customer-main" },
          el("h2", {}, "Tickets and conversations"),
          el("p", { class: "muted" }, `${plural(customer.ticket_count, "ticket", "tickets")}, `
            + `${plural(customer.conversation_count, "conversation", "conversations")} on all channels, newest first`),
          historyList(this.app, customer.history, "No tickets or conversations yet."),
        ),
        el("aside", { class: "customer-side", "aria-label": "Record" },
          el("h2", {}, "Verified"),
          verifiedBadges(customer),
          el("dl", { class: "facts" },
            el("dt", {}, "Language"), el("dd", {}, languageName(customer.language)),
            el("dt", {}, "First seen"), el("dd", {}, timeElement(customer.created_at)),
            el("dt", {}, "Last seen"), el("dd", {}, timeElement(customer.last_seen_at)),
          ),
          el("h2", {}, "Known as"),
          el("ul", { class: "identities" }, customer.identities.map((identity) => el("li", {},
            channelIcon(identity.kind in CHANNELS ? identity.kind : "other"), " ",
            el("code", { dir: "auto" }, identity.value), " ",
            el("span", { class: "muted" }, `(${PROOF_LABELS[identity.proof] || identity.proof})`)))),
          el("h2", {}, "Merge"),
          this.buildMerge(),
          el("h2", { id: "merge-history-title" }, "Merge history"),
          merges.length
            ? el("ol", { class: "merge-history", "aria-labelledby": "merge-history-title" }, merges.map(mergeItem))
            : el("p", { class: "muted" }, "This record was never merged."),
        ),
      ),
    );
  }

  // ------------------------------------------------------------ merging

  buildMerge() {
    const open = el("button", { type: "button", "aria-expanded": "false", "aria-controls": "merge-search" },
      "Merge with another customer…");
    const input = el("input", { id: "merge-query", type: "search", maxlength: 200, autocomplete: "off",
      placeholder: "Name, e-mail, phone or #id" });
    const results = el("ul", { class: "merge-results", "aria-live": "polite" });
    const panel = el("div", { id: "merge-search", class: "merge-search", hidden: true },
      el("label", { for: "merge-query" }, "Find the other customer"), input, results);
    open.addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      open.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden) input.focus();
    });
    input.addEventListener("input", () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => this.search(input.value, results), SEARCH_DELAY_MS);
    });
    return el("div", { class: "merge" }, open, panel);
  }

  async search(text, results) {
    const query = text.trim().replace(/^#/, "");
    if (!query) {
      replaceChildren(results);
      return;
    }
    try {
      const found = (await this.app.api.get("/api/customers", { query })).filter((other) => other.id !== this.customer.id);
      if (this.unmounted) return;
      replaceChildren(results, found.length
        ? found.map((other) => el("li", {},
          el("span", { class: "merge-candidate" }, customerName(other), ` #${other.id}`,
            other.email ? el("span", { class: "muted" }, " · ", el("bdi", { dir: "auto" }, other.email)) : null,
            other.phone ? el("span", { class: "muted" }, " · ", el("bdi", { dir: "ltr" }, other.phone)) : null),
          el("button", { type: "button", class: "small", onclick: () => this.confirmMerge(other) }, "Choose")))
        : el("li", { class: "muted" }, "No other customer matches."));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) replaceChildren(results, el("li", { class: "form-error" }, error.message));
    }
  }

  /** The dialog names both records and what moves; the merge needs a reason. */
  confirmMerge(other) {
    const kept = this.customer;
    const reason = el("textarea", { id: "merge-reason", "aria-required": "true", maxlength: 300, rows: 3, dir: "auto" });
    const error = el("p", { class: "form-error", role: "alert" });
    const submit = el("button", { type: "submit", class: "primary" }, "Merge");
    const cancel = el("button", { type: "button" }, "Cancel");
    const form = el("form", {},
      el("h2", { id: "merge-dialog-title" }, "Merge two customers"),
      el("p", {}, "Merge ", customerName(other), ` (#${other.id}) into `, customerName(kept), ` (#${kept.id})?`),
      el("p", {}, `Its ${plural(other.ticket_count, "ticket", "tickets")}, `
        + `${plural(other.conversation_count, "conversation", "conversations")}, identities and e-mails move to #${kept.id}, `
        + `which keeps its own name, e-mail and phone and takes those it lacks. #${other.id} then points to #${kept.id}. `
        + "This cannot be undone."),
      el("label", { for: "merge-reason" }, "Why are you sure they are the same person?"),
      reason, error,
      el("div", { class: "dialog-buttons" }, cancel, submit),
    );
    const dialog = el("dialog", { class: "merge-dialog", "aria-labelledby": "merge-dialog-title" }, form);
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!reason.value.trim()) {
        error.textContent = "Give a reason: it is kept in the merge history.";
        reason.focus();
        return;
      }
      await whileBusy([submit, cancel], async () => {
        try {
          await this.app.api.post(`/api/customers/${kept.id}/merge`, { other_id: other.id, reason: reason.value.trim() });
        } catch (failure) {
          if (!(failure instanceof ApiError)) throw failure;
          error.textContent = failure.message;
          return;
        }
        dialog.close();
        await this.reload();
        this.notice.textContent = `Merged customer #${other.id} into #${kept.id}.`;
      });
    });
    this.root.append(dialog);
    dialog.showModal();
    reason.focus();
  }
}

function mergeItem(merge) {
  const moved = merge.details || {};
  return el("li", { class: "merge-entry" },
    timeElement(merge.created_at), " ",
    `#${merge.merged_customer_id} merged into #${merge.kept_customer_id} by `,
    merge.agent ? el("bdi", {}, merge.agent.name) : "proof (the same verified e-mail)",
    ": ", el("q", { dir: "auto" }, merge.reason),
    el("span", { class: "muted" }, ` (moved ${plural(moved.tickets || 0, "ticket", "tickets")}, `
      + `${plural(moved.conversations || 0, "conversation", "conversations")}, `
      + `${plural(moved.identities || 0, "identity", "identities")})`),
  );
}
