// The console's drawing of one execution: the Gantt chart in modelled time, the details of what is
// clicked, the raw history. Loaded after console.js (its helpers: el, seconds, pretty, state); the
// same rule holds: data goes into the page as text, never as HTML.
"use strict";

// -- the timeline (Gantt chart in modelled time) ---------------------------------------------------

function niceStep(span) {
  const rough = span / 6;
  const power = 10 ** Math.floor(Math.log10(rough || 1));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= rough) return factor * power;
  return 10 * power;
}

function renderTimeline(root, body, view) {
  const tl = body.timeline;
  let span = tl.end || 0;
  for (const op of tl.operations) span = Math.max(span, op.end ?? 0, op.scheduledEnd ?? 0, op.nextAttemptAt ?? 0);
  span = Math.max(span * 1.02, 0.001);
  const pct = (at) => `${Math.min(100, Math.max(0, (at / span) * 100))}%`;
  const bar = (start, end, cls, title) =>
    el("div", { class: `bar ${cls}`, title, style: { left: pct(start), width: pct(Math.max(0, end - start)) } });

  const step = niceStep(span);
  const axis = el("div", { class: "track axis" });
  for (let t = 0; t <= span; t += step) axis.append(el("span", { class: "tick", style: { left: pct(t) }, text: `+${seconds(t)}` }));
  const rows = [
    el("div", { class: "row axis-row" }, el("div", { class: "label muted", text: "modelled time since start" }), axis),
  ];

  const bands = el("div", { class: "track" });
  for (const inv of tl.invocations) {
    const band = bar(inv.start ?? 0, inv.end ?? 0, inv.error ? "invocation failed" : "invocation", `invocation ${inv.requestId}: ${seconds((inv.end ?? 0) - (inv.start ?? 0))}`);
    band.setAttribute("data-key", `inv:${inv.requestId}`);
    band.addEventListener("click", () => view.select("inv", inv.requestId));
    bands.append(band);
  }
  rows.push(el("div", { class: "row invocations", id: "invocations" }, el("div", { class: "label", text: `Invocations (${tl.invocations.length})` }), bands));

  for (const op of tl.operations) {
    const track = el("div", { class: "track" });
    const end = op.end ?? tl.end;
    const title = `${op.type} ${op.name || op.id}: +${seconds(op.start)} → ${op.end === null ? "…" : `+${seconds(op.end)}`}`;
    if (op.type === "STEP" && op.attempts.length) {
      for (const attempt of op.attempts) {
        track.append(bar(attempt.start, attempt.end, `attempt ${attempt.outcome.toLowerCase()}`, `attempt ${attempt.number}: ${attempt.outcome}`));
        if (attempt.retryDelay !== undefined) {
          track.append(bar(attempt.end, attempt.end + attempt.retryDelay, "delay", `retry delay ${seconds(attempt.retryDelay)}`));
        }
      }
      if (op.status === "STARTED") track.append(bar(op.attempts.at(-1).end + (op.attempts.at(-1).retryDelay || 0), end, "open", "attempt running"));
    } else if (op.type === "WAIT") {
      const until = op.end ?? op.scheduledEnd ?? end;
      track.append(bar(op.start, until, op.end === null ? "wait open" : "wait", title));
      if (op.scheduledEnd !== null && op.scheduledEnd !== undefined) {
        track.append(el("div", { class: "marker", title: `scheduled end +${seconds(op.scheduledEnd)}`, style: { left: pct(op.scheduledEnd) } }));
      }
    } else {
      const cls = `${op.type.toLowerCase().replace("_", "-")} ${op.end === null ? "open" : op.status.toLowerCase()}`;
      track.append(bar(op.start, end, cls, title));
    }
    const label = el(
      "div",
      { class: "label", style: { paddingLeft: `${0.4 + op.depth * 1.1}em` } },
      el("span", { class: `kind kind-${op.type.toLowerCase()}`, text: op.subType || op.type }),
      " ",
      el("span", { class: "op-name", text: op.name || op.id.slice(0, 12) }),
      " ",
      statusBadge(operationStatus(op)),
      op.attempts.length > 1 ? el("span", { class: "muted", text: ` ${op.attempts.length} attempts` }) : null,
    );
    const row = el("div", { class: "row op", "data-key": `op:${op.id}`, "data-op-name": op.name || "", "data-status": operationStatus(op), tabindex: 0 }, label, track);
    row.addEventListener("click", () => view.select("op", op.id));
    row.addEventListener("keydown", (event) => event.key === "Enter" && view.select("op", op.id));
    rows.push(row);
  }
  root.replaceChildren(
    el("h2", {}, "Timeline ", el("span", { class: "muted small", text: `modelled time: 0 → +${seconds(tl.end)}${tl.running ? " (now)" : ""}` })),
    el("div", { class: "gantt" }, rows),
    el("p", { class: "legend muted" }, legend()),
  );
  if (state.selected) {
    const selected = root.querySelector(`[data-key="${CSS.escape(`${state.selected.kind}:${state.selected.key}`)}"]`);
    if (selected) selected.classList.add("selected");
  }
}

function legend() {
  return [
    ["attempt succeeded", "step attempt"],
    ["attempt failed", "failed attempt"],
    ["delay", "retry delay"],
    ["wait", "wait"],
    ["callback", "callback"],
    ["chained-invoke", "chained invoke"],
    ["context", "child context"],
    ["open", "still running"],
    ["invocation", "invocation"],
  ].map(([cls, text]) => el("span", { class: "legend-item" }, el("span", { class: `swatch bar ${cls}` }), text));
}

