// The pages: each reads its URL (path data from the server shell, filters from the
// query string), fetches the API and renders with DOM calls only.

import { currentCluster, getJson, token } from "./api.js";
import { byId, clear, el, formatBytes, formatDuration, phaseBadge, show, timeElement } from "./dom.js";
import { LogViewer, wireLog } from "./log.js";

const PAGE_SIZE = 50;

function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
const enc = encodeURIComponent;

// A UI link that stays in the page's cluster.
export function uiLink(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const cluster = currentCluster();
  if (cluster) params.set("cluster", cluster);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function buildLink(item) {
  return uiLink(`/namespaces/${enc(item.namespace)}/builds/${enc(item.name)}`, { uid: item.uid });
}

function buildConfigLink(namespace, buildconfig) {
  return uiLink(`/namespaces/${enc(namespace)}`, { buildconfig });
}

export function status(text, kind = "info") {
  const node = byId("status");
  node.textContent = text;
  node.className = `status status-${kind}`;
  node.setAttribute("role", kind === "error" ? "alert" : "status");
}

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
      : `No archived builds you may read in cluster ${answer.cluster}.`,
  );
}

// ---- 2. a namespace's builds

function buildRow(item, withNamespace) {
  const cells = [];
  if (withNamespace) cells.push(el("td", {}, el("a", { href: uiLink(`/namespaces/${enc(item.namespace)}`), text: item.namespace })));
  cells.push(
    el("th", { scope: "row" }, el("a", { href: buildLink(item), text: item.name })),
    el(
      "td",
      {},
      item.buildConfig ? el("a", { href: buildConfigLink(item.namespace, item.buildConfig), text: item.buildConfig }) : "—",
    ),
    el("td", { class: "num", text: item.number ?? "—" }),
    el("td", {}, phaseBadge(item.phase)),
    el("td", {}, timeElement(item.started || item.created)),
    el("td", { class: "num", text: formatDuration(item.durationSeconds) }),
    el("td", { class: "num", text: item.logAvailable ? formatBytes(item.logBytes) : "not archived" }),
    el("td", {}, item.finding ? el("span", { class: "finding-id", text: item.finding }) : "—"),
  );
  return el("tr", {}, ...cells);
}

function fillTable(items, withNamespace) {
  const table = byId("builds");
  const body = clear(table.querySelector("tbody"));
  for (const item of items) body.append(buildRow(item, withNamespace));
  show(table, items.length > 0);
}

function paging(nextToken, query) {
  const nav = clear(byId("paging"));
  const params = new URLSearchParams(location.search);
  if (params.get("pageToken")) nav.append(el("a", { href: uiLink(location.pathname, { ...query, pageToken: "" }), text: "First page" }));
  if (nextToken) nav.append(el("a", { href: uiLink(location.pathname, { ...query, pageToken: nextToken }), rel: "next", text: "Next page" }));
}

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
        { class: "bar", href: buildLink(item), role: "listitem", "aria-label": label, title: label },
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

async function fillBuildConfigs(namespace, chosen) {
  const select = clear(byId("filter-buildconfig"));
  select.append(el("option", { value: "", text: "all" }));
  const answer = await getJson(`/api/v1/namespaces/${enc(namespace)}/buildconfigs?limit=1000`);
  const names = answer.items.map((item) => item.name);
  if (chosen && !names.includes(chosen)) names.push(chosen);
  for (const name of names) select.append(el("option", { value: name, text: name, selected: name === chosen }));
}

function keepClusterInForm(hiddenId) {
  const cluster = currentCluster();
  const hidden = byId(hiddenId);
  if (cluster) {
    hidden.value = cluster;
    hidden.disabled = false;
  }
}

