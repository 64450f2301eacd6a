// Building DOM nodes without HTML strings: text always goes in as text nodes.

const FORBIDDEN_ATTRIBUTE = /^(on|style$|srcdoc$)/i;

/**
 * Create an element. `props`: { class, text, attrs: {name: value}, dataset: {...} }.
 * Children: nodes, or strings (added as text), or null/undefined (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs || {})) {
    if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`attribute not allowed: ${name}`);
    if (value !== undefined && value !== null && value !== false) el.setAttribute(name, String(value));
  }
  for (const [key, value] of Object.entries(props.dataset || {})) el.dataset[key] = String(value);
  append(el, ...children);
  return el;
}

export function append(parent, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function $(id) {
  return document.getElementById(id);
}
