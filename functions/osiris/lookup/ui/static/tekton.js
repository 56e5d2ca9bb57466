// The pages of a TaskRun (its steps, each step's log) and of a PipelineRun (its TaskRuns in
// pipeline order, the combined log), and the latest run of a Task or a Pipeline.

import { getJson, withCluster } from "./api.js";
import { byId, clear, el, formatDuration, phaseBadge, show, timeElement } from "./dom.js";
import { KINDS, count, enc, runLink, status, uiLink } from "./links.js";
import { archivedFacts, code, commitLink, fact, factIfAny, latestDocument, logSize, renderFacts, renderFindings, showLog } from "./run.js";

const TASKRUN = KINDS.TaskRun;
const PIPELINERUN = KINDS.PipelineRun;

function seconds(from, to) {
  return from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null;
}

function gitFacts(list, doc) {
  const git = doc.git || {};
  factIfAny(list, "Git ref", code(git.ref));
  factIfAny(list, "Revision", code(git.revision));
  factIfAny(list, "Git repository", code(git.url));
  factIfAny(list, "Commit", commitLink(git.commit));
}

function valueText(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// The params and results tables: name and value, as text.
function renderValues(doc) {
  for (const name of ["params", "results"]) {
    const rows = doc[name] || [];
    const body = clear(byId(name).querySelector("tbody"));
    for (const item of rows) body.append(el("tr", {}, el("th", { scope: "row", text: item.name }), el("td", {}, el("code", { text: valueText(item.value) }))));
    show(byId(`${name}-section`), rows.length > 0);
  }
}

// An API link from the answer (it carries uid and cluster), else one made here.
function apiLink(links, name, fallback) {
  return (links && links[name]) || withCluster(fallback);
}

function runPath(data, kind) {
  const uid = new URLSearchParams(location.search).get("uid");
  return `/api/v1/namespaces/${enc(data.namespace)}/${kind.resource}/${enc(data.name)}${uid ? `?uid=${enc(uid)}` : ""}`;
}

// ---- a TaskRun

function pipelineRunLink(doc) {
  if (!doc.pipelineRun) return null;
  return el("a", { href: uiLink(`/namespaces/${enc(doc.namespace)}/pipelineruns/${enc(doc.pipelineRun)}`), text: doc.pipelineRun });
}

// The step the page shows: ?step=, else the first that failed, else the first.
function chosenStep(steps) {
  const asked = new URLSearchParams(location.search).get("step");
  return steps.find((step) => step.name === asked) || steps.find((step) => step.exitCode) || steps[0] || null;
}

function stepLink(doc, step) {
  return uiLink(`/namespaces/${enc(doc.namespace)}/taskruns/${enc(doc.name)}`, { uid: doc.uid, step: step.name });
}

function renderSteps(doc, current) {
  const body = clear(byId("steps").querySelector("tbody"));
  const choice = clear(byId("step-choice"));
  for (const step of doc.steps) {
    const here = current && step.name === current.name;
    body.append(
      el(
        "tr",
        { class: here ? "current" : null },
        el("th", { scope: "row" }, el("a", { href: stepLink(doc, step), text: step.name, "aria-current": here ? "true" : null })),
        el("td", { class: "num", text: step.exitCode ?? "—" }),
        el("td", { text: step.reason || "—" }),
        el("td", {}, timeElement(step.started)),
        el("td", { class: "num", text: formatDuration(seconds(step.started, step.finished)) }),
        el("td", { text: logSize(step.log) || "—" }),
      ),
    );
    choice.append(el("li", {}, el("a", { href: stepLink(doc, step), text: step.name, "aria-current": here ? "page" : null })));
  }
  show(byId("steps-section"), doc.steps.length > 0);
}

async function showTaskRun(doc) {
  const steps = doc.steps || [];
  renderFacts(doc, TASKRUN, (list) => {
    factIfAny(list, "PipelineRun", pipelineRunLink(doc));
    factIfAny(list, "Pipeline task", doc.pipelineTask);
    fact(list, "Steps", String(steps.length));
    fact(list, "Pod", code(doc.podName));
  });
  const list = byId("facts");
  fact(list, "Message", doc.message);
  gitFacts(list, doc);
  archivedFacts(list, doc);
  const current = chosenStep(steps);
  renderSteps({ ...doc, steps }, current);
  renderValues(doc);
  // A finding names its step: a link to that step's line.
  renderFindings(doc.findings, (finding) => {
    const line = `#L${finding.line}`;
    const words = `step ${finding.step}, line ${finding.line.toLocaleString("en")}`;
    const step = steps.find((s) => s.name === finding.step);
    return [current && finding.step === current.name ? line : `${stepLink(doc, step || { name: finding.step })}${line}`, words];
  });
  const all = apiLink(doc.links, "log", `/api/v1/namespaces/${enc(doc.namespace)}/taskruns/${enc(doc.name)}/log?uid=${enc(doc.uid)}`);
  byId("log-all").href = all;
  status(`${doc.phase} TaskRun of ${doc.task || doc.name} in ${doc.namespace}${steps.length ? "" : ": it has no step"}.`);
  if (!current) {
    show(byId("log"), false);
    return;
  }
  byId("log-heading").textContent = `Log of step ${current.name}`;
  const path = (current.links && current.links.log) || `${all}&step=${enc(current.name)}`;
  await showLog(path, current.log, "step");
}

export async function taskrunPage(data) {
  status("Loading the TaskRun…");
  await showTaskRun(await getJson(runPath(data, TASKRUN)));
}

export async function taskLatestPage(data) {
  status("Loading the latest TaskRun…");
  const path = `/api/v1/namespaces/${enc(data.namespace)}/tasks/${enc(data.group)}/latest`;
  await showTaskRun(await latestDocument(path, TASKRUN, data.group));
}

// ---- a PipelineRun

function renderTaskRuns(doc) {
  const runs = doc.taskRuns || [];
  const body = clear(byId("taskruns").querySelector("tbody"));
  for (const run of runs) {
    const archived = Boolean(run.links && run.links.self);
    const item = { ...run, namespace: doc.namespace };
    body.append(
      el(
        "tr",
        {},
        el("th", { scope: "row", text: run.pipelineTask || "—" }),
        el("td", {}, archived ? el("a", { href: runLink(item, TASKRUN), text: run.name }) : `${run.name} (not archived)`),
        el("td", {}, run.phase ? phaseBadge(run.phase) : "—"),
        el("td", {}, timeElement(run.started)),
        el("td", { class: "num", text: formatDuration(run.durationSeconds) }),
        el("td", { text: run.logAvailable === null || run.logAvailable === undefined ? "—" : run.logAvailable ? "archived" : "not archived" }),
        el("td", {}, run.finding ? el("span", { class: "finding-id", text: run.finding }) : "—"),
      ),
    );
  }
  show(byId("taskruns-section"), runs.length > 0);
  const skipped = clear(byId("skipped"));
  for (const task of doc.skippedTasks || []) {
    skipped.append(el("li", {}, el("strong", { text: task.name }), task.reason ? `: ${task.reason}` : ""));
  }
  show(byId("skipped-section"), skipped.children.length > 0);
}

async function showPipelineRun(doc) {
  const runs = doc.taskRuns || [];
  renderFacts(doc, PIPELINERUN, (list) => {
    fact(list, "TaskRuns", String(runs.length));
    fact(list, "Skipped tasks", String((doc.skippedTasks || []).length));
    factIfAny(list, "Service account", doc.serviceAccountName);
  });
  const list = byId("facts");
  fact(list, "Message", doc.message);
  gitFacts(list, doc);
  archivedFacts(list, doc);
  renderTaskRuns(doc);
  renderValues(doc);
  status(`${doc.phase} PipelineRun of ${doc.pipeline || doc.name} in ${doc.namespace}: ${count(runs.length, "TaskRun")}.`);
  const path = apiLink(doc.links, "log", `/api/v1/namespaces/${enc(doc.namespace)}/pipelineruns/${enc(doc.name)}/log?uid=${enc(doc.uid)}`);
  if (runs.length && !runs.some((run) => run.logAvailable)) {
    // Nothing to combine: the log request would only answer 404.
    return showLog(path, { state: "unavailable", reason: "none of its TaskRuns' logs was archived" }, "PipelineRun");
  }
  return showLog(path, {}, "PipelineRun");
}

export async function pipelinerunPage(data) {
  status("Loading the PipelineRun…");
  await showPipelineRun(await getJson(runPath(data, PIPELINERUN)));
}

export async function pipelineLatestPage(data) {
  status("Loading the latest PipelineRun…");
  const path = `/api/v1/namespaces/${enc(data.namespace)}/pipelines/${enc(data.group)}/latest`;
  await showPipelineRun(await latestDocument(path, PIPELINERUN, data.group));
}
