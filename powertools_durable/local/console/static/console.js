// The emulator's web console: plain JavaScript, no dependencies, nothing from the network.
// Every value shown comes from executions (untrusted): it is put in the page as text (textContent,
// setAttribute of plain strings), never as HTML. Reads go to the console's JSON endpoints;
// actions are the emulator's AWS API calls, as boto3 would make them.
"use strict";

const PREFIX = "/-/local/console";
const POLL_MS = 1000;
const ENDED_POLL_MS = 5000;
const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"];

const state = { timer: null, view: null, lastBody: null, selected: null, historyTab: "table", pendingKey: null };

// -- DOM helpers ------------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function show(message, kind) {
  const notice = document.getElementById("notice");
  notice.textContent = message;
  notice.className = kind || "info";
  notice.hidden = !message;
}

function pretty(value) {
  return value === undefined ? "null" : JSON.stringify(value, null, 2);
}

function seconds(value) {
  if (value === null || value === undefined) return "";
  const abs = Math.abs(value);
  if (abs === 0) return "0 s";
  if (abs < 1) return `${Math.round(value * 1000)} ms`;
  if (abs < 120) return `${+value.toFixed(abs < 10 ? 3 : 1)} s`;
  if (abs < 7200) return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
  if (abs < 172800) return `${+(value / 3600).toFixed(1)} h`;
  return `${+(value / 86400).toFixed(1)} d`;
}

function clockTime(epochSeconds) {
  if (epochSeconds === null || epochSeconds === undefined) return "";
  const date = new Date(epochSeconds * 1000);
  return date.toISOString().replace("T", " ").replace("Z", "");
}

function statusBadge(status) {
  return el("span", { class: `badge status-${String(status).toLowerCase()}`, text: status });
}

function executionLink(arn, label) {
  return el("a", { href: `#/execution/${encodeURIComponent(arn)}`, text: label });
}

