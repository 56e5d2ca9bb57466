// DOM building with textContent only: no string of data ever becomes markup.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export function show(node, visible = true) {
  node.hidden = !visible;
}

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB"];

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours) return `${hours}h ${minutes}m ${rest}s`;
  if (minutes) return `${minutes}m ${rest}s`;
  return `${rest}s`;
}

export function formatTime(rfc3339) {
  if (!rfc3339) return "—";
  // "2024-05-01T10:40:05Z" → "2024-05-01 10:40:05 UTC": the archive's own clock, unambiguous.
  return rfc3339.replace("T", " ").replace("Z", " UTC");
}

export function timeElement(rfc3339) {
  return el("time", { datetime: rfc3339 || null, text: formatTime(rfc3339) });
}

const PHASES = new Set(["Complete", "Failed", "Error", "Cancelled", "New", "Pending", "Running", "Succeeded", "TimedOut"]);

// The phase as text, coloured by a class: never by colour alone.
export function phaseBadge(phase) {
  const known = PHASES.has(phase) ? phase.toLowerCase() : "unknown";
  return el("span", { class: `phase phase-${known}`, text: phase || "unknown" });
}
