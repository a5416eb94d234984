#!/usr/bin/env python3
"""Writes the values table of charts/codearena/README.md from the "# --" comments in values.yaml.

A comment block starting with "# --" documents the key on the line after it; "# @default --"
replaces the shown default (for long lists). Types come from values.schema.json.
With --check it only compares and exits 1 when the README's table is out of date.
"""
import json
import pathlib
import re
import sys

import yaml

CHART = pathlib.Path(__file__).resolve().parent.parent / "charts" / "codearena"
START = "<!-- values-table-start -->"
END = "<!-- values-table-end -->"
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?P<rest>.*)$")


def schema_type(schema, path):
    node = schema
    for key in path:
        node = node.get("properties", {}).get(key, {})
    kind = node.get("type", "object")
    return "/".join(kind) if isinstance(kind, list) else kind


def lookup(values, path):
    for key in path:
        values = values[key]
    return values


def documented_keys(text):
    """Yields (path, description, default override) for every documented key."""
    stack = []  # (indent, key)
    description, default = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            description = [stripped[4:].strip()]
        elif stripped.startswith("# @default --"):
            default = stripped[len("# @default --"):].strip()
        elif stripped.startswith("#") and description:
            description.append(stripped[1:].strip())
        match = KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        if description:
            yield [key for _, key in stack], " ".join(description), default
        description, default = [], None


def table():
    text = (CHART / "values.yaml").read_text()
    values = yaml.safe_load(text)
    schema = json.loads((CHART / "values.schema.json").read_text())
    rows = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for path, description, default in documented_keys(text):
        if default is None:
            default = "`" + json.dumps(lookup(values, path)) + "`"
        description = description.replace("|", "\\|")
        rows.append(f"| `{'.'.join(path)}` | {schema_type(schema, path)} | {default} | {description} |")
    return "\n".join(rows)


def main():
    readme_path = CHART / "README.md"
    readme = readme_path.read_text()
    if START not in readme or END not in readme:
        sys.exit(f"{readme_path}: the markers {START} and {END} are missing")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    updated = f"{head}{START}\n{table()}\n{END}{tail}"
    if "--check" in sys.argv[1:]:
        if updated != readme:
            sys.exit(f"{readme_path}: the values table is out of date; run tools/helm_values_table.py")
        return
    readme_path.write_text(updated)


if __name__ == "__main__":
    main()
