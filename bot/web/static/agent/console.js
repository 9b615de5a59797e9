// The agent console: login, the app shell (navigation, presence, live status), hash routing and the
// dispatch of live events to the current view. Views live in lists.js and conversation.js.

import { Api } from "./api.js";
import { ConversationView } from "./conversation.js";
import { CustomerView } from "./customer.js";
import { el, replaceChildren } from "/shared/dom.js";
import { isolate, refreshAges, whileBusy } from "./ui.js";
import { LiveUpdates } from "./live.js";
import { MineView, QueueView } from "./lists.js";
import { LanguagesForm } from "./profile.js";

// Set at login, cleared at logout: lets a fresh visitor see the login page without a 401 round trip.
const SIGNED_IN_KEY = "effortless-agent:signed-in";
const AGE_REFRESH_MS = 30_000;
// Keeps "last seen" fresh (and notices an ended session) even when the event stream is blocked.
const HEARTBEAT_MS = 60_000;
const QUEUE_REFRESH_DELAY_MS = 150;
const REFERENCE_PAGE_SIZE = 500;
const REFERENCE_MAX_PAGES = 20;
const LIVE_STATUS_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };

class AgentConsole {
  constructor() {
    this.api = new Api({ onUnauthorized: (message) => this.showLogin(message) });
    this.live = new LiveUpdates({
      onEvent: (event) => this.dispatch(event),
      onStatus: (status) => this.showLiveStatus(status),
      onReconnected: () => this.reloadAll(),
      onLogout: () => this.showLogin("Your session has ended; log in again."),
      checkSession: () => this.checkSession(),
    });
    this.agent = null;
    this.view = null;
    this.profile = new LanguagesForm(this);
    this.queue = [];
    this.queueLoaded = false;
    this.references = new Map(); // "T-1001" → ticket id, from everything the console has seen
    this.unread = new Set(); // ids of my tickets with customer messages I have not looked at
    this.heartbeat = null;
    this.queueTimer = null;
    this.composeOnOpen = null; // reference of a ticket whose reply box takes the focus when it opens
    this.dom = {
      topbar: document.getElementById("topbar"),
      main: document.getElementById("main"),
      announcer: document.getElementById("announcer"),
      notice: document.getElementById("notice"),
      agentName: document.getElementById("agent-name"),
      presence: document.getElementById("presence"),
      liveStatus: document.getElementById("live-status"),
      logout: document.getElementById("logout"),
      reports: document.getElementById("reports-link"),
      queueBadge: document.getElementById("queue-count"),
      mineBadge: document.getElementById("mine-unread"),
      navLinks: [...document.querySelectorAll("[data-nav]")],
    };
  }

  async start() {
    if (window.top !== window.self) {
      // Another site framing the console could trick an agent into clicking; refuse to run there.
      document.body.replaceChildren(el("p", { class: "notice" }, "The agent console cannot be shown inside another page."));
      return;
    }
    document.getElementById("skip-link").addEventListener("click", (event) => {
      event.preventDefault(); // the hash is the router's; just move focus
      this.dom.main.focus();
    });
    this.dom.presence.addEventListener("change", () => this.changePresence());
    this.dom.agentName.after(this.profile.element);
    this.dom.logout.addEventListener("click", () => this.logout());
    window.addEventListener("hashchange", () => this.route());
    window.setInterval(() => refreshAges(this.dom.main), AGE_REFRESH_MS);
    if (localStorage.getItem(SIGNED_IN_KEY)) {
      try {
        this.signedIn(await this.api.get("/api/auth/me"));
        return;
      } catch (error) {
        if (error.status === 401) return; // showLogin already ran
        this.showLogin(error.message);
        return;
      }
    }
    this.showLogin();
  }

  // ------------------------------------------------------------ session

  showLogin(message = "") {
    if (this.view instanceof LoginView) {
      this.view.showMessage(message); // several requests may end with 401 at once
      return;
    }
    this.live.stop();
    window.clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.agent = null;
    this.api.csrfToken = null;
    this.unread.clear();
    this.queue = [];
    this.queueLoaded = false;
    localStorage.removeItem(SIGNED_IN_KEY);
    this.unmountView();
    this.dom.topbar.hidden = true;
    this.showNotice("");
    document.title = "Log in · Effortless agent console";
    this.view = new LoginView(this, message);
    this.view.mount(this.dom.main);
  }

