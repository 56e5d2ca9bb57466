// The list pages: namespaces, a namespace's Builds, TaskRuns or PipelineRuns (one page per
// kind, the same filters, paging and history bars), the runs of a commit.

import { getJson } from "./api.js";
import { byId, clear, el, formatBytes, formatDuration, phaseBadge, show, timeElement } from "./dom.js";
import { KINDS, PAGE_SIZE, count, enc, groupCell, kindOf, keepClusterInForm, latestLink, paging, runLink, status, uiLink } from "./links.js";

// ---- 1. namespaces

export async function namespacesPage() {
  status("Loading namespaces…");
  const answer = await getJson("/api/v1/namespaces");
  const list = clear(byId("namespaces"));
  for (const item of answer.items) {
    list.append(el("li", {}, el("a", { href: uiLink(`/namespaces/${enc(item.name)}`), text: item.name })));
  }
  status(
    answer.items.length
      ? `${count(answer.items.length, "namespace")} in cluster ${answer.cluster}.`
      : `No archived runs you may read in cluster ${answer.cluster}.`,
  );
}

// ---- the runs table: one column list per page, each column a header and a cell

function logCell(item) {
  if (item.logAvailable === null || item.logAvailable === undefined) return "—";
  return item.logAvailable ? formatBytes(item.logBytes) : "not archived";
}

const COLUMNS = {
  namespace: {
    head: () => "Namespace",
    cell: (item) => el("td", {}, el("a", { href: uiLink(`/namespaces/${enc(item.namespace)}${kindOf(item).list}`), text: item.namespace })),
  },
  run: {
    head: (kind) => (kind ? kind.title : "Run"),
    cell: (item) => el("th", { scope: "row" }, el("a", { href: runLink(item), text: item.name })),
  },
  kind: { head: () => "Kind", cell: (item) => el("td", { text: item.kind || "Build" }) },
  group: { head: (kind) => (kind ? kind.groupKind : "BuildConfig / Task / Pipeline"), cell: (item) => el("td", {}, groupCell(item)) },
  number: { head: () => "#", cell: (item) => el("td", { class: "num", text: item.number ?? "—" }) },
  phase: { head: () => "Phase", cell: (item) => el("td", {}, phaseBadge(item.phase)) },
  started: { head: () => "Started", cell: (item) => el("td", {}, timeElement(item.started || item.created)) },
  duration: { head: () => "Duration", cell: (item) => el("td", { class: "num", text: formatDuration(item.durationSeconds) }) },
  log: { head: () => "Log", cell: (item) => el("td", { class: "num", text: logCell(item) }) },
  why: { head: () => "Why", cell: (item) => el("td", {}, item.finding ? el("span", { class: "finding-id", text: item.finding }) : "—") },
};

const TABLES = {
  Build: ["run", "group", "number", "phase", "started", "duration", "log", "why"],
  TaskRun: ["run", "group", "phase", "started", "duration", "log", "why"],
  PipelineRun: ["run", "group", "phase", "started", "duration", "why"],
  commit: ["namespace", "run", "kind", "group", "phase", "started", "duration", "log", "why"],
};

// kind: the one kind the table lists, or null for runs of every kind.
function fillTable(items, columns, kind) {
  const table = byId("runs");
  const head = clear(table.querySelector("thead tr"));
  for (const name of columns) head.append(el("th", { scope: "col", text: COLUMNS[name].head(kind) }));
  const body = clear(table.querySelector("tbody"));
  for (const item of items) body.append(el("tr", {}, ...columns.map((name) => COLUMNS[name].cell(item))));
  show(table, items.length > 0);
}

// ---- 2. a namespace's runs of one kind

