#!/bin/sh
# Ambassador: for every <NAME>_PORT_<p>_TCP=tcp://<host>:<port> variable, accept on port p and forward
# each connection to host:port.
#
# AMBASSADOR_MODE picks how:
#   kernel  DNAT in this container's own network namespace (needs NET_ADMIN and net.ipv4.ip_forward=1);
#           no byte is copied in user space
#   relay   one socat per port, in user space; needs nothing special
#   auto    kernel when the container allows it, else relay (default)
# It logs `ambassador: mode <mode>` once decided and `ambassador: ready` once it forwards.
set -u

routes() {
  env | sed -n 's/^\([A-Za-z0-9_]*_PORT_\([0-9]*\)_TCP\)=tcp:\/\/\(.*\):\([0-9]*\)$/\2 \3 \4/p' | sort -u
}

resolve() {
  case $1 in
    *[!0-9.]*) ping -c 1 -W 1 "$1" 2>/dev/null | sed -n 's/^PING [^ ]* (\([0-9.]*\)).*/\1/p' | head -1 ;;
    *) echo "$1" ;;
  esac
}

kernel_possible() {
  [ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" = 1 ] && iptables -t nat -S >/dev/null 2>&1
}

# Rules for every route, rebuilt whenever a destination resolves to another address.
kernel_rules() {
  rules="*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
"
  while read -r listen host port; do
    ip=$(resolve "$host")
    [ -n "$ip" ] || { echo "ambassador: cannot resolve $host" >&2; return 1; }
    rules="$rules-A PREROUTING -p tcp --dport $listen -j DNAT --to-destination $ip:$port
-A POSTROUTING -p tcp -d $ip --dport $port -j MASQUERADE
"
  done <<ROUTES
$(routes)
ROUTES
  printf '%sCOMMIT\n' "$rules"
}

run_kernel() {
  applied=""
  trap 'exit 0' TERM INT
  while :; do
    if wanted=$(kernel_rules) && [ "$wanted" != "$applied" ]; then
      if printf '%s\n' "$wanted" | iptables-restore; then
        [ -n "$applied" ] && echo "ambassador: destinations changed, rules updated"
        [ -n "$applied" ] || echo "ambassador: ready"
        applied=$wanted
      else
        echo "ambassador: iptables-restore failed" >&2
        [ -n "$applied" ] || exit 1
      fi
    fi
    sleep 5 &
    wait $!
  done
}

listening() {
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "^ *[0-9]*: [0-9A-F]*:$(printf '%04X' "$1") [0-9A-F]*:0000 0A"
}

run_relay() {
  trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
  while read -r listen host port; do
    socat -b 131072 "TCP-LISTEN:$listen,fork,reuseaddr,nodelay" "TCP:$host:$port,nodelay" &
  done <<ROUTES
$(routes)
ROUTES
  routes | while read -r listen host port; do
    tries=0
    until listening "$listen" || [ "$tries" -ge 40 ]; do sleep 0.05; tries=$((tries + 1)); done
  done
  echo "ambassador: ready"
  wait
}

[ -n "$(routes)" ] || { echo "ambassador: no <NAME>_PORT_<p>_TCP=tcp://host:port variable set" >&2; exit 2; }

mode=${AMBASSADOR_MODE:-auto}
case $mode in
  auto) if kernel_possible; then mode=kernel; else mode=relay; fi ;;
  kernel) kernel_possible || { echo "ambassador: kernel mode needs NET_ADMIN and net.ipv4.ip_forward=1" >&2; exit 3; } ;;
  relay) ;;
  *) echo "ambassador: AMBASSADOR_MODE must be kernel, relay or auto, got '$mode'" >&2; exit 2 ;;
esac
echo "ambassador: mode $mode"
echo "$mode" >/run/ambassador.mode 2>/dev/null || true
routes | while read -r listen host port; do echo "ambassador: :$listen -> $host:$port"; done
"run_$mode"
