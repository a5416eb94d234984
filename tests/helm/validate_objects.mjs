// Validates Kubernetes objects against the API's OpenAPI schemas (kubernetes-models), offline,
// and refuses fields the API does not define.
// Usage: node validate_objects.mjs MODULES_DIR OBJECTS.json
// OBJECTS.json holds an array of objects; exits 1 and names each invalid one.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { findUnknownFields } from "./known_fields.mjs";

const [modulesDir, objectsFile] = process.argv.slice(2);

// apiVersion "group/version" or "version" (the core group) -> the package holding its models.
const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelOf(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const base = packages[group] ?? "kubernetes-models";
  const subpath = group ? `${group}/${version}/${kind}` : `${version}/${kind}`;
  const file = path.join(modulesDir, "node_modules", base, subpath);
  const module = await import(pathToFileURL(`${file}.js`).href);
  return { Model: module[kind], declaration: `${file}.d.ts` };
}

let failures = 0;
for (const object of JSON.parse(readFileSync(objectsFile, "utf8"))) {
  const name = `${object.kind} ${object.metadata?.name}`;
  try {
    const { Model, declaration } = await modelOf(object.apiVersion, object.kind);
    new Model(object).validate();
    const unknown = findUnknownFields(object, declaration);
    if (unknown.length > 0) throw new Error(`fields the API does not define: ${unknown.join(", ")}`);
  } catch (error) {
    failures += 1;
    console.error(`${name}: ${error.message}`);
  }
}
if (failures > 0) process.exit(1);