function operationStatus(op) {
  if (op.status === "STARTED" && op.type === "WAIT") return "WAITING";
  if (op.status === "STARTED" && op.type === "CALLBACK") return "PENDING";
  return op.status;
}

function operationDetails(op, tl) {
  const facts = [
    ["Type", op.subType ? `${op.type} (${op.subType})` : op.type],
    ["Name", op.name || "—"],
    ["Id", op.id],
    ["Parent", op.parentId || "—"],
    ["Status", operationStatus(op)],
    ["Started", `+${seconds(op.start)} · ${clockTime(tl.origin + op.start)}`],
    ["Ended", op.end === null ? "—" : `+${seconds(op.end)} · ${clockTime(tl.origin + op.end)}`],
  ];
  if (op.end !== null) facts.push(["Took", seconds(op.end - op.start)]);
  if (op.type === "WAIT") facts.push(["Wait", `${op.duration} s`], ["Scheduled end", `+${seconds(op.scheduledEnd)} · ${clockTime(tl.origin + op.scheduledEnd)}`]);
  if (op.type === "CALLBACK") {
    facts.push(["Callback id", op.callbackId]);
    if (op.timeout) facts.push(["Timeout", `${op.timeout} s`]);
    if (op.heartbeatTimeout) facts.push(["Heartbeat timeout", `${op.heartbeatTimeout} s`]);
  }
  if (op.nextAttemptAt !== undefined) facts.push(["Next attempt", `+${seconds(op.nextAttemptAt)}`]);
  const parts = [
    el("h2", {}, el("span", { class: `kind kind-${op.type.toLowerCase()}`, text: op.subType || op.type }), " ", el("span", { id: "details-name", text: op.name || op.id })),
    el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v ?? "" })])),
  ];
  if (op.type === "CHAINED_INVOKE" && op.target) {
    parts.push(
      el(
        "p",
        { class: "target" },
        "Invokes ",
        el("code", { text: op.target.functionName || "?" }),
        op.target.arn ? [" → ", executionLink(op.target.arn, "open the target execution")] : null,
      ),
    );
  }
  if (op.input !== undefined) parts.push(payloadBlock("Input", op.input, "details-input"));
  if (op.attempts.length) {
    parts.push(
      el("h3", { text: "Attempts" }),
      el(
        "table",
        { class: "attempts" },
        el("thead", {}, el("tr", {}, ["#", "start", "end", "outcome", "retry in"].map((h) => el("th", { text: h })))),
        el(
          "tbody",
          {},
          op.attempts.map((a) =>
            el(
              "tr",
              {},
              el("td", { text: a.number }),
              el("td", { text: `+${seconds(a.start)}` }),
              el("td", { text: `+${seconds(a.end)}` }),
              el("td", {}, a.outcome, a.error ? el("div", { class: "mono small", text: errorLine(a.error) }) : null),
              el("td", { text: a.retryDelay === undefined ? "" : `${a.retryDelay} s` }),
            ),
          ),
        ),
      ),
    );
  }
  if (op.result !== undefined) parts.push(payloadBlock("Result", op.result, "details-result"));
  if (op.error !== undefined) parts.push(payloadBlock("Error", op.error, "details-error"));
  parts.push(el("p", { class: "muted small", text: `history events ${op.events.join(", ")}` }));
  return parts;
}

function errorLine(error) {
  if (error && typeof error === "object" && error.ErrorType) return `${error.ErrorType}: ${error.ErrorMessage ?? ""}`;
  return pretty(error);
}

function invocationDetails(inv, tl) {
  return [
    el("h2", { text: "Invocation" }),
    el(
      "dl",
      { class: "facts" },
      [
        ["Request id", inv.requestId],
        ["Started", `+${seconds(inv.start)} · ${clockTime(tl.origin + inv.start)}`],
        ["Ended", `+${seconds(inv.end)} · ${clockTime(tl.origin + inv.end)}`],
        ["Took", seconds(inv.end - inv.start)],
      ].map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]),
    ),
    inv.error ? payloadBlock("Error", inv.error, "invocation-error") : null,
    el("h3", { text: "Logs" }),
    el("pre", { class: "logs", id: "invocation-logs", text: inv.logs || "(no output)" }),
  ];
}

// -- the raw history --------------------------------------------------------------------------------

function renderHistory(root, body) {
  const tabs = ["table", "json"].map((tab) => {
    const button = el("button", { type: "button", class: `tab${state.historyTab === tab ? " active" : ""}`, id: `history-tab-${tab}`, text: tab === "table" ? "Table" : "JSON" });
    button.addEventListener("click", () => {
      state.historyTab = tab;
      renderHistory(root, body);
    });
    return button;
  });
  let content;
  if (state.historyTab === "json") {
    content = el("pre", { id: "history-json", class: "json", text: JSON.stringify({ Events: body.events }, null, 2) });
  } else {
    content = el(
      "table",
      { id: "history-table", class: "history" },
      el("thead", {}, el("tr", {}, ["#", "at (modelled)", "event", "details"].map((h) => el("th", { text: h })))),
      el(
        "tbody",
        {},
        body.timeline.rows.map((row) =>
          el(
            "tr",
            {},
            el("td", { text: row.eventId }),
            el("td", { class: "num", text: `+${row.at.toFixed(3)} s` }),
            el("td", { style: { paddingLeft: `${0.4 + row.depth * 1.1}em` }, text: row.type }),
            el("td", { class: "mono", text: row.text }),
          ),
        ),
      ),
    );
  }
  root.replaceChildren(el("h2", {}, `History (${body.events.length} events) `, ...tabs), content);
}
