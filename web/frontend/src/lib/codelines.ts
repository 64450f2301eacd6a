// highlight.js gives one piece of HTML for a whole file, with spans that may run across lines (a
// docstring, a block comment). The file view shows numbered lines, each its own element, so the
// HTML is cut at every newline: the spans open there are closed at the end of the line and
// opened again at the start of the next one.

const TAG = /<span[^>]*>|<\/span>|\n/g;

/** Highlighted HTML (highlight.js output: only `<span …>`, `</span>` and escaped text) as one
 * piece of balanced HTML per line. */
export function splitHighlighted(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let line = "";
  let last = 0;
  for (const match of html.matchAll(TAG)) {
    const token = match[0];
    line += html.slice(last, match.index);
    last = match.index + token.length;
    if (token === "\n") {
      lines.push(line + "</span>".repeat(open.length));
      line = open.join("");
    } else {
      line += token;
      if (token === "</span>") open.pop();
      else open.push(token);
    }
  }
  lines.push(line + html.slice(last) + "</span>".repeat(open.length));
  return lines;
}

/** The lines of a file to read around `line` (the file view asks read_file for this window). */
export function windowAround(line: number | null, radius = 200): { start_line: number; end_line?: number } {
  if (line === null) return { start_line: 1 };
  return { start_line: Math.max(1, line - radius), end_line: line + radius };
}

/** The extension of a path (what highlight.js knows it by: `py`, `ts`, `md`). */
export function extensionOf(path: string): string {
  const name = path.split("/").pop() ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1) : "";
}