function historyBars(items) {
  const bars = clear(byId("history-bars"));
  const timed = items.filter((item) => item.durationSeconds !== null && item.durationSeconds !== undefined);
  const longest = Math.max(1, ...timed.map((item) => item.durationSeconds));
  for (const item of [...items].reverse()) {
    const seconds = item.durationSeconds;
    const label = `${item.name}: ${item.phase}, ${formatDuration(seconds)}`;
    const phase = (item.phase || "unknown").toLowerCase();
    const fill = el("span", { class: `bar-fill phase-${phase}` });
    fill.style.height = `${Math.max(4, (100 * (seconds || 0)) / longest)}%`;
    bars.append(
      el(
        "a",
        { class: "bar", href: runLink(item), role: "listitem", "aria-label": label, title: label },
        fill,
        el("span", { class: "bar-label", text: `${item.number ?? ""} ${item.phase}`.trim() }),
      ),
    );
  }
  show(byId("history"), items.length > 0);
}

// A rule id from the URL that is not built in (a user's rule) still gets its option.
function chooseFinding(finding) {
  const select = byId("filter-finding");
  if (finding && ![...select.options].some((option) => option.value === finding)) {
    select.append(el("option", { value: finding, text: finding }));
  }
  select.value = finding;
}

// The group filter's options: the namespace's BuildConfigs, Tasks or Pipelines.
async function fillGroups(kind, namespace, chosen) {
  const select = clear(byId("filter-group"));
  select.append(el("option", { value: "", text: "all" }));
  const answer = await getJson(`/api/v1/namespaces/${enc(namespace)}/${kind.groups}?limit=1000`);
  const names = answer.items.map((item) => item.name);
  if (chosen && !names.includes(chosen)) names.push(chosen);
  for (const name of names) select.append(el("option", { value: name, text: name, selected: name === chosen }));
}

export async function runsPage(data) {
  const kind = KINDS[data.kind];
  const namespace = data.namespace;
  const params = new URLSearchParams(location.search);
  const group = params.get(kind.filter) || "";
  const phase = params.get("phase") || "";
  const finding = params.get("finding") || "";
  const limit = params.get("limit") || "";
  keepClusterInForm("filter-cluster");
  if (byId("search-cluster")) keepClusterInForm("search-cluster");
  byId("filter-phase").value = phase;
  chooseFinding(finding);
  status(`Loading ${kind.noun}s…`);
  const query = new URLSearchParams({ limit: limit || String(PAGE_SIZE) });
  if (group) query.set(kind.filter, group);
  if (phase) query.set("phase", phase);
  if (finding) query.set("finding", finding);
  if (params.get("pageToken")) query.set("pageToken", params.get("pageToken"));
  const answer = await getJson(`/api/v1/namespaces/${enc(namespace)}/${kind.resource}?${query}`);
  await fillGroups(kind, namespace, group);
  fillTable(answer.items, TABLES[data.kind], kind);
  paging(answer.nextPageToken, { [kind.filter]: group, phase, finding, limit });
  if (group) {
    historyBars(answer.items);
    byId("history-heading").textContent = `Recent history of ${group}`;
    byId("paging").prepend(el("a", { href: latestLink(kind, namespace, group), text: `Latest ${kind.noun} of ${group}` }));
  }
  const filtered = [group && `${kind.groupKind} ${group}`, phase && `phase ${phase}`, finding && `why ${finding}`].filter(Boolean).join(", ");
  status(
    answer.items.length
      ? `${count(answer.items.length, kind.noun)}${filtered ? ` (${filtered})` : ""}${answer.nextPageToken ? "; more on the next page" : ""}.`
      : `No archived ${kind.noun}s${filtered ? ` (${filtered})` : ""}.`,
  );
}

// ---- 3. the runs of a commit, of every kind

export async function commitPage(data) {
  keepClusterInForm("commit-cluster");
  const commit = data.commit;
  if (!commit) {
    status("Type a commit id (or its first 7 characters or more).");
    return;
  }
  status("Searching…");
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams({ commit, limit: String(PAGE_SIZE) });
  if (params.get("pageToken")) query.set("pageToken", params.get("pageToken"));
  const answer = await getJson(`/api/v1/runs?${query}`);
  fillTable(answer.items, TABLES.commit, null);
  paging(answer.nextPageToken, { commit });
  status(answer.items.length ? `${count(answer.items.length, "run")} of commit ${commit}.` : `No archived run of commit ${commit} that you may read.`);
}
