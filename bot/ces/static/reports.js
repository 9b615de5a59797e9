// Support report page: fetches /api/reports for the chosen UTC date range and draws it as inline
// SVG charts and tables. Every value from the server is rendered with textContent or as an SVG
// attribute, never parsed as HTML. No libraries, no build step.
//
// A classic deferred script (the page's markup stays as it is); the DOM helpers come from the
// module the agent console uses too, /shared/dom.js. The page is parsed by the time it runs.
"use strict";

(async function () {
  const { el, replaceChildren, svgEl } = await import("/shared/dom.js");
  const SCORES = [1, 2, 3, 4, 5, 6, 7];
  const SPLITS = [
    ["resolver", "Resolver"],
    ["channel", "Channel"],
    ["language", "Language"],
    ["article", "KB article"],
    ["agent", "Agent"],
  ];
  const SPLIT_LAYOUT = { width: 380, labelWidth: 110, valueWidth: 150 };
  const WIDE_LAYOUT = { width: 520, labelWidth: 160, valueWidth: 110 };
  const state = { report: null, trendPeriod: "day" };

  // ------------------------------------------------------------------ DOM helpers

  function $(id) {
    return document.getElementById(id);
  }

  function svgRoot(width, height, label, className) {
    const svg = svgEl("svg", {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": label,
      class: className,
      preserveAspectRatio: "xMidYMid meet",
    });
    svg.appendChild(svgEl("title", {}, label));
    return svg;
  }

  // SVG text has no dir="auto": a label takes the direction of its first letter, so a Hebrew or
  // Arabic agent name or article title keeps its punctuation and numbers where they belong. A
  // right-to-left label is anchored at its end, which keeps the label column aligned at x.
  const RTL_LETTER = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;

  function directionAttributes(text) {
    const firstLetter = String(text).match(/\p{L}/u);
    return firstLetter && RTL_LETTER.test(firstLetter[0]) ? { direction: "rtl", "text-anchor": "end" } : { direction: "ltr" };
  }

  function emptyNote(text) {
    return el("p", { class: "empty" }, text);
  }

  // ------------------------------------------------------------------ formatting

  function fmtMean(value) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(2);
  }

  function fmtPct(value) {
    return value === null || value === undefined ? "–" : `${Math.round(value * 1000) / 10}%`;
  }

  function fmtMinutes(value) {
    if (value === null || value === undefined) return "–";
    if (value >= 120) return `${(value / 60).toFixed(1)} h`;
    return `${Number(value).toFixed(1)} min`;
  }

  function fmtNps(value) {
    return value === null || value === undefined ? "–" : value > 0 ? `+${value}` : String(value);
  }

  function plural(count, one, many) {
    return `${count} ${count === 1 ? one : many}`;
  }

  function scoreClass(score, lowThreshold) {
    if (score >= 5) return "easy";
    if (score <= lowThreshold) return "hard";
    return "neutral";
  }

  // ------------------------------------------------------------------ charts

  function distributionChart(distribution, classFor, what) {
    const width = 520, height = 230, left = 34, right = 10, top = 22, bottom = 30;
    const plotHeight = height - top - bottom;
    const slot = (width - left - right) / distribution.length;
    const maxCount = Math.max(1, ...distribution.map((item) => item.count));
    const total = distribution.reduce((sum, item) => sum + item.count, 0);
    const svg = svgRoot(width, height,
      `${what}: distribution of ${plural(total, "rating", "ratings")}: ` +
      distribution.map((item) => `score ${item.score}: ${item.count}`).join(", "), "distribution");
    svg.appendChild(svgEl("line", { class: "axis", x1: left, y1: top + plotHeight, x2: width - right, y2: top + plotHeight }));
    svg.appendChild(svgEl("text", { x: 2, y: top + 4, class: "muted" }, String(maxCount)));
    svg.appendChild(svgEl("text", { x: 2, y: top + plotHeight, class: "muted" }, "0"));
    distribution.forEach((item, index) => {
      const barHeight = (item.count / maxCount) * plotHeight;
      const x = left + index * slot + slot * 0.15;
      const barWidth = slot * 0.7;
      const y = top + plotHeight - barHeight;
      const bar = svgEl("rect", {
        class: `bar ${classFor(item.score)}`,
        x: x.toFixed(2), y: y.toFixed(2), width: barWidth.toFixed(2), height: barHeight.toFixed(2),
        "data-score": item.score, "data-count": item.count,
      });
      bar.appendChild(svgEl("title", {}, `Score ${item.score}: ${plural(item.count, "rating", "ratings")} (${fmtPct(item.share)})`));
      svg.appendChild(bar);
      svg.appendChild(svgEl("text", { x: (x + barWidth / 2).toFixed(2), y: (y - 5).toFixed(2), "text-anchor": "middle", class: "count-label" }, item.count));
      svg.appendChild(svgEl("text", { x: (x + barWidth / 2).toFixed(2), y: height - 10, "text-anchor": "middle" }, item.score));
    });
    return svg;
  }

  // scale: {name, key (the bucket's figure), min, max, ticks, format, axis (the caption)}
  const CES_SCALE = { name: "CES mean", key: "mean", min: 1, max: 7, ticks: SCORES, format: fmtMean, axis: "mean effort score (1–7)" };
  const CSAT_SCALE = { name: "CSAT mean", key: "mean", min: 1, max: 5, ticks: [1, 2, 3, 4, 5], format: fmtMean, axis: "mean satisfaction (1–5)" };
  const NPS_SCALE = { name: "NPS", key: "nps", min: -100, max: 100, ticks: [-100, -50, 0, 50, 100], format: fmtNps, axis: "Net Promoter Score (−100…100)" };

  function trendChart(buckets, period, scale) {
    const width = 520, height = 230, left = 36, right = 14, top = 14, bottom = 42;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const rated = buckets.filter((bucket) => bucket.responses > 0);
    const svg = svgRoot(width, height,
      `${scale.name} by ${period}: ` + rated.map((bucket) => `${bucket.label}: ${scale.format(bucket[scale.key])} (${bucket.responses})`).join(", "),
      "trend");
    const yFor = (value) => top + plotHeight - ((value - scale.min) / (scale.max - scale.min)) * plotHeight;
    const xFor = (index) => left + (buckets.length === 1 ? plotWidth / 2 : (index / (buckets.length - 1)) * plotWidth);
    for (const tick of scale.ticks) {
      svg.appendChild(svgEl("line", { class: "grid-line", x1: left, x2: width - right, y1: yFor(tick).toFixed(2), y2: yFor(tick).toFixed(2) }));
      svg.appendChild(svgEl("text", { x: 2, y: (yFor(tick) + 4).toFixed(2), class: "muted" }, tick));
    }
    // One path segment per run of buckets with ratings; empty buckets leave a gap.
    let segment = [];
    const flush = () => {
      if (segment.length > 1) svg.appendChild(svgEl("path", { class: "line", d: "M" + segment.join(" L") }));
      segment = [];
    };
    buckets.forEach((bucket, index) => {
      if (bucket.responses > 0) segment.push(`${xFor(index).toFixed(2)},${yFor(bucket[scale.key]).toFixed(2)}`);
      else flush();
    });
    flush();
    const labelEvery = Math.max(1, Math.ceil(buckets.length / 7));
    buckets.forEach((bucket, index) => {
      if (bucket.responses > 0) {
        const point = svgEl("circle", {
          class: "point", r: 4, cx: xFor(index).toFixed(2), cy: yFor(bucket[scale.key]).toFixed(2),
          "data-period": bucket.label, [`data-${scale.key}`]: bucket[scale.key], "data-responses": bucket.responses,
        });
        point.appendChild(svgEl("title", {}, `${bucket.label}: ${scale.name} ${scale.format(bucket[scale.key])}, ${plural(bucket.responses, "rating", "ratings")}`));
        svg.appendChild(point);
      }
      // Labels are spaced evenly back from the newest bucket, so the latest day is always named.
      if ((buckets.length - 1 - index) % labelEvery === 0) {
        const label = period === "week" ? bucket.label : bucket.label.slice(5);
        svg.appendChild(svgEl("text", { x: xFor(index).toFixed(2), y: height - 22, "text-anchor": "middle", class: "muted" }, label));
      }
    });
    svg.appendChild(svgEl("text", { x: left, y: height - 4, class: "muted" }, `${scale.axis} by ${period}`));
    return svg;
  }

  // Horizontal bars: rows of {label, value, text, className}; value is scaled against maxValue.
  // layout: {width, labelWidth, valueWidth} in SVG units (the SVG scales to its column).
  function barRows(rows, maxValue, label, className, layout) {
    const { width, labelWidth, valueWidth } = layout;
    const rowHeight = 24;
    const barSpace = width - labelWidth - valueWidth;
    const maxLabelChars = Math.floor(labelWidth / 6.5);
    const height = rows.length * rowHeight + 4;
    const svg = svgRoot(width, height, label + ": " + rows.map((row) => `${row.label}: ${row.text}`).join(", "), className);
    rows.forEach((row, index) => {
      const y = index * rowHeight + 2;
      const barWidth = maxValue > 0 ? (row.value / maxValue) * barSpace : 0;
      const name = row.label.length > maxLabelChars ? row.label.slice(0, maxLabelChars - 1) + "…" : row.label;
      const text = svgEl("text", { x: 0, y: y + 15, class: "row-label", ...directionAttributes(row.label) }, name);
      text.appendChild(svgEl("title", {}, row.label));
      svg.appendChild(text);
      svg.appendChild(svgEl("rect", { class: "track", x: labelWidth, y: y + 4, width: barSpace, height: rowHeight - 8, rx: 3 }));
      svg.appendChild(svgEl("rect", {
        class: `bar ${row.className || "plain"}`, x: labelWidth, y: y + 4, width: barWidth.toFixed(2), height: rowHeight - 8, rx: 3,
        "data-key": row.label, "data-value": row.value,
      }));
      svg.appendChild(svgEl("text", { x: labelWidth + barSpace + 8, y: y + 15, class: "row-value" }, row.text));
    });
    return svg;
  }

  function splitChart(items, title) {
    const rows = items.map((item) => ({
      label: item.label,
      value: item.mean,
      className: item.mean >= 5 ? "easy" : item.mean >= 4 ? "neutral" : "hard",
      text: `${fmtMean(item.mean)} · ${fmtPct(item.share_easy)} easy · n=${item.responses}`,
    }));
    return barRows(rows, 7, `CES mean by ${title.toLowerCase()}`, "split", SPLIT_LAYOUT);
  }

  // ------------------------------------------------------------------ tables

  function table(target, headers, rows, numericFrom) {
    const head = el("thead");
    const headRow = el("tr");
    headers.forEach((header, index) => headRow.appendChild(el("th", { scope: "col", class: index >= numericFrom ? "num" : "" }, header)));
    head.appendChild(headRow);
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      row.forEach((cell, index) => tr.appendChild(el(index === 0 ? "th" : "td", index === 0 ? { scope: "row" } : { class: index >= numericFrom ? "num" : "" }, cell)));
      body.appendChild(tr);
    }
    replaceChildren(target, head, body);
  }

  // ------------------------------------------------------------------ sections

  function renderKpis(report) {
    const summary = report.ces.summary, containment = report.containment, times = report.ticket_times;
    $("kpi-mean").textContent = summary.mean === null ? "–" : `${fmtMean(summary.mean)} / 7`;
    $("kpi-responses").textContent = plural(summary.responses, "rating", "ratings");
    $("kpi-easy").textContent = fmtPct(summary.share_easy);
    $("kpi-easy-count").textContent = `${summary.easy} of ${summary.responses}`;
    $("kpi-low").textContent = fmtPct(summary.share_low);
    $("kpi-low-count").textContent = `${summary.low} scored 1–${summary.low_threshold}`;
    $("kpi-containment").textContent = fmtPct(containment.containment_rate);
    $("kpi-conversations").textContent = `${containment.contained} of ${plural(containment.conversations, "conversation", "conversations")}`;
    $("kpi-escalation").textContent = fmtPct(containment.escalation_rate);
    $("kpi-tickets").textContent = `${plural(containment.escalated, "conversation", "conversations")} escalated`;
    $("kpi-first-response").textContent = fmtMinutes(times.first_response.median_minutes);
    $("kpi-first-response-p90").textContent = `p90 ${fmtMinutes(times.first_response.p90_minutes)}`;
    $("kpi-resolution").textContent = fmtMinutes(times.resolution.median_minutes);
    $("kpi-resolution-p90").textContent = `p90 ${fmtMinutes(times.resolution.p90_minutes)}`;
    $("kpi-csat").textContent = report.csat.summary.mean === null ? "–" : `${fmtMean(report.csat.summary.mean)} / 5`;
    $("kpi-csat-sub").textContent = `${fmtPct(report.csat.summary.share_satisfied)} satisfied`;
    $("kpi-nps").textContent = fmtNps(report.nps.summary.nps);
    $("kpi-nps-sub").textContent = plural(report.nps.summary.responses, "rating", "ratings");
    $("kpi-fcr").textContent = fmtPct(report.fcr.fcr);
    $("kpi-fcr-sub").textContent = `${report.fcr.first_contact} of ${report.fcr.measured} · ${report.fcr.pending} pending`;
  }

  function renderDistribution(report) {
    const distribution = report.ces.distribution;
    const total = report.ces.summary.responses;
    replaceChildren($("distribution-chart"),
      total ? distributionChart(distribution, (score) => scoreClass(score, report.ces.summary.low_threshold), "Effort")
        : emptyNote("No ratings in this range."));
    table($("distribution-table"), ["Score", "Ratings", "Share"],
      distribution.map((item) => [item.score, item.count, fmtPct(item.share)]), 1);
  }

  function renderTrend() {
    const report = state.report;
    const period = state.trendPeriod;
    const buckets = report.ces.trend[period];
    $("trend-day").setAttribute("aria-pressed", String(period === "day"));
    $("trend-week").setAttribute("aria-pressed", String(period === "week"));
    replaceChildren($("trend-chart"), buckets.length ? trendChart(buckets, period, CES_SCALE) : emptyNote("No ratings in this range."));
    table($("trend-table"), [period === "week" ? "Week" : "Day", "Ratings", "Mean", "Easy"],
      buckets.filter((bucket) => bucket.responses > 0)
        .map((bucket) => [bucket.label, bucket.responses, fmtMean(bucket.mean), fmtPct(bucket.share_easy)]), 1);
    // The CSAT and NPS trends follow the same day/week choice.
    const csat = report.csat.trend[period], nps = report.nps.trend[period];
    replaceChildren($("csat-trend-chart"), csat.length ? trendChart(csat, period, CSAT_SCALE) : emptyNote("No CSAT ratings in this range."));
    replaceChildren($("nps-trend-chart"), nps.length ? trendChart(nps, period, NPS_SCALE) : emptyNote("No NPS ratings in this range."));
  }

  function renderCsat(report) {
    const summary = report.csat.summary;
    $("csat-summary").textContent = summary.responses
      ? `${plural(summary.responses, "rating", "ratings")} · mean ${fmtMean(summary.mean)} / 5 · ${fmtPct(summary.share_satisfied)} satisfied (4–5)`
      : "No CSAT ratings in this range.";
    replaceChildren($("csat-chart"), summary.responses
      ? distributionChart(report.csat.distribution, (score) => (score >= 4 ? "easy" : score <= 2 ? "hard" : "neutral"), "Satisfaction")
      : emptyNote("Ask CSAT with SURVEY=csat."));
  }

  function renderNps(report) {
    const summary = report.nps.summary;
    $("nps-summary").textContent = summary.responses
      ? `NPS ${fmtNps(summary.nps)} from ${plural(summary.responses, "rating", "ratings")}`
      : "No NPS ratings in this range.";
    const groups = [
      { label: "Promoters (9–10)", value: summary.promoters, className: "easy" },
      { label: "Passives (7–8)", value: summary.passives, className: "neutral" },
      { label: "Detractors (0–6)", value: summary.detractors, className: "hard" },
    ].map((row) => ({ ...row, text: `${row.value} · ${fmtPct(summary.responses ? row.value / summary.responses : null)}` }));
    replaceChildren($("nps-chart"), summary.responses
      ? barRows(groups, summary.responses, "NPS groups", "nps-groups", WIDE_LAYOUT)
      : emptyNote("Ask NPS with SURVEY=nps."));
  }

  function renderFcr(report) {
    const fcr = report.fcr;
    $("fcr-summary").textContent = fcr.measured
      ? `${fmtPct(fcr.fcr)} of ${plural(fcr.measured, "resolved contact", "resolved contacts")} resolved at first contact`
      : "No resolved contacts older than 7 days in this range.";
    const rows = [
      { label: "Resolved at first contact", value: fcr.first_contact, className: "easy" },
      { label: "Reopened within 7 days", value: fcr.reopened, className: "hard" },
      { label: "Came back within 7 days", value: fcr.came_back, className: "neutral" },
    ].map((row) => ({ ...row, text: String(row.value) }));
    replaceChildren($("fcr-chart"), fcr.measured
      ? barRows(rows, fcr.measured, "First-contact resolution", "fcr", WIDE_LAYOUT)
      : emptyNote("Nothing to measure yet."));
    $("fcr-note").textContent =
      `Pending (resolved less than ${fcr.window_days} days ago, not counted yet): ${fcr.pending} · ` +
      `follow-ups of an earlier contact (not counted again): ${fcr.follow_ups}`;
  }

  function renderReopenedAndWithdrawn(report) {
    const reopened = report.escalations.reopened, withdrawn = report.escalations.withdrawn;
    const rows = [
      { label: "Reopened", value: reopened.rate || 0, className: "hard",
        text: `${reopened.reopened} of ${reopened.resolved} resolved · ${fmtPct(reopened.rate)}` },
      { label: "Withdrawn", value: withdrawn.share || 0, className: "neutral",
        text: `${withdrawn.count} of ${report.escalations.tickets} opened · ${fmtPct(withdrawn.share)}` },
    ];
    replaceChildren($("reopen-chart"), barRows(rows, 1, "Reopened and withdrawn tickets", "reopen", WIDE_LAYOUT));
  }

  function renderSla(report) {
    const blocks = [["first_response", "First response"], ["resolution", "Resolution"]].map(([kind, title]) => {
      const sla = report.sla[kind];
      const block = el("div", { class: "split", "data-sla": kind });
      block.appendChild(el("h3", {}, `${title}: ${sla.breached} breached, ${sla.met} met, ${sla.pending} running`));
      const rows = sla.by_priority.map((row) => ({
        label: `${row.priority} (${fmtMinutes(sla.targets_minutes[row.priority])})`, value: row.breached,
        className: "hard", text: `${row.breached} breached of ${row.breached + row.met + row.pending}`,
      }));
      const most = Math.max(1, ...sla.by_priority.map((row) => row.breached + row.met + row.pending));
      block.appendChild(barRows(rows, most, `${title} SLA breaches by priority`, "sla", SPLIT_LAYOUT));
      return block;
    });
    replaceChildren($("sla"), ...blocks);
  }

  function renderUnhelpful(report) {
    const unhelpful = report.kb_gaps.unhelpful_articles;
    replaceChildren($("unhelpful-chart"), unhelpful.articles.length
      ? barRows(unhelpful.articles.map((item) => ({ label: item.article_id, value: item.unhelpful, className: "hard",
          text: `${item.unhelpful} no · ${item.helpful} yes` })), Math.max(1, ...unhelpful.articles.map((item) => item.unhelpful)),
        "Help-centre articles readers found unhelpful", "unhelpful", WIDE_LAYOUT)
      : emptyNote("No “not helpful” votes in this range."));
  }

  function renderSplits(report) {
    const blocks = SPLITS.map(([dimension, title]) => {
      const block = el("div", { class: "split", "data-dimension": dimension });
      block.appendChild(el("h3", {}, title));
      const items = report.ces.by[dimension];
      block.appendChild(items.length ? splitChart(items, title) : emptyNote("No ratings."));
      return block;
    });
    replaceChildren($("splits"), ...blocks);
  }

  function renderContainment(report) {
    const containment = report.containment;
    const rows = [
      { label: "Contained (no person)", value: containment.contained, className: "easy",
        text: `${containment.contained} · ${fmtPct(containment.containment_rate)}` },
      { label: "Escalated to a person", value: containment.escalated, className: "hard",
        text: `${containment.escalated} · ${fmtPct(containment.escalation_rate)}` },
    ];
    replaceChildren($("containment-chart"), containment.conversations
      ? barRows(rows, containment.conversations, "Conversations", "containment", WIDE_LAYOUT)
      : emptyNote("No conversations with KB activity or tickets in this range."));
    const reasons = report.escalations.reasons;
    const maxCount = Math.max(1, ...reasons.map((item) => item.count));
    replaceChildren($("reasons-chart"), reasons.length
      ? barRows(reasons.map((item) => ({ label: item.reason.replace(/_/g, " "), value: item.count,
          text: `${item.count} · ${fmtPct(item.share)}` })), maxCount, "Escalation reasons", "reasons", WIDE_LAYOUT)
      : emptyNote("No tickets in this range."));
    const withdrawn = report.escalations.withdrawn;
    $("withdrawn-note").textContent =
      `Withdrawn by the customer (stopped waiting): ${withdrawn.count} · ${fmtPct(withdrawn.share)}`;
    const channels = report.escalations.channels;
    replaceChildren($("channels-chart"), channels.length
      ? barRows(channels.map((item) => ({ label: item.channel, value: item.count,
          text: `${item.count} · ${fmtPct(item.share)}` })), Math.max(1, ...channels.map((item) => item.count)),
        "Tickets by channel", "channels", WIDE_LAYOUT)
      : emptyNote("No tickets in this range."));
  }

  function renderTimes(report) {
    const times = report.ticket_times;
    const row = (name, stats, pendingName, pending) => [
      name, stats.count, fmtMinutes(stats.median_minutes), fmtMinutes(stats.p90_minutes),
      fmtMinutes(stats.mean_minutes), `${pending} ${pendingName}`,
    ];
    table($("times-table"), ["", "Tickets", "Median", "p90", "Mean", "Pending"], [
      row("First response", times.first_response, "waiting", times.first_response.waiting),
      row("Resolution", times.resolution, "unresolved", times.resolution.unresolved),
    ], 1);
  }

  function renderGaps(report) {
    const gaps = report.kb_gaps;
    const counted = gaps.questions
      ? `${plural(gaps.questions, "unanswered question", "unanswered questions")} in ${plural(gaps.groups_total, "group", "groups")}; similar wordings count together.`
      : "No unanswered questions in this range.";
    const noise = gaps.left_out_as_noise
      ? ` Left out as noise (markup or code, filler, no letters): ${gaps.left_out_as_noise}.`
      : "";
    $("gaps-summary").textContent = counted + noise;
    const items = gaps.groups.map((group) => {
      const li = el("li");
      li.appendChild(el("div", { class: "question", dir: "auto" }, group.representative));
      li.appendChild(el("div", { class: "meta" },
        `${plural(group.count, "question", "questions")} from ${plural(group.conversations, "conversation", "conversations")} · ${group.languages.join(", ")}`));
      if (group.examples.length) {
        const examples = el("ul", { class: "examples", "aria-label": "Other wordings" });
        for (const example of group.examples) {
          examples.appendChild(el("li", { dir: "auto" }, example));
        }
        li.appendChild(examples);
      }
      return li;
    });
    replaceChildren($("gaps"), ...items);
  }

  function render(report) {
    state.report = report;
    $("since").value = report.range.since;
    $("until").value = report.range.until;
    $("range-text").textContent = `${report.range.since} to ${report.range.until}`;
    $("csv-link").href = "/api/reports.csv?" + rangeQuery(report.range.since, report.range.until);
    renderKpis(report);
    renderDistribution(report);
    renderCsat(report);
    renderNps(report);
    renderTrend();
    renderFcr(report);
    renderReopenedAndWithdrawn(report);
    renderSla(report);
    renderUnhelpful(report);
    renderSplits(report);
    renderContainment(report);
    renderTimes(report);
    renderGaps(report);
    $("report").hidden = false;
  }

  // ------------------------------------------------------------------ loading

  function rangeQuery(since, until) {
    const params = new URLSearchParams();
    if (since) params.set("since", since);
    if (until) params.set("until", until);
    return params.toString();
  }

  function setStatus(message, isError) {
    const status = $("status");
    status.replaceChildren();
    status.classList.toggle("error", Boolean(isError));
    if (typeof message === "string") status.textContent = message;
    else status.appendChild(message);
  }

  function loginMessage(text) {
    const fragment = document.createDocumentFragment();
    fragment.append(text + " ");
    fragment.appendChild(el("a", { href: "/agent" }, "Log in to the agent console"));
    fragment.append(" as an admin, then come back to this page.");
    return fragment;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (typeof body.detail === "string") return body.detail;
    } catch (_) {
      // not JSON: fall through to the status line
    }
    return `${response.status} ${response.statusText}`;
  }

  async function load() {
    const params = new URLSearchParams(window.location.search);
    const query = rangeQuery(params.get("since"), params.get("until"));
    setStatus("Loading the report…", false);
    let response;
    try {
      response = await fetch("/api/reports" + (query ? "?" + query : ""), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch (_) {
      setStatus("The helpdesk service cannot be reached. Check that it is running and reload.", true);
      return;
    }
    if (response.status === 401) {
      $("report").hidden = true;
      setStatus(loginMessage("You are not logged in."), true);
      return;
    }
    if (response.status === 403) {
      $("report").hidden = true;
      setStatus(loginMessage("Reports are for admins."), true);
      return;
    }
    if (!response.ok) {
      setStatus(`The report could not be made: ${await errorText(response)}`, true);
      return;
    }
    render(await response.json());
    const summary = state.report.ces.summary;
    setStatus(`Report loaded: ${plural(summary.responses, "rating", "ratings")}, generated ${state.report.generated_at.replace("T", " ").slice(0, 16)} UTC.`, false);
  }

  function onApply(event) {
    event.preventDefault();
    const since = $("since").value, until = $("until").value;
    if (!since || !until) {
      setStatus("Choose both dates (From and To).", true);
      return;
    }
    if (since > until) {
      setStatus("“From” must not be after “To”.", true);
      return;
    }
    window.history.pushState(null, "", "?" + rangeQuery(since, until));
    load();
  }

  function setTrendPeriod(period) {
    state.trendPeriod = period;
    if (state.report) renderTrend();
  }

  $("range-form").addEventListener("submit", onApply);
  $("trend-day").addEventListener("click", () => setTrendPeriod("day"));
  $("trend-week").addEventListener("click", () => setTrendPeriod("week"));
  window.addEventListener("popstate", load);
  load();
})();
