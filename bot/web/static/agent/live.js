// Live updates from GET /api/events (Server-Sent Events).
//
// The browser reconnects by itself after a dropped connection and sends Last-Event-ID, so nothing
// is missed. When it gives up (the server answered with an error), we check the session (a 401
// sends the agent to the login page) and reconnect with ?after=<last id>, backing off up to 30 s.

const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 1_000;

export class LiveUpdates {
  /**
   * @param {{onEvent: (event: object) => void, onStatus: (status: "connecting"|"live"|"reconnecting") => void,
   *          onReconnected: () => void, onLogout: () => void,
   *          checkSession: () => Promise<"ok"|"retry"|"ended">}} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.source = null;
    this.lastEventId = null;
    this.backoffMs = FIRST_BACKOFF_MS;
    this.retryTimer = null;
    this.hadError = false;
  }

  start() {
    this.stop();
    const url = this.lastEventId ? `/api/events?after=${encodeURIComponent(this.lastEventId)}` : "/api/events";
    const source = new EventSource(url);
    this.source = source;
    this.hooks.onStatus(this.hadError ? "reconnecting" : "connecting");
    source.addEventListener("open", () => {
      this.backoffMs = FIRST_BACKOFF_MS;
      this.hooks.onStatus("live");
      if (this.hadError) {
        this.hadError = false;
        this.hooks.onReconnected();
      }
    });
    source.addEventListener("message", (message) => {
      if (message.lastEventId) this.lastEventId = message.lastEventId;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return; // not one of ours; the stream only sends JSON
      }
      this.hooks.onEvent(event);
    });
    source.addEventListener("logout", () => {
      this.stop();
      this.hooks.onLogout();
    });
    source.addEventListener("error", () => {
      if (source !== this.source) return;
      this.hadError = true;
      this.hooks.onStatus("reconnecting");
      if (source.readyState === EventSource.CLOSED) this.scheduleRetry();
    });
  }

  scheduleRetry() {
    this.stop();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = window.setTimeout(async () => {
      this.retryTimer = null;
      const verdict = await this.hooks.checkSession();
      if (verdict === "ok") this.start();
      else if (verdict === "retry") this.scheduleRetry();
    }, delay);
  }

  stop() {
    if (this.retryTimer !== null) {
      window.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }
}
