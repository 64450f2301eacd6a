// A small, safe Markdown renderer: it builds DOM nodes from a whitelist of elements and puts all
// text in with text nodes. No HTML in the input is ever interpreted: "<img onerror=...>" is shown
// as those characters. Links keep only http(s) and mailto targets.
//
// Blocks: fenced code (``` or ~~~, with a language label), headings, lists (ordered, unordered,
// one level), block quotes, horizontal rules, paragraphs. Inline: `code`, **strong**, *em*,
// _em_, ~~strike~~, [text](url), and bare http(s) URLs.

import { h } from "./dom.js";

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^ {0,3}[-*+]\s+(.*)$/;
const ORDERED = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const BLANK = /^\s*$/;

export function renderMarkdown(source) {
  const root = document.createDocumentFragment();
  const lines = String(source ?? "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (BLANK.test(line)) {
      i += 1;
    } else if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trimStart().startsWith(fence)) body.push(lines[i++]);
      i += 1; // the closing fence (or the end of an unfinished, still-streaming block)
      root.append(codeBlock(body.join("\n"), m[2]));
    } else if ((m = HEADING.exec(line))) {
      root.append(h(`h${Math.min(6, m[1].length + 2)}`, {}, inline(m[2])));
      i += 1;
    } else if (RULE.test(line)) {
      root.append(h("hr"));
      i += 1;
    } else if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && (m = QUOTE.exec(lines[i]))) {
        body.push(m[1]);
        i += 1;
      }
      root.append(h("blockquote", {}, renderMarkdown(body.join("\n"))));
    } else if (BULLET.test(line) || ORDERED.test(line)) {
      const ordered = !BULLET.test(line);
      const pattern = ordered ? ORDERED : BULLET;
      const list = h(ordered ? "ol" : "ul");
      if (ordered) {
        const start = Number(ORDERED.exec(line)[1]);
        if (start !== 1) list.setAttribute("start", String(start));
      }
      while (i < lines.length && (m = pattern.exec(lines[i]))) {
        const item = [ordered ? m[2] : m[1]];
        i += 1;
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !pattern.test(lines[i])) {
          item.push(lines[i].trim());
          i += 1;
        }
        list.append(h("li", {}, inline(item.join(" "))));
      }
      root.append(list);
    } else {
      const body = [];
      while (i < lines.length && !BLANK.test(lines[i]) && !startsBlock(lines[i])) body.push(lines[i++]);
      const p = h("p");
      body.forEach((text, n) => {
        if (n > 0) p.append(h("br"));
        p.append(inline(text));
      });
      root.append(p);
    }
  }
  return root;
}

function startsBlock(line) {
  return [FENCE, HEADING, RULE, BULLET, ORDERED, QUOTE].some((re) => re.test(line));
}

export function codeBlock(text, language) {
  const code = h("code", { text });
  if (language) code.dataset.language = language;
  return h("div", { class: "code-block" },
    language ? h("span", { class: "code-language", text: language }) : null,
    h("pre", {}, code));
}

// One pass over the text: the earliest match of any inline pattern wins.
const INLINE = new RegExp(
  [
    /(`+)([\s\S]+?)\1(?!`)/.source, //                              1,2: code span
    /\[([^\]\n]+)\]\(\s*([^()\s]+)\s*\)/.source, //                  3,4: link
    /\*\*(?=\S)([\s\S]*?\S)\*\*/.source, //                          5: strong
    /__(?=\S)([\s\S]*?\S)__(?!\w)/.source, //                        6: strong
    /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source, //                      7: em
    /(?<!\w)_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/.source, //           8: em
    /~~(?=\S)([\s\S]*?\S)~~/.source, //                              9: strike
    /\bhttps?:\/\/[^\s<>()"']+[^\s<>()"'.,;:!?]/.source, //          bare URL
  ].join("|"),
  "g",
);

export function inline(source) {
  const text = String(source ?? "");
  const out = document.createDocumentFragment();
  let last = 0;
  INLINE.lastIndex = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.append(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== undefined) out.append(h("code", { text: m[2].replace(/^ (.*) $/, "$1") }));
    else if (m[3] !== undefined) out.append(link(m[4], inline(m[3]), m[0]));
    else if (m[5] !== undefined || m[6] !== undefined) out.append(h("strong", {}, inline(m[5] ?? m[6])));
    else if (m[7] !== undefined || m[8] !== undefined) out.append(h("em", {}, inline(m[7] ?? m[8])));
    else if (m[9] !== undefined) out.append(h("del", {}, inline(m[9])));
    else out.append(link(m[0], m[0], m[0]));
  }
  if (last < text.length) out.append(text.slice(last));
  return out;
}

export function safeUrl(raw) {
  let url;
  try {
    url = new URL(raw, window.location.href);
  } catch {
    return null;
  }
  return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
}

function link(target, content, original) {
  const href = safeUrl(target);
  if (href === null) return document.createTextNode(original); // javascript: and the like: as text
  return h("a", { attrs: { href, target: "_blank", rel: "noopener noreferrer nofollow" } }, content);
}
