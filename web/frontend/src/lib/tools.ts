// What a tool card shows: the tool's name, a one-line summary of its result, and the result in
// the shape it has (file contents as numbered lines, search hits as path:line, links).

import { getToolOrDynamicToolName, isToolUIPart, type DynamicToolUIPart, type ToolUIPart, type UIMessage } from "ai";

export type AnyToolPart = ToolUIPart | DynamicToolUIPart;

export function toolParts(message: UIMessage): AnyToolPart[] {
  return message.parts.filter((p): p is AnyToolPart => isToolUIPart(p));
}

export function toolName(part: AnyToolPart): string {
  return getToolOrDynamicToolName(part);
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** One line about a tool's result (the full result is inside the card). */
export function summary(part: AnyToolPart): string {
  if (part.state === "output-error") return part.errorText ?? "failed";
  if (part.state === "output-denied") return "denied";
  if (part.state === "approval-requested") return "waiting for your approval";
  if (part.state === "approval-responded") return part.approval.approved ? "approved; running…" : "denied";
  if (part.state !== "output-available") return "running…";
  const output = record(part.output);
  if (!output) return typeof part.output === "string" ? part.output.slice(0, 80) : "done";
  const singular: Record<string, string> = {
    entries: "entry",
    hits: "hit",
    matches: "match",
    files: "file",
    references: "reference",
  };
  for (const [key, one] of Object.entries(singular)) {
    const list = output[key];
    if (Array.isArray(list)) return `${list.length} ${list.length === 1 ? one : key}`;
  }
  for (const key of ["path", "url", "key", "title"]) {
    if (typeof output[key] === "string") return String(output[key]);
  }
  return "done";
}

export interface NumberedLine {
  number: number;
  text: string;
}

/**
 * read_file's contents as numbered lines, when the output has them: its `content` is
 * `<number><TAB><text>` per line (like `cat -n`); plain text is numbered from `start_line`.
 */
export function fileLines(output: unknown): NumberedLine[] | null {
  const out = record(output);
  if (!out) return null;
  const content = typeof out.content === "string" ? out.content : typeof out.text === "string" ? out.text : null;
  if (content === null) return null;
  const start = typeof out.start_line === "number" ? out.start_line : 1;
  const rows = content.replace(/\n$/, "").split("\n");
  const numbered = rows.every((row) => /^\d+\t/.test(row));
  return rows.map((row, i) => {
    if (!numbered) return { number: start + i, text: row };
    const tab = row.indexOf("\t");
    return { number: Number(row.slice(0, tab)), text: row.slice(tab + 1) };
  });
}

export interface OutlineNode {
  kind: string;
  name: string;
  lines: string;
  doc: string | null;
  children: OutlineNode[];
}

export interface OutlineFile {
  path: string;
  language: string | null;
  reason: string | null;
  symbols: OutlineNode[];
}

/** code_outline's files, each with its symbols as a tree (methods under their class). */
export function outlineTree(output: unknown): OutlineFile[] | null {
  const out = record(output);
  if (!out || !Array.isArray(out.files) || !("files_total" in out || "path" in out)) return null;
  return out.files.flatMap((item) => {
    const file = record(item);
    if (!file || typeof file.path !== "string") return [];
    const byName = new Map<string, OutlineNode>();
    const roots: OutlineNode[] = [];
    for (const raw of Array.isArray(file.symbols) ? file.symbols : []) {
      const sym = record(raw);
      if (!sym || typeof sym.name !== "string") continue;
      const node: OutlineNode = {
        kind: String(sym.kind ?? ""),
        name: sym.name,
        lines: `${String(sym.start_line ?? "?")}–${String(sym.end_line ?? "?")}`,
        doc: typeof sym.doc === "string" ? sym.doc : null,
        children: [],
      };
      const parent = typeof sym.parent === "string" ? sym.parent : null;
      byName.set(parent ? `${parent}.${sym.name}` : sym.name, node);
      const owner = parent ? byName.get(parent) : undefined;
      (owner ? owner.children : roots).push(node);
    }
    return [{
      path: file.path,
      language: typeof file.language === "string" ? file.language : null,
      reason: typeof file.reason === "string" ? file.reason : null,
      symbols: roots,
    }];
  });
}

/** What the server says about a held write (the `data-approval` part, id = the tool call id). */
export interface ApprovalInfo {
  toolCallId: string;
  status: "pending" | "expired" | "decided";
  overwrites: boolean;
  diff: string | null;
  diffTruncated: boolean;
  problem: string | null;
}

export function approvalInfo(message: UIMessage, toolCallId: string): ApprovalInfo | null {
  for (const part of message.parts) {
    if (part.type !== "data-approval") continue;
    const data = record((part as { data?: unknown }).data);
    if (!data || data.toolCallId !== toolCallId) continue;
    const status = data.status === "expired" || data.status === "decided" ? data.status : "pending";
    return {
      toolCallId,
      status,
      overwrites: data.overwrites === true,
      diff: typeof data.diff === "string" ? data.diff : null,
      diffTruncated: data.diffTruncated === true,
      problem: typeof data.problem === "string" ? data.problem : null,
    };
  }
  return null;
}

/** A unified diff's lines, each with its kind (for colouring: added, removed, hunk, context). */
export function diffLines(diff: string): { kind: "add" | "del" | "hunk" | "ctx"; text: string }[] {
  return diff.replace(/\n$/, "").split("\n").map((text) => ({
    kind: text.startsWith("@@") ? "hunk" : text.startsWith("+") && !text.startsWith("+++") ? "add"
      : text.startsWith("-") && !text.startsWith("---") ? "del" : "ctx",
    text,
  }));
}

export interface Hit {
  path: string;
  line: number | null;
  text: string;
}

/** search_code's hits as path:line entries. */
export function searchHits(output: unknown): Hit[] | null {
  const out = record(output);
  const list = out && (out.hits ?? out.matches);
  if (!Array.isArray(list)) return null;
  return list.flatMap((item) => {
    const hit = record(item);
    if (!hit || typeof hit.path !== "string") return [];
    const line = typeof hit.line === "number" ? hit.line : typeof hit.line_number === "number" ? hit.line_number : null;
    const text = typeof hit.text === "string" ? hit.text : typeof hit.line_text === "string" ? hit.line_text : "";
    return [{ path: hit.path, line, text }];
  });
}

/** Links a write produced (created GitHub files, Notion pages, Jira issues). */
export function resultLinks(output: unknown): string[] {
  const out = record(output);
  if (!out) return [];
  return Object.values(out).filter(
    (v): v is string => typeof v === "string" && /^https?:\/\//.test(v),
  );
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2);
}