// -- HTTP ---------------------------------------------------------------------------------------------

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${response.headers.get("x-amzn-ErrorType") || response.status}: ${body.message || ""}`);
  return body;
}

async function call(method, url, body, headers) {
  const response = await fetch(url, { method, body, headers: { "Content-Type": "application/json", ...(headers || {}) } });
  if (!response.ok) {
    const error = await response.json().catch(() => ({}));
    throw new Error(`${response.headers.get("x-amzn-ErrorType") || response.status}: ${error.message || response.statusText}`);
  }
  return response;
}

const api = {
  functions: () => getJson("/2015-03-31/functions/"),
  executions: (filters) => getJson(`${PREFIX}/executions?${new URLSearchParams(filters)}`),
  execution: (arn) => getJson(`${PREFIX}/executions/${encodeURIComponent(arn)}`),
  start: (fn, input, name) =>
    call("POST", `/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`, input, {
      "X-Amz-Invocation-Type": "Event",
      ...(name ? { "X-Amz-Durable-Execution-Name": name } : {}),
    }),
  stop: (arn) => call("POST", `/2025-12-01/durable-executions/${encodeURIComponent(arn)}/stop`, "{}"),
  succeed: (id, payload) => call("POST", `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(id)}/succeed`, payload),
  fail: (id, error) => call("POST", `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(id)}/fail`, JSON.stringify(error)),
  heartbeat: (id) => call("POST", `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(id)}/heartbeat`, ""),
};

// -- routing and polling ---------------------------------------------------------------------------

function route() {
  clearTimeout(state.timer);
  Object.assign(state, { lastBody: null, selected: null, pendingKey: null });
  show("");
  const hash = location.hash.replace(/^#/, "") || "/";
  const view = document.getElementById("view");
  view.replaceChildren();
  if (hash.startsWith("/execution/")) {
    state.view = executionView(view, decodeURIComponent(hash.slice("/execution/".length)));
  } else {
    state.view = listView(view, new URLSearchParams(hash.split("?")[1] || ""));
  }
  poll();
}

async function poll() {
  const view = state.view;
  let again = POLL_MS;
  try {
    again = await view.refresh();
    document.getElementById("live").className = "live";
  } catch (error) {
    document.getElementById("live").className = "live offline";
    show(String(error.message || error), "error");
  }
  if (view === state.view) state.timer = setTimeout(poll, typeof again === "number" ? again : POLL_MS);
}

// -- the executions list ---------------------------------------------------------------------------

function listView(root, params) {
  const filters = { function: params.get("function") || "", status: params.get("status") || "" };
  const functionFilter = el("select", { id: "filter-function", "aria-label": "function" }, el("option", { value: "", text: "all functions" }));
  const statusFilter = el(
    "select",
    { id: "filter-status", "aria-label": "status" },
    el("option", { value: "", text: "any status" }),
    STATUSES.map((s) => el("option", { value: s, text: s })),
  );
  statusFilter.value = filters.status;
  const onFilter = () => {
    const query = new URLSearchParams();
    if (functionFilter.value) query.set("function", functionFilter.value);
    if (statusFilter.value) query.set("status", statusFilter.value);
    location.hash = `#/?${query}`;
  };
  functionFilter.addEventListener("change", onFilter);
  statusFilter.addEventListener("change", onFilter);

  const startFunction = el("select", { id: "start-function", "aria-label": "function to start" });
  const startName = el("input", { id: "start-name", placeholder: "execution name (optional)", "aria-label": "execution name" });
  const startInput = el("textarea", { id: "start-input", rows: 3, spellcheck: "false", "aria-label": "input (JSON)" });
  startInput.value = "{}";
  const startButton = el("button", { id: "start-button", type: "button", text: "Start execution" });
  startButton.addEventListener("click", async () => {
    const input = startInput.value.trim() || "{}";
    try {
      JSON.parse(input);
    } catch (error) {
      show(`The input is not JSON: ${error.message}`, "error");
      return;
    }
    try {
      const response = await api.start(startFunction.value, input, startName.value.trim());
      const arn = response.headers.get("X-Amz-Durable-Execution-Arn");
      show(`Started ${startFunction.value}`, "info");
      if (arn) location.hash = `#/execution/${encodeURIComponent(arn)}`;
    } catch (error) {
      show(`Start failed: ${error.message}`, "error");
    }
  });

  const tableBody = el("tbody");
  const summary = el("p", { class: "muted", id: "list-summary" });
  root.append(
    el("h1", { text: "Executions" }),
    el("div", { class: "toolbar" }, el("label", {}, "Function ", functionFilter), el("label", {}, "Status ", statusFilter)),
    el(
      "details",
      { class: "panel", id: "start-panel" },
      el("summary", { text: "Start an execution" }),
      el("div", { class: "form-row" }, el("label", {}, "Function ", startFunction), startName),
      el("label", { class: "block" }, "Input (JSON)", startInput),
      startButton,
    ),
    el(
      "table",
      { class: "executions", id: "executions" },
      el("thead", {}, el("tr", {}, ["Name", "Function", "Status", "Started (modelled)", "Ended", "Duration"].map((h) => el("th", { text: h })))),
      tableBody,
    ),
    summary,
  );

  api.functions().then((body) => {
    const durable = (body.Functions || []).filter((f) => f.DurableConfig).map((f) => f.FunctionName).sort();
    for (const name of durable) {
      functionFilter.append(el("option", { value: name, text: name }));
      startFunction.append(el("option", { value: name, text: name }));
    }
    functionFilter.value = filters.function;
  }, (error) => show(String(error.message), "error"));

  return {
    async refresh() {
      const body = await api.executions(filters);
      const text = JSON.stringify(body.Executions);
      if (text !== state.lastBody) {
        state.lastBody = text;
        tableBody.replaceChildren(...body.Executions.map((e) => executionRow(e, body.now)));
        if (!body.Executions.length) tableBody.append(el("tr", {}, el("td", { colspan: 6, class: "muted", text: "No executions yet." })));
        summary.textContent = `${body.Executions.length} of ${body.total} execution(s), newest first; updates live.`;
      }
      for (const row of tableBody.rows) {
        const execution = body.Executions.find((e) => e.arn === row.dataset.arn);
        if (execution && execution.end === null) row.lastChild.textContent = `${seconds(body.now - execution.start)} …`;
      }
      return POLL_MS;
    },
  };
}

