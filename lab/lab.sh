#!/usr/bin/env bash
# Three real Docker Engines on one machine, standing in for three clusters (clustera, clusterb, clusterc).
# Each host is a network namespace on a private bridge, with its own dockerd serving the API over TLS.
#
#   lab.sh up      start the lab (harmless when it is already up); prints the three credentials bundles, registers
#                  the hosts as clustera, clusterb and clusterc in the bot's store (AMBASSADOR_STORE, default
#                  ./data/ambassador.json) and starts `app` (hello-app) on clustera
#     --no-register  do not touch the store
#     --no-app       do not start `app`
#   lab.sh down    remove every trace: engines, containers, namespaces, bridge, iptables rules, files, and the
#                  clusters `up` registered (those only)
#   lab.sh unregister  remove the clusters `up` registered, and only those, leaving the lab up
#   lab.sh status  say whether the lab is up
#   lab.sh env     print shell variables describing the lab
#
# AMBASSADOR_LAB_ID (0-99, default 0) lets several labs run side by side.
set -euo pipefail

LAB_ID=${AMBASSADOR_LAB_ID:-0}
[[ $LAB_ID =~ ^[0-9]{1,2}$ ]] || { echo "lab: AMBASSADOR_LAB_ID must be a number from 0 to 99, got '$LAB_ID'" >&2; exit 2; }
SUBNET=10.213.$LAB_ID
BRIDGE=ambbr$LAB_ID
LAB_DIR=${AMBASSADOR_LAB_DIR:-/var/lib/ambassador-lab/$LAB_ID}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# One line per cluster `up` registered: store, name, Docker URL; `down` removes exactly those.
REGISTERED=$LAB_DIR/registered
HOSTS=(clustera clusterb clusterc)
DEB_PACKAGES=(docker.io iproute2 openssl busybox-static socat haproxy iptables)

host_ip() { case $1 in clustera) echo "$SUBNET.2" ;; clusterb) echo "$SUBNET.3" ;; clusterc) echo "$SUBNET.4" ;; esac; }
host_short() { echo "${1: -1}"; }
netns_name() { echo "amb$LAB_ID-$1"; }
exec_root() { echo "/run/amb$LAB_ID-$(host_short "$1")"; }
socket_path() { echo "$(exec_root "$1")/docker.sock"; }
cgroup_parent() { echo "amb$LAB_ID-$(host_short "$1")"; }
bundle_dir() { echo "$LAB_DIR/$1/bundle"; }
pidfile() { echo "$LAB_DIR/$1/dockerd.pid"; }

file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
log() { echo "lab: $*" >&2; }
die() { echo "lab: $*" >&2; exit 1; }

