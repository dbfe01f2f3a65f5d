#!/usr/bin/env python3
"""Plain BM25 baseline on a banking_knowledge-style dataset, for comparison with Frontline's retrieval.

Each document (title + content) is one BM25 entry (bm25s, default parameters k1=1.5 b=0.75, English stopwords,
no stemming); the query is the raw scenario text. Prints recall@1/5/10 and MRR as JSON, computed the same way as
src/knowledge/eval/retrieval.ts (recall of required_documents in the top k, averaged over tasks; MRR of the first
required document), for all tasks and for each half of the same dev/held-out split (`splits`): a task is 'dev' when
the first byte of sha256(task id) is even.

    python3 scripts/bm25_baseline.py [--data DIR] [--queries extracted.json] [--rankings out.json]

--queries takes {mode: {task_id: query}} (written by `scripts/eval-embeddings.ts --queries-out`) and reports BM25
with each mode's queries too; --rankings writes each task's top 100 documents for the fusion experiment in
eval-embeddings.ts. Dev tooling only: bm25s is installed by this script into a venv under the model cache
($FRONTLINE_MODEL_CACHE or ~/.cache/frontline/models), never into the repository or the product.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

BM25S = "bm25s==0.3.16"
CACHE = Path(os.environ.get("FRONTLINE_MODEL_CACHE") or Path.home() / ".cache" / "frontline" / "models")
VENV = CACHE / "venv-bm25"


def ensure_venv() -> None:
    """Re-executes this script inside a venv that has bm25s, creating it on first use."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"bm25_baseline: creating {VENV} with {BM25S}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    check = subprocess.run([str(python), "-c", "import bm25s"], capture_output=True)
    if check.returncode != 0:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", BM25S, "numpy", "scipy"],
            check=True,
        )
    os.execv(str(python), [str(python), *sys.argv])


def read_jsonl(path: Path) -> list:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(ranked: list, required: list) -> dict:
    need = set(required)
    recall = lambda k: len([d for d in ranked[:k] if d in need]) / len(need)
    first = next((i for i, d in enumerate(ranked) if d in need), None)
    return {"r1": recall(1), "r5": recall(5), "r10": recall(10), "rr": 0.0 if first is None else 1 / (first + 1)}


def split_of(task_id: str) -> str:
    """Same halves as splitOf() in src/knowledge/eval/retrieval.ts."""
    return "dev" if hashlib.sha256(task_id.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"


def aggregate(scores: list) -> dict:
    mean = lambda key: sum(s[key] for s in scores) / len(scores) if scores else 0.0
    return {
        "tasks": len(scores),
        "recallAt1": mean("r1"),
        "recallAt5": mean("r5"),
        "recallAt10": mean("r10"),
        "mrr": mean("rr"),
    }


def evaluate(retriever, doc_ids, tasks, queries) -> tuple:
    import bm25s

    tokens = bm25s.tokenize([queries[t["id"]] for t in tasks], stopwords="en", show_progress=False)
    results, _ = retriever.retrieve(tokens, k=min(100, len(doc_ids)), show_progress=False)
    rankings, scores = {}, []
    for task, row in zip(tasks, results):
        ranked = [doc_ids[i] for i in row]
        rankings[task["id"]] = ranked
        scores.append(score(ranked, task["required_documents"]))
    metrics = aggregate(scores)
    metrics["splits"] = {
        half: aggregate([s for s, t in zip(scores, tasks) if split_of(t["id"]) == half]) for half in ("dev", "held-out")
    }
    return metrics, rankings


def main() -> None:
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(repo.parent / "shared" / "eval" / "banking_knowledge"))
    parser.add_argument("--queries", help="JSON {mode: {task_id: query}} to evaluate besides the raw scenarios")
    parser.add_argument("--rankings", help="write {mode: {task_id: [doc ids]}} (top 100) to this file")
    args = parser.parse_args()
    ensure_venv()
    import bm25s

    data = Path(args.data)
    docs = read_jsonl(data / "documents.jsonl")
    tasks = [t for t in read_jsonl(data / "tasks.jsonl") if t.get("required_documents")]
    doc_ids = [d["id"] for d in docs]
    corpus = [f"{d.get('title', '')}\n{d.get('content', '')}" for d in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)

    out = {"documents": len(docs), "bm25": {"library": BM25S, "k1": 1.5, "b": 0.75, "stopwords": "en"}}
    all_rankings = {}
    out["raw"], all_rankings["raw"] = evaluate(retriever, doc_ids, tasks, {t["id"]: t["scenario"] for t in tasks})
    if args.queries:
        for mode, queries in json.loads(Path(args.queries).read_text(encoding="utf-8")).items():
            out[mode], all_rankings[mode] = evaluate(retriever, doc_ids, tasks, queries)
    if args.rankings:
        Path(args.rankings).write_text(json.dumps(all_rankings), encoding="utf-8")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
