#!/usr/bin/env bash
# Browser + parser checks of HLS (TS), CMAF HLS, LL-HLS and DASH against segment_server.
# Needs chromium, node and tests/e2e/node_modules (npm ci --prefix tests/e2e, done by .ci/setup).
# Usage: run_players.sh [build dir]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../../build}"
node_dir="${HAZE_E2E_NODE:-$here/..}"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$node_dir/node_modules/hls.js" ] || \
   [ ! -d "$node_dir/node_modules/dashjs" ] || ! command -v node >/dev/null; then
  echo "skipped: needs /usr/bin/chromium, node and tests/e2e/node_modules (.ci/setup)"
  exit 77
fi
web="$(mktemp -d)"
cp "$here/web/player.html" "$web/"
cp "$node_dir/node_modules/hls.js/dist/hls.min.js" "$web/"
cp "$node_dir/node_modules/dashjs/dist/modern/umd/dash.all.min.js" "$web/"
out="$(mktemp)"
"$build/tests/e2e/segments/segment_server" --seconds 120 --web "$web" >"$out" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$web" "$out"' EXIT
for _ in $(seq 50); do grep -q port= "$out" && break; sleep 0.2; done
port="$(sed -n 's/port=//p' "$out")"
base="http://127.0.0.1:$port"
sleep 5  # a few segments of the live stream
fail=0
run() { echo "== $1"; (cd "$node_dir" && node "$here/$2" "${@:3}") || fail=1; }
run "m3u8 TS master" m3u8check.mjs "$base/hls/live/index.m3u8"
run "m3u8 TS media" m3u8check.mjs "$base/hls/live/0_1/index.m3u8"
run "m3u8 LL-HLS media" m3u8check.mjs "$base/cmaf/live/0/index.m3u8"
run "mpd live" mpdcheck.mjs "$base/cmaf/live/index.mpd"
run "hls.js TS" play_probe.mjs "$base/web/player.html?type=hls&src=/hls/live/index.m3u8" 12
run "hls.js CMAF" play_probe.mjs "$base/web/player.html?type=hls&src=/cmaf/live/index.m3u8%3Fllhls%3D0" 12
run "hls.js LL-HLS" play_probe.mjs "$base/web/player.html?type=hls&lowLatency=1&src=/cmaf/live/index.m3u8" 12
run "dash.js" play_probe.mjs "$base/web/player.html?type=dash&src=/cmaf/live/index.mpd" 12
run "hls.js VoD" play_probe.mjs "$base/web/player.html?type=hls&src=/cmaf/vod/index.m3u8" 8
exit $fail
