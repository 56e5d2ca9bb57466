// A Build's page (and the latest Build of a BuildConfig): its document and its log.

import { getJson, withCluster } from "./api.js";
import { KINDS, enc, status } from "./links.js";
import { archivedFacts, code, commitLink, fact, latestDocument, logSize, renderFacts, renderFindings, showLog } from "./run.js";

const BUILD = KINDS.Build;

function buildFacts(doc) {
  const git = (doc.source && doc.source.git) || {};
  const author = git.author || {};
  const output = doc.output || {};
  const log = doc.log || {};
  const list = renderFacts(doc, BUILD, (facts) => {
    fact(facts, "Number", doc.number === null || doc.number === undefined ? null : String(doc.number));
    fact(facts, "Triggered by", (doc.triggeredBy || []).join("; "));
    fact(facts, "Strategy", doc.strategy);
  });
  fact(list, "Log size", logSize(log));
  fact(list, "Git ref", code(git.ref));
  fact(list, "Author", author.name ? `${author.name}${author.email ? ` <${author.email}>` : ""}` : null);
  fact(list, "Message", doc.message);
  fact(list, "Git repository", code(git.uri));
  fact(list, "Commit", commitLink(git.commit));
  fact(list, "Commit message", git.message);
  fact(list, "Output image", code(output.imageReference));
  fact(list, "Image digest", code(output.imageDigest));
  fact(list, "Log SHA-256", code(log.sha256));
  archivedFacts(list, doc);
}

async function showBuild(doc) {
  buildFacts(doc);
  renderFindings(doc.findings);
  status(`${doc.phase} build of ${doc.buildConfig || doc.name} in ${doc.namespace}.`);
  const path = `/api/v1/namespaces/${enc(doc.namespace)}/builds/${enc(doc.name)}/log?uid=${enc(doc.uid)}`;
  await showLog(withCluster(path), doc.log, "build");
}

export async function buildPage(data) {
  status("Loading the build…");
  const uid = new URLSearchParams(location.search).get("uid");
  const path = `/api/v1/namespaces/${enc(data.namespace)}/builds/${enc(data.name)}${uid ? `?uid=${enc(uid)}` : ""}`;
  await showBuild(await getJson(path));
}

export async function latestPage(data) {
  status("Loading the latest build…");
  const path = `/api/v1/namespaces/${enc(data.namespace)}/buildconfigs/${enc(data.group)}/latest`;
  await showBuild(await latestDocument(path, BUILD, data.group));
}
