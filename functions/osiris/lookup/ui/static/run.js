// What the pages of one run share (a Build, a TaskRun, a PipelineRun): the facts list,
// findings linked to their lines, the log section, the document behind a "latest" answer.

import { getJson, token } from "./api.js";
import { byId, clear, el, formatBytes, formatDuration, phaseBadge, show, timeElement } from "./dom.js";
import { LogViewer, wireLog } from "./log.js";
import { count, groupCell, runLink, uiLink } from "./links.js";

const WIDE_FACTS = new Set(["Message", "Git repository", "Commit", "Commit message", "Output image", "Image digest", "Log SHA-256", "UID"]);

export function code(text) {
  return text ? el("code", { text }) : null;
}

// One term of the facts list (#facts); an empty value shows as "—".
export function fact(list, term, ...value) {
  const values = value.map((v) => (v === null || v === undefined || v === "" ? "—" : v));
  list.append(el("div", { class: WIDE_FACTS.has(term) ? "wide" : null }, el("dt", { text: term }), el("dd", {}, ...values)));
}

// A fact only a run that has it shows (a TaskRun's PipelineRun, a Tekton run's git).
export function factIfAny(list, term, value) {
  if (value !== null && value !== undefined && value !== "") fact(list, term, value);
}

export function commitLink(commit) {
  return commit ? el("a", { href: uiLink("/builds", { commit }), text: commit, class: "mono" }) : null;
}

// The facts every kind of run has, then the kind's own (`more(list)`), then when it was archived.
export function renderFacts(doc, kind, more) {
  const list = clear(byId("facts"));
  fact(list, "Phase", phaseBadge(doc.phase));
  fact(list, "Reason", doc.reason);
  fact(list, kind.groupKind, doc[kind.group] ? groupCell(doc, kind) : null);
  more(list);
  fact(list, "Created", timeElement(doc.created));
  fact(list, "Started", timeElement(doc.started));
  fact(list, "Completed", timeElement(doc.completed));
  fact(list, "Duration", formatDuration(doc.durationSeconds));
  return list;
}

// The list's end; the wide facts (a row each) move after the others, which share rows.
export function archivedFacts(list, doc) {
  fact(list, "Archived at", timeElement(doc.archivedAt));
  fact(list, "UID", code(doc.uid));
  for (const node of [...list.children]) if (node.classList.contains("wide")) list.append(node);
  show(byId("summary"));
}

export function logSize(log) {
  if (!log) return null;
  if (log.state !== "archived") return `not archived${log.reason ? `: ${log.reason}` : ""}`;
  const lines = log.lines === null || log.lines === undefined ? "" : ` (${log.lines.toLocaleString("en")} lines, ${formatBytes(log.compressedBytes)} gzip)`;
  return `${formatBytes(log.rawBytes)}${lines}`;
}

function contextLines(finding) {
  const block = el("pre", { class: "finding-context" });
  for (const line of finding.before || []) block.append(el("span", { class: "context", text: line }), "\n");
  block.append(el("mark", { text: finding.text }), "\n");
  for (const line of finding.after || []) block.append(el("span", { class: "context", text: line }), "\n");
  return block;
}

// The findings, most severe first; `where(finding)` is [the line link's href, its words].
export function renderFindings(findings, where = (finding) => [`#L${finding.line}`, `line ${finding.line.toLocaleString("en")}`]) {
  const list = clear(byId("findings-list"));
  for (const finding of findings || []) {
    const times = finding.matches > 1 ? ` (${count(finding.matches, "matching line")})` : "";
    const [href, words] = where(finding);
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
          el("a", { href, class: "finding-line", text: words }),
          times,
        ),
        contextLines(finding),
      ),
    );
  }
  show(byId("findings"), Boolean(findings && findings.length));
}

// The log section: the viewer on `logPath` (an API path with uid and cluster), its tail.
export async function showLog(logPath, meta, what) {
  show(byId("log"));
  const viewer = new LogViewer(logPath, meta, what);
  wireLog(viewer, logPath);
  if (token()) {
    // A link cannot carry the Authorization header: say how to fetch with the token.
    byId("log-note").after(
      el("p", { class: "hint" }, "Raw text and download need the token too: ", code(`curl -H "Authorization: Bearer $(oc whoami -t)" '${location.origin}${logPath}'`)),
    );
  }
  return viewer.showTail();
}

// A "latest" answer is a run summary: the page shows the document it links to.
export async function latestDocument(path, kind, group) {
  const summary = await getJson(path);
  const doc = summary.links && summary.links.self ? await getJson(summary.links.self) : summary;
  const heading = document.querySelector("h1");
  heading.textContent = `Latest ${kind.noun} of ${group}: `;
  heading.append(el("a", { href: runLink(doc, kind), text: doc.name }));
  return doc;
}
