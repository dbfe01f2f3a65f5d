#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document with schemathesis (PyPI): every route gets generated valid and
# invalid requests, and any 5xx, undocumented status, wrong content type or response that breaks its schema is a
# failure. Dev tooling: schemathesis goes into a venv under the model cache, the server runs on a scratch SQLite
# file with the extractive model.
#
#   bash scripts/api-fuzz.sh [--max-examples 40]     (extra arguments go to `schemathesis run`)
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${FRONTLINE_MODEL_CACHE:-$HOME/.cache/frontline/models}"
venv="$(dirname "$cache")/venv-schemathesis"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis
fi

port="${FUZZ_PORT:-8765}"
admin_key="fuzz-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
data="$(mktemp -d)"
npm run --silent build
ADMIN_API_KEY="$admin_key" DATABASE_URL="sqlite:///$data/fuzz.sqlite" API_PORT="$port" AI_PROVIDER=extractive \
  RATE_LIMIT_ENABLED=false LOG_LEVEL=warn node dist/cli/main.js serve >"$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
examples=("${@:---max-examples=40}")

echo "== every route, with the admin key"
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer $admin_key" \
  --checks "$checks" --workers 1 "${examples[@]}"

echo "== the session routes, inside one real session (its id in every path, its token)"
session=$(curl -fs -X POST "http://127.0.0.1:$port/api/sessions")
id=$(node -e 'console.log(JSON.parse(process.argv[1]).sessionId)' "$session")
token=$(node -e 'console.log(JSON.parse(process.argv[1]).token)' "$session")
printf '[parameters]\n"path.id" = "%s"\n' "$id" >"$data/schemathesis.toml"
"$venv/bin/schemathesis" --config-file "$data/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" \
  -H "Authorization: Bearer $token" --include-path-regex '^/api/sessions/\{id\}' --exclude-method DELETE \
  --checks "$checks" --workers 1 "${examples[@]}"
