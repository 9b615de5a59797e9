/*!
 * Effortless web chat widget — talks to Rasa's socket.io channel.
 *
 * Embed with one tag (see docs/widget.md):
 *   <script src="https://HELPDESK/widget/effortless-chat.js" data-socket-url="https://RASA:5005"
 *           data-title="Acme support" data-lang="auto" defer></script>
 * A logged-in visitor's signed identity: data-user-id, data-user-email, data-user-hash (docs/customers.md).
 * A page that hands the chat a question (the help centre's "Ask our assistant"):
 * data-open-with-question="…", or EffortlessChat.ask("…") from the page's own script.
 *
 * Design rules: no framework; customer and bot text is only ever put into the page through
 * DOM nodes and textContent (never innerHTML); the session token the server signed and a
 * transcript cache live in localStorage so a reload continues the same Rasa conversation (the
 * token, not a session id, is what proves the conversation is ours); messages typed while the
 * connection is down wait in an outbox and are sent once the session is confirmed again. The
 * header's language menu switches the widget's labels and direction at once and tells the bot by
 * sending the language's own name as the customer's message ("עברית").
 */
(function () {
  "use strict";

  if (window.EffortlessChat) return; // the tag was included twice

  var script = document.currentScript || document.querySelector('script[src*="effortless-chat.js"]');
  var baseUrl = new URL(".", script.src);
  var options = script.dataset;
  var SUPPORTED_LANGUAGES = ["en", "he", "ar", "cs"];
  var RTL_LANGUAGES = ["he", "ar"];
  var TRANSCRIPT_LIMIT = 200;
  var TYPING_TIMEOUT_MS = 20000;

  var STRINGS = {
    en: {
      launcher: "Chat with us", close: "Close chat", placeholder: "Type your message…", send: "Send",
      newConversation: "New conversation", connecting: "Connecting…", stopWaiting: "Stop waiting for an agent",
      reconnecting: "Connection lost — reconnecting…",
      offline: "You are offline. Your messages will be sent when the connection is back.",
      unavailable: "The chat is unavailable right now. Please try again later.",
      tooLong: "Your message is too long ({count}/{max} characters). Please shorten it.",
      typing: "Typing…", welcome: "Hi! How can we help you today?", sending: "Sending…",
      agent: "{name} · support agent", agentNoName: "Support agent", unread: "{count} new messages",
      language: "Language"
    },
    he: {
      launcher: "צ'אט איתנו", close: "סגירת הצ'אט", placeholder: "הקלידו הודעה…", send: "שליחה",
      newConversation: "שיחה חדשה", connecting: "מתחבר…", stopWaiting: "להפסיק לחכות לנציג",
      reconnecting: "החיבור נותק — מתחבר מחדש…",
      offline: "אין חיבור לרשת. ההודעות יישלחו כשהחיבור יחזור.",
      unavailable: "הצ'אט אינו זמין כרגע. נסו שוב מאוחר יותר.",
      tooLong: "ההודעה ארוכה מדי ({count}/{max} תווים). נא לקצר אותה.",
      typing: "מקליד…", welcome: "שלום! איך אפשר לעזור היום?", sending: "שולח…",
      agent: "{name} · נציג/ת שירות", agentNoName: "נציג/ת שירות", unread: "{count} הודעות חדשות",
      language: "שפה"
    },
    ar: {
      launcher: "تحدث معنا", close: "إغلاق المحادثة", placeholder: "اكتب رسالتك…", send: "إرسال",
      newConversation: "محادثة جديدة", connecting: "جارٍ الاتصال…", stopWaiting: "إيقاف انتظار الموظف",
      reconnecting: "انقطع الاتصال — جارٍ إعادة الاتصال…",
      offline: "أنت غير متصل. سيتم إرسال رسائلك عند عودة الاتصال.",
      unavailable: "المحادثة غير متاحة حاليًا. يرجى المحاولة لاحقًا.",
      tooLong: "رسالتك طويلة جدًا ({count}/{max} حرفًا). يرجى اختصارها.",
      typing: "يكتب…", welcome: "مرحبًا! كيف يمكننا مساعدتك اليوم؟", sending: "جارٍ الإرسال…",
      agent: "{name} · موظف الدعم", agentNoName: "موظف الدعم", unread: "{count} رسائل جديدة",
      language: "اللغة"
    },
    cs: {
      launcher: "Napište nám", close: "Zavřít chat", placeholder: "Napište zprávu…", send: "Odeslat",
      newConversation: "Nová konverzace", connecting: "Připojování…", stopWaiting: "Už nečekat na operátora",
      reconnecting: "Spojení přerušeno — znovu se připojuji…",
      offline: "Jste offline. Zprávy odešleme, jakmile se spojení obnoví.",
      unavailable: "Chat teď není dostupný. Zkuste to prosím později.",
      tooLong: "Zpráva je příliš dlouhá ({count}/{max} znaků). Zkraťte ji prosím.",
      typing: "Píše…", welcome: "Dobrý den! Jak vám můžeme pomoci?", sending: "Odesílání…",
      agent: "{name} · podpora", agentNoName: "Pracovník podpory", unread: "Nové zprávy: {count}",
      language: "Jazyk"
    }
  };
  // Each language in its own words: the menu's entries, and the message that tells the bot.
  var LANGUAGE_NAMES = { en: "English", he: "עברית", ar: "العربية", cs: "Čeština" };

  // "auto": the visitor's browser languages first (they may read an English page but write
  // Hebrew), then the page's own language, then English. A page that hands the chat a question
  // was read in its own language, and so was the question written: then that language comes first.
  function pickLanguage(requested, pageFirst) {
    var browserLanguages = navigator.languages || [navigator.language];
    var pageLanguage = document.documentElement.lang;
    var candidates = requested && requested !== "auto"
      ? [requested]
      : pageFirst ? [pageLanguage].concat(browserLanguages) : browserLanguages.concat(pageLanguage);
    for (var i = 0; i < candidates.length; i++) {
      var code = String(candidates[i] || "").toLowerCase().slice(0, 2);
      if (SUPPORTED_LANGUAGES.indexOf(code) !== -1) return code;
    }
    return "en";
  }

  // An absolute http(s)/ws(s) URL, or null for a value that is not one (a typo, a template
  // placeholder left unfilled): the widget then says it is unavailable instead of guessing.
  function socketUrlFrom(value) {
    if (!value) return baseUrl.protocol + "//" + baseUrl.hostname + ":5005";
    try {
      if (/^(https?|wss?):$/.test(new URL(value).protocol)) return value.replace(/\/+$/, "");
    } catch (error) { /* not a URL */ }
    return null;
  }

  // The logged-in user your server signed (docs/customers.md#signed-identity-from-your-site):
  // data-user-id and/or data-user-email with data-user-hash; without a hash there is nothing to send.
  function identityFrom(values) {
    if (!values.userHash) return null;
    var identity = { user_hash: values.userHash };
    if (values.userId) identity.user_id = values.userId;
    if (values.userEmail) identity.email = values.userEmail;
    return identity;
  }

  var openingQuestion = options.openWithQuestion; // undefined without the attribute, "" for an empty one
  var config = {
    socketUrl: socketUrlFrom(options.socketUrl),
    socketPath: options.socketPath || "/socket.io/",
    title: options.title || "Support",
    language: pickLanguage(options.lang, openingQuestion !== undefined),
    maxLength: parseInt(options.maxLength, 10) > 0 ? parseInt(options.maxLength, 10) : 1000,
    accent: options.color || "",
    identity: identityFrom(options)
  };
  var text;
  var storageKey = "effortless-chat:" + config.socketUrl;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  // The template's text with each {value} in its own <bdi>: a Latin agent name inside a Hebrew
  // label (or the reverse) keeps its own direction and cannot reorder the words around it.
  function appendIsolated(parent, template, values) {
    template.split(/(\{\w+\})/).forEach(function (part) {
      var key = /^\{(\w+)\}$/.exec(part);
      if (key) parent.appendChild(el("bdi", "", String(values[key[1]])));
      else if (part) parent.appendChild(document.createTextNode(part));
    });
  }

  // ---- persisted state: session token, transcript cache, whether the panel was open, the
  //      language the customer chose in the menu (it wins over data-lang) ----

  // A state saved by an older widget (a session id it chose itself) keeps its transcript; the
  // server, which no longer accepts chosen ids, starts a new session for it.
  function loadState() {
    try {
      var saved = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (saved && Array.isArray(saved.messages)) {
        return {
          sessionToken: typeof saved.sessionToken === "string" ? saved.sessionToken : null,
          messages: saved.messages,
          open: saved.open === true,
          language: SUPPORTED_LANGUAGES.indexOf(saved.language) !== -1 ? saved.language : undefined,
          botLines: typeof saved.botLines === "number" ? saved.botLines : undefined,
          handoff: saved.handoff === true,
          signedAs: typeof saved.signedAs === "string" ? saved.signedAs : null
        };
      }
    } catch (error) { /* storage blocked or corrupt: start afresh */ }
    return { sessionToken: null, messages: [], open: false };
  }

  function saveState() {
    state.messages = state.messages.slice(-TRANSCRIPT_LIMIT);
    try { localStorage.setItem(storageKey, JSON.stringify(state)); } catch (error) { /* private mode / quota */ }
  }

  var state = loadState();
  var signedAs = config.identity ? config.identity.user_hash : null;
  if (state.signedAs && state.signedAs !== signedAs) {
    // Another user (or none) is logged in on this browser now: the last one's chat is not theirs.
    state = { sessionToken: null, messages: [], open: false, language: state.language };
  }
  state.signedAs = signedAs || state.signedAs || null;
  if (state.language) config.language = state.language;
  text = STRINGS[config.language];
  var outbox = state.messages.filter(function (message) { return message.pending; });

  // ---- DOM helpers (textContent only) ----

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function safeUrl(href) {
    try {
      var url = new URL(href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) { return null; }
  }

  // [title](https://…) | bare https://… (trailing punctuation excluded) | **bold**
  var RICH_TEXT = /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]])|\*\*([^*\n]+)\*\*/g;

  function appendRichText(parent, value) {
    var last = 0;
    value.replace(RICH_TEXT, function (match, label, labelledUrl, bareUrl, bold, offset) {
      parent.appendChild(document.createTextNode(value.slice(last, offset)));
      last = offset + match.length;
      if (bold) { parent.appendChild(el("strong", "", bold)); return match; }
      var href = safeUrl(labelledUrl || bareUrl);
      if (!href) { parent.appendChild(document.createTextNode(match)); return match; }
      var link = el("a", "", label || bareUrl);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.appendChild(link);
      return match;
    });
    parent.appendChild(document.createTextNode(value.slice(last)));
  }

  function icon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  // ---- the UI, inside a shadow root so the host page's CSS and ours never mix ----

  var host = el("div");
  host.id = "effortless-chat";
  var shadow = host.attachShadow({ mode: "open" });
  var stylesheet = el("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = new URL("effortless-chat.css", baseUrl).href;
  shadow.appendChild(stylesheet);

  var root = el("div", "ec-root");
  if (config.accent) root.style.setProperty("--ec-accent", config.accent);

  var launcher = el("button", "ec-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-controls", "ec-panel");
  launcher.setAttribute("aria-expanded", "false");
  launcher.appendChild(icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"));
  var badge = el("span", "ec-badge");
  badge.hidden = true;
  launcher.appendChild(badge);

  var panel = el("section", "ec-panel");
  panel.id = "ec-panel";
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", config.title);
  panel.hidden = true;

  var header = el("header", "ec-header");
  var heading = el("h2", "ec-title", config.title);
  heading.dir = "auto";
  var newButton = el("button", "ec-new");
  newButton.type = "button";
  var closeButton = el("button", "ec-close");
  closeButton.type = "button";
  closeButton.appendChild(icon("M6 6l12 12M18 6L6 18"));

  // The language menu: a button naming the current language, and a menu of the four, each
  // written in its own language and script (so it reads right whatever the widget's language).
  var languageMenu = el("div", "ec-lang");
  var languageButton = el("button", "ec-lang-button");
  languageButton.type = "button";
  languageButton.id = "ec-lang-button";
  languageButton.setAttribute("aria-haspopup", "menu");
  languageButton.setAttribute("aria-expanded", "false");
  languageButton.setAttribute("aria-controls", "ec-lang-menu");
  var languageList = el("ul", "ec-lang-menu");
  languageList.id = "ec-lang-menu";
  languageList.setAttribute("role", "menu");
  languageList.setAttribute("aria-labelledby", "ec-lang-button");
  languageList.hidden = true;
  var languageItems = SUPPORTED_LANGUAGES.map(function (code) {
    var item = el("li", "ec-lang-item");
    var name = el("span", "", LANGUAGE_NAMES[code]);
    name.lang = code;
    name.dir = "auto";
    item.appendChild(name);
    item.setAttribute("role", "menuitemradio");
    item.tabIndex = -1;
    item.dataset.language = code;
    languageList.appendChild(item);
    return item;
  });
  languageMenu.append(languageButton, languageList);
  header.append(heading, languageMenu, newButton, closeButton);

  var status = el("div", "ec-status");
  status.setAttribute("role", "status");
  status.hidden = true;

  var log = el("div", "ec-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.tabIndex = 0;

  var typing = el("div", "ec-typing");
  typing.setAttribute("role", "img");
  typing.append(el("span"), el("span"), el("span"));
  typing.hidden = true;

  var notice = el("div", "ec-notice");
  notice.setAttribute("role", "alert");
  notice.hidden = true;

  var composer = el("form", "ec-composer");
  var input = el("textarea", "ec-input");
  input.rows = 1;
  input.dir = "auto";
  var sendButton = el("button", "ec-send");
  sendButton.type = "submit";
  sendButton.appendChild(icon("M3 20l18-8L3 4v6l12 2-12 2z"));
  composer.append(input, sendButton);

  // While a person owns the chat (the bot's {handoff: "active"|"ended"} markers say so), the
  // customer can stop waiting at once: the bare /withdraw_request the bot's own buttons send.
  var stopButton = el("button", "ec-stop");
  stopButton.type = "button";
  stopButton.hidden = state.handoff !== true;

  panel.append(header, status, log, typing, notice, stopButton, composer);
  root.append(panel, launcher);
  shadow.appendChild(root);

  // Everything the widget itself says, in config.language; the transcript is drawn again for its
  // welcome line, agent labels and "Sending…".
  function applyLanguage() {
    text = STRINGS[config.language];
    root.lang = config.language;
    root.dir = RTL_LANGUAGES.indexOf(config.language) !== -1 ? "rtl" : "ltr";
    newButton.textContent = text.newConversation;
    stopButton.textContent = text.stopWaiting;
    closeButton.setAttribute("aria-label", text.close);
    languageButton.textContent = LANGUAGE_NAMES[config.language];
    languageButton.setAttribute("aria-label", text.language + ": " + LANGUAGE_NAMES[config.language]);
    languageItems.forEach(function (item) {
      item.setAttribute("aria-checked", String(item.dataset.language === config.language));
    });
    typing.setAttribute("aria-label", text.typing);
    input.placeholder = text.placeholder;
    input.setAttribute("aria-label", text.placeholder);
    sendButton.setAttribute("aria-label", text.send);
    showUnread(0, unreadCount);
    setStatus(statusKey);
    if (input.value) checkLength();
  }

  // ---- transcript rendering ----

  var nodes = new WeakMap(); // message -> its row, kept out of the saved state

  function renderMessage(message) {
    var row = el("div", "ec-msg ec-from-" + message.from + (message.pending ? " ec-pending" : ""));
    nodes.set(message, row);
    if (message.from === "agent") {
      var author = el("div", "ec-author");
      if (message.agentName) appendIsolated(author, text.agent, { name: message.agentName });
      else author.textContent = text.agentNoName;
      row.appendChild(author);
    }
    if (message.text) {
      var bubble = el("div", "ec-bubble");
      bubble.dir = "auto";
      appendRichText(bubble, message.text);
      row.appendChild(bubble);
    }
    var imageUrl = message.image && safeUrl(message.image);
    if (imageUrl) {
      var image = el("img", "ec-image");
      image.src = imageUrl;
      image.alt = "";
      image.loading = "lazy";
      row.appendChild(image);
    }
    if (message.buttons && message.buttons.length) {
      var group = el("div", "ec-buttons");
      group.setAttribute("role", "group");
      message.buttons.forEach(function (choice) {
        var button = el("button", "ec-choice", choice.title);
        button.type = "button";
        button.dir = "auto";
        button.addEventListener("click", function () { sendUserMessage(choice.payload, choice.title); });
        group.appendChild(button);
      });
      row.appendChild(group);
    }
    if (message.pending) row.appendChild(el("div", "ec-meta", text.sending));
    log.appendChild(row);
  }

  function renderTranscript() {
    log.textContent = "";
    var welcome = el("div", "ec-msg ec-from-bot ec-welcome");
    welcome.appendChild(el("div", "ec-bubble", text.welcome));
    log.appendChild(welcome);
    state.messages.forEach(renderMessage);
    scrollToEnd();
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function addMessage(message) {
    state.messages.push(message);
    renderMessage(message);
    saveState();
    scrollToEnd();
    if (!state.open && message.from !== "user") showUnread(1);
  }

  // Quick replies answer the latest question only: once the customer says anything they go.
  function removeChoices() {
    state.messages.forEach(function (message) { delete message.buttons; });
    Array.prototype.forEach.call(log.querySelectorAll(".ec-buttons"), function (group) { group.remove(); });
  }

  var unreadCount = 0;
  function showUnread(increment, count) {
    unreadCount = increment ? unreadCount + increment : count || 0;
    badge.hidden = unreadCount === 0;
    badge.textContent = unreadCount ? String(unreadCount) : "";
    launcher.setAttribute("aria-label", unreadCount ? text.launcher + " — " + format(text.unread, { count: unreadCount }) : text.launcher);
  }

  var typingTimer = null;
  function setTyping(visible) {
    clearTimeout(typingTimer);
    typing.hidden = !visible;
    if (visible) {
      typingTimer = setTimeout(function () { setTyping(false); }, TYPING_TIMEOUT_MS);
      scrollToEnd();
    }
  }

  var statusKey = "";
  // key: a STRINGS key ("offline", "reconnecting", …) or "" for none; kept to redraw in another language.
  function setStatus(key) {
    statusKey = key || "";
    status.textContent = statusKey ? text[statusKey] : "";
    status.hidden = !statusKey;
  }

  // ---- connection to Rasa's socket.io channel ----

  var socket = null;
  var sessionConfirmed = false;

  // The vendored socket.io client defines window.io; the host page may have its own (another
  // version), so ours is taken and the page's one put back.
  function loadSocketIo() {
    return new Promise(function (resolve, reject) {
      var hadIo = Object.prototype.hasOwnProperty.call(window, "io");
      var pageIo = window.io;
      var tag = document.createElement("script");
      tag.src = new URL("vendor/socket.io.min.js", baseUrl).href;
      tag.async = true;
      tag.onload = function () {
        var ours = window.io;
        if (hadIo) window.io = pageIo; else delete window.io;
        if (typeof ours === "function") resolve(ours); else reject(new Error("socket.io client did not load"));
      };
      tag.onerror = function () { reject(new Error("socket.io client could not be fetched")); };
      document.head.appendChild(tag);
    });
  }

  function connect() {
    if (socket) return;
    if (!config.socketUrl) {
      setStatus("unavailable");
      console.error("Effortless chat: data-socket-url must be an absolute http(s) URL, got " + JSON.stringify(options.socketUrl));
      return;
    }
    socket = "loading";
    setStatus("connecting");
    loadSocketIo().then(function (io) {
      socket = io(config.socketUrl, { path: config.socketPath, reconnectionDelayMax: 5000 });
      socket.on("connect", requestSession);
      socket.on("session_confirm", onSessionConfirm);
      socket.on("bot_uttered", onBotMessage);
      socket.on("disconnect", function (reason) {
        sessionConfirmed = false;
        if (reason === "io server disconnect") socket.connect(); // the server hung up: dial again
        if (reason !== "io client disconnect") setStatus(navigator.onLine === false ? "offline" : "reconnecting");
      });
      socket.on("connect_error", function () {
        setStatus(navigator.onLine === false ? "offline" : "reconnecting");
      });
    }).catch(function (error) {
      socket = null;
      setStatus("unavailable");
      console.error("Effortless chat: " + error.message);
    });
  }

  // The server answers with the session the token proves, or a new one (and its token) when
  // there is no token or it was not signed by this server.
  function requestSession() {
    sessionConfirmed = false;
    var request = state.sessionToken ? { session_token: state.sessionToken } : {};
    if (config.identity) request.identity = config.identity;
    socket.emit("session_request", request);
  }

  function onSessionConfirm(confirmed) {
    var token = confirmed && typeof confirmed === "object" ? confirmed.session_token : null;
    if (typeof token === "string" && token && token !== state.sessionToken) {
      state.sessionToken = token;
      state.botLines = 0; // a new conversation: nothing said in it yet
      saveState();
    } else {
      catchUp();
    }
    sessionConfirmed = true;
    setStatus("");
    flushOutbox();
  }

  // What the bot and agents said while this page was closed (an agent's reply after the customer
  // left) is not pushed again: the helpdesk that serves this file reads it from the conversation
  // (POST history with the session token, plain text so host pages need no CORS preflight) and the
  // lines past the count this widget has shown are added. See docs/widget.md.
  function catchUp() {
    if (!state.sessionToken || !window.fetch) return;
    fetch(new URL("history", baseUrl).href, {
      method: "POST", body: state.sessionToken, headers: { "Content-Type": "text/plain" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (history) {
      if (!history || typeof history.total !== "number" || !Array.isArray(history.messages)) return;
      var shown = state.botLines;
      if (typeof shown !== "number") { state.botLines = history.total; saveState(); return; } // an older widget's state
      // A line that arrived live while the history was read is already counted: never count down.
      state.botLines = Math.max(history.total, shown);
      history.messages.forEach(function (line) {
        if (line && line.index >= shown) {
          showBotMessage({ text: line.text, buttons: line.buttons, custom: { from: line.from, agent_name: line.agent_name } });
        }
      });
      saveState();
    }).catch(function () { /* no history now: the live chat works without it */ });
  }

  // Nothing goes out before session_confirm: the server only knows which conversation this
  // socket speaks in (and joins its room) once the session is confirmed.
  function flushOutbox() {
    if (!socket || socket === "loading" || !socket.connected || !sessionConfirmed) return;
    while (outbox.length) {
      var message = outbox.shift();
      socket.emit("user_uttered", {
        message: message.payload || message.text,
        metadata: { language: config.language }
      });
      delete message.pending;
      var row = nodes.get(message);
      if (row) {
        row.classList.remove("ec-pending");
        row.removeChild(row.querySelector(".ec-meta"));
      }
    }
    saveState();
  }

  function normalizeChoices(choices) {
    if (!Array.isArray(choices)) return [];
    return choices.filter(function (choice) {
      return choice && typeof choice.title === "string" && typeof choice.payload === "string";
    }).map(function (choice) { return { title: choice.title, payload: choice.payload }; });
  }

  // bot_uttered carries {text, quick_replies}, {attachment} or a custom payload; a human
  // agent's reply is marked with from: "agent" (top level, or under `custom`).
  function onBotMessage(data) {
    if (showBotMessage(data) && typeof state.botLines === "number") { state.botLines += 1; saveState(); }
  }

  // Shows one line of the bot or an agent; false when it has nothing to show.
  function showBotMessage(data) {
    if (!data || typeof data !== "object") return false;
    var custom = data.custom && typeof data.custom === "object" ? data.custom : data;
    if (custom.handoff === "active" || custom.handoff === "ended") setHandoff(custom.handoff === "active");
    var body = typeof data.text === "string" ? data.text : (typeof custom.text === "string" ? custom.text : "");
    var attachment = data.attachment && data.attachment.payload;
    var message = {
      from: custom.from === "agent" ? "agent" : "bot",
      text: body,
      buttons: normalizeChoices(data.quick_replies || data.buttons || custom.buttons),
      image: (attachment && attachment.src) || (typeof data.image === "string" ? data.image : "")
    };
    if (!message.text && !message.buttons.length && !message.image) return false;
    if (message.from === "agent" && typeof custom.agent_name === "string") message.agentName = custom.agent_name;
    if (!message.buttons.length) delete message.buttons;
    if (!message.image) delete message.image;
    setTyping(false);
    addMessage(message);
    return true;
  }

  function sendUserMessage(payload, shownText) {
    removeChoices();
    var message = { from: "user", text: shownText, pending: true };
    if (payload !== shownText) message.payload = payload;
    outbox.push(message);
    addMessage(message);
    setTyping(true);
    connect();
    flushOutbox();
  }

  // ---- composer ----

  function checkLength() {
    var count = input.value.length;
    var tooLong = count > config.maxLength;
    notice.hidden = !tooLong;
    notice.textContent = tooLong ? format(text.tooLong, { count: count, max: config.maxLength }) : "";
    sendButton.disabled = tooLong;
    input.setAttribute("aria-invalid", tooLong ? "true" : "false");
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
    return !tooLong;
  }

  function submit() {
    var value = input.value.trim();
    if (!value || !checkLength()) return;
    input.value = "";
    checkLength();
    sendUserMessage(value, value);
  }

  composer.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  input.addEventListener("input", checkLength);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  // ---- open / close / new conversation ----

  function setOpen(open, moveFocus) {
    state.open = open;
    panel.hidden = !open;
    root.classList.toggle("ec-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    saveState();
    if (open) {
      showUnread(0);
      connect();
      scrollToEnd();
      if (moveFocus) input.focus();
    }
  }

  function setHandoff(active) {
    state.handoff = active;
    stopButton.hidden = !active;
    saveState();
  }

  function newConversation() {
    state = { sessionToken: null, messages: [], open: true, language: state.language, signedAs: state.signedAs };
    stopButton.hidden = true;
    outbox = [];
    saveState();
    renderTranscript();
    setTyping(false);
    // A fresh socket, with no token, gets a new session and leaves the old conversation's room,
    // so its late replies stay there.
    if (socket && socket !== "loading") { socket.disconnect(); socket.connect(); }
    input.focus();
  }

  launcher.addEventListener("click", function () { setOpen(!state.open, true); });
  closeButton.addEventListener("click", function () { setOpen(false); launcher.focus(); });
  newButton.addEventListener("click", newConversation);
  stopButton.addEventListener("click", function () {
    stopButton.hidden = true; // until the bot says the handoff goes on (e.g. the helpdesk was unreachable)
    sendUserMessage("/withdraw_request", text.stopWaiting);
  });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.open) { setOpen(false); launcher.focus(); }
  });

  // ---- language menu ----

  function setMenuOpen(open, focusIndex) {
    languageList.hidden = !open;
    languageButton.setAttribute("aria-expanded", String(open));
    if (open) languageItems[focusIndex === undefined ? SUPPORTED_LANGUAGES.indexOf(config.language) : focusIndex].focus();
  }

  function closeMenu() {
    setMenuOpen(false);
    languageButton.focus();
  }

  // The switch is the widget's at once and the bot's with the customer's message: "עברית" is an
  // explicit request the bot honours (the switch_language intent), sent with the new language in
  // its metadata like every later message.
  function chooseLanguage(code) {
    closeMenu();
    if (code === config.language) return;
    config.language = code;
    state.language = code;
    saveState();
    applyLanguage();
    renderTranscript();
    sendUserMessage(LANGUAGE_NAMES[code], LANGUAGE_NAMES[code]);
  }

  languageButton.addEventListener("click", function () { setMenuOpen(languageList.hidden); });
  languageButton.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setMenuOpen(true, event.key === "ArrowDown" ? 0 : languageItems.length - 1);
    } else if (event.key === "Escape" && !languageList.hidden) {
      event.stopPropagation();
      setMenuOpen(false);
    }
  });
  languageList.addEventListener("click", function (event) {
    var item = event.target.closest("[data-language]");
    if (item) chooseLanguage(item.dataset.language);
  });
  languageList.addEventListener("keydown", function (event) {
    var index = languageItems.indexOf(event.target);
    var moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: languageItems.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      languageItems[(moves[event.key] + languageItems.length) % languageItems.length].focus();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      chooseLanguage(event.target.dataset.language);
    } else if (event.key === "Escape") {
      event.stopPropagation(); // closes the menu, not the panel
      closeMenu();
    } else if (event.key === "Tab") {
      setMenuOpen(false);
    }
  });
  root.addEventListener("focusout", function (event) {
    if (!languageList.hidden && !languageMenu.contains(event.relatedTarget)) setMenuOpen(false);
  });

  window.addEventListener("offline", function () { setStatus("offline"); });
  window.addEventListener("online", function () {
    if (!socket || socket === "loading") return;
    setStatus("reconnecting");
    // A socket that looked alive through the outage may be dead: start a fresh one.
    socket.disconnect();
    socket.connect();
  });

  // ---- a question handed over by the page ----

  // One line, at most the widget's own limit; a cut never splits a character made of two UTF-16 units.
  function questionFrom(value) {
    var question = String(value == null ? "" : value).replace(/\s+/g, " ").trim();
    if (question.length <= config.maxLength) return question;
    var end = config.maxLength;
    if (/[\uD800-\uDBFF]/.test(question.charAt(end - 1))) end -= 1;
    return question.slice(0, end).trim();
  }

  // Opens the chat and sends the question as the customer's own message (the outbox holds it
  // until the session is confirmed); an empty question only opens the chat.
  function ask(value) {
    var question = questionFrom(value);
    setOpen(true, true);
    if (question) sendUserMessage(question, question);
  }

  // data-open-with-question asks once per browser tab: a reload of the same page (same question)
  // only opens the chat, it does not ask again. Remembered in sessionStorage, keyed by the question.
  function askOpeningQuestion() {
    var question = questionFrom(openingQuestion);
    var askedKey = "effortless-chat:asked:" + question;
    var alreadyAsked = false;
    try { alreadyAsked = sessionStorage.getItem(askedKey) !== null; } catch (error) { /* storage blocked */ }
    if (alreadyAsked || !question) { setOpen(true, true); return; }
    try { sessionStorage.setItem(askedKey, new Date().toISOString()); } catch (error) { /* asks again on reload */ }
    ask(question);
  }

  function start() {
    applyLanguage();
    document.body.appendChild(host);
    renderTranscript();
    if (openingQuestion !== undefined) askOpeningQuestion();
    else if (state.open) setOpen(true);
    else if (state.sessionToken && state.messages.length) connect(); // agent replies may arrive while closed
  }

  window.EffortlessChat = {
    open: function () { setOpen(true, true); },
    close: function () { setOpen(false); },
    newConversation: newConversation,
    ask: ask
  };

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
