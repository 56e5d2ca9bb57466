// ANSI escape sequences in log lines: SGR colours become styled segments, every other
// control sequence is dropped. The result is data for textContent, never markup.

// CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \) and any other two-byte escape.
const ESCAPES = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g; // all C0 controls but tab, and DEL

const BASIC = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

function freshStyle() {
  return { bold: false, dim: false, italic: false, underline: false, inverse: false, fg: null, bg: null };
}

// 256-colour palette entry n → a CSS colour (16 named ones are classes, the rest rgb()).
function palette(n) {
  if (n < 8) return { name: BASIC[n] };
  if (n < 16) return { name: `bright-${BASIC[n - 8]}` };
  if (n < 232) {
    const level = (v) => (v === 0 ? 0 : 55 + v * 40);
    const i = n - 16;
    return { rgb: `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})` };
  }
  const grey = 8 + (n - 232) * 10;
  return { rgb: `rgb(${grey}, ${grey}, ${grey})` };
}

function extended(codes, i) {
  // 38;5;n / 38;2;r;g;b (and 48;...): returns [colour, codes consumed after the 38/48].
  if (codes[i + 1] === 5 && codes.length > i + 2) return [palette(Math.min(255, codes[i + 2])), 2];
  if (codes[i + 1] === 2 && codes.length > i + 4) {
    const [r, g, b] = codes.slice(i + 2, i + 5).map((v) => Math.min(255, v));
    return [{ rgb: `rgb(${r}, ${g}, ${b})` }, 4];
  }
  return [null, codes.length];
}

function apply(style, parameters) {
  const codes = parameters === "" ? [0] : parameters.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i];
    if (code === 0) Object.assign(style, freshStyle());
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 7) style.inverse = true;
    else if (code === 22) style.bold = style.dim = false;
    else if (code === 23) style.italic = false;
    else if (code === 24) style.underline = false;
    else if (code === 27) style.inverse = false;
    else if (code >= 30 && code <= 37) style.fg = { name: BASIC[code - 30] };
    else if (code >= 90 && code <= 97) style.fg = { name: `bright-${BASIC[code - 90]}` };
    else if (code === 39) style.fg = null;
    else if (code >= 40 && code <= 47) style.bg = { name: BASIC[code - 40] };
    else if (code >= 100 && code <= 107) style.bg = { name: `bright-${BASIC[code - 100]}` };
    else if (code === 49) style.bg = null;
    else if (code === 38 || code === 48) {
      const [colour, used] = extended(codes, i);
      if (code === 38) style.fg = colour;
      else style.bg = colour;
      i += used;
    }
  }
}

function isPlain(style) {
  return !style.bold && !style.dim && !style.italic && !style.underline && !style.inverse && !style.fg && !style.bg;
}

// A line → [{text, style}], style null for plain text. ESC never reaches a segment.
export function segments(line) {
  const result = [];
  const style = freshStyle();
  let last = 0;
  const push = (text) => {
    const clean = text.replace(CONTROL, "");
    if (!clean) return;
    const current = isPlain(style) ? null : { ...style };
    const last = result[result.length - 1];
    // Text around a dropped sequence (or a no-op SGR) stays one segment.
    if (last && JSON.stringify(last.style) === JSON.stringify(current)) last.text += clean;
    else result.push({ text: clean, style: current });
  };
  for (const match of line.matchAll(ESCAPES)) {
    push(line.slice(last, match.index));
    if (match[2] === "m") apply(style, match[1]);
    last = match.index + match[0].length;
  }
  push(line.slice(last));
  return result;
}

// The text a reader sees (what search matches): the line without escapes and controls.
export function plainText(line) {
  return line.replace(ESCAPES, "").replace(CONTROL, "");
}

// A span for one styled segment: classes for flags and the 16 colours, CSSOM for the rest.
export function styledSpan(style, text) {
  const span = document.createElement("span");
  const classes = [];
  if (style.bold) classes.push("sgr-bold");
  if (style.dim) classes.push("sgr-dim");
  if (style.italic) classes.push("sgr-italic");
  if (style.underline) classes.push("sgr-underline");
  const [fg, bg] = style.inverse ? [style.bg, style.fg || { name: "default-fg" }] : [style.fg, style.bg];
  if (fg && fg.name) classes.push(`sgr-fg-${fg.name}`);
  else if (fg) span.style.color = fg.rgb;
  if (bg && bg.name) classes.push(`sgr-bg-${bg.name}`);
  else if (bg) span.style.backgroundColor = bg.rgb;
  if (style.inverse && !bg) classes.push("sgr-bg-default-fg");
  span.className = classes.join(" ");
  span.textContent = text;
  return span;
}
