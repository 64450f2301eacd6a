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

/** Highlight the code blocks under `root` that are not highlighted yet (except under `skip`),
 * in slices of about 8 ms. */
export async function highlightWithin(root: HTMLElement, skip: string | null = null): Promise<void> {
  const blocks = root.querySelectorAll<HTMLElement>("pre code[class*='language-']:not(.hljs)");
  let slice = performance.now();
  for (const block of blocks) {
    if (skip && block.closest(skip)) continue; // still being written
    if (performance.now() - slice > 8) {
      // many blocks (a long answer): let the page handle input and paint between slices
      await new Promise((resolve) => setTimeout(resolve, 0));
      slice = performance.now();
    }
    const label = /language-(\S+)/.exec(block.className)?.[1] ?? "";
    const language = languageOf(label);
    if (!language) continue;
    const hljs = await highlighter(language);
    if (!block.isConnected || block.classList.contains("hljs")) continue;
    hljs.highlightElement(block);
  }
}