export async function buildsPage(data) {
  const namespace = data.namespace;
  const params = new URLSearchParams(location.search);
  const buildconfig = params.get("buildconfig") || "";
  const phase = params.get("phase") || "";
  const finding = params.get("finding") || "";
  keepClusterInForm("filter-cluster");
  keepClusterInForm("search-cluster");
  byId("filter-phase").value = phase;
  chooseFinding(finding);
  status("Loading builds…");
  const limit = params.get("limit") || "";
  const query = new URLSearchParams({ limit: limit || String(PAGE_SIZE) });
  if (buildconfig) query.set("buildconfig", buildconfig);
  if (phase) query.set("phase", phase);
  if (finding) query.set("finding", finding);
  if (params.get("pageToken")) query.set("pageToken", params.get("pageToken"));
  const answer = await getJson(`/api/v1/namespaces/${enc(namespace)}/builds?${query}`);
  await fillBuildConfigs(namespace, buildconfig);
  fillTable(answer.items, false);
  paging(answer.nextPageToken, { buildconfig, phase, finding, limit });
  if (buildconfig) {
    historyBars(answer.items);
    byId("history-heading").textContent = `Recent history of ${buildconfig}`;
    const latest = el("a", { href: uiLink(`/namespaces/${enc(namespace)}/buildconfigs/${enc(buildconfig)}/latest`), text: `Latest build of ${buildconfig}` });
    byId("paging").prepend(latest);
  }
  const filtered = [buildconfig && `BuildConfig ${buildconfig}`, phase && `phase ${phase}`, finding && `why ${finding}`]
    .filter(Boolean)
    .join(", ");
  status(
    answer.items.length
      ? `${count(answer.items.length, "build")}${filtered ? ` (${filtered})` : ""}${answer.nextPageToken ? "; more on the next page" : ""}.`
      : `No archived builds${filtered ? ` (${filtered})` : ""}.`,
  );
}

// ---- 3. a build (and 4. the latest of a BuildConfig)

const WIDE_FACTS = new Set(["Message", "Git repository", "Commit", "Commit message", "Output image", "Image digest", "Log SHA-256", "UID"]);

function fact(list, term, ...value) {
  const values = value.map((v) => (v === null || v === undefined || v === "" ? "—" : v));
  list.append(el("div", { class: WIDE_FACTS.has(term) ? "wide" : null }, el("dt", { text: term }), el("dd", {}, ...values)));
}

function code(text) {
  return text ? el("code", { text }) : null;
}

function renderFacts(doc) {
  const list = clear(byId("facts"));
  const git = (doc.source && doc.source.git) || {};
  const author = git.author || {};
  const output = doc.output || {};
  const log = doc.log || {};
  fact(list, "Phase", phaseBadge(doc.phase));
  fact(list, "Reason", doc.reason);
  fact(
    list,
    "BuildConfig",
    doc.buildConfig ? el("a", { href: buildConfigLink(doc.namespace, doc.buildConfig), text: doc.buildConfig }) : null,
  );
  fact(list, "Number", doc.number === null || doc.number === undefined ? null : String(doc.number));
  fact(list, "Triggered by", (doc.triggeredBy || []).join("; "));
  fact(list, "Strategy", doc.strategy);
  fact(list, "Created", timeElement(doc.created));
  fact(list, "Started", timeElement(doc.started));
  fact(list, "Completed", timeElement(doc.completed));
  fact(list, "Duration", formatDuration(doc.durationSeconds));
  fact(list, "Log size", log.state === "archived" ? `${formatBytes(log.rawBytes)} (${(log.lines ?? 0).toLocaleString("en")} lines, ${formatBytes(log.compressedBytes)} gzip)` : `not archived${log.reason ? `: ${log.reason}` : ""}`);
  fact(list, "Archived at", timeElement(doc.archivedAt));
  fact(list, "Git ref", code(git.ref));
  fact(list, "Author", author.name ? `${author.name}${author.email ? ` <${author.email}>` : ""}` : null);
  fact(list, "Message", doc.message);
  fact(list, "Git repository", code(git.uri));
  fact(list, "Commit", git.commit ? el("a", { href: uiLink("/builds", { commit: git.commit }), text: git.commit, class: "mono" }) : null);
  fact(list, "Commit message", git.message);
  fact(list, "Output image", code(output.imageReference));
  fact(list, "Image digest", code(output.imageDigest));
  fact(list, "Log SHA-256", code(log.sha256));
  fact(list, "UID", code(doc.uid));
  show(byId("summary"));
}

function logPathOf(doc) {
  const path = `/api/v1/namespaces/${enc(doc.namespace)}/builds/${enc(doc.name)}/log?uid=${enc(doc.uid)}`;
  const cluster = currentCluster();
  return cluster ? `${path}&cluster=${enc(cluster)}` : path;
}

function contextLines(finding) {
  const block = el("pre", { class: "finding-context" });
  for (const line of finding.before) block.append(el("span", { class: "context", text: line }), "\n");
  block.append(el("mark", { text: finding.text }), "\n");
  for (const line of finding.after) block.append(el("span", { class: "context", text: line }), "\n");
  return block;
}

