// The search of a namespace's logs: matching lines, newest build first, paged.

import { getJson } from "./api.js";
import { byId, clear, el, formatBytes, phaseBadge, show } from "./dom.js";
import { PAGE_SIZE, count, enc, keepClusterInForm, paging, status, uiLink } from "./links.js";

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
