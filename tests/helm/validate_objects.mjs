// Validates Kubernetes objects against the API's OpenAPI schemas (kubernetes-models), offline.
// Usage: node validate_objects.mjs MODULES_DIR OBJECTS.json
// OBJECTS.json holds an array of objects; exits 1 and names each invalid one.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

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
  const file = path.join(modulesDir, "node_modules", base, `${subpath}.js`);
  const module = await import(pathToFileURL(file).href);
  return module[kind];
}

let failures = 0;
for (const object of JSON.parse(readFileSync(objectsFile, "utf8"))) {
  const name = `${object.kind} ${object.metadata?.name}`;
  try {
    const Model = await modelOf(object.apiVersion, object.kind);
    new Model(object).validate();
  } catch (error) {
    failures += 1;
    console.error(`${name}: ${error.message}`);
  }
}
if (failures > 0) process.exit(1);