function renderFindings(doc) {
  const findings = doc.findings || [];
  const list = clear(byId("findings-list"));
  for (const finding of findings) {
    const times = finding.matches > 1 ? ` (${count(finding.matches, "matching line")})` : "";
    list.append(
      el(
        "li",
        { class: `finding severity-${finding.severity}` },
        el(
          "p",
          {},
          el("span", { class: `severity severity-${finding.severity}`, text: finding.severity }),
          " ",
          el("strong", { text: finding.title }),
          ` — rule ${finding.rule}, `,
          el("a", { href: `#L${finding.line}`, class: "finding-line", text: `line ${finding.line.toLocaleString("en")}` }),
          times,
        ),
        contextLines(finding),
      ),
    );
  }
  show(byId("findings"), findings.length > 0);
}

async function showBuild(doc) {
  renderFacts(doc);
  renderFindings(doc);
  show(byId("log"));
  const logPath = logPathOf(doc);
  const viewer = new LogViewer(logPath, doc);
  wireLog(viewer, logPath);
  if (token()) {
    // A link cannot carry the Authorization header: say how to fetch with the token.
    byId("log-note").after(
      el("p", { class: "hint" }, "Raw text and download need the token too: ", code(`curl -H "Authorization: Bearer $(oc whoami -t)" '${location.origin}${logPath}'`)),
    );
  }
  status(`${doc.phase} build of ${doc.buildConfig || doc.name} in ${doc.namespace}.`);
  await viewer.showTail();
}

export async function buildPage(data) {
  status("Loading the build…");
  const uid = new URLSearchParams(location.search).get("uid");
  const path = `/api/v1/namespaces/${enc(data.namespace)}/builds/${enc(data.name)}${uid ? `?uid=${enc(uid)}` : ""}`;
  await showBuild(await getJson(path));
}

export async function latestPage(data) {
  status("Loading the latest build…");
  const doc = await getJson(`/api/v1/namespaces/${enc(data.namespace)}/buildconfigs/${enc(data.buildconfig)}/latest`);
  const heading = document.querySelector("h1");
  heading.textContent = `Latest build of ${data.buildconfig}: `;
  heading.append(el("a", { href: buildLink(doc), text: doc.name }));
  await showBuild(doc);
}

// ---- 4. find by commit

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
  const answer = await getJson(`/api/v1/builds?${query}`);
  fillTable(answer.items, true);
  paging(answer.nextPageToken, { commit });
  status(answer.items.length ? `${count(answer.items.length, "build")} of commit ${commit}.` : `No archived build of commit ${commit} that you may read.`);
}

// ---- 5. search the logs of a namespace

export async function searchPage(data) {
  const namespace = data.namespace;
  const params = new URLSearchParams(location.search);
  const q = params.get("q") || "";
  const ignoreCase = params.get("ignoreCase") === "1";
  keepClusterInForm("search-cluster");
  byId("search-query").value = q;
  byId("search-ignore-case").checked = ignoreCase;
  if (!q) {
    status("Type a pattern: RE2 syntax, matched against every line of the newest builds first.");
    return;
  }
  status("Searching…");
  const limit = params.get("limit") || "";
  const query = new URLSearchParams({ q, limit: limit || String(PAGE_SIZE) });
  if (ignoreCase) query.set("ignoreCase", "1");
  if (params.get("pageToken")) query.set("pageToken", params.get("pageToken"));
  const answer = await getJson(`/api/v1/namespaces/${enc(namespace)}/search?${query}`);
  const table = byId("hits");
  const body = clear(table.querySelector("tbody"));
  for (const hit of answer.items) {
    const build = hit.build;
    const page = uiLink(`/namespaces/${enc(namespace)}/builds/${enc(build.name)}`, { uid: build.uid });
    body.append(
      el(
        "tr",
        {},
        el("th", { scope: "row" }, el("a", { href: page, text: build.name })),
        el("td", {}, phaseBadge(build.phase)),
        el("td", { class: "num" }, el("a", { href: `${page}#L${hit.line}`, text: hit.line.toLocaleString("en") })),
        el("td", {}, el("code", { class: "hit-text", text: hit.text })),
      ),
    );
  }
  show(table, answer.items.length > 0);
  paging(answer.nextPageToken, { q, ignoreCase: ignoreCase ? "1" : "", limit });
  const next = byId("paging").querySelector('a[rel="next"]');
  if (next) next.textContent = "More results";
  const searched = `${count(answer.searched.builds, "build")} searched (${formatBytes(answer.searched.bytes)} of log)`;
  const more = answer.nextPageToken ? (answer.budgetExhausted ? "; this page's reading budget is spent, more results may follow" : "; more on the next page") : "";
  status(
    answer.items.length
      ? `${count(answer.items.length, "matching line")}; ${searched}${more}.`
      : `No matching line; ${searched}${more}.`,
  );
}
