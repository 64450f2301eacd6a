// Model output as GitHub-flavoured Markdown (marked: tables, task lists, nested lists), sanitized
// by DOMPurify before it reaches the page. Links keep http(s)/mailto targets only and open in a
// new tab; raw HTML in the source is shown as text, never parsed.

import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";

const SAFE_LINK = /^(https?:|mailto:)/i;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // raw HTML is text: the model is not trusted to write markup
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escape(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const label = this.parser.parseInline(tokens);
      if (!SAFE_LINK.test(href.trim())) return escape(`[${textOf(tokens)}](${href})`);
      const titled = title ? ` title="${escape(title)}"` : "";
      return `<a href="${escape(href.trim())}"${titled} target="_blank" rel="noopener noreferrer nofollow">${label}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      return escape(`![${text}](${href})`); // no remote images (and the CSP refuses them)
    },
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? "").trim().split(/\s+/)[0] ?? "";
      const label = language ? escape(language) : "text";
      return (
        `<div class="code-block" data-language="${label}">` +
        `<div class="code-head"><span class="code-lang">${label}</span>` +
        `<button type="button" class="copy" aria-label="Copy code">Copy</button></div>` +
        `<pre tabindex="0"><code class="${language ? `language-${label}` : ""}">${escape(text)}</code></pre></div>`
      );
    },
  },
});

function textOf(tokens: Tokens.Generic[]): string {
  return tokens.map((t) => (typeof t.text === "string" ? t.text : t.raw)).join("");
}

const ALLOWED_TAGS = [
  "p", "br", "strong", "em", "del", "code", "pre", "div", "span", "a", "ul", "ol", "li",
  "blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr",
  "th", "td", "input", "button",
];
const ALLOWED_ATTR = [
  "href", "title", "target", "rel", "start", "class", "data-language", "type", "checked",
  "disabled", "aria-label", "align", "tabindex",
];

/** Sanitized HTML for a Markdown text. */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false });
  const clean = DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
  return clean;
}

// DOMPurify: links that survive keep a safe target and never open the page to the new tab
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (!SAFE_LINK.test(href)) node.removeAttribute("href");
    node.setAttribute("rel", "noopener noreferrer nofollow");
    node.setAttribute("target", "_blank");
  }
  if (node.tagName === "INPUT" && node.getAttribute("type") !== "checkbox") node.remove();
  // a task list's box says what it means (it cannot be changed: marked makes it disabled)
  if (node.tagName === "INPUT") node.setAttribute("aria-label", node.hasAttribute("checked") ? "done" : "not done");
  // only the code blocks' own scrolling boxes take focus (to scroll them from the keyboard)
  if (node.hasAttribute("tabindex") && !(node.tagName === "PRE" && node.getAttribute("tabindex") === "0")) node.removeAttribute("tabindex");
});
