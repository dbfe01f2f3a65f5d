#!/usr/bin/env python3
"""Turns intent-labelled utterances written by others into the examples.jsonl that `frontline eval handoff --data
<dir>` reads, as fresh hand-off data (every NLU++ fold has been looked at while tuning).

    python3 scripts/handoff_data.py rasa <rasa project dir> <out dir> [--handoff-intent human_handoff]
    python3 scripts/handoff_data.py csv <file.csv> <out dir> --handoff-intent contact_human_agent \
        [--text-column instruction] [--intent-column intent]
    python3 scripts/handoff_data.py watson <skill.json> [<skill.json> ...] <out dir> --handoff-intent General_Connect_to_Agent
    python3 scripts/handoff_data.py lu <General.lu> [<other.lu> ...] <out dir> --handoff-intent Escalate

rasa: every `*.yml` under data/nlu and tests/ of a Rasa assistant (`- intent: name / examples: |` blocks);
entity markup ("[Tyrone King](name)") becomes its plain text. csv: one utterance per row (e.g. Bitext's customer
support dataset). watson: IBM Watson Assistant skill exports (`intents[].examples[].text`). lu: LUIS / Bot
Framework `.lu` files (`# Intent` or `## Intent` headings over `- utterance` lines). Several sources are merged (e.g. versions
of one model). Duplicates are dropped. The hand-off intent becomes `handoff`; every other intent keeps its
own name, so the report can say which negatives were escalated. Rows carry no fold: all of the data is held out.
Dev tooling only: the data is never copied into the repository.
"""
import argparse
import csv
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


def rasa_examples(project: Path):
    for path in sorted([*project.glob("data/nlu/**/*.yml"), *project.glob("tests/*.yml")]):
        yield from examples_of(path)


def csv_examples(file: Path, text_column: str, intent_column: str):
    with file.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row[intent_column], row[text_column].strip()


def watson_examples(file: Path):
    skill = json.loads(file.read_text(encoding="utf-8-sig"))
    skill = skill.get("workspace", skill)  # a v2 skill export wraps the v1 workspace
    for intent in skill.get("intents", []):
        for example in intent.get("examples", []):
            yield intent["intent"], example["text"].strip()


LU_HEADING = re.compile(r"^#{1,2}\s+(?!\?)(\S+)")
LU_ENTITY = re.compile(r"\{@?[^=}]+=([^}]*)\}")
# What is left after labelled entities are resolved marks a pattern (a template), not something a customer wrote.
LU_PATTERN = re.compile(r"[{}\[\]]|\([^)]*\|[^)]*\)")


def lu_examples(file: Path):
    raw = file.read_bytes()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    intent = None
    for line in text.splitlines():
        heading = LU_HEADING.match(line)
        if heading:
            intent = heading.group(1)
        elif line.startswith(("#", ">", "@", "$")):
            intent = None  # a question-and-answer pair, an entity or a comment: not an intent's utterances
        elif line.startswith("- ") and intent:
            utterance = LU_ENTITY.sub(r"\1", line[2:]).strip()
            if not LU_PATTERN.search(utterance):
                yield intent, utterance


def examples_from(kind: str, sources: list, args):
    for source in sources:
        if kind == "rasa":
            yield from rasa_examples(source)
        elif kind == "csv":
            yield from csv_examples(source, args.text_column, args.intent_column)
        elif kind == "watson":
            yield from watson_examples(source)
        else:
            yield from lu_examples(source)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["rasa", "csv", "watson", "lu"])
    parser.add_argument("paths", type=Path, nargs="+", metavar="source... out")
    parser.add_argument("--handoff-intent", default="human_handoff")
    parser.add_argument("--text-column", default="instruction")
    parser.add_argument("--intent-column", default="intent")
    args = parser.parse_args()
    if len(args.paths) < 2:
        parser.error("give at least one source and the output directory")
    *sources, args.out = args.paths
    examples = examples_from(args.kind, sources, args)
    domain = sources[0].name if args.kind == "rasa" else sources[0].stem
    seen = {}
    rows = []
    conflicts = 0
    for intent, text in examples:
        label = "handoff" if intent == args.handoff_intent else intent
        if not text:
            continue
        if text.lower() in seen:
            conflicts += seen[text.lower()] != label  # the first label wins
            continue
        seen[text.lower()] = label
        rows.append({"domain": domain, "text": text, "intents": [label]})
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "examples.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    positives = sum(1 for row in rows if row["intents"] == ["handoff"])
    print(f"{len(rows)} utterances, {positives} hand-off, into {args.out / 'examples.jsonl'}", file=sys.stderr)
    if conflicts:
        print(f"warning: {conflicts} repeated utterances carried another intent; the first one was kept", file=sys.stderr)
    if positives == 0:
        intents = sorted({row["intents"][0] for row in rows})
        print(f"warning: no utterance has the intent {args.handoff_intent!r}; the intents are: {', '.join(intents)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
