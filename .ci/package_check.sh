#!/usr/bin/env bash
# A new user's install, proved: build a wheel, install it (not editable) into a fresh venv with
# the pip that venv ships, then ingest txt, md, html and JSONL and run ask, brief and eval from a
# folder outside the repository.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PYTHON="${PYTHON:-python3}"

"$PYTHON" -m venv "$WORK/venv"
PIP="$WORK/venv/bin/pip"
echo "package check: $("$PIP" --version)"
# torch first and pinned: 2.13.0 is the CPU wheel on this machine's disk.
"$PIP" install --quiet torch==2.13.0
"$PIP" wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$ROOT"
"$PIP" install --quiet "$WORK"/dist/rag-*.whl

mkdir -p "$WORK/user/articles" "$WORK/user/gold"
cd "$WORK/user"
export RAG_CACHE="$WORK/cache"
RAG="$WORK/venv/bin/rag"
"$RAG" --version

cp "$ROOT/seeds/"*.txt articles/
cat > articles/harbour.md <<'MD'
---
title: Harbour bridge reopens after repairs
source: Coastal Times
date: 2025-03-04
---
# Harbour bridge reopens after repairs

The harbour bridge reopened on Monday after three months of repairs, the city council said.
Engineers replaced 40 steel cables and resurfaced the deck. The work cost 12 million dollars.
MD
cat > articles/library.html <<'HTML'
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>City library extends opening hours</title>
<meta property="og:site_name" content="Valley Herald"></head>
<body><nav>Home | News | Sport</nav>
<article><h1>City library extends opening hours</h1>
<p>The central library will stay open until 10 pm on weekdays from April, the library board announced on Tuesday.</p>
<p>The board said the longer hours follow a survey in which two thirds of readers asked for evening access.</p>
<p>The change is paid for by a grant from the regional arts fund, according to the board's chair, Maria Lopez.</p>
</article><footer>Copyright Valley Herald</footer></body></html>
HTML
cat > articles/wire.jsonl <<'JSONL'
{"id": "wire-1", "title": "Rail strike called off", "source": "Wire Service", "date": "2025-02-10", "text": "The national rail strike planned for Friday was called off late on Wednesday after the union accepted a 5 percent pay offer."}
{"id": "wire-2", "title": "Ferry service resumes", "source": "Wire Service", "date": "2025-02-11", "text": "Ferry service to the islands resumed on Thursday after storms had halted crossings for four days."}
JSONL

"$RAG" ingest articles --index ix --json > ingest.json
"$PYTHON" - ingest.json <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["added"] == 9 and not report["skipped"], report
PY
"$RAG" ask "When did the harbour bridge reopen?" --index ix --json > ask.json
"$PYTHON" - ask.json <<'PY'
import json, sys
answer = json.load(open(sys.argv[1]))
assert not answer["abstained"] and "Monday" in answer["answer"], answer
PY
# Output goes to files before grep reads it: `grep -q` in a pipe may close it early, and with
# pipefail the writer's broken pipe would fail the check at random.
"$RAG" ask "Until when will the library stay open?" --index ix > library.txt
grep -q "10 pm" library.txt
"$RAG" ask "Who offered Musk political asylum?" --index ix > asylum.txt
grep -q "Sources:" asylum.txt
"$RAG" brief --index ix > brief.md
grep -q "^# " brief.md
# The Qdrant store in qdrant-client's local mode, from the wheel (its package rag.store.qdrant ships).
"$RAG" ingest articles --store qdrant:qx --json > qdrant-ingest.json
"$RAG" ask "When did the harbour bridge reopen?" --store qdrant:qx --json > qdrant-ask.json
"$PYTHON" - qdrant-ingest.json qdrant-ask.json <<'PY'
import json, sys
report, answer = (json.load(open(path)) for path in sys.argv[1:])
assert report["added"] == 9 and not report["skipped"], report
assert not answer["abstained"] and "Monday" in answer["answer"], answer
PY

cp "$ROOT/eval/seeds/corpus.jsonl" "$ROOT/eval/seeds/questions.jsonl" gold/
"$RAG" eval gold --limit 5 --json > eval.json
"$PYTHON" - eval.json <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["n"] == 5 and report["retrieval"]["hit@10"] > 0, report
PY
# The web app from the wheel: its templates and script ship inside the package.
PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$RAG" serve --index ix --port "$PORT" 2> serve.log &
SERVER=$!
"$PYTHON" - "$PORT" <<'PY' || { kill "$SERVER"; cat serve.log; exit 1; }
import json, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
def get(path):
    with urllib.request.urlopen(base + path, timeout=60) as response:
        return response.read().decode()
for _ in range(240):
    try:
        stats = json.loads(get("/api/stats"))
        break
    except OSError:
        time.sleep(0.5)
else:
    raise SystemExit("rag serve did not answer")
assert stats["articles"] == 9, stats
assert 'id="ask-form"' in get("/ask")
assert "readEvents" in get("/static/app.js")
PY
kill "$SERVER"
wait "$SERVER" 2> /dev/null || true
echo "package check: every front door works from a non-editable wheel install"