  signedIn(session) {
    this.api.csrfToken = session.csrf_token;
    this.agent = session.agent;
    localStorage.setItem(SIGNED_IN_KEY, "1");
    replaceChildren(this.dom.agentName, el("bdi", {}, session.agent.name), session.agent.role === "admin" ? " (admin)" : "");
    this.dom.reports.hidden = session.agent.role !== "admin";
    this.profile.show(session.agent.languages);
    this.dom.topbar.hidden = false;
    this.showPresence(session.agent.presence);
    if (session.agent.presence === "offline") this.setPresence("online"); // opening the console means working
    this.live.start();
    this.heartbeat = window.setInterval(() => this.checkSession(), HEARTBEAT_MS);
    this.refreshQueue();
    this.route();
  }

  /** "ok" while logged in, "ended" after a 401 (the login page is shown), "retry" when unreachable. */
  async checkSession() {
    try {
      const session = await this.api.get("/api/auth/me");
      this.api.csrfToken = session.csrf_token;
      this.showPresence(session.agent.presence);
      return "ok";
    } catch (error) {
      return error.status === 401 ? "ended" : "retry";
    }
  }

  async logout() {
    this.live.stop(); // before the session ends, so the stream is not refused mid-flight
    await whileBusy(this.dom.logout, async () => {
      try {
        await this.api.post("/api/auth/logout");
      } catch (error) {
        if (error.status !== 401) {
          this.showNotice(`Logging out failed: ${error.message}`);
          this.live.start();
          return;
        }
      }
      this.showLogin("You have logged out.");
    });
  }

  // ------------------------------------------------------------ presence

  showPresence(presence) {
    const select = this.dom.presence;
    select.value = presence === "away" ? "away" : "online";
    select.closest(".presence").dataset.presence = presence;
    if (this.agent) this.agent.presence = presence;
  }

  async changePresence() {
    await this.setPresence(this.dom.presence.value);
  }

  async setPresence(presence) {
    const select = this.dom.presence;
    const previous = this.agent ? this.agent.presence : presence;
    await whileBusy(select, async () => {
      try {
        const agent = await this.api.put("/api/agents/me/presence", { presence });
        this.showPresence(agent.presence);
        this.showNotice("");
      } catch (error) {
        this.showPresence(previous);
        if (error.status !== 401) this.showNotice(`Could not change your status: ${error.message}`);
      }
    });
  }

  // ------------------------------------------------------------ routing

