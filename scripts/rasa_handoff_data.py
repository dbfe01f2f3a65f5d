#!/usr/bin/env python3
"""Turns the NLU training data of a Rasa assistant (YAML, `- intent: name / examples: |` blocks) into the
examples.jsonl that `frontline eval handoff --data <dir>` reads, as fresh hand-off data nobody here wrote.

    python3 scripts/rasa_handoff_data.py <rasa project dir> <out dir> [--handoff-intent human_handoff]

Every `*.yml` under data/nlu and tests/ is read; entity markup ("[Tyrone King](name)") becomes its plain text;
duplicates are dropped. The hand-off intent (default `human_handoff`) becomes `handoff`; every other intent
keeps its own name (so the report can say which negatives were escalated). Rows carry no fold: all of the data
is held out. Dev tooling only (the data is never copied into the repository).
"""
import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def examples_of(path: Path):
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for block in document.get("nlu", []) or []:
        intent = block.get("intent")
        text = block.get("examples")
        if not intent or not isinstance(text, str):
            continue
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield intent, ENTITY.sub(r"\1", line[2:]).strip().rstrip("\\").strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--handoff-intent", default="human_handoff")
    args = parser.parse_args()
    files = sorted([*args.project.glob("data/nlu/**/*.yml"), *args.project.glob("tests/*.yml")])
    seen = set()
    rows = []
    for path in files:
        for intent, text in examples_of(path):
            if not text or text.lower() in seen:
                continue
            seen.add(text.lower())
            label = "handoff" if intent == args.handoff_intent else intent
            rows.append({"domain": args.project.name, "text": text, "intents": [label]})
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "examples.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    positives = sum(1 for row in rows if row["intents"] == ["handoff"])
    print(f"{len(rows)} utterances from {len(files)} files, {positives} hand-off, into {args.out / 'examples.jsonl'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
