// One conversation: the whole transcript (live), the customer and escalation context, the reply
// box, and the ticket actions (claim, transfer, resolve, reopen, close, internal notes).

import { ApiError } from "./api.js";
import { CustomerPanel } from "./customer.js";
import { el, replaceChildren } from "/shared/dom.js";
import { REASON_LABELS, STATUS_LABELS, chip, isolate, languageName, slaBadge, timeElement, whileBusy } from "./ui.js";

const MAX_CHARS = 10_000; // the API's limit for one message
const COUNTER_FROM = 9_000;
const NEAR_BOTTOM_PX = 120;
const KB_SEARCH_DELAY_MS = 250;
const KB_RESULTS = 8;
const PREVIEW_CHARS = 90;

export class ConversationView {
  constructor(app, reference) {
    this.app = app;
    this.reference = reference;
    this.ticketId = null;
    this.ticket = null;
    this.items = new Map(); // message id → <li>
    this.pendingEvents = []; // events that arrive while the ticket is loading
    this.actionsKey = null; // status and assignee the action buttons were drawn for
    this.sending = false;
    this.unmounted = false;
    this.kbTimer = null;
  }

  // ------------------------------------------------------------ lifecycle

  async mount(main) {
    document.title = `${this.reference} · Effortless agent console`;
    this.heading = el("h1", { id: "ticket-title", tabindex: "-1" }, this.reference);
    this.subject = el("span", { class: "ticket-subject", dir: "auto" });
    this.meta = el("div", { class: "ticket-meta" });
    this.actions = el("div", { class: "ticket-actions", role: "group", "aria-label": "Ticket actions" });
    this.transferPanel = this.buildTransferPanel();
    this.error = el("p", { class: "form-error", role: "alert" });
    this.notice = el("p", { class: "notice-line", role: "status" });
    this.transcript = el("ol", { class: "transcript" });
    this.log = el("div", { class: "transcript-scroll", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" },
      this.transcript);
    this.details = el("aside", { class: "ticket-details", "aria-label": "Customer and escalation details" });
    this.customerPanel = new CustomerPanel(this.app);
    const composer = this.buildComposer();
    this.root = el("section", { class: "conversation", "aria-labelledby": "ticket-title" },
      el("div", { class: "conversation-main" },
        el("header", { class: "ticket-head" },
          el("div", { class: "ticket-title-row" }, this.heading, this.subject),
          el("div", { class: "ticket-bar" }, this.meta, this.actions),
          this.transferPanel,
          this.error,
          this.notice,
        ),
        this.log,
        composer,
      ),
      this.details,
    );
    main.append(this.root);
    this.heading.focus();
    this.notice.textContent = `Loading ${this.reference}…`;
    try {
      this.ticketId = await this.app.ticketIdFor(this.reference);
      if (this.unmounted) return;
      if (this.ticketId === null) {
        this.pendingEvents = null;
        this.notice.textContent = "";
        this.showError(`There is no ticket ${this.reference}.`);
        composer.hidden = true;
        return;
      }
      await this.refresh();
    } catch (error) {
      this.pendingEvents = null;
      this.notice.textContent = "";
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) this.showError(error.message);
      return;
    }
    if (this.unmounted) return;
    this.notice.textContent = "";
    const early = this.pendingEvents;
    this.pendingEvents = null;
    early.forEach((event) => this.handleEvent(event));
    this.scrollToEnd();
    this.app.markRead(this.ticketId);
    if (this.app.composeOnOpen === this.reference) {
      this.app.composeOnOpen = null;
      this.text.focus();
    }
  }

  unmount() {
    this.unmounted = true;
    window.clearTimeout(this.kbTimer);
  }

