// The agent's own profile in the top bar: the languages they speak (PATCH /api/agents/me).
// "Claim next" gives an agent tickets in these languages first, and the bot tells a customer
// when no agent online speaks theirs.

import { ApiError } from "./api.js";
import { el, replaceChildren } from "/shared/dom.js";
import { languageName, whileBusy } from "./ui.js";

// The codes the helpdesk accepts (bot/language.py SUPPORTED_LANGUAGES); it answers 422 for others.
const LANGUAGES = ["en", "he", "ar", "cs"];

export class LanguagesForm {
  /** @param {{api: import("./api.js").Api, agent: object|null, refreshQueue: () => void}} app */
  constructor(app) {
    this.app = app;
    this.boxes = LANGUAGES.map((code) => el("input", { type: "checkbox", name: "languages", value: code }));
    this.save = el("button", { type: "submit", class: "small" }, "Save");
    this.message = el("p", { class: "profile-message", role: "status" });
    this.form = el("form", { class: "profile-form", "aria-label": "Languages you speak" },
      el("fieldset", {},
        el("legend", {}, "Languages you speak"),
        this.boxes.map((box) => el("label", {}, box, ` ${languageName(box.value)} (${box.value})`)),
      ),
      this.save,
      this.message,
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.element = el("details", { id: "profile", class: "profile" }, el("summary", {}, "Languages"), this.form);
  }

  show(languages) {
    for (const box of this.boxes) box.checked = languages.includes(box.value);
    replaceChildren(this.message);
  }

  async submit() {
    const languages = this.boxes.filter((box) => box.checked).map((box) => box.value);
    await whileBusy(this.save, async () => {
      try {
        const agent = await this.app.api.request("PATCH", "/api/agents/me", { languages });
        this.app.agent.languages = agent.languages;
        this.show(agent.languages);
        this.message.textContent = `Saved: ${agent.languages.map(languageName).join(", ")}.`;
        this.app.refreshQueue(); // the queue marks the tickets in your languages
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status !== 401) this.message.textContent = error.message;
      }
    });
  }
}

/** Whether the logged-in agent speaks this ticket's language (the queue's hint). */
export function speaksLanguage(agent, ticket) {
  return Boolean(agent && (agent.languages || []).includes(ticket.language));
}
