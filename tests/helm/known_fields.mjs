// Finds fields a Kubernetes object has that its API type does not define: the OpenAPI schemas
// of kubernetes-models accept unknown fields (as the API server drops them), so a misspelt
// field would pass them unnoticed. The field lists come from the models' type declarations.
import { readFileSync } from "node:fs";
import path from "node:path";

const interfaceCache = new Map();

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "");
}

// Splits "a; b; {c; d}" at the semicolons outside brackets.
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if ("{<(".includes(c)) depth += 1;
    else if ("}>)".includes(c)) depth -= 1;
    else if (c === ";" && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const rest = text.slice(start).trim();
  if (rest) parts.push(rest);
  return parts;
}

// The text between the brace at `open` and its partner.
function braced(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === "{") depth += 1;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error("unbalanced braces");
}

// A type expression -> {fields} (an object type), {items}, {values} (a map) or {} (a leaf).
function parseType(expression, imports) {
  const type = expression.trim();
  const array = /^Array<([\s\S]*)>$/.exec(type);
  if (array) return { items: parseType(array[1], imports) };
  if (type.startsWith("{")) {
    const body = braced(type, 0);
    const map = /^\s*\[key: string\]:\s*([\s\S]*?);?\s*$/.exec(body);
    if (map) return { values: parseType(map[1], imports) };
    return { fields: parseFields(body, imports) };
  }
  if (imports.has(type)) return { ref: imports.get(type) };
  return {};
}

function parseFields(body, imports) {
  const fields = new Map();
  for (const member of splitTopLevel(body)) {
    const match = /^"([^"]+)"\??:\s*([\s\S]*)$/.exec(member);
    if (match) fields.set(match[1], parseType(match[2], imports));
  }
  return fields;
}

// The interface a declaration file exports, or a leaf for type aliases (Quantity, IntOrString).
function loadInterface(file) {
  if (interfaceCache.has(file)) return interfaceCache.get(file);
  const text = stripComments(readFileSync(file, "utf8"));
  const imports = new Map();
  for (const [, name, from] of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
    imports.set(name, declarationFile(file, from));
  }
  const declaration = /export interface \w+(?: extends [\w, ]+)? \{/.exec(text);
  const type = declaration
    ? { fields: parseFields(braced(text, declaration.index + declaration[0].length - 1), imports) }
    : {};
  interfaceCache.set(file, type);
  return type;
}

function declarationFile(from, specifier) {
  if (specifier.startsWith(".")) {
    return path.join(path.dirname(from), specifier.replace(/\.js$/, ".d.ts"));
  }
  let modules = path.dirname(from);
  while (path.basename(modules) !== "node_modules") modules = path.dirname(modules);
  return path.join(modules, `${specifier}.d.ts`);
}

function resolve(type) {
  return type.ref ? loadInterface(type.ref) : type;
}

// Paths (data/spec/...) of the fields of `value` that `type` does not define.
function unknownFields(value, type, at) {
  const resolved = resolve(type);
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) {
    return resolved.items ? value.flatMap((item, i) => unknownFields(item, resolved.items, `${at}/${i}`)) : [];
  }
  if (resolved.values) {
    return Object.entries(value).flatMap(([key, item]) => unknownFields(item, resolved.values, `${at}/${key}`));
  }
  if (!resolved.fields) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    resolved.fields.has(key) ? unknownFields(item, resolved.fields.get(key), `${at}/${key}`) : [`${at}/${key}`]);
}

export function findUnknownFields(object, declarationPath) {
  return unknownFields(object, { ref: declarationPath }, "data");
}
