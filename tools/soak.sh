#!/usr/bin/env bash
# Soak benchmark for `serve`: good and bad load together for a while, with serve's memory sampled.
#
#   tools/soak.sh --model DIR [--minutes M] [--concurrency N] [--bad-clients B]
#
# Starts build/bin/serve on a free loopback port, then for M minutes (default 5) runs
#   - good load: build/bin/loadgen with N clients (default 4) sending real texts;
#   - bad load: B shell clients (default 2) that loop over malformed and hostile requests (broken JSON,
#     10^5-deep nesting, invalid UTF-8, oversized and chunked bodies, wrong methods and paths, a missing or
#     wrong API key, connections that stall mid-header);
# and samples serve's resident memory (VmRSS) every second. Prints the figures, and a verdict: PASS when
# every good request was answered 2xx and RSS grew less than 10 % from the end of the first minute (or
# the first quarter of a shorter run: the warm-up) to the end. Exit 0 on PASS, 1 otherwise, 2 on bad usage.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${ATTUNE_BIN:-$here/build/bin}
model="" minutes=5 concurrency=4 bad_clients=2
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --bad-clients) bad_clients=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$model" ] || { echo "soak: --model DIR is required" >&2; exit 2; }
[ -d "$model" ] || { echo "soak: --model $model: no such directory" >&2; exit 2; }
[[ "$minutes" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "soak: --minutes must be a number" >&2; exit 2; }
command -v curl >/dev/null || { echo "soak: needs curl" >&2; exit 2; }
for tool in serve loadgen; do
  [ -x "$bin/$tool" ] || { echo "soak: $bin/$tool missing: build first (tools/setup.sh)" >&2; exit 2; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/key"
echo >>"$work/key"

"$bin/serve" --model "$model" --port 0 --api-key-file "$work/key" --request-timeout-ms 10000 \
  >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 600); do
  grep -q "listening on" "$work/serve.out" 2>/dev/null && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*' "$work/serve.out" | head -1)
[ -n "$url" ] || { echo "soak: serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
warmup=$(( seconds >= 240 ? 60 : seconds / 4 ))
echo "soak: serve pid $serve_pid at $url, ${seconds}s, $concurrency good clients, $bad_clients bad clients"

# Hostile requests, in turn, until the time is up; each answer's status is counted.
deep_json() { printf '%*s' 100000 '' | tr ' ' '['; }
deep_json >"$work/deep.json"
head -c 2000000 /dev/zero | tr '\0' 'a' | sed 's/^/{"text": "/; s/$/"}/' >"$work/big.json"
printf '{"text": "\xff\xfe bad utf8"}' >"$work/utf8.json"
bad_client() {
  local end=$(( $(date +%s) + seconds )) n=0 key
  key=$(cat "$work/key")
  while [ "$(date +%s)" -lt "$end" ]; do
    case $(( n % 10 )) in
      0) curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" -d '{"text": ' "$url/api" ;;
      1) curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" --data-binary @"$work/deep.json" "$url/api" ;;
      2) curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" --data-binary @"$work/utf8.json" "$url/api" ;;
      3) curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" --data-binary @"$work/big.json" "$url/api" ;;
      4) curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" -H 'Transfer-Encoding: chunked' --data-binary @"$work/utf8.json" "$url/api" ;;
      5) curl -s -o /dev/null -w '%{http_code}\n' -X DELETE "$url/api" ;;
      6) curl -s -o /dev/null -w '%{http_code}\n' "$url/../../etc/passwd" ;;
      7) curl -s -o /dev/null -w '%{http_code}\n' -d '{"text": "whoami"}' "$url/api" ;;
      8) curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer wrong-key-0123456789" -d '{"text": "x"}' "$url/api" ;;
      9) # a connection that stalls mid-header until the server cuts it
         local host=${url#http://}; host=${host%%/*}
         timeout 15 bash -c "exec 3<>/dev/tcp/${host%:*}/${host##*:}; printf 'POST /api HTTP/1.1\r\nHost: x\r\n' >&3; cat <&3 >/dev/null" \
           && echo cut || echo stalled ;;
    esac
    n=$(( n + 1 ))
  done
}
for b in $(seq "$bad_clients"); do
  bad_client >"$work/bad.$b" 2>/dev/null &
  pids+=("$!")
done

# serve's RSS every second.
( while kill -0 "$serve_pid" 2>/dev/null; do
    awk '/VmRSS/ { print $2 }' "/proc/$serve_pid/status" 2>/dev/null || true
    sleep 1
  done ) >"$work/rss" &
pids+=("$!")

texts=$(mktemp -p "$work")
printf '%s\n' "whoami /all" "ssh -p 2222 deploy@10.0.0.5 uptime" "reg save HKLM\\SAM C:\\Temp\\s.hiv" \
  "Get-Service | Where-Object Status -eq Running" "sudo apt-get install -y nginx" \
  "netsh advfirewall set allprofiles state off" "curl -fsSL https://example.org/install.sh -o install.sh" >"$texts"
"$bin/loadgen" --url "$url/api" --api-key-file "$work/key" -c "$concurrency" --duration "$seconds" \
  --input "$texts" --warmup 5 --json >"$work/good.json" || true
wait "${pids[@]:1:$bad_clients}" 2>/dev/null || true

rss_start=$(sed -n "$(( warmup > 0 ? warmup : 1 ))p" "$work/rss")
rss_end=$(tail -1 "$work/rss")
rss_max=$(sort -n "$work/rss" | tail -1)
kill -0 "$serve_pid" 2>/dev/null && alive=yes || alive=no
good=$(cat "$work/good.json")
failed=$(printf '%s' "$good" | grep -o '"failed":[0-9]*' | cut -d: -f2)
sent=$(printf '%s' "$good" | grep -o '"requests":[0-9]*' | cut -d: -f2)
rps=$(printf '%s' "$good" | grep -o '"requests_per_second":[0-9.e+-]*' | cut -d: -f2)
p99=$(printf '%s' "$good" | grep -o '"p99":[0-9.e+-]*' | cut -d: -f2)
growth=$(awk -v a="$rss_start" -v b="$rss_end" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
echo "good requests      $sent sent, ${failed:-?} failed, $(printf '%.1f' "$rps") req/s, p99 $(printf '%.1f' "$p99") ms"
echo "bad requests       $(cat "$work"/bad.* | wc -l) sent; answers: $(cat "$work"/bad.* | sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }' | sed 's/, $//')"
echo "serve RSS (MiB)    after warm-up $(( rss_start / 1024 )), end $(( rss_end / 1024 )), max $(( rss_max / 1024 )); growth ${growth} %"
echo "serve alive        $alive"
if [ "$alive" = yes ] && [ "${failed:-1}" = 0 ] && awk -v g="$growth" 'BEGIN { exit !(g < 10) }'; then
  echo "soak: PASS"
else
  echo "soak: FAIL"
  exit 1
fi