  async reload() {
    if (this.ticketId === null) return;
    try {
      await this.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401) this.showError(error.message);
    }
  }

  async refresh() {
    const detail = await this.app.api.get(`/api/tickets/${this.ticketId}`);
    if (this.unmounted) return;
    this.applyDetail(detail);
    this.customerPanel.load(this.ticketId); // also after a reconnect: a merge meanwhile changes it
  }

  /** Show a full ticket (from GET or from an action's answer). */
  applyDetail(detail) {
    const { messages, ...ticket } = detail;
    this.ticket = ticket;
    this.app.rememberTicket(ticket);
    for (const message of messages) this.addMessage(message);
    this.renderTicket();
  }

  // ------------------------------------------------------------ live events

  handleEvent(event) {
    if (this.pendingEvents) {
      this.pendingEvents.push(event);
      return;
    }
    if (!this.ticket || event.ticket_id !== this.ticket.id) return;
    if (event.ticket && Date.parse(event.ticket.updated_at) >= Date.parse(this.ticket.updated_at)) {
      // A summary (no description, KB attempts, messages or SLA state): keep those from the detail, and
      // read the SLA state again when what it depends on changed.
      const slaChanged = ["status", "priority", "first_reply_at"].some((key) => event.ticket[key] !== this.ticket[key]);
      this.ticket = { ...this.ticket, ...event.ticket, queue_position: event.ticket.queue_position ?? null,
                      sla: this.ticket.sla };
      this.renderTicket();
      if (slaChanged) this.reload();
    }
    if (event.message) this.addMessage(event.message);
    this.app.markRead(this.ticket.id);
  }

  // ------------------------------------------------------------ the ticket

  get isMine() {
    return Boolean(this.ticket.assignee && this.ticket.assignee.id === this.app.agent.id);
  }

  get mayManage() {
    return this.isMine || this.app.agent.role === "admin";
  }

  renderTicket() {
    const ticket = this.ticket;
    document.title = `${ticket.reference} · ${isolate(ticket.subject)} · Effortless agent console`;
    this.subject.textContent = ticket.subject;
    replaceChildren(this.meta,
      chip("status", ticket.status, STATUS_LABELS[ticket.status]),
      chip("priority", ticket.priority),
      slaBadge(ticket),
      el("span", { class: "assignee" }, ...this.assigneeText()),
    );
    const actionsKey = `${ticket.status}:${ticket.assignee ? ticket.assignee.id : ""}`;
    if (actionsKey !== this.actionsKey) {
      this.actionsKey = actionsKey;
      this.renderActions();
    }
    this.renderDetails();
    this.updateComposer();
  }

  /** The assignee line's parts; an agent's name is isolated (<bdi>) inside the English sentence. */
  assigneeText() {
    const ticket = this.ticket;
    if (ticket.status === "waiting") {
      return [ticket.queue_position ? `Waiting in the queue (position ${ticket.queue_position})` : "Waiting in the queue"];
    }
    if (!ticket.assignee) return ["Unassigned"];
    const who = this.isMine ? "you" : el("bdi", {}, ticket.assignee.name);
    return [ticket.status === "assigned" ? "Assigned to " : "Handled by ", who];
  }

  renderActions() {
    const focusedAction = this.actions.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const status = this.ticket.status;
    const buttons = [];
    if (status === "waiting") {
      buttons.push(this.actionButton("claim", "Claim", "primary", () => this.claim()));
    }
    if (status === "assigned" && this.mayManage) {
      buttons.push(this.actionButton("transfer", "Transfer…", "", (button) => this.toggleTransfer(button)));
      buttons.push(this.actionButton("resolve", "Resolve", "primary", (button) => this.runAction(button, "resolve",
        "Resolved. The bot has the conversation again and asks the customer how easy it was.")));
    }
    if (status === "resolved" && this.mayManage) {
      buttons.push(this.actionButton("reopen", "Reopen", "", (button) => this.runAction(button, "reopen",
        "Reopened: the conversation is yours again.")));
      buttons.push(this.actionButton("close", "Close for good", "", (button) => this.runAction(button, "close",
        "Closed. It can no longer be reopened.")));
    }
    this.transferPanel.hidden = true;
    replaceChildren(this.actions, buttons);
    if (focusedAction) {
      const same = this.actions.querySelector(`[data-action="${focusedAction}"]`);
      (same || this.heading).focus();
    }
  }

  actionButton(action, label, className, onClick) {
    const button = el("button", { type: "button", class: className, "data-action": action }, label);
    button.addEventListener("click", () => onClick(button));
    if (action === "transfer") {
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", "transfer-panel");
    }
    return button;
  }

  async claim() {
    const button = this.actions.querySelector('[data-action="claim"]');
    if (await this.runAction(button, "claim", "")) this.text.focus();
  }

  /** POST /api/tickets/<id>/<action>; true when it worked. Errors are shown above the transcript. */
  async runAction(button, action, doneText, body) {
    this.showError("");
    this.notice.textContent = "";
    let worked = false;
    await whileBusy(button, async () => {
      try {
        this.applyDetail(await this.app.api.post(`/api/tickets/${this.ticket.id}/${action}`, body));
        this.notice.textContent = doneText;
        worked = true;
      } catch (error) {
        this.handleFailure(error);
      }
    });
    return worked;
  }

  /** Show an API error; after 403/409 the ticket changed under us, so show its current state. */
  handleFailure(error, where = this.error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return; // the app shows the login page
    where.textContent = error.message;
    if (error.status === 403 || error.status === 409) this.reload();
  }

  showError(message) {
    this.error.textContent = message;
  }

  // ------------------------------------------------------------ transfer

  buildTransferPanel() {
    this.transferSelect = el("select", { id: "transfer-to" });
    this.transferGo = el("button", { type: "submit", class: "primary" }, "Transfer");
    const cancel = el("button", { type: "button", onclick: () => this.closeTransfer() }, "Cancel");
    const form = el("form", { id: "transfer-panel", class: "inline-panel", hidden: true, "aria-label": "Transfer the ticket" },
      el("label", { for: "transfer-to" }, "Transfer to"), this.transferSelect, this.transferGo, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.transfer();
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeTransfer();
    });
    return form;
  }

  async toggleTransfer(button) {
    if (!this.transferPanel.hidden) {
      this.closeTransfer();
      return;
    }
    this.showError("");
    let agents;
    try {
      agents = await whileBusy(button, () => this.app.api.get("/api/agents"));
    } catch (error) {
      this.handleFailure(error);
      return;
    }
    const assigneeId = this.ticket.assignee ? this.ticket.assignee.id : null;
    const candidates = agents
      .filter((agent) => agent.is_active && agent.id !== assigneeId)
      .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    if (!candidates.length) {
      this.showError("There is no other active agent to transfer to.");
      return;
    }
    replaceChildren(this.transferSelect, candidates.map((agent) =>
      el("option", { value: agent.id, "data-name": agent.name }, `${isolate(agent.name)} — ${agent.online ? "online" : agent.presence}`)));
    this.transferPanel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    this.transferSelect.focus();
  }

  closeTransfer() {
    this.transferPanel.hidden = true;
    const toggle = this.actions.querySelector('[data-action="transfer"]');
    if (toggle) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  }

  async transfer() {
    const option = this.transferSelect.selectedOptions[0];
    if (!option) return;
    const name = isolate(option.dataset.name);
    await this.runAction(this.transferGo, "transfer", `Transferred to ${name}.`, { agent_id: Number(option.value) });
  }

  // ------------------------------------------------------------ details

  renderDetails() {
    const ticket = this.ticket;
    const attempts = ticket.kb_attempts || [];
    replaceChildren(this.details,
      el("h2", {}, "Customer"),
      el("dl", { class: "facts" },
        fact("Name", el("span", { dir: "auto" }, ticket.customer_name || "Not given")),
        fact("E-mail", ticket.customer_email ? el("span", { dir: "auto" }, ticket.customer_email) : "Not given"),
        fact("Language", languageName(ticket.language)),
        fact("Channel", ticket.channel),
        fact("Conversation", el("code", { class: "conversation-id" }, ticket.conversation_id)),
      ),
      this.customerPanel.element,
      el("h2", {}, "Why it escalated"),
      el("p", {}, chip("reason", ticket.reason, REASON_LABELS[ticket.reason] || ticket.reason)),
      el("p", {}, ticket.reason_text || ""),
      ticket.description ? el("p", { class: "description", dir: "auto" }, ticket.description) : null,
      el("h2", {}, "KB articles the bot tried"),
      attempts.length
        ? el("ol", { class: "kb-attempts" }, attempts.map(attemptItem))
        : el("p", { class: "muted" }, "None: the bot did not find a KB article for this."),
      el("h2", {}, "Timeline"),
      el("dl", { class: "facts" },
        fact("Created", timeElement(ticket.created_at)),
        fact("Claimed", timeElement(ticket.assigned_at)),
        fact("First reply", timeElement(ticket.first_reply_at)),
        fact("Resolved", timeElement(ticket.resolved_at)),
        ticket.closed_at ? fact("Closed", timeElement(ticket.closed_at)) : null,
      ),
    );
  }

  // ------------------------------------------------------------ transcript

  addMessage(message) {
    const existing = this.items.get(message.id);
    const item = this.messageItem(message);
    if (existing) {
      existing.replaceWith(item); // e.g. an agent line now delivered
      this.items.set(message.id, item);
      return;
    }
    const follow = this.nearEnd();
    this.items.set(message.id, item);
    const later = [...this.items.keys()].filter((id) => id > message.id).sort((a, b) => a - b)[0];
    this.transcript.insertBefore(item, later === undefined ? null : this.items.get(later));
    if (follow) this.scrollToEnd();
  }

  messageItem(message) {
    const kind = message.author_type;
    const body = el("p", { class: "msg-body", dir: "auto" }, message.body);
    if (kind === "system") {
      // System lines for the customer's chat (joined, resolved, the ticket number) say so only when the customer
      // did not see them in the chat.
      return el("li", { class: "msg msg-system", "data-message-id": message.id },
        body, el("span", { class: "msg-time" }, timeElement(message.created_at)),
        seenInChat(message) ? null : this.deliveryLine(message));
    }
    return el("li", { class: `msg msg-${kind}`, "data-message-id": message.id },
      el("div", { class: "msg-meta" }, this.authorLabel(message), " ", el("span", { class: "msg-time" }, timeElement(message.created_at))),
      body,
      kind === "agent" ? this.deliveryLine(message) : null,
    );
  }

  /** Where the line got: "Delivered" only into a chat the customer had open. A failed line shows why, and a way
   * to send it again unless the customer withdrew (the helpdesk then sends nothing more). */
  deliveryLine(message) {
    const emailed = message.reached === "email";
    if (message.delivery_error) {
      return el("p", { class: "msg-delivery is-failed" },
        emailed ? `Not delivered in the chat: ${message.delivery_error}; sent by e-mail instead ` : `Not delivered: ${message.delivery_error} `,
        this.ticket.status === "withdrawn" ? null : this.retryButton(message));
    }
    if (message.delivered) {
      const [state, label] = reachedLabel(message);
      return el("p", { class: `msg-delivery ${state}`.trim() }, label);
    }
    if (message.delivery_attempts > 0) {
      const tries = `${message.delivery_attempts} ${message.delivery_attempts === 1 ? "try" : "tries"}`;
      return el("p", { class: "msg-delivery is-waiting", title: message.last_delivery_error || "" },
        emailed ? `Sent by e-mail. Not in the chat yet (${tries}); trying again at ` : `Not delivered yet (${tries}); trying again at `,
        timeElement(message.next_delivery_at));
    }
    return el("p", { class: "msg-delivery" }, "Sending…");
  }

  retryButton(message) {
    const retry = el("button", { type: "button", class: "small msg-retry" }, "Retry");
    retry.addEventListener("click", () => whileBusy(retry, () => this.retryDelivery(message)));
    return retry;
  }

  async retryDelivery(message) {
    try {
      this.addMessage(await this.app.api.post(`/api/tickets/${message.ticket_id}/messages/${message.id}/retry`));
    } catch (error) {
      this.handleFailure(error);
    }
  }

  authorLabel(message) {
    const agentName = message.agent ? message.agent.name : "Agent";
    const you = message.agent && message.agent.id === this.app.agent.id ? " (you)" : "";
    switch (message.author_type) {
      case "customer":
        return el("span", { class: "msg-author" }, el("span", { dir: "auto" }, this.ticket ? this.ticket.customer_name || "Customer" : "Customer"),
          el("span", { class: "role-tag" }, "customer"));
      case "bot":
        return el("span", { class: "msg-author" }, "Bot", el("span", { class: "role-tag" }, "bot"));
      case "agent":
        return el("span", { class: "msg-author" }, el("span", {}, el("bdi", {}, agentName), you), el("span", { class: "role-tag" }, "agent"));
      default: // note
        return el("span", { class: "msg-author" }, el("span", { class: "role-tag" }, "internal note"),
          el("span", {}, el("bdi", {}, agentName), `${you} · agents only`));
    }
  }

  nearEnd() {
    const log = this.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // ------------------------------------------------------------ composer

  buildComposer() {
    this.modeReply = el("input", { type: "radio", name: "composer-mode", value: "reply", id: "mode-reply", checked: true });
    this.modeNote = el("input", { type: "radio", name: "composer-mode", value: "note", id: "mode-note" });
    this.textLabel = el("label", { for: "composer-text", class: "visually-hidden" }, "Reply to the customer");
    this.text = el("textarea", { id: "composer-text", dir: "auto", rows: "3", maxlength: MAX_CHARS, "aria-describedby": "composer-hint" });
    this.hint = el("span", { id: "composer-hint", class: "muted" }, "Enter sends · Shift+Enter new line");
    this.counter = el("span", { class: "counter", hidden: true, "aria-live": "polite" });
    this.sendButton = el("button", { type: "submit", class: "primary" }, "Send");
    this.composerError = el("p", { class: "form-error", role: "alert" });
    this.savedToggle = el("button", { type: "button", "aria-expanded": "false", "aria-controls": "saved-panel" }, "Saved replies");
    this.kbToggle = el("button", { type: "button", "aria-expanded": "false", "aria-controls": "kb-panel" }, "KB article");
    this.savedPanel = this.buildSavedPanel();
    this.kbPanel = this.buildKbPanel();
    this.composer = el("form", { class: "composer", "aria-label": "Write a message" },
      el("fieldset", { class: "modes" },
        el("legend", { class: "visually-hidden" }, "Message type"),
        el("label", { for: "mode-reply" }, this.modeReply, " Reply to customer"),
        el("label", { for: "mode-note" }, this.modeNote, " Internal note"),
        el("span", { class: "mode-hint muted" }),
      ),
      this.savedPanel,
      this.kbPanel,
      this.textLabel,
      this.text,
      this.composerError,
      el("div", { class: "composer-bar" }, this.hint, this.counter, el("span", { class: "spacer" }),
        this.savedToggle, this.kbToggle, this.sendButton),
    );
    this.modeHint = this.composer.querySelector(".mode-hint");
    this.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendMessage();
    });
    this.text.addEventListener("keydown", (event) => {
      // isComposing: Enter that confirms an input-method candidate must not send.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey) {
        event.preventDefault();
        this.sendMessage();
      }
    });
    this.text.addEventListener("input", () => this.updateCounter());
    for (const radio of [this.modeReply, this.modeNote]) radio.addEventListener("change", () => this.showMode());
    this.savedToggle.addEventListener("click", () => this.togglePanel(this.savedPanel, this.savedToggle));
    this.kbToggle.addEventListener("click", () => this.togglePanel(this.kbPanel, this.kbToggle));
    this.updateComposer();
    return this.composer;
  }

  get mode() {
    return this.modeNote.checked ? "note" : "reply";
  }

  /** Replies need the ticket to be assigned to me; notes are always possible. */
  updateComposer() {
    if (!this.ticket) {
      this.text.disabled = true;
      this.sendButton.disabled = true;
      return;
    }
    const canReply = this.ticket.status === "assigned" && this.isMine;
    const couldReply = !this.modeReply.disabled;
    this.modeReply.disabled = !canReply;
    if (!canReply) this.modeNote.checked = true;
    else if (!couldReply) this.modeReply.checked = true;
    this.text.disabled = false;
    this.sendButton.disabled = this.sending;
    replaceChildren(this.modeHint, canReply ? "" : this.whyNoReply());
    this.showMode();
  }

  whyNoReply() {
    const ticket = this.ticket;
    if (ticket.status === "waiting") return "Claim the ticket to reply to the customer.";
    if (ticket.status === "resolved") return this.mayManage ? "Reopen the ticket to reply." : "This ticket is resolved.";
    if (ticket.status === "closed") return "This ticket is closed.";
    if (ticket.status === "withdrawn") return "The customer withdrew this request and is no longer waiting.";
    return ["Assigned to ", ticket.assignee ? el("bdi", {}, ticket.assignee.name) : "someone else", ": you can add internal notes."];
  }

  showMode() {
    const note = this.mode === "note";
    this.composer.classList.toggle("is-note", note);
    this.textLabel.textContent = note ? "Internal note (agents only)" : "Reply to the customer";
    this.text.placeholder = note ? "Internal note: only agents see this" : "Reply to the customer";
    this.sendButton.textContent = note ? "Add note" : "Send";
  }

  updateCounter() {
    const length = this.text.value.length;
    this.counter.hidden = length < COUNTER_FROM;
    this.counter.textContent = `${length}/${MAX_CHARS}`;
  }

  async sendMessage() {
    if (this.sending || !this.ticket) return;
    const text = this.text.value;
    this.composerError.textContent = "";
    if (!text.trim()) {
      this.composerError.textContent = "Type a message first.";
      return;
    }
    const path = `/api/tickets/${this.ticket.id}/${this.mode === "note" ? "notes" : "messages"}`;
    this.sending = true;
    this.text.readOnly = true;
    try {
      await whileBusy(this.sendButton, async () => {
        try {
          const message = await this.app.api.post(path, { text });
          this.addMessage(message);
          this.scrollToEnd();
          this.text.value = "";
          this.updateCounter();
        } catch (error) {
          this.handleFailure(error, this.composerError);
        }
      });
    } finally {
      this.sending = false;
      this.text.readOnly = false;
      this.text.focus();
    }
  }

  insertText(text) {
    const area = this.text;
    const start = area.selectionStart;
    const before = area.value.slice(0, start);
    const separator = before && !/\s$/.test(before) ? " " : "";
    area.setRangeText(separator + text, start, area.selectionEnd, "end");
    this.updateCounter();
    area.focus();
  }

  // ------------------------------------------------------------ saved replies and KB links

  togglePanel(panel, toggle) {
    const opening = panel.hidden;
    for (const [other, otherToggle] of [[this.savedPanel, this.savedToggle], [this.kbPanel, this.kbToggle]]) {
      other.hidden = true;
      otherToggle.setAttribute("aria-expanded", "false");
    }
    if (!opening) return;
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (panel === this.savedPanel) this.loadSavedReplies();
    else this.searchKb(true);
  }

  closePanel(panel, toggle) {
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  }

  buildSavedPanel() {
    this.savedList = el("ul", { class: "pick-list" });
    this.savedStatus = el("p", { class: "muted", role: "status" });
    const panel = el("div", { id: "saved-panel", class: "popover", hidden: true, role: "group", "aria-label": "Saved replies" },
      el("h2", {}, "Saved replies"), this.savedStatus, this.savedList);
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closePanel(panel, this.savedToggle);
    });
    return panel;
  }

  async loadSavedReplies() {
    this.savedStatus.textContent = "Loading…";
    replaceChildren(this.savedList);
    let replies;
    try {
      replies = await this.app.api.get("/api/saved-replies");
    } catch (error) {
      this.savedStatus.textContent = "";
      this.handleFailure(error, this.savedStatus);
      return;
    }
    this.savedStatus.textContent = replies.length ? "" : "No saved replies yet. Admins add them through the API (POST /api/saved-replies).";
    replaceChildren(this.savedList, replies.map((reply) => el("li", {},
      el("button", { type: "button", class: "pick", onclick: () => this.pickSaved(reply) },
        el("span", { class: "pick-title", dir: "auto" }, reply.title),
        el("span", { class: "pick-preview", dir: "auto" }, preview(reply.body))))));
    const first = this.savedList.querySelector("button");
    if (first) first.focus();
  }

  pickSaved(reply) {
    this.savedPanel.hidden = true;
    this.savedToggle.setAttribute("aria-expanded", "false");
    this.insertText(reply.body);
  }

  buildKbPanel() {
    this.kbQuery = el("input", { id: "kb-query", type: "search", maxlength: 200, autocomplete: "off" });
    this.kbOnlyLanguage = el("input", { id: "kb-only-language", type: "checkbox", checked: true });
    this.kbLanguageLabel = el("label", { for: "kb-only-language" }, this.kbOnlyLanguage, " Only in the customer's language");
    this.kbList = el("ul", { class: "pick-list" });
    this.kbStatus = el("p", { class: "muted", role: "status" });
    const panel = el("div", { id: "kb-panel", class: "popover", hidden: true, role: "group", "aria-label": "Insert a KB article link" },
      el("h2", {}, "Insert a KB article link"),
      el("div", { class: "kb-search" }, el("label", { for: "kb-query" }, "Search"), this.kbQuery, this.kbLanguageLabel),
      this.kbStatus,
      this.kbList);
    this.kbQuery.addEventListener("input", () => {
      window.clearTimeout(this.kbTimer);
      this.kbTimer = window.setTimeout(() => this.searchKb(false), KB_SEARCH_DELAY_MS);
    });
    this.kbQuery.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // Enter would submit the reply form
    });
    this.kbOnlyLanguage.addEventListener("change", () => this.searchKb(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closePanel(panel, this.kbToggle);
    });
    return panel;
  }

  async searchKb(focusSearch) {
    if (focusSearch) this.kbQuery.focus();
    const language = this.ticket ? this.ticket.language : "";
    this.kbLanguageLabel.lastChild.textContent = ` Only ${languageName(language)}`;
    const query = this.kbQuery.value.trim();
    this.kbStatus.textContent = "Searching…";
    let articles;
    try {
      articles = await this.app.api.get("/api/kb/articles", {
        q: query, language: this.kbOnlyLanguage.checked ? language : "", limit: KB_RESULTS,
      });
    } catch (error) {
      this.kbStatus.textContent = "";
      this.handleFailure(error, this.kbStatus);
      return;
    }
    if (this.kbQuery.value.trim() !== query) return; // a newer search is on its way
    this.kbStatus.textContent = articles.length ? `${articles.length} article${articles.length === 1 ? "" : "s"}` : "No article matches.";
    replaceChildren(this.kbList, articles.map((article) => el("li", {},
      el("button", { type: "button", class: "pick", onclick: () => this.pickArticle(article) },
        el("span", { class: "pick-title", dir: "auto" }, article.title),
        el("span", { class: "pick-preview" }, `${article.id} · ${article.language}${article.url ? "" : " · no link"}`),
        el("span", { class: "pick-preview", dir: "auto" }, preview(article.summary))))));
  }

  pickArticle(article) {
    this.kbPanel.hidden = true;
    this.kbToggle.setAttribute("aria-expanded", "false");
    this.insertText(article.url ? `${article.title}: ${article.url}` : `${article.title}: ${article.summary}`);
  }
}

