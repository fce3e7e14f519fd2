#!/usr/bin/env bash
# Runs the README's walkthroughs as a new user pastes them: every ```sh block from
# "The ids, in a second terminal" up to "Configuration", in order, in one bash with
# unset variables an error, against a fresh wabi with `wabi listen -subscribe`
# receiving its webhooks. Then checks what a reader is told to expect.
#
# Usage: e2e/readme.sh path/to/wabi   (run from the repository root; needs curl, jq)
set -euo pipefail
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

# Free ports, so a wabi a developer runs on 8080 is not disturbed.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wport=$(port)
lport=$(port)
WABI=http://127.0.0.1:$wport

"$bin" -addr 127.0.0.1:$wport -data "$work/data" >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do curl -sf "$WABI/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$WABI/healthz" >/dev/null || { cat "$work/serve.err"; exit 1; }

"$bin" listen -subscribe -wabi "$WABI" -addr 127.0.0.1:$lport >"$work/listen.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "Waiting for webhooks" "$work/listen.out" && break; sleep 0.1; done
grep -q "Waiting for webhooks" "$work/listen.out" || { cat "$work/listen.out"; exit 1; }

# The blocks, with the README's addresses moved to the free ports. The block that
# starts `wabi listen` is skipped: it runs above.
python3 - "$root/README.md" "$wport" "$lport" >"$work/walkthrough.sh" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
start = text.index("### The ids, in a second terminal")
end = text.index("## Configuration")
print("set -euo pipefail")
print("cd \"$(mktemp -d)\"")
for block in re.findall(r"```sh\n(.*?)```", text[start:end], re.S):
    if "go run ./cmd/wabi" in block:
        continue
    block = block.replace("127.0.0.1:8080", "127.0.0.1:" + sys.argv[2])
    block = block.replace("127.0.0.1:8090", "127.0.0.1:" + sys.argv[3])
    print(block)
print('echo "OP_TOKEN=${OP_TOKEN:0:6}"')
EOF
echo "== README walkthrough ($(grep -c '' "$work/walkthrough.sh") lines)"
bash "$work/walkthrough.sh" >"$work/walk.out" 2>&1 || {
	echo "the walkthrough failed:"; cat "$work/walk.out"; exit 1
}

failed=0
expect() { # expect FILE PATTERN WHAT
	if ! grep -q -- "$2" "$1"; then
		echo "README walkthrough: $3 (no \"$2\" in $(basename "$1"))"
		failed=1
	fi
}
# Webhooks reach wabi listen, signed, through the message's whole life.
for _ in $(seq 50); do grep -q "status read" "$work/listen.out" && break; sleep 0.1; done
expect "$work/walk.out" '"messages":\[{"id":"wamid.' "the template send answers a wamid"
expect "$work/walk.out" "same bytes" "the phone got the picture's bytes"
expect "$work/walk.out" '{"success":true}' "the subscription with wabi listen passes the handshake"
expect "$work/walk.out" "OP_TOKEN=eyJ" "the On-Premises login gives a token"
expect "$work/listen.out" "signature OK" "wabi listen checks the signature"
expect "$work/listen.out" "status read" "the read status arrives"
if grep -q '"error' "$work/walk.out"; then
	echo "README walkthrough: an API answered an error"; failed=1
fi
if grep -q "BAD SIGNATURE" "$work/listen.out"; then
	echo "README walkthrough: a webhook had a bad signature"; failed=1
fi
if [ "$failed" != 0 ]; then
	echo "--- walkthrough output"; cat "$work/walk.out"
	echo "--- wabi listen output"; cat "$work/listen.out"
	exit 1
fi
echo "README walkthrough passed"
