// The search of a namespace's logs: matching lines, newest run first (Builds, and TaskRuns
// step by step), paged. Each line links to the line on its run's page, at its step.

import { getJson } from "./api.js";
import { byId, clear, el, formatBytes, phaseBadge, show } from "./dom.js";
import { PAGE_SIZE, count, enc, keepClusterInForm, paging, status, uiLink } from "./links.js";

export async function searchPage(data) {
  const namespace = data.namespace;
  const params = new URLSearchParams(location.search);
  const q = params.get("q") || "";
  const ignoreCase = params.get("ignoreCase") === "1";
  const kind = ["build", "taskrun"].includes(params.get("kind")) ? params.get("kind") : "";
  keepClusterInForm("search-cluster");
  byId("search-query").value = q;
  byId("search-ignore-case").checked = ignoreCase;
  byId("search-kind").value = kind;
  if (!q) {
    status("Type a pattern: RE2 syntax, matched against every line of the newest runs first.");
    return;
  }
  status("Searching…");
  const limit = params.get("limit") || "";
  const query = new URLSearchParams({ q, limit: limit || String(PAGE_SIZE) });
  if (ignoreCase) query.set("ignoreCase", "1");
  if (kind) query.set("kind", kind);
  if (params.get("pageToken")) query.set("pageToken", params.get("pageToken"));
  const answer = await getJson(`/api/v1/namespaces/${enc(namespace)}/search?${query}`);
  const table = byId("hits");
  const body = clear(table.querySelector("tbody"));
  for (const hit of answer.items) {
    const run = hit.run;
    const resource = hit.kind === "TaskRun" ? "taskruns" : "builds";
    const path = `/namespaces/${enc(namespace)}/${resource}/${enc(run.name)}`;
    const page = uiLink(path, { uid: run.uid });
    // As the answer's links.line: the run's page, at the step (a TaskRun's), at the line.
    const line = `${uiLink(path, hitQuery(hit))}#L${hit.line}`;
    const where = hit.step ? [el("span", { text: hit.step })] : [el("span", { class: "muted", text: "—" })];
    if (hit.pipelineRun) where.push(el("span", { class: "muted", text: ` (PipelineRun ${hit.pipelineRun})` }));
    body.append(
      el(
        "tr",
        { "data-kind": hit.kind },
        el("th", { scope: "row" }, el("a", { href: page, text: run.name }), el("span", { class: "muted", text: ` ${hit.kind}` })),
        el("td", {}, ...where),
        el("td", {}, phaseBadge(run.phase)),
        el("td", { class: "num" }, el("a", { href: line, text: hit.line.toLocaleString("en") })),
        el("td", {}, el("code", { class: "hit-text", text: hit.text })),
      ),
    );
  }
  show(table, answer.items.length > 0);
  paging(answer.nextPageToken, { q, ignoreCase: ignoreCase ? "1" : "", kind, limit });
  const next = byId("paging").querySelector('a[rel="next"]');
  if (next) next.textContent = "More results";
  const runs = [count(answer.searched.builds, "build")];
  if (answer.searched.taskRuns) runs.push(count(answer.searched.taskRuns, "TaskRun"));
  const searched = `${runs.join(" and ")} searched (${formatBytes(answer.searched.bytes)} of log)`;
  const more = answer.nextPageToken ? (answer.budgetExhausted ? "; this page's reading budget is spent, more results may follow" : "; more on the next page") : "";
  status(
    answer.items.length
      ? `${count(answer.items.length, "matching line")}; ${searched}${more}.`
      : `No matching line; ${searched}${more}.`,
  );
}

// The line link's query: the run's uid and, for a TaskRun, its step (uiLink adds cluster=).
function hitQuery(hit) {
  return hit.step ? { uid: hit.run.uid, step: hit.step } : { uid: hit.run.uid };
}
