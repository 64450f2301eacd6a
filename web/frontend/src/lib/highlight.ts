// Syntax highlighting with highlight.js core: each common language is its own chunk, loaded the
// first time a code block in that language is shown (the initial bundle carries none).

import type { HLJSApi, LanguageFn } from "highlight.js";

type Loader = () => Promise<{ default: LanguageFn }>;

const LOADERS: Record<string, Loader> = {
  python: () => import("highlight.js/lib/languages/python"),
  javascript: () => import("highlight.js/lib/languages/javascript"),
  typescript: () => import("highlight.js/lib/languages/typescript"),
  json: () => import("highlight.js/lib/languages/json"),
  bash: () => import("highlight.js/lib/languages/bash"),
  shell: () => import("highlight.js/lib/languages/shell"),
  xml: () => import("highlight.js/lib/languages/xml"),
  css: () => import("highlight.js/lib/languages/css"),
  markdown: () => import("highlight.js/lib/languages/markdown"),
  yaml: () => import("highlight.js/lib/languages/yaml"),
  ini: () => import("highlight.js/lib/languages/ini"),
  sql: () => import("highlight.js/lib/languages/sql"),
  go: () => import("highlight.js/lib/languages/go"),
  rust: () => import("highlight.js/lib/languages/rust"),
  java: () => import("highlight.js/lib/languages/java"),
  c: () => import("highlight.js/lib/languages/c"),
  cpp: () => import("highlight.js/lib/languages/cpp"),
  diff: () => import("highlight.js/lib/languages/diff"),
};

const ALIASES: Record<string, string> = {
  py: "python", js: "javascript", mjs: "javascript", jsx: "javascript", ts: "typescript",
  tsx: "typescript", sh: "bash", zsh: "bash", console: "shell", html: "xml", svg: "xml",
  md: "markdown", yml: "yaml", toml: "ini", rs: "rust", "c++": "cpp", h: "c", patch: "diff",
};

/** The highlight.js name of a fence label, or null when it is not one of the common languages. */
export function languageOf(label: string): string | null {
  const name = label.toLowerCase();
  const resolved = ALIASES[name] ?? name;
  return resolved in LOADERS ? resolved : null;
}

let core: Promise<HLJSApi> | null = null;
const loaded = new Map<string, Promise<void>>();

async function highlighter(language: string): Promise<HLJSApi> {
  core ??= import("highlight.js/lib/core").then((m) => m.default);
  const hljs = await core;
  const loader = LOADERS[language];
  if (loader && !loaded.has(language)) {
    loaded.set(language, loader().then((m) => hljs.registerLanguage(language, m.default)));
  }
  await loaded.get(language);
  return hljs;
}

/** Highlight one code block (`<code class="language-…">`) once it is on screen or near it. */
export async function highlightBlock(block: HTMLElement): Promise<void> {
  const label = /language-(\S+)/.exec(block.className)?.[1] ?? "";
  const language = languageOf(label);
  if (!language) return;
  const hljs = await highlighter(language);
  if (!block.isConnected || block.classList.contains("hljs")) return;
  hljs.highlightElement(block);
}

/** The HTML of `code` highlighted as `language` (a fence label or file extension), or null
 * when the language is not one of the common ones. */
export async function highlightCode(code: string, label: string): Promise<string | null> {
  const language = languageOf(label);
  if (!language) return null;
  const hljs = await highlighter(language);
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

/**
 * Highlight the code blocks under `root` lazily: each is watched and highlighted when it comes
 * within a screen of the viewport, so a long answer's hundreds of blocks cost nothing until
 * read (without IntersectionObserver, as in jsdom, all at once). Blocks under `skip` (the
 * segment still being written) are left for a later call.
 */
export function watchCode(root: HTMLElement, observer: IntersectionObserver | null, skip: string | null): void {
  const blocks = root.querySelectorAll<HTMLElement>("pre code[class*='language-']:not([data-watched])");
  for (const block of blocks) {
    if (skip && block.closest(skip)) continue; // still being written
    block.dataset.watched = "";
    if (observer) observer.observe(block);
    else void highlightBlock(block);
  }
}

/** An observer that highlights each watched block as it nears the viewport. */
export function codeObserver(): IntersectionObserver | null {
  if (typeof IntersectionObserver === "undefined") return null;
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        void highlightBlock(entry.target as HTMLElement);
      }
    },
    { rootMargin: "100% 0px" },
  );
  return observer;
}
