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
  for (const key of ["entries", "hits", "matches", "files", "references"]) {
    const list = output[key];
    if (Array.isArray(list)) return `${list.length} ${key}`;
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

/** read_file's contents as numbered lines, when the output has them. */
export function fileLines(output: unknown): NumberedLine[] | null {
  const out = record(output);
  if (!out) return null;
  const content = typeof out.content === "string" ? out.content : typeof out.text === "string" ? out.text : null;
  if (content === null) return null;
  const start = typeof out.start_line === "number" ? out.start_line : 1;
  return content.replace(/\n$/, "").split("\n").map((text, i) => ({ number: start + i, text }));
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
