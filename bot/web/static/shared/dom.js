// DOM helpers shared by the agent console (/agent) and the reports page (/agent/reports), served at
// /shared/dom.js. Pages are built from data without ever parsing data as HTML: every text goes in
// as a text node and every attribute through setAttribute. (The chat widget stays a standalone
// script for embedding on other sites, with its own helpers.)

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * el("button", {class: "primary", type: "button", onclick: fn}, "Claim") → <button>.
 * Attributes are set with setAttribute (values are never interpreted as markup); `on*` keys add
 * listeners; null, undefined and false values are left out, true sets an empty attribute.
 * Children may be strings, numbers, nodes, arrays, or null/undefined/false (skipped).
 */
export function el(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** The same for SVG elements: svgEl("rect", {x: 0, y: 4, class: "bar"}, svgEl("title", {}, "7 ratings")). */
export function svgEl(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attributes, children);
}

/** Replace everything inside `node` with `children` (as for el). */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}