function executionRow(execution, now) {
  const end = execution.end ?? now;
  return el(
    "tr",
    { "data-arn": execution.arn, "data-status": execution.status },
    el("td", {}, executionLink(execution.arn, execution.name)),
    el("td", { text: execution.qualifier && execution.qualifier !== "$LATEST" ? `${execution.function}:${execution.qualifier}` : execution.function }),
    el("td", {}, statusBadge(execution.status)),
    el("td", { text: clockTime(execution.start) }),
    el("td", { text: clockTime(execution.end) }),
    el("td", { text: seconds(end - execution.start) + (execution.end ? "" : " …") }),
  );
}

// -- one execution ---------------------------------------------------------------------------------

function executionView(root, arn) {
  const header = el("section", { id: "execution-header" });
  const callbacks = el("section", { id: "callbacks" });
  const timeline = el("section", { id: "timeline", class: "panel" });
  const details = el("aside", { id: "details", class: "panel" }, el("p", { class: "muted", text: "Click an operation or an invocation to see its details." }));
  const history = el("section", { id: "history", class: "panel" });
  root.append(
    el("p", {}, el("a", { href: "#/", text: "← all executions" })),
    header,
    callbacks,
    el("div", { class: "split" }, timeline, details),
    history,
  );
  let current = null;
  let ticks = 0;
  const view = {
    async refresh() {
      const body = await api.execution(arn);
      const text = JSON.stringify(body.events) + body.execution.Status;
      const running = body.execution.Status === "RUNNING";
      current = body;
      ticks += 1;
      if (text !== state.lastBody) {
        state.lastBody = text;
        ticks = 0;
        renderHeader(header, body);
        renderCallbacks(callbacks, body.timeline.pending, running);
        renderTimeline(timeline, body, view);
        renderHistory(history, body);
        view.renderDetails();
      } else if (running && ticks % 5 === 0) {
        renderTimeline(timeline, body, view); // open bars grow with the modelled clock
      }
      if (running) updateDuration(header, body);
      return running ? POLL_MS : ENDED_POLL_MS; // an ended execution changes no more (but a restart may resume it)
    },
    select(kind, key) {
      state.selected = { kind, key };
      view.renderDetails();
      for (const node of timeline.querySelectorAll(".selected")) node.classList.remove("selected");
      const row = timeline.querySelector(`[data-key="${CSS.escape(`${kind}:${key}`)}"]`);
      if (row) row.classList.add("selected");
    },
    renderDetails() {
      if (!current || !state.selected) return;
      const { kind, key } = state.selected;
      const tl = current.timeline;
      const item = kind === "op" ? tl.operations.find((o) => o.id === key) : tl.invocations.find((i) => i.requestId === key);
      if (item) details.replaceChildren(...(kind === "op" ? operationDetails(item, tl) : invocationDetails(item, tl)));
    },
  };
  return view;
}