require_host() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (it creates network namespaces and starts dockerd); try: sudo npm run lab:up"
  [[ -e /proc/self/ns/net ]] || die "this kernel has no network namespaces; the lab needs Linux with CONFIG_NET_NS"
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v ip >/dev/null && command -v ss >/dev/null || missing+=(iproute2)
  command -v openssl >/dev/null || missing+=(openssl)
  [[ -x /bin/busybox ]] && file_is_static /bin/busybox || missing+=(busybox-static)
  command -v socat >/dev/null || missing+=(socat)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v xtables-nft-multi >/dev/null || missing+=(iptables)
  command -v docker >/dev/null || missing+=(docker.io)
  if ((${#missing[@]})); then
    log "installing missing Debian packages: ${missing[*]}"
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them; install: ${DEB_PACKAGES[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
      die "could not install ${missing[*]} with apt-get"
  fi
  ip netns add "amb$LAB_ID-probe" 2>/dev/null && ip netns del "amb$LAB_ID-probe" ||
    die "cannot create a network namespace here (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"
}

docker_on() { local h=$1; shift; DOCKER_HOST=unix://$(socket_path "$h") DOCKER_TLS_VERIFY= DOCKER_CERT_PATH= docker "$@"; }

engine_up() { [[ -S $(socket_path "$1") ]] && docker_on "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

make_certs() {
  local h=$1 ip dir tmp
  ip=$(host_ip "$h")
  dir=$LAB_DIR/$h
  tmp=$dir/pki
  mkdir -p "$tmp" "$(bundle_dir "$h")"
  chmod 700 "$dir" "$tmp" "$(bundle_dir "$h")"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=$h lab CA" \
    -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$h" \
    -keyout "$tmp/server-key.pem" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s,IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$ip" >"$tmp/server.ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial -days 30 \
    -extfile "$tmp/server.ext" -out "$tmp/server.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=ambassador client" \
    -keyout "$(bundle_dir "$h")/key.pem" -out "$tmp/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$tmp/client.ext"
  openssl x509 -req -in "$tmp/client.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial -days 30 \
    -extfile "$tmp/client.ext" -out "$(bundle_dir "$h")/cert.pem" 2>/dev/null
  cp "$tmp/ca.pem" "$(bundle_dir "$h")/ca.pem"
  cat >"$(bundle_dir "$h")/docker.env" <<EOF
export DOCKER_HOST=tcp://$ip:2376
export DOCKER_TLS_VERIFY=1
export DOCKER_CERT_PATH=$(bundle_dir "$h")
EOF
  chmod 600 "$(bundle_dir "$h")"/*.pem "$(bundle_dir "$h")/docker.env"
}

make_network() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || {
    ip link add "$BRIDGE" type bridge
    ip addr add "$SUBNET.1/24" dev "$BRIDGE"
  }
  ip link set "$BRIDGE" up
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null ||
    iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  local h ns veth
  for h in "${HOSTS[@]}"; do
    ns=$(netns_name "$h")
    veth=vamb$LAB_ID$(host_short "$h")
    [[ -e /run/netns/$ns ]] || ip netns add "$ns"
    if ! ip link show "$veth" >/dev/null 2>&1; then
      ip link add "$veth" type veth peer name eth0 netns "$ns"
      ip link set "$veth" master "$BRIDGE" up
      ip -n "$ns" addr add "$(host_ip "$h")/24" dev eth0
      ip -n "$ns" link set eth0 up
      ip -n "$ns" link set lo up
      ip -n "$ns" route add default via "$SUBNET.1"
    fi
  done
}

start_engine() {
  local h=$1 dir=$LAB_DIR/$1 pki=$LAB_DIR/$1/pki pid i
  engine_up "$h" && return 0
  # An engine still stopping (killed a moment ago) holds its pid file: the new one would refuse to start.
  pid=$(cat "$(pidfile "$h")" 2>/dev/null || true)
  for ((i = 0; i < 100; i++)); do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  mkdir -p "$dir/data" "$(exec_root "$h")"
  nsenter --net="/run/netns/$(netns_name "$h")" \
    dockerd --data-root "$dir/data" --exec-root "$(exec_root "$h")" --pidfile "$(pidfile "$h")" \
    --host "unix://$(socket_path "$h")" --host "tcp://$(host_ip "$h"):2376" \
    --tlsverify --tlscacert "$pki/ca.pem" --tlscert "$pki/server.pem" --tlskey "$pki/server-key.pem" \
    --cgroup-parent "/$(cgroup_parent "$h")" --shutdown-timeout 3 --storage-driver overlay2 \
    --log-level warn >"$dir/dockerd.log" 2>&1 </dev/null &
  disown
}

wait_engine() {
  local h=$1 i
  for ((i = 0; i < 150; i++)); do
    engine_up "$h" && return 0
    sleep 0.1
  done
  tail -20 "$LAB_DIR/$h/dockerd.log" >&2 || true
  die "dockerd for $h did not answer within 15 s (log: $LAB_DIR/$h/dockerd.log)"
}

copy_with_libs() {
  local root=$1 bin=$2 lib
  mkdir -p "$root$(dirname "$bin")"
  cp -L "$bin" "$root$bin"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# One root filesystem serves every lab image: busybox, socat, HAProxy, iptables and ss, plus the demo apps and the
# ambassador entrypoints. Each image is the same filesystem with its own config.
build_rootfs() {
  local root=$LAB_DIR/rootfs applet
  rm -rf "$root"
  mkdir -p "$root"/{bin,sbin,etc,tmp,proc,sys,dev,run,var/run,srv/app,srv/web/cgi-bin,usr/lib/x86_64-linux-gnu}
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh ash cat echo env grep sed awk sleep wget nc httpd ls ps kill mkdir rm printf tr cut head \
    tail date hostname ip true false test expr seq time timeout dd wc sort uniq ping nslookup tar; do
    ln -sf busybox "$root/bin/$applet"
  done
  copy_with_libs "$root" "$(command -v socat)"
  copy_with_libs "$root" "$(command -v haproxy)"
  copy_with_libs "$root" /usr/sbin/xtables-nft-multi
  copy_with_libs "$root" "$(command -v ss)"
  cp -a /usr/lib/x86_64-linux-gnu/xtables "$root/usr/lib/x86_64-linux-gnu/"
  for applet in iptables iptables-save iptables-restore; do ln -sf xtables-nft-multi "$root/usr/sbin/$applet"; done
  mkdir -p "$root/usr/bin" && mv "$root$(command -v socat)" "$root/usr/bin/socat" 2>/dev/null || true
  # ss in /usr/bin wherever the host keeps it: an ambassador run with PATH=/usr/sbin:/sbin:/bin goes without it.
  [[ $(command -v ss) == /usr/bin/ss ]] || mv "$root$(command -v ss)" "$root/usr/bin/ss"
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  echo 'Hello World!' >"$root/srv/app/index.html"
  cat >"$root/srv/web/cgi-bin/index.cgi" <<'EOF'
#!/bin/sh
# The linked container as the link's variables name it (<ALIAS>_PORT_5000_TCP=tcp://host:port, not a linked
# container's own copied ones, <ALIAS>_ENV_…), so any alias works; helloapp, as in the seed tutorial, without them.
upstream=$(env | grep -v '_ENV_' | sed -n 's|^[A-Za-z0-9_]*_PORT_5000_TCP=tcp://||p' | head -n 1)
upstream=${upstream:-helloapp:5000}
reply=$(timeout 5 wget -q -O - "http://$upstream/" 2>&1) || reply="(${upstream%:*} did not answer)"
printf 'Content-Type: text/plain\r\n\r\n'
printf 'The linked container says ... "%s"\n' "$reply"
EOF
  chmod 755 "$root/srv/web/cgi-bin/index.cgi"
  install -m 755 "$HERE/../ambassador/entrypoint.sh" "$root/bin/ambassador"
  # Where an ambassador's TLS files go (the Engine's archive upload needs the folder; the stdin unpack uses it too).
  install -d -m 700 "$root/run/ambassador/tls"
  install -m 755 "$HERE/seed-ambassador.sh" "$root/bin/seed-ambassador"
  tar -C "$root" -cf "$LAB_DIR/rootfs.tar" .
}

# name|config changes
IMAGES=(
  "hello-app:latest|EXPOSE 5000|CMD [\"httpd\", \"-f\", \"-p\", \"5000\", \"-h\", \"/srv/app\"]"
  "hello-web:latest|EXPOSE 5000|CMD [\"httpd\", \"-f\", \"-p\", \"5000\", \"-h\", \"/srv/web\"]"
  "ambassador-bot/ambassador:latest|ENTRYPOINT [\"/bin/ambassador\"]|LABEL io.ambassador.handshake=1 io.ambassador.tls-files=stdin"
  "svendowideit/ambassador:latest|ENTRYPOINT [\"/bin/seed-ambassador\"]"
  "ambassador-lab/toolbox:latest|CMD [\"sleep\", \"86400\"]"
)

load_images() {
  local h=$1 spec name changes part
  docker_on "$h" import "$LAB_DIR/rootfs.tar" ambassador-lab/rootfs:latest >/dev/null
  for spec in "${IMAGES[@]}"; do
    IFS='|' read -ra part <<<"$spec"
    name=${part[0]}
    changes=()
    for c in "${part[@]:1}"; do changes+=(--change "$c"); done
    local cid
    cid=$(docker_on "$h" create ambassador-lab/rootfs:latest /bin/true)
    docker_on "$h" commit "${changes[@]}" "$cid" "$name" >/dev/null
    docker_on "$h" rm "$cid" >/dev/null
  done
}

images_loaded() {
  local stamp
  stamp=$(cat "$HERE/../ambassador/entrypoint.sh" "$HERE/seed-ambassador.sh" "$0" | sha256sum | cut -c1-16)
  [[ -f $LAB_DIR/$1/images.$stamp ]] && return 0
  rm -f "$LAB_DIR/$1"/images.*
  return 1
}

mark_images() {
  local stamp
  stamp=$(cat "$HERE/../ambassador/entrypoint.sh" "$HERE/seed-ambassador.sh" "$0" | sha256sum | cut -c1-16)
  touch "$LAB_DIR/$1/images.$stamp"
}

write_env() {
  {
    echo "AMBASSADOR_LAB_ID=$LAB_ID"
    echo "LAB_DIR=$LAB_DIR"
    echo "LAB_BRIDGE_IP=$SUBNET.1"
    local h u
    for h in "${HOSTS[@]}"; do
      u=$(echo "$h" | tr a-z A-Z)
      echo "LAB_${u}_IP=$(host_ip "$h")"
      echo "LAB_${u}_ENV=$(bundle_dir "$h")/docker.env"
      echo "LAB_${u}_SOCKET=$(socket_path "$h")"
      echo "LAB_${u}_NETNS=$(netns_name "$h")"
      echo "LAB_${u}_PIDFILE=$(pidfile "$h")"
    done
  } >"$LAB_DIR/lab.env"
}

up() {
  require_host
  local start=$SECONDS h
  mkdir -p "$LAB_DIR"
  chmod 700 "$LAB_DIR"
  make_network
  for h in "${HOSTS[@]}"; do
    [[ -f $(bundle_dir "$h")/docker.env && -f $LAB_DIR/$h/pki/server.pem ]] || { make_certs "$h" && touch "$(unregistered_mark "$h")"; }
    start_engine "$h"
  done
  local need_images=()
  for h in "${HOSTS[@]}"; do wait_engine "$h"; images_loaded "$h" || need_images+=("$h"); done
  if ((${#need_images[@]})); then
    build_rootfs
    local pids=()
    for h in "${need_images[@]}"; do
      load_images "$h" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "loading images failed"; done
    for h in "${need_images[@]}"; do mark_images "$h"; done
    rm -rf "$LAB_DIR/rootfs" "$LAB_DIR/rootfs.tar"
  fi
  write_env
  log "up in $((SECONDS - start)) s"
  for h in "${HOSTS[@]}"; do
    echo "$h: $(bundle_dir "$h")/docker.env (docker at tcp://$(host_ip "$h"):2376)"
  done
  ((REGISTER)) && register
  ((APP)) && start_app
  return 0
}

# The bot's own CLI, as `npm run cli` runs it, from the repository (the store path is resolved there).
ambassador_cli() {
  [[ -x $REPO/node_modules/.bin/tsx ]] || { log "the bot's CLI is not installed here: run npm ci first (or pass --no-register)"; return 1; }
  (cd "$REPO" && AMBASSADOR_STORE=$1 node_modules/.bin/tsx -- src/cli.ts "${@:2}")
}

store_path() { (cd "$REPO" && realpath -m -- "${AMBASSADOR_STORE:-./data/ambassador.json}"); }

registered_url() { awk -v n="$2" '$1 == n { print $2 }' <<<"$(ambassador_cli "$1" clusters list 2>/dev/null)"; }

# Made with a host's certificates, removed once a store registered them: until then, one registered at the host's
# address holds certificates of an earlier lab.
unregistered_mark() { echo "$LAB_DIR/$1/certificates-not-registered"; }

# Registers the hosts under their names. One already registered at this lab's address is registered again when the
# lab has given it certificates since (a lab made anew), and left as it is otherwise (a lab already up, or an engine
# started again), links and all; a name taken by another host is left as it is.
register() {
  local store h url existing
  store=$(store_path)
  for h in "${HOSTS[@]}"; do
    url=tcp://$(host_ip "$h"):2376
    existing=$(registered_url "$store" "$h")
    if [[ -n $existing && $existing != "$url" ]]; then
      log "not registering $h: $store already has a cluster $h at $existing (remove it with: npm run cli -- clusters remove $h)"
      continue
    fi
    if [[ -n $existing && ! -e $(unregistered_mark "$h") ]]; then
      echo "$h is registered in $store already"
      continue
    fi
    if [[ -n $existing ]]; then
      ambassador_cli "$store" clusters remove "$h" >/dev/null ||
        die "$h is registered at this lab's address with links on it; tear them down, then run lab:up again"
    fi
    ambassador_cli "$store" clusters add "$h" --docker-env "$(bundle_dir "$h")/docker.env" >/dev/null ||
      die "could not register $h in $store"
    rm -f "$(unregistered_mark "$h")"
    grep -qxF "$store"$'\t'"$h"$'\t'"$url" "$REGISTERED" 2>/dev/null ||
      printf '%s\t%s\t%s\n' "$store" "$h" "$url" >>"$REGISTERED"
    echo "registered $h in $store"
  done
}

# Removes what `register` added, where it still names this lab's host; anything else in the store stays.
unregister() {
  [[ -f $REGISTERED ]] || return 0
  local store h url
  while IFS=$'\t' read -r store h url; do
    [[ -f $store ]] || continue
    [[ $(registered_url "$store" "$h") == "$url" ]] || continue
    if ambassador_cli "$store" clusters remove "$h" >/dev/null; then
      echo "unregistered $h from $store"
    else
      log "left $h in $store: tear down its links, then: npm run cli -- clusters remove $h"
    fi
  done <"$REGISTERED"
  rm -f "$REGISTERED"
}

# The seed tutorial's source container, so `link app clustera clusterb --web hello-web` works as printed.
start_app() {
  if docker_on clustera container inspect app >/dev/null 2>&1; then
    docker_on clustera start app >/dev/null
  else
    docker_on clustera run -d --name app --restart unless-stopped hello-app:latest >/dev/null
  fi
  echo "app (hello-app) runs on clustera"
}

kill_cgroup() {
  local name=$1 ctl procs pid
  for ctl in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
    [[ -d $ctl ]] || continue
    while read -r procs; do
      while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$procs"
    done < <(find "$ctl" -name cgroup.procs 2>/dev/null)
  done
  sleep 0.2
  for ctl in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
    [[ -d $ctl ]] && find "$ctl" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

stop_engine() {
  local h=$1 pid i
  pid=$(cat "$(pidfile "$h")" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  # Whatever a crashed engine left: containerd, shims, container processes.
  pkill -9 -f -- "$(exec_root "$h")/" 2>/dev/null || true
  kill_cgroup "$(cgroup_parent "$h")"
  local mnt
  while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done < <(awk -v d="$LAB_DIR/$h/" -v e="$(exec_root "$h")/" \
    'index($2, d) == 1 || index($2, e) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf "$(exec_root "$h")"
}

down() {
  [[ $(id -u) -eq 0 ]] || die "must run as root; try: sudo npm run lab:down"
  unregister || log "could not remove the clusters lab:up registered; see $REGISTERED"
  local h
  for h in "${HOSTS[@]}"; do stop_engine "$h" & done
  wait
  for h in "${HOSTS[@]}"; do
    ip netns del "$(netns_name "$h")" 2>/dev/null || true
    ip link del "vamb$LAB_ID$(host_short "$h")" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do :; done
  rm -rf "$LAB_DIR"
  log "down"
}

status() {
  local h ok=0
  for h in "${HOSTS[@]}"; do
    if engine_up "$h"; then echo "$h: up at tcp://$(host_ip "$h"):2376"; else echo "$h: down"; ok=1; fi
  done
  return $ok
}

REGISTER=1
APP=1
for option in "${@:2}"; do
  case $option in
    --no-register) REGISTER=0 ;;
    --no-app) APP=0 ;;
    *) echo "lab: unknown option '$option'; lab.sh up takes --no-register and --no-app" >&2; exit 2 ;;
  esac
done

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  unregister) unregister ;;
  env) cat "$LAB_DIR/lab.env" ;;
  *) echo "usage: lab.sh up [--no-register] [--no-app] | down | unregister | status | env" >&2; exit 2 ;;
esac
