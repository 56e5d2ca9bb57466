// What every page shares: the kinds of runs and their UI links (in the page's cluster),
// the status line, the paging links, the cluster kept in forms.

import { currentCluster } from "./api.js";
import { byId, clear, el } from "./dom.js";

export const PAGE_SIZE = 50;
export const enc = encodeURIComponent;

// A run summary's "kind" (a Build item without one is a Build): its UI paths and words.
// `filter` is the list page's query parameter of the group, `group` the summary's field.
export const KINDS = {
  Build: { title: "Build", resource: "builds", list: "", group: "buildConfig", groupKind: "BuildConfig", groups: "buildconfigs", filter: "buildconfig", noun: "build" },
  TaskRun: { title: "TaskRun", resource: "taskruns", list: "/taskruns", group: "task", groupKind: "Task", groups: "tasks", filter: "task", noun: "TaskRun" },
  PipelineRun: { title: "PipelineRun", resource: "pipelineruns", list: "/pipelineruns", group: "pipeline", groupKind: "Pipeline", groups: "pipelines", filter: "pipeline", noun: "PipelineRun" },
};

export function kindOf(item) {
  return KINDS[item.kind] || KINDS.Build;
}

export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

// A UI link that stays in the page's cluster.
export function uiLink(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const cluster = currentCluster();
  if (cluster) params.set("cluster", cluster);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

// The page of one run (a summary or a document: namespace, name, uid, kind).
export function runLink(item, kind = kindOf(item)) {
  return uiLink(`/namespaces/${enc(item.namespace)}/${kind.resource}/${enc(item.name)}`, { uid: item.uid });
}

// The namespace's list of a kind, filtered to one BuildConfig, Task or Pipeline.
export function groupLink(kind, namespace, group) {
  return uiLink(`/namespaces/${enc(namespace)}${kind.list}`, { [kind.filter]: group });
}

export function latestLink(kind, namespace, group) {
  return uiLink(`/namespaces/${enc(namespace)}/${kind.groups}/${enc(group)}/latest`);
}

// A link to a run's group, or "—" when it has none.
export function groupCell(item, kind = kindOf(item)) {
  const group = item[kind.group];
  return group ? el("a", { href: groupLink(kind, item.namespace, group), text: group }) : "—";
}

export function status(text, kind = "info") {
  const node = byId("status");
  node.textContent = text;
  node.className = `status status-${kind}`;
  node.setAttribute("role", kind === "error" ? "alert" : "status");
}

export function keepClusterInForm(hiddenId) {
  const cluster = currentCluster();
  const hidden = byId(hiddenId);
  if (cluster) {
    hidden.value = cluster;
    hidden.disabled = false;
  }
}

export function paging(nextToken, query) {
  const nav = clear(byId("paging"));
  const params = new URLSearchParams(location.search);
  if (params.get("pageToken")) nav.append(el("a", { href: uiLink(location.pathname, { ...query, pageToken: "" }), text: "First page" }));
  if (nextToken) nav.append(el("a", { href: uiLink(location.pathname, { ...query, pageToken: nextToken }), rel: "next", text: "Next page" }));
}