function renderHeader(root, body) {
  const e = body.execution;
  const tl = body.timeline;
  const running = e.Status === "RUNNING";
  const stop = el("button", { id: "stop-button", type: "button", class: "danger", text: "Stop execution" });
  stop.addEventListener("click", async () => {
    try {
      await api.stop(e.DurableExecutionArn);
      show("Stop requested: StopDurableExecution succeeded.", "info");
      state.lastBody = null;
    } catch (error) {
      show(`Stop failed: ${error.message}`, "error");
    }
  });
  const facts = [
    ["Function", body.function],
    ["Version", e.Version],
    ["Started", `${clockTime(e.StartTimestamp)} (modelled)`],
    ["Ended", e.EndTimestamp ? clockTime(e.EndTimestamp) : "—"],
    ["Duration", durationText(body)],
    ["ARN", e.DurableExecutionArn],
  ];
  root.replaceChildren(
    el("h1", {}, el("span", { id: "execution-name", text: e.DurableExecutionName }), " ", statusBadge(e.Status)),
    el("dl", { class: "facts" }, facts.map(([k, v]) => [el("dt", { text: k }), el("dd", { text: v ?? "", "data-fact": k })])),
    running ? stop : null,
    el(
      "div",
      { class: "payloads" },
      payloadBlock("Input", tl.input, "execution-input"),
      e.Status === "SUCCEEDED" ? payloadBlock("Result", tl.result, "execution-result") : null,
      e.Error ? payloadBlock("Error", e.Error, "execution-error") : null,
    ),
  );
}

function durationText(body) {
  const e = body.execution;
  return seconds((e.EndTimestamp ?? body.now) - e.StartTimestamp) + (e.Status === "RUNNING" ? " so far" : "");
}

function updateDuration(root, body) {
  const node = root.querySelector('[data-fact="Duration"]');
  if (node) node.textContent = durationText(body);
}

function payloadBlock(title, value, id) {
  return el("div", { class: "payload" }, el("h3", { text: title }), el("pre", { id, text: pretty(value) }));
}

function renderCallbacks(root, pending, running) {
  const key = running ? pending.map((p) => p.callbackId).join(",") : "";
  if (key === state.pendingKey) return; // keep what the user is typing
  state.pendingKey = key;
  root.replaceChildren();
  if (!key) return;
  root.append(el("h2", { text: `Pending callbacks (${pending.length})` }));
  for (const callback of pending) root.append(callbackForm(callback));
}

function callbackForm(callback) {
  const payload = el("textarea", { rows: 2, spellcheck: "false", class: "callback-payload", "aria-label": "result (JSON)" });
  payload.value = "{}";
  const errorType = el("input", { class: "callback-error-type", placeholder: "ErrorType", "aria-label": "error type" });
  const errorMessage = el("input", { class: "callback-error-message", placeholder: "ErrorMessage", "aria-label": "error message" });
  const act = (what, run) => async () => {
    try {
      await run();
      show(`Callback ${callback.name}: ${what} sent.`, "info");
      state.lastBody = null;
      if (what !== "heartbeat") state.pendingKey = null;
    } catch (error) {
      show(`Callback ${callback.name}: ${what} failed: ${error.message}`, "error");
    }
  };
  const succeed = el("button", { type: "button", class: "callback-succeed", text: "Succeed" });
  succeed.addEventListener(
    "click",
    act("success", async () => {
      const text = payload.value.trim();
      if (text) JSON.parse(text); // a clear message before anything is sent
      await api.succeed(callback.callbackId, text);
    }),
  );
  const fail = el("button", { type: "button", class: "callback-fail danger", text: "Fail" });
  fail.addEventListener("click", act("failure", () => api.fail(callback.callbackId, { ErrorType: errorType.value || undefined, ErrorMessage: errorMessage.value || undefined })));
  const beat = el("button", { type: "button", class: "callback-heartbeat", text: "Heartbeat" });
  beat.addEventListener("click", act("heartbeat", () => api.heartbeat(callback.callbackId)));
  return el(
    "div",
    { class: "callback panel", "data-callback-name": callback.name },
    el("h3", {}, "Callback ", el("code", { text: callback.name })),
    el("p", { class: "muted" }, "id ", el("code", { class: "callback-id", text: callback.callbackId })),
    el("div", { class: "form-row" }, el("label", { class: "block" }, "Result (JSON)", payload), succeed),
    el("div", { class: "form-row" }, errorType, errorMessage, fail),
    el("div", { class: "form-row" }, beat, el("span", { class: "muted", text: "restarts the heartbeat timeout" })),
  );
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
