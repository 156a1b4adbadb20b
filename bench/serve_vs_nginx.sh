#!/usr/bin/env bash
# Serving benchmark: syndicated versus nginx (Debian) serving the same bytes from disk with
# gzip_static, side by side in the same run, with wrk on loopback. Prints a Markdown table.
#
#   bench/serve_vs_nginx.sh [BUILD_DIR=build/release] [DURATION=10s] [CONNECTIONS=64]
#
# SYN_PORT / NGX_PORT (default 18080 / 18081) choose the ports, so that two runs on one machine do
# not measure each other's servers. The load average is printed: on a 2-core machine anything
# else running (a compiler) moves the numbers by tens of percent.
#
# Needs: wrk, nginx-light (installed here if missing), a release build of syndicated.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}; duration=${2:-10s}; conns=${3:-64}
bin=$build/daemon/syndicated
[ -x "$bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
for p in wrk nginx-light curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done

work=$(mktemp -d); chmod 755 "$work"; trap 'kill $(jobs -p) 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
syn_port=${SYN_PORT:-18080}; ngx_port=${NGX_PORT:-18081}
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
# A previous run's servers may still be closing (the daemon's stop grace): wait for the ports, or
# this run would measure them.
for _ in $(seq 100); do port_busy $syn_port || port_busy $ngx_port || break; sleep 0.1; done
if port_busy $syn_port || port_busy $ngx_port; then
  echo "port $syn_port or $ngx_port is in use (another run?); set SYN_PORT/NGX_PORT" >&2; exit 2
fi

# A 60-item store of long articles (about 5 KB of varied text each, like a real news feed; the
# site feed holds the newest 50, about 257 KB). Words are drawn from a seeded generator so that
# gzip sees realistic, not repetitive, text.
/usr/bin/python3 - "$work/store" <<'PY'
import os, random, sys
root = sys.argv[1]; os.makedirs(root)
rng = random.Random(2026)
words = ("budget parliament minister deputies vote spending education health inflation revenue "
         "oil fund tax reform Baku Ganja Sumgait region district committee session agreement "
         "büdcə nazir deputat səsvermə xərclər təhsil səhiyyə inflyasiya gəlir vergi islahat "
         "бюджет парламент министр депутаты голосование расходы образование здравоохранение "
         "инфляция доходы налог реформа регион комитет соглашение").split()
def paragraph():
    return " ".join(rng.choice(words) for _ in range(rng.randint(40, 80))).capitalize() + ".\n\n"
for i in range(60):
    with open(os.path.join(root, "a%03d.md" % i), "w") as f:
        f.write('+++\nid = "bench-%03d"\ntitle = "Budget adopted, part %d"\n' % (i, i))
        f.write('summary = "Spending on education rises."\nlanguage = "en"\n')
        f.write('published = 2026-11-%02dT%02d:00:00+04:00\n' % (1 + i % 28, i % 24))
        f.write('categories = ["Politics"]\ntags = ["budget"]\n[[authors]]\nname = "Leyla Mammadova"\n')
        f.write('[[images]]\nurl = "https://news.example.az/media/%d.jpg"\nwidth = 1600\nheight = 900\n+++\n\n' % i)
        for _ in range(7):
            f.write(paragraph())
PY

"$bin" serve --store "$work/store" --listen 127.0.0.1:$syn_port --log-level warn >"$work/syn.out" 2>&1 &
syn_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$syn_port/healthz" >/dev/null && break; sleep 0.1; done

mkdir -p "$work/www"
curl -fs "http://127.0.0.1:$syn_port/feed.xml" -o "$work/www/feed.xml"
curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$syn_port/feed.xml" -o "$work/www/feed.xml.gz"
syn_etag=$(curl -fsI "http://127.0.0.1:$syn_port/feed.xml" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

cat >"$work/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  types { application/rss+xml xml; }
  server {
    listen 127.0.0.1:$ngx_port;
    root $work/www;
    gzip_static on; etag on;
  }
}
NGX
nginx -c "$work/nginx.conf"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$ngx_port/feed.xml" >/dev/null && break; sleep 0.1; done
ngx_etag=$(curl -fsI "http://127.0.0.1:$ngx_port/feed.xml" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')

run() {  # port header -> "rps p99_ms"
  local out
  kill -0 "$syn_pid" 2>/dev/null || { echo "syndicated exited:" >&2; cat "$work/syn.out" >&2; exit 1; }
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency ${2:+-H "$2"} "http://127.0.0.1:$1/feed.xml")
  local rps p99
  rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

size=$(stat -c %s "$work/www/feed.xml"); gz=$(stat -c %s "$work/www/feed.xml.gz")
echo "feed: $size bytes identity, $gz bytes gzip; wrk -t2 -c$conns -d$duration; $(nproc) cores;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| case | syndicated req/s | nginx req/s | ratio | syndicated p99 ms | nginx p99 ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for case in identity gzip 304; do
  case $case in
    identity) sh=""; nh="" ;;
    gzip) sh="Accept-Encoding: gzip"; nh="Accept-Encoding: gzip" ;;
    304) sh="If-None-Match: $syn_etag"; nh="If-None-Match: $ngx_etag" ;;
  esac
  read -r s_rps s_p99 < <(run $syn_port "$sh")
  read -r n_rps n_p99 < <(run $ngx_port "$nh")
  ratio=$(awk -v a="$s_rps" -v b="$n_rps" 'BEGIN{printf "%.2f", a/b}')
  echo "| $case | $s_rps | $n_rps | ${ratio}x | $s_p99 | $n_p99 |"
done
kill -0 "$syn_pid" 2>/dev/null || { echo "syndicated exited during the run:" >&2; cat "$work/syn.out" >&2; exit 1; }
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