/** Whether the line reached a chat the customer had open (as lines delivered before the helpdesk recorded where did). */
function seenInChat(message) {
  return message.delivered && (!message.reached || message.reached === "chat");
}

// Why a line the customer did not see live did not go by e-mail too (`email_skipped`).
const EMAIL_SKIPPED = {
  no_address: ", and there is no e-mail address",
  email_off: ", and e-mail is off",
};

/** A delivered line's state class and label, by where it got (`reached`). */
function reachedLabel(message) {
  const noEmail = EMAIL_SKIPPED[message.email_skipped] || "";
  switch (message.reached) {
    case "email":
      return ["", "Sent by e-mail"];
    case "chat_later":
      return ["is-waiting", `Not seen yet: the customer has left the chat${noEmail}; it is there when they come back`];
    case "nobody":
      return ["is-failed", `Not delivered: the customer's channel cannot receive messages${noEmail}`];
    default: // "chat"
      return ["", "Delivered"];
  }
}

function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function attemptItem(attempt) {
  const details = [attempt.article_id, attempt.score === null || attempt.score === undefined ? null : `score ${attempt.score.toFixed(2)}`,
    attempt.outcome].filter(Boolean).join(" · ");
  return el("li", {},
    el("span", { class: "kb-title", dir: "auto" }, attempt.title || attempt.article_id || "Untitled article"),
    details ? el("span", { class: "kb-details" }, details) : null);
}

function preview(text) {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line;
}
