// Entry point: the page named by the server shell runs; 401 and 403 are shown here.

import { AuthRequired, Forbidden, Problem, currentCluster, forgetToken, getJson, setToken, token } from "./api.js";
import { byId, clear, el, show } from "./dom.js";
import { buildPage, latestPage } from "./build.js";
import { status } from "./links.js";
import { commitPage, namespacesPage, runsPage } from "./lists.js";
import { searchPage } from "./search.js";
import { pipelineLatestPage, pipelinerunPage, taskLatestPage, taskrunPage } from "./tekton.js";

const PAGES = {
  namespaces: namespacesPage,
  runs: runsPage,
  build: buildPage,
  latest: latestPage,
  taskrun: taskrunPage,
  "task-latest": taskLatestPage,
  pipelinerun: pipelinerunPage,
  "pipeline-latest": pipelineLatestPage,
  commit: commitPage,
  search: searchPage,
};

function keepClusterInLinks() {
  const cluster = currentCluster();
  if (!cluster) return;
  for (const link of document.querySelectorAll("a[data-keep-cluster]")) {
    const url = new URL(link.href);
    url.searchParams.set("cluster", cluster);
    link.href = url.pathname + url.search;
  }
}

// The cluster switch appears only when the API lists more than one cluster.
async function clusterSwitch() {
  let answer;
  try {
    answer = await getJson("/api/v1/clusters");
  } catch {
    return; // the page itself reports auth and other errors
  }
  if (answer.items.length < 2) return;
  const select = clear(byId("cluster-choice"));
  const chosen = currentCluster() || answer.default;
  for (const item of answer.items) {
    const label = item.default ? `${item.name} (default)` : item.name;
    select.append(el("option", { value: item.name, text: label, selected: item.name === chosen }));
  }
  const form = byId("cluster-switch");
  form.action = location.pathname.startsWith("/namespaces/") ? "/" : location.pathname;
  show(form);
}

function signOut() {
  const nav = document.querySelector("header nav ul");
  if (!token() || byId("sign-out")) return;
  const button = el("button", { type: "button", id: "sign-out", class: "link", text: "Forget token" });
  button.onclick = () => {
    forgetToken();
    location.reload();
  };
  nav.append(el("li", {}, button));
}

function promptForToken(refused) {
  const box = clear(byId("auth"));
  const form = el("form", { class: "token-form", id: "token-form" });
  form.append(
    el("h2", { text: "Sign in with an OpenShift token" }),
    el("p", {}, "This osiris asks OpenShift who you are. Paste a token; ", el("code", { text: "oc whoami -t" }), " prints yours. It stays in this browser tab only."),
  );
  if (refused) form.append(el("p", { class: "error", role: "alert", id: "token-refused", text: "The token was refused (wrong or expired): paste a current one." }));
  const input = el("input", { type: "password", id: "token-input", name: "token", autocomplete: "off", required: true, spellcheck: "false" });
  form.append(el("label", { for: "token-input", text: "Token" }), input, el("button", { type: "submit", text: "Sign in" }));
  form.onsubmit = (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    setToken(value);
    show(box, false);
    run();
  };
  box.append(form);
  show(box);
  status("Sign in to see the archived runs.", "info");
  input.focus();
}

function report(error, data) {
  if (error instanceof AuthRequired) promptForToken(error.refused);
  else if (error instanceof Forbidden) {
    status(data.namespace ? `You may not read builds in ${data.namespace}.` : "You may not read this.", "error");
  } else if (error instanceof Problem) status(`${error.message} (${error.status})`, "error");
  else status(`Could not load the page: ${error.message}`, "error");
}

async function run() {
  const main = byId("main");
  const data = main.dataset;
  signOut();
  try {
    await PAGES[data.page](data);
  } catch (error) {
    report(error, data);
  }
}

keepClusterInLinks();
clusterSwitch();
run();
