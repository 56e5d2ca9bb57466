// The log viewer. The page holds the log's lines as strings and puts only the rows in
// view (plus a margin) into the DOM, so a long log costs a few hundred nodes. A log
// above WHOLE_LOG_LIMIT is never loaded whole: its tail is shown and the raw text linked.
// One viewer shows a Build's log, a TaskRun step's or a PipelineRun's combined log; the
// size of the last is not known beforehand, so its whole text stops at the limit.

import { Problem, request } from "./api.js";
import { el, formatBytes, show } from "./dom.js";
import { plainText, segments, styledSpan } from "./sgr.js";

export const TAIL_LINES = 1000;
export const WHOLE_LOG_LIMIT = 8 * 1024 * 1024; // bytes of text the page may hold
const MAX_LINES = 1_000_000; // the scroll height stays within what browsers lay out
const LINE_HEIGHT = 20; // px: .log-line's height in osiris.css
const OVERSCAN = 50; // rows rendered above and below the visible ones
const MAX_MATCHES = 100_000;
const LOG_UNAVAILABLE = "#problem-log-unavailable";

function splitLines(text) {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// meta: the document's log section ({state, reason, rawBytes}; {} when unknown);
// what: the log's owner in sentences ("build", "step", "PipelineRun").
export class LogViewer {
  constructor(logPath, meta, what = "build") {
    this.logPath = logPath;
    this.meta = meta || {};
    this.what = what;
    this.lines = [];
    this.first = 1;
    this.numbered = true; // whether line numbers are the whole log's (see showTail)
    this.complete = false;
    this.target = null; // the line number of #L<n>
    this.matches = []; // [lineIndex, column] of each match, in order
    this.byLine = new Map(); // lineIndex → columns
    this.current = -1;
    this.query = "";
    this.view = document.getElementById("log-view");
    this.spacer = document.getElementById("log-spacer");
    this.rows = document.getElementById("log-lines");
    this.note = document.getElementById("log-note");
    this.rendered = [-1, -1];
    this.view.addEventListener("scroll", () => this.schedule());
    window.addEventListener("resize", () => this.schedule(true));
  }

  // The tail, numbered from the Osiris-First-Line header; then what the page offers. A
  // tail without the header (a combined log whose documents predate line counts) is
  // numbered once the whole log is loaded (fewer lines than asked for are the whole log).
  async showTail() {
    if (this.meta.state === "unavailable") {
      // The metadata says why; the log request would only answer the same reason (404).
      this.unavailable(this.meta.reason || "no reason was recorded");
      return false;
    }
    let response;
    try {
      response = await request(`${this.logPath}&tail=${TAIL_LINES}`, { headers: { Accept: "text/plain" } });
    } catch (error) {
      // The document was just read: a 404 for its log says the log is not there.
      if (error instanceof Problem && (error.type.endsWith(LOG_UNAVAILABLE) || error.status === 404)) {
        this.unavailable(error.body.reason || error.message);
        return false;
      }
      throw error;
    }
    const header = response.headers.get("Osiris-First-Line");
    const lines = splitLines(await response.text());
    const first = header ? Number(header) : 1;
    this.complete = header ? first === 1 : lines.length < TAIL_LINES;
    this.numbered = Boolean(header) || this.complete;
    this.setLines(lines, first);
    this.scrollToEnd();
    this.offerWhole();
    this.followHash();
    return true;
  }

  get sizeKnown() {
    return this.meta.rawBytes !== null && this.meta.rawBytes !== undefined;
  }

  // Whether the page may hold the whole log: known to fit, or of unknown size (cut at the limit).
  get mayLoadWhole() {
    return !this.sizeKnown || this.meta.rawBytes <= WHOLE_LOG_LIMIT;
  }

  wholeSaid() {
    const lines = `${this.lines.length.toLocaleString("en")} lines`;
    return `The whole log: ${this.sizeKnown ? `${lines}, ${formatBytes(this.meta.rawBytes)}` : lines}.`;
  }

  offerWhole() {
    const whole = document.getElementById("log-whole");
    const size = this.meta.rawBytes;
    const count = this.lines.length;
    if (this.complete) {
      show(whole, false);
      this.say(this.wholeSaid());
    } else if (this.mayLoadWhole) {
      whole.textContent = this.sizeKnown ? `Load the whole log (${formatBytes(size)})` : "Load the whole log";
      show(whole);
      whole.onclick = () => this.loadWhole();
      this.say(`The last ${count.toLocaleString("en")} lines, ${this.fromLine()}.`);
    } else {
      show(whole, false);
      this.say(
        `This log is ${formatBytes(size)}, too big to read in the page: it shows the last ` +
          `${count.toLocaleString("en")} lines (${this.fromLine()}). ` +
          "Open the raw text or download it for the whole log.",
        "warning",
      );
    }
  }

  fromLine() {
    return this.numbered ? `from line ${this.first.toLocaleString("en")}` : "numbered once the whole log is loaded";
  }

  // The whole log, streamed: lines are appended (and the view redrawn) chunk by chunk.
  async loadWhole() {
    const whole = document.getElementById("log-whole");
    whole.disabled = true;
    const keep = this.target ?? (this.numbered ? this.topLine() : null);
    this.say("Loading the whole log…");
    const response = await request(this.logPath, { headers: { Accept: "text/plain" } });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    this.setLines([], 1);
    let partial = "";
    let held = 0; // characters read: a log of unknown size stops at the limit
    let cut = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      held += value.length;
      const pieces = (partial + value).split("\n");
      partial = pieces.pop();
      this.lines.push(...pieces);
      if (this.lines.length > MAX_LINES || held > WHOLE_LOG_LIMIT) {
        await reader.cancel();
        this.lines.length = Math.min(this.lines.length, MAX_LINES);
        partial = "";
        cut = true;
        const limit = held > WHOLE_LOG_LIMIT ? formatBytes(WHOLE_LOG_LIMIT) : `${MAX_LINES.toLocaleString("en")} lines`;
        this.say(`The log is longer than ${limit}: the page shows its first ${this.lines.length.toLocaleString("en")} lines; open the raw text for the rest.`, "warning");
        break;
      }
      this.schedule(true);
    }
    if (partial) this.lines.push(partial);
    this.complete = true;
    this.numbered = true;
    show(whole, false);
    this.layout();
    if (this.query) this.search(this.query, false);
    if (keep === null) this.scrollToEnd();
    else this.scrollToLine(keep, this.target === keep);
    if (!cut) this.say(this.wholeSaid());
  }

  unavailable(reason) {
    this.say(`The log of this ${this.what} was not archived: ${reason}.`, "warning");
    show(this.view, false);
    show(document.querySelector(".log-tools"), false);
  }

  say(text, kind = "info") {
    this.note.textContent = text;
    this.note.className = `note note-${kind}`;
  }

  setLines(lines, first) {
    this.lines = lines;
    this.first = first;
    this.matches = [];
    this.byLine = new Map();
    this.current = -1;
    this.layout();
  }

  layout() {
    this.spacer.style.height = `${this.lines.length * LINE_HEIGHT}px`;
    this.schedule(true);
  }

  topLine() {
    return this.first + Math.floor(this.view.scrollTop / LINE_HEIGHT);
  }

  schedule(force = false) {
    if (force) this.rendered = [-1, -1];
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  render() {
    this.spacer.style.height = `${this.lines.length * LINE_HEIGHT}px`;
    const top = Math.floor(this.view.scrollTop / LINE_HEIGHT);
    const visible = Math.ceil(this.view.clientHeight / LINE_HEIGHT) + 1;
    const [from, to] = this.rendered;
    if (from >= 0 && top - OVERSCAN / 2 >= from && top + visible + OVERSCAN / 2 <= to) return;
    const start = Math.max(0, top - OVERSCAN);
    const end = Math.min(this.lines.length, top + visible + OVERSCAN);
    const fragment = document.createDocumentFragment();
    for (let index = start; index < end; index += 1) fragment.append(this.row(index));
    this.rows.style.transform = `translateY(${start * LINE_HEIGHT}px)`;
    this.rows.replaceChildren(fragment);
    this.rendered = [start, end];
  }

  row(index) {
    const number = this.first + index;
    const anchor = `L${number}`;
    const text = el("span", { class: "log-text" });
    this.fill(text, this.lines[index], index);
    if (!this.numbered) return el("div", { class: "log-line" }, el("span", { class: "log-number", "aria-hidden": "true" }), text);
    const classes = ["log-line"];
    if (number === this.target) classes.push("log-target");
    return el(
      "div",
      { class: classes.join(" "), id: anchor },
      el("a", { class: "log-number", href: `#${anchor}`, text: String(number) }),
      text,
    );
  }

  // The line's text as SGR-styled pieces, with the search matches wrapped in <mark>.
  fill(container, raw, index) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const columns = this.byLine.get(index) || [];
    const length = this.query.length;
    const currentMatch = this.matches[this.current];
    let offset = 0;
    for (const segment of segments(line)) {
      const end = offset + segment.text.length;
      let position = offset;
      for (const column of columns) {
        const from = Math.max(column, position);
        const to = Math.min(column + length, end);
        if (from >= to) continue;
        if (from > position) container.append(piece(segment, segment.text.slice(position - offset, from - offset)));
        const isCurrent = currentMatch && currentMatch[0] === index && currentMatch[1] === column;
        container.append(
          el("mark", { class: isCurrent ? "match match-current" : "match" }, piece(segment, segment.text.slice(from - offset, to - offset))),
        );
        position = to;
      }
      if (position < end) container.append(piece(segment, segment.text.slice(position - offset)));
      offset = end;
    }
  }

  scrollToEnd() {
    this.view.scrollTop = this.view.scrollHeight;
    this.schedule(true);
  }

  scrollToLine(number, highlight = false) {
    const index = number - this.first;
    if (index < 0 || index >= this.lines.length) return false;
    if (highlight) this.target = number;
    this.view.scrollTop = Math.max(0, index * LINE_HEIGHT - this.view.clientHeight / 3);
    this.render();
    this.schedule(true);
    return true;
  }

  // #L<n>: scroll there (loading the whole log first when the line is before the tail).
  followHash() {
    const found = /^#L(\d+)$/.exec(location.hash);
    if (!found) return;
    const number = Number(found[1]);
    this.target = number;
    this.view.scrollIntoView({ block: "start" });
    if (!this.numbered) {
      if (this.mayLoadWhole) this.loadWhole();
      return;
    }
    if (this.scrollToLine(number, true)) return;
    if (!this.complete && this.mayLoadWhole && number < this.first) {
      this.loadWhole();
    } else {
      this.say(`Line ${number} is not in what the page shows: open the raw text for it.`, "warning");
    }
  }

  search(query, move = true) {
    this.query = query;
    this.matches = [];
    this.byLine = new Map();
    this.current = -1;
    const counter = document.getElementById("log-matches");
    if (!query) {
      counter.textContent = "";
      this.schedule(true);
      return;
    }
    const needle = query.toLowerCase();
    for (let index = 0; index < this.lines.length && this.matches.length < MAX_MATCHES; index += 1) {
      const text = plainText(this.lines[index]).toLowerCase();
      let column = text.indexOf(needle);
      while (column !== -1 && this.matches.length < MAX_MATCHES) {
        this.matches.push([index, column]);
        if (!this.byLine.has(index)) this.byLine.set(index, []);
        this.byLine.get(index).push(column);
        column = text.indexOf(needle, column + needle.length);
      }
    }
    if (move) this.step(1);
    else this.count();
  }

  step(direction) {
    if (!this.matches.length) {
      this.count();
      this.schedule(true);
      return;
    }
    this.current = (this.current + direction + this.matches.length) % this.matches.length;
    this.count();
    this.view.scrollIntoView({ block: "nearest" });
    this.scrollToLine(this.first + this.matches[this.current][0]);
  }

  count() {
    const counter = document.getElementById("log-matches");
    if (!this.query) counter.textContent = "";
    else if (!this.matches.length) counter.textContent = "no match";
    else counter.textContent = `${this.current + 1} of ${this.matches.length.toLocaleString("en")}`;
  }
}

function piece(segment, text) {
  return segment.style ? styledSpan(segment.style, text) : document.createTextNode(text);
}

// The search form, the raw and download links, #L<n> changes: wired to one viewer.
export function wireLog(viewer, logPath) {
  const raw = document.getElementById("log-raw");
  const download = document.getElementById("log-download");
  raw.href = logPath;
  download.href = `${logPath}&download=1`;
  const form = document.getElementById("log-search");
  const input = document.getElementById("log-query");
  form.onsubmit = (event) => {
    event.preventDefault();
    if (input.value !== viewer.query) viewer.search(input.value);
    else viewer.step(1);
  };
  document.getElementById("log-prev").onclick = () => {
    if (input.value !== viewer.query) viewer.search(input.value);
    else viewer.step(-1);
  };
  window.addEventListener("hashchange", () => viewer.followHash());
}