  route() {
    if (!this.agent) return;
    const hash = window.location.hash;
    let view;
    let navKey = null;
    const ticketMatch = /^#\/ticket\/([^/]+)$/.exec(hash);
    const customerMatch = /^#\/customers\/(\d{1,10})$/.exec(hash);
    if (hash === "#/queue") {
      view = new QueueView(this);
      navKey = "queue";
    } else if (hash === "#/mine") {
      view = new MineView(this);
      navKey = "mine";
    } else if (ticketMatch) {
      view = new ConversationView(this, decodeURIComponent(ticketMatch[1]).toUpperCase());
    } else if (customerMatch) {
      view = new CustomerView(this, Number(customerMatch[1]));
    } else {
      window.history.replaceState(null, "", "#/queue");
      this.route();
      return;
    }
    this.unmountView();
    for (const link of this.dom.navLinks) {
      if (link.dataset.nav === navKey) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    this.showNotice("");
    this.view = view;
    view.mount(this.dom.main);
  }

  unmountView() {
    if (this.view && this.view.unmount) this.view.unmount();
    this.view = null;
    replaceChildren(this.dom.main);
  }

  /** Show this ticket; `compose`: the agent just claimed it, so the reply box gets the focus. */
  openTicket(ticket, { compose = false } = {}) {
    this.rememberTicket(ticket);
    this.composeOnOpen = compose ? ticket.reference : null;
    window.location.hash = `#/ticket/${encodeURIComponent(ticket.reference)}`;
  }

  rememberTicket(ticket) {
    if (ticket && ticket.reference) this.references.set(ticket.reference, ticket.id);
  }

  /**
   * The id of the ticket with this reference. The API addresses tickets by id, so an unknown
   * reference (a bookmarked link) is looked up in the ticket list, newest first.
   */
  async ticketIdFor(reference) {
    if (this.references.has(reference)) return this.references.get(reference);
    for (let page = 0; page < REFERENCE_MAX_PAGES; page += 1) {
      const tickets = await this.api.get("/api/tickets", { limit: REFERENCE_PAGE_SIZE, offset: page * REFERENCE_PAGE_SIZE });
      tickets.forEach((ticket) => this.rememberTicket(ticket));
      if (this.references.has(reference)) return this.references.get(reference);
      if (tickets.length < REFERENCE_PAGE_SIZE) break;
    }
    return null;
  }

  // ------------------------------------------------------------ live events

  dispatch(event) {
    if (event.ticket) this.rememberTicket(event.ticket);
    if (event.kind.startsWith("ticket_")) this.refreshQueueSoon();
    if (event.kind === "ticket_created" && event.ticket) {
      const who = event.ticket.customer_name ? isolate(event.ticket.customer_name) : "a customer";
      this.announce(`New ticket ${event.ticket.reference} from ${who}: ${isolate(event.ticket.subject)}`);
    }
    if (event.kind === "message_created" && event.message && event.ticket) this.noticeMessage(event);
    if (event.kind === "ticket_withdrawn" && event.ticket) {
      this.announce(`${event.ticket.reference} was withdrawn: the customer stopped waiting`);
    }
    if (event.kind === "presence_changed" && event.agent && this.agent && event.agent.id === this.agent.id) {
      this.showPresence(event.agent.presence);
    }
    if (this.view && this.view.handleEvent) this.view.handleEvent(event);
  }

  noticeMessage(event) {
    const { ticket, message } = event;
    const mine = ticket.assignee && this.agent && ticket.assignee.id === this.agent.id;
    const viewing = this.view instanceof ConversationView && this.view.ticketId === ticket.id;
    if (message.author_type !== "customer" || !mine || viewing) return;
    this.unread.add(ticket.id);
    this.showUnread();
    this.announce(`New message from ${ticket.customer_name ? isolate(ticket.customer_name) : "the customer"} in ${ticket.reference}`);
  }

  markRead(ticketId) {
    if (this.unread.delete(ticketId)) this.showUnread();
  }

  showUnread() {
    const count = this.unread.size;
    this.dom.mineBadge.hidden = count === 0;
    this.dom.mineBadge.textContent = count ? `${count} new` : "";
  }

  refreshQueueSoon() {
    window.clearTimeout(this.queueTimer);
    this.queueTimer = window.setTimeout(() => this.refreshQueue(), QUEUE_REFRESH_DELAY_MS);
  }

  /** Reload the waiting tickets, update the badge, and hand them to the queue view if it is open. */
  async refreshQueue() {
    try {
      this.queue = await this.api.get("/api/queue");
    } catch (error) {
      if (this.view && this.view.showError && error.status !== 401) this.view.showError(error.message);
      return;
    }
    this.queueLoaded = true;
    this.queue.forEach((ticket) => this.rememberTicket(ticket));
    this.dom.queueBadge.textContent = String(this.queue.length);
    if (this.view && this.view.showQueue) this.view.showQueue(this.queue);
  }

  reloadAll() {
    this.refreshQueue();
    if (this.view && this.view.reload) this.view.reload();
  }

  showLiveStatus(status) {
    this.dom.liveStatus.textContent = LIVE_STATUS_TEXT[status];
    this.dom.liveStatus.dataset.status = status;
  }

  announce(text) {
    // Re-setting the text makes screen readers read it even when it repeats.
    this.dom.announcer.textContent = "";
    window.setTimeout(() => { this.dom.announcer.textContent = text; }, 50);
  }

  showNotice(text) {
    this.dom.notice.textContent = text;
    this.dom.notice.hidden = !text;
  }
}

class LoginView {
  constructor(app, message) {
    this.app = app;
    this.messageLine = el("p", { class: "login-message", role: "status" });
    this.showMessage(message);
  }

  showMessage(message) {
    this.messageLine.textContent = message;
    this.messageLine.hidden = !message;
  }

  mount(main) {
    const email = el("input", { id: "login-email", name: "email", type: "email", autocomplete: "username", required: true, maxlength: 254 });
    const password = el("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: 1024 });
    const error = el("p", { class: "form-error", id: "login-error", role: "alert" });
    const submit = el("button", { type: "submit", class: "primary" }, "Log in");
    const form = el("form", { class: "login-form", "aria-labelledby": "login-title" },
      el("h1", { id: "login-title", tabindex: "-1" }, "Agent console"),
      el("p", { class: "muted" }, "Effortless helpdesk: log in with your agent account."),
      this.messageLine,
      el("label", { for: "login-email" }, "E-mail"),
      email,
      el("label", { for: "login-password" }, "Password"),
      password,
      error,
      submit,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      await whileBusy(submit, async () => {
        try {
          const session = await this.app.api.post("/api/auth/login", { email: email.value.trim(), password: password.value });
          this.app.signedIn(session);
        } catch (failure) {
          error.textContent = failure.message;
          password.select();
        }
      });
    });
    main.append(el("section", { class: "login" }, form));
    email.focus();
  }
}

new AgentConsole().start();
