#!/bin/sh
# Ambassador: for every <NAME>_PORT_<p>_TCP=tcp://<host>:<port> variable, accept on port p and forward
# each connection to host:port.
#
# AMBASSADOR_MODE picks how:
#   kernel  DNAT in this container's own network namespace (needs NET_ADMIN and net.ipv4.ip_forward=1);
#           no byte is copied in user space
#   relay   HAProxy in user space, bytes moved between the sockets by the kernel (splice); needs nothing special
#   tls     HAProxy, mutual TLS 1.3 on one side of every port; AMBASSADOR_TLS_ROLE says which:
#             server  TLS in, plain out (beside the source container)
#             client  plain in, TLS out (beside the consumer, towards the server's published port)
#           AMBASSADOR_TLS_PEER is the common name the peer's certificate must carry (a server may accept several,
#           comma-separated: one per target of a fanned-out link). The CA (ca.pem) and this
#           side's certificate followed by its key (cert.pem) are files in /run/ambassador/tls, put there
#           before or while the container starts, with an empty file `complete` last (AMBASSADOR_TLS_WAIT
#           seconds, 30 by default, are allowed for them to come). With AMBASSADOR_TLS_FILES=stdin they come
#           instead as a tar archive of ambassador/tls on standard input, written before the first start (the
#           container is created with OpenStdin and StdinOnce) and unpacked at /run within AMBASSADOR_TLS_WAIT
#           seconds; a restart finds them there.
#   auto    kernel when the container allows it, else relay (default); never tls
#           AMBASSADOR_CONSUMER_ADDRESS (client only) is a loopback address such as 127.0.0.2 that the consumer,
#           running in this container's network namespace, reaches the routes on: each route listens on a port of
#           127.0.0.1 from 61000 up (above the kernel's ephemeral ports), past any the consumer listens on or holds
#           itself, and connections to the address's port p are redirected there (needs NET_ADMIN), so the
#           consumer's own ports stay free and nothing outside the namespace reaches the link.
# AMBASSADOR_ADMIT (comma-separated IPv4 CIDRs) limits who may connect to the listening ports; unset, anyone may.
# With NET_ADMIN the kernel refuses the others at their first packet; without, the listener closes their connections.
# AMBASSADOR_CHECK_DESTINATIONS=1 (beside the source container) tries a TCP connection to every route's destination
# as forwarding starts, all at once, and before `ready` logs `ambassador: warning: nothing answers at <host>:<port>`
# for each that refuses it or does not connect within a second (two at most, with its name lookup); forwarding
# starts all the same, for an app still starting.
# It logs `ambassador: mode <mode>` once decided and `ambassador: ready` once it forwards.
set -u

TLS_DIR=/run/ambassador/tls

fail() {
  echo "ambassador: $*" >&2
  exit 2
}

# A name with _ENV_ in it is a copy Docker's links make of the linked container's own environment
# (HELLOAPP_ENV_DB_PORT_5432_TCP), never a route of this ambassador's.
routes() {
  env | sed -n '/^[A-Za-z0-9_]*_ENV_[A-Za-z0-9_]*=/d; s/^\([A-Za-z0-9_]*_PORT_\([0-9]*\)_TCP\)=tcp:\/\/\(.*\):\([0-9]*\)$/\2 \3 \4/p' | sort -u
}

# Whether a route's host is a name rather than an IPv4 address.
is_name() {
  case $1 in *[!0-9.]*) return 0 ;; *) return 1 ;; esac
}

resolve() {
  case $1 in
    *[!0-9.]*) ping -c 1 -W 1 "$1" 2>/dev/null | sed -n 's/^PING [^ ]* (\([0-9.]*\)).*/\1/p' | head -1 ;;
    *) echo "$1" ;;
  esac
}

# AMBASSADOR_ADMIT as CIDRs separated by spaces, a bare address taken as /32, every number written in decimal without
# leading zeros (which some readers would take for octal), or `bad <item>` for the first that is none, or for a value
# that names none; nothing when unset (and no process started). Commas or newlines separate the items.
admitted() {
  [ -n "${AMBASSADOR_ADMIT:-}" ] || return 0
  awk 'function decimal(digits) {
      sub(/^0+/, "", digits)
      return digits == "" ? 0 : digits + 0
    }
    BEGIN {
    list = ENVIRON["AMBASSADOR_ADMIT"]
    count = split(list, items, /[,\n]/)
    out = ""
    for (i = 1; i <= count; i++) {
      item = items[i]
      gsub(/^[ \t\r]+|[ \t\r]+$/, "", item)
      if (item == "") continue
      n = split(item, part, "/")
      bits = n == 2 ? part[2] : "32"
      ok = n <= 2 && bits ~ /^[0-9]+$/ && decimal(bits) <= 32 && split(part[1], octet, ".") == 4
      address = ""
      for (j = 1; ok && j <= 4; j++) {
        ok = octet[j] ~ /^[0-9]+$/ && decimal(octet[j]) <= 255
        address = address (j > 1 ? "." : "") decimal(octet[j])
      }
      if (!ok) { print "bad " item; exit }
      out = out (out == "" ? "" : " ") address "/" decimal(bits)
    }
    if (out == "") { print "bad " list; exit }
    print out
  }'
}

iptables_possible() {
  iptables -t filter -S >/dev/null 2>&1
}

kernel_possible() {
  [ "$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null)" = 1 ] && iptables -t nat -S >/dev/null 2>&1
}

# Our rules live in chains of our own, jumped to once from the built-in ones, so Docker's rules in this
# namespace (its embedded DNS among them) are never touched.
hook_chain() {
  table=$1 builtin=$2 chain=$3
  iptables -t "$table" -N "$chain" 2>/dev/null
  iptables -t "$table" -C "$builtin" -j "$chain" 2>/dev/null || iptables -t "$table" -A "$builtin" -j "$chain"
}

# This ambassador's chain $3 in table $1 holding the rules $4 (made, or emptied and filled again) and, unless the
# built-in chain $2 jumps to it already, that jump, in one iptables-restore.
restore_own_chain() {
  own_table=$1 own_builtin=$2 own_chain=$3 own_rules=$4
  iptables -t "$own_table" -C "$own_builtin" -j "$own_chain" 2>/dev/null || own_rules="$own_rules-A $own_builtin -j $own_chain
"
  iptables-restore --noflush <<RULES
*$own_table
:$own_chain - [0:0]
${own_rules}COMMIT
RULES
}

# Connections to a listening port from outside AMBASSADOR_ADMIT are reset before anything answers them.
apply_admit_rules() {
  rules=""
  while read -r listen host port; do
    for cidr in $admit; do
      rules="$rules-A AMB_ADMIT -p tcp -s $cidr --dport $listen -j ACCEPT
"
    done
    rules="$rules-A AMB_ADMIT -p tcp --dport $listen -j REJECT --reject-with tcp-reset
"
  done <<ROUTES
$ROUTES
ROUTES
  restore_own_chain filter INPUT AMB_ADMIT "$rules"
}

# Rules for every route, rebuilt whenever a destination resolves to another address. With AMBASSADOR_ADMIT,
# only admitted sources are forwarded; the others reach this namespace's own ports, where AMB_ADMIT resets them.
kernel_rules() {
  rules="*nat
:AMB_PRE - [0:0]
:AMB_POST - [0:0]
"
  while read -r listen host port; do
    ip=$(resolve "$host")
    [ -n "$ip" ] || { echo "ambassador: cannot resolve $host" >&2; return 1; }
    for cidr in ${admit:-any}; do
      from="-s $cidr "
      [ "$cidr" = any ] && from=""
      rules="$rules-A AMB_PRE -p tcp $from--dport $listen -j DNAT --to-destination $ip:$port
"
    done
    rules="$rules-A AMB_POST -p tcp -d $ip --dport $port -j MASQUERADE
"
  done <<ROUTES
$ROUTES
ROUTES
  printf '%sCOMMIT\n' "$rules"
}

run_kernel() {
  hook_chain nat PREROUTING AMB_PRE && hook_chain nat POSTROUTING AMB_POST ||
    { echo "ambassador: cannot add this ambassador's iptables chains" >&2; exit 1; }
  if [ -n "$admit" ]; then
    apply_admit_rules || { echo "ambassador: cannot apply the AMBASSADOR_ADMIT rules" >&2; exit 1; }
  fi
  applied=""
  trap 'exit 0' TERM INT
  while :; do
    if wanted=$(kernel_rules) && [ "$wanted" != "$applied" ]; then
      if printf '%s\n' "$wanted" | iptables-restore --noflush; then
        [ -n "$applied" ] && echo "ambassador: destinations changed, rules updated"
        [ -n "$applied" ] || { said_checks; echo "ambassador: ready"; }
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

# Waits $1 seconds with the shell's own `read` on a FIFO nothing writes to: no process is started per wait, so an
# ambassador that only watches starts none. `sleep` where the FIFO cannot be made, or where this shell's `read` has
# no -t (dash): found out once, by a first wait that must end in a timeout (1, or above 128 in bash), not an error.
# The FIFO is made at the first wait, not before: a run that refuses its settings, or a probe, leaves nothing behind.
PAUSE_FIFO=/run/ambassador-pause
pause_reads=""
pause_known=""
pause() {
  if [ -z "$pause_known" ]; then
    pause_known=1
    if [ -p "$PAUSE_FIFO" ] || mkfifo -m 600 "$PAUSE_FIFO" 2>/dev/null; then
      read -r -t 0.001 _ <>"$PAUSE_FIFO" 2>/dev/null
      waited=$?
      { [ "$waited" -eq 1 ] || [ "$waited" -gt 128 ]; } && pause_reads=1
    fi
  fi
  if [ -n "$pause_reads" ]; then
    read -r -t "$1" _ <>"$PAUSE_FIFO"
  else
    sleep "$1"
  fi
}

# The TCP ports a socket of this network namespace listens on (or with $1 = held, is bound to in any state, a
# connection's own port among them; TIME-WAIT too, which keeps HAProxy off a port the closed socket did not share),
# as " <port> <port> ... " in $listened.
# From ss where the image has it: for listening sockets it asks the kernel's socket diagnostics for those alone, a
# millisecond with its start (without them, ss reads /proc/net/tcp itself). In an image without ss, from
# /proc/net/tcp (ports in hexadecimal) with the shell's own `read` and arithmetic, which starts no process but walks
# every TCP socket of the host: several milliseconds of CPU each time on a large one.
LISTENING=/tmp/ambassador-listening
ss_usable=1
command -v ss >/dev/null 2>&1 || ss_usable=""
listened_ports() {
  listened=" "
  ss_states=-Hltn
  [ "${1:-}" != held ] || ss_states=-Htan
  if [ -n "$ss_usable" ] && ss "$ss_states" >"$LISTENING" 2>/dev/null; then
    while read -r _ _ _ local _; do
      case ${local##*:} in '' | *[!0-9]*) continue ;; esac
      listened="$listened${local##*:} "
    done <"$LISTENING"
    return 0
  fi
  # An ss that fails is not asked again.
  ss_usable=""
  for table in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$table" ] || continue
    # With no IPv6 TCP socket in the namespace (count_tcp6, just before), there is nothing to find in the second;
    # with their count unknown, it is read.
    [ "$table" = /proc/net/tcp ] || [ "${tcp6_count:-1}" -gt 0 ] || continue
    while read -r _ local _ state _; do
      [ "$state" = 0A ] || [ "${1:-}" = held ] || continue
      case ${local##*:} in '' | *[!0-9A-Fa-f]*) continue ;; esac
      listened="$listened$((0x${local##*:})) "
    done <"$table"
  done
}

# Whether port $1 was among $listened at the last listened_ports.
listening() {
  case $listened in *" $1 "*) return 0 ;; esac
  return 1
}

# How many IPv6 TCP sockets this network namespace has in use, as $tcp6_count: a counter the kernel keeps for each
# namespace, read at no cost, where a read of /proc/net/tcp6 walks every TCP socket of the host (several
# milliseconds of CPU each time on a busy one). Empty, "unknown", when /proc/net/sockstat6 cannot be read.
count_tcp6() {
  tcp6_count=
  [ -r /proc/net/sockstat6 ] || return 0
  while read -r proto _ count _; do
    [ "$proto" != TCP6: ] || tcp6_count=$count
  done </proc/net/sockstat6
}

# Whether process $1 has exited (a child not yet waited for is a zombie, which `kill -0` would still find).
exited() {
  [ -r "/proc/$1/stat" ] || return 0
  read -r _ _ state _ <"/proc/$1/stat"
  [ "$state" = Z ]
}

# socat's side of a TLS connection, as the probe makes it.
tls_options() {
  printf 'cert=%s/cert.pem,cafile=%s/ca.pem,verify=1,commonname=%s,openssl-min-proto-version=TLS1.3' \
    "$TLS_DIR" "$TLS_DIR" "$AMBASSADOR_TLS_PEER"
}

# The uid and gid HAProxy runs as once it has bound its ports: nobody's.
HAPROXY_UID=65534

# This shell's own uid, from its status: HAProxy taking $HAPROXY_UID says it has bound only if it started as another.
own_uid=""
while read -r key uid _; do
  [ "$key" != Uid: ] || own_uid=$uid
done </proc/$$/status

# The first port routes listen on inside a namespace shared with the consumer: above Linux's ephemeral ports, so
# no outgoing connection of the consumer's holds it.
INNER_BASE=61000

# Inner ports the consumer holds itself (it listened there first), which routes skip: found once HAProxy could not
# bind them.
inner_held=""

# The port route $1 listens on, in $inner: its own, or with a consumer address, the next port from 61000 for each
# route in turn, past the ones in $inner_held. No process is started.
inner_port() {
  inner=$1
  [ -n "${AMBASSADOR_CONSUMER_ADDRESS:-}" ] || return 0
  inner=$INNER_BASE
  while read -r listen_at _; do
    while case " $inner_held " in *" $inner "*) true ;; *) false ;; esac; do inner=$((inner + 1)); done
    [ "$listen_at" != "$1" ] || return 0
    inner=$((inner + 1))
  done <<ROUTES
$ROUTES
ROUTES
}

# While HAProxy does not run beside a consumer: the inner ports another socket listens on (the consumer's) are added
# to $inner_held, and their routes told, until every route's port is free; false when none was held, so that
# retrying would not help. With $1 = held (once HAProxy could not bind), ports the consumer holds in any state count.
hold_taken_inner_ports() {
  held_before=$inner_held
  uses="listens on"
  [ "${1:-}" != held ] || uses="holds"
  moved=1
  while [ -n "$moved" ]; do
    moved=""
    listened_ports "${1:-}"
    while read -r listen _; do
      inner_port "$listen"
      listening "$inner" || continue
      echo "ambassador: the consumer $uses port $inner itself; route :$listen takes another inner port"
      inner_held="$inner_held $inner"
      moved=1
    done <<ROUTES
$ROUTES
ROUTES
  done
  [ "$inner_held" != "$held_before" ]
}

# Connections of the namespace's own processes to the consumer address's route ports go to the inner ports.
apply_consumer_rules() {
  rules=""
  while read -r listen host port; do
    inner_port "$listen"
    rules="$rules-A AMB_OUT -p tcp -d $AMBASSADOR_CONSUMER_ADDRESS --dport $listen -j REDIRECT --to-ports $inner
"
  done <<ROUTES
$ROUTES
ROUTES
  restore_own_chain nat OUTPUT AMB_OUT "$rules"
}

# With AMBASSADOR_CHECK_DESTINATIONS=1, every route's destination is tried at once, in the background, each warning
# going to a file that announce_ready says before `ready`: a second to connect, two at most with the name lookup,
# however many routes.
CHECKED=/tmp/ambassador-checked
check_destinations() {
  [ "${AMBASSADOR_CHECK_DESTINATIONS:-}" = 1 ] || return 0
  : >"$CHECKED"
  (
    while read -r listen host port; do
      {
        timeout -s KILL 2 socat -u /dev/null "TCP:$host:$port,connect-timeout=1" 2>/dev/null ||
          echo "ambassador: warning: nothing answers at $host:$port" >>"$CHECKED"
      } &
    done <<ROUTES
$ROUTES
ROUTES
    wait
  ) &
  checking=$!
}

said_checks() {
  [ -n "${checking:-}" ] || return 0
  wait "$checking"
  while IFS= read -r said; do echo "$said"; done <"$CHECKED"
  checking=""
}

# Whether HAProxy, process $1, has bound every port: it takes the configuration's uid ($HAPROXY_UID) only once all are
# bound, and exits, still root, on one it cannot bind. A socket on a route's port seen before then may be the
# consumer's.
haproxy_bound() {
  [ -r "/proc/$1/status" ] || return 1
  while read -r key uid _; do
    [ "$key" = Uid: ] || continue
    [ "$uid" = "$HAPROXY_UID" ]
    return
  done <"/proc/$1/status"
  return 1
}

# The seconds after which the ambassador says HAProxy has not bound yet: 6, so that the bot, which waits 10 s for
# `ready`, quotes that line. HAProxy looks each destination's name up before it binds.
BIND_SECONDS=6

# The time since the host started, in hundredths of a second, as $uptime: read, not a process started.
read_uptime() {
  read -r uptime _ </proc/uptime
  uptime=$((${uptime%.*} * 100 + 1${uptime#*.} - 100))
}

# Waits until HAProxy, process $1, has bound its ports, and says `ready` once one listing shows every route's port
# listening. False, saying nothing, once HAProxy has exited (it could not bind one); false too, HAProxy stopped and
# saying which, if a port does not listen once it has bound. After BIND_SECONDS it says HAProxy has not bound yet, and
# goes on waiting: a name that resolves slowly delays HAProxy, and it comes up once the name answers.
announce_ready() {
  read_uptime
  late=$((uptime + BIND_SECONDS * 100))
  until haproxy_bound "$1"; do
    ! exited "$1" || return 1
    if [ -n "$late" ]; then
      read_uptime
      if [ "$uptime" -ge "$late" ]; then
        echo "ambassador: HAProxy has not bound its ports after $BIND_SECONDS s; a destination's name may resolve slowly"
        late=""
      fi
    fi
    pause 0.005
  done
  count_tcp6
  listened_ports
  while read -r listen _; do
    inner_port "$listen"
    listening "$inner" && continue
    echo "ambassador: HAProxy bound, but port $inner does not listen"
    kill "$1" 2>/dev/null
    return 1
  done <<ROUTES
$ROUTES
ROUTES
  said_checks
  echo "ambassador: ready"
}

run_relay() {
  side=relay
  run_haproxy
}

# Docker's embedded DNS answers on user-defined networks; there names are looked up again every second, so an app
# that comes back on another address is followed. Elsewhere (legacy links) the name is in /etc/hosts, which Docker
# rewrites when the linked container comes back on another address: follow_hosts tells HAProxy.
docker_dns() {
  [ -r /etc/resolv.conf ] || return 1
  while read -r key value rest || [ -n "$key" ]; do
    [ "$key $value" != "nameserver 127.0.0.11" ] || [ -n "$rest" ] || return 0
  done </etc/resolv.conf
  return 1
}

# HAProxy's runtime socket, which only this container's root reaches; opened when the source side follows
# /etc/hosts.
HAPROXY_SOCKET=/run/ambassador-haproxy.sock

# The address /etc/hosts gives the name $1, in $address, empty when it has none (read with the shell's own `read`).
hosts_address() {
  address=""
  while read -r ip names; do
    case $ip in '' | \#*) continue ;; esac
    for name in $names; do [ "$name" != "$1" ] || address=$ip; done
  done </etc/hosts
}

# Whether the routes' names are containers, followed to new addresses: beside the source, the tls server or a relay
# that admits only some hosts. Beside the consumer a name is the source host's, looked up once as HAProxy starts, by
# the C library (search domains and /etc/hosts included), as Docker's DNS and HAProxy's own resolver would not.
follows_names() {
  case $side in
    server) return 0 ;;
    relay) [ -n "$admit" ] ;;
    *) return 1 ;;
  esac
}

# Whether HAProxy must be told of new addresses: names followed, no Docker DNS, and a route to a name /etc/hosts holds.
follows_hosts() {
  follows_names && ! docker_dns || return 1
  while read -r _ host _; do
    is_name "$host" || continue
    hosts_address "$host"
    [ -z "$address" ] || return 0
  done <<ROUTES
$ROUTES
ROUTES
  return 1
}

# Every second, each route's name as /etc/hosts gives it now (read with the shell's own `read`); a name on another
# address than before is set on HAProxy's server at once, with no reload, so the next connection goes there, while
# connections already open stay as they are.
follow_hosts() {
  while :; do
    pause 1
    while read -r listen host port; do
      is_name "$host" || continue
      hosts_address "$host"
      eval "was=\${followed_$listen:-}"
      [ -n "$address" ] && [ "$address" != "$was" ] || continue
      # Set the first time too: the name may have moved between HAProxy's own look-up and this one. HAProxy says
      # "IP changed from…" or "no need to change…" when it took it; anything else is tried again next time.
      said=$(echo "set server out$listen/to addr $address" | socat -t 1 - "UNIX-CONNECT:$HAPROXY_SOCKET")
      case $said in "IP changed"* | "no need to change"*) ;; *) continue ;; esac
      [ -z "$was" ] || echo "ambassador: $host is now at $address"
      eval "followed_$listen=\$address"
    done <<ROUTES
$ROUTES
ROUTES
  done
}

# HAProxy, the one process that faces the network, runs as nobody (uid and gid 65534) once it has read its files and
# bound its ports: no capability is left to it (NET_ADMIN beside a consumer), nor root's access to the key files.
# One HAProxy process serves every route: no process per connection, the CA and certificate read once, and
# sessions resumed. TLS 1.3 only, AES-GCM first (AES-NI makes it the cheapest AEAD). The server resumes sessions
# from its own cache rather than from tickets: with OpenSSL 3.0, opening a ticket costs the server about a third of
# a millisecond of CPU per connection, a tenth of a new connection's time through the link.
haproxy_config() {
  slots=$(connection_slots)
  printf '%s\n' \
    "global" \
    "  uid $HAPROXY_UID" \
    "  gid $HAPROXY_UID" \
    "  noreuseport" \
    "  log stderr format raw local0 err" \
    "  maxconn $slots" \
    "  tune.bufsize 65536" \
    "  ssl-default-bind-ciphersuites $CIPHERSUITES" \
    "  ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets" \
    "  ssl-default-bind-curves X25519:P-256" \
    "  ssl-default-server-ciphersuites $CIPHERSUITES" \
    "  ssl-default-server-options ssl-min-ver TLSv1.3"
  ! follows_hosts || printf '  stats socket %s mode 600 level admin\n' "$HAPROXY_SOCKET"
  printf '%s\n' \
    "defaults" \
    "  mode tcp" \
    "  log global" \
    "  timeout connect 5s" \
    "  maxconn $slots" \
    "  timeout client $HANDSHAKE_SECONDS" \
    "  timeout server 24d" \
    "  timeout tunnel 24d" \
    "  option clitcpka" \
    "  option srvtcpka"
  # A relay's bytes go from socket to socket through a kernel pipe (splice), never copied into HAProxy; the
  # connection to the destination carries the first bytes with its handshake's last packet.
  [ "$side" != relay ] || printf '%s\n' "  option splice-request" "  option splice-response" "  option tcp-smart-connect"
  dns=""
  if docker_dns; then
    dns=" resolvers docker init-addr libc,none resolve-prefer ipv4"
    printf '%s\n' "resolvers docker" "  nameserver dns 127.0.0.11:53" "  timeout resolve 1s" "  hold valid 1s" \
      "  hold nx 1s" "  hold other 1s"
  fi
  tls="ssl crt $TLS_DIR/cert.pem ca-file $TLS_DIR/ca.pem verify required"
  while read -r listen host port; do
    printf 'frontend in%s\n' "$listen"
    if [ "$side" = server ]; then
      printf '  bind :%s %s\n' "$listen" "$tls"
    elif [ -n "${AMBASSADOR_CONSUMER_ADDRESS:-}" ]; then
      inner_port "$listen"
      printf '  bind 127.0.0.1:%s\n' "$inner"
    else
      printf '  bind :%s\n' "$listen"
    fi
    [ -z "$admit" ] || printf '  tcp-request connection reject unless { src %s }\n' "$admit"
    if [ "$side" = server ]; then
      printf '  tcp-request session reject unless { ssl_c_s_dn(CN) -m str %s }\n' "$peers"
    fi
    printf '  default_backend out%s\nbackend out%s\n' "$listen" "$listen"
    if [ "$side" = client ]; then
      printf '  server to %s:%s %s verifyhost %s\n' "$host" "$port" "$tls" "$AMBASSADOR_TLS_PEER"
    elif is_name "$host" && follows_names; then
      printf '  server to %s:%s%s\n' "$host" "$port" "$dns"
    else
      printf '  server to %s:%s\n' "$host" "$port"
    fi
  done <<ROUTES
$ROUTES
ROUTES
}

CIPHERSUITES=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
# A connection has this long to finish its TLS handshake and reach the far side (HAProxy's client timeout, until the
# connection is a tunnel, which then idles up to 24 days, TCP keepalives finding a peer that went away): one that
# holds a slot and says nothing is dropped, so clients the admission lets through cannot take every slot by opening
# connections and waiting.
HANDSHAKE_SECONDS=5s

# How many connections HAProxy holds at once: as many as the container's open-file limit allows (two descriptors a
# connection, and a splice pipe's two for one in four; 400 kept for the rest: each of up to 64 threads' poller and
# wake-up pipe, the listeners, the logs), at most 65,536, the most one address opens to one port.
# Connections from the target host all come from its address, the target ambassador's among them, so a process
# there that opens connections and says nothing takes slots until the handshake timeout drops them: the more slots,
# the more it must open, and keep opening, to delay the link. HAProxy refuses to start when the limit cannot hold
# the count it is given, so the count is never more than the limit holds.
connection_slots() {
  hard=$(ulimit -Hn 2>/dev/null) || hard=""
  case $hard in
    unlimited) hard=1048576 ;;
    '' | *[!0-9]*) hard=4096 ;;
  esac
  slots=$(((hard - 400) * 2 / 5))
  [ "$slots" -le 65536 ] || slots=65536
  [ "$slots" -ge 16 ] || slots=16
  echo "$slots"
}

# Whether this network namespace still has an interface besides loopback: the consumer's, which Docker takes away
# when the consumer stops (started again, it gets a namespace anew). Read with the shell's own `read`.
namespace_alive() {
  while read -r name _; do
    case $name in *:*) [ "${name%%:*}" = lo ] || return 0 ;; esac
  done </proc/net/dev
  return 1
}

# Beside a consumer, in its network namespace: once that namespace is left behind, HAProxy is stopped, so that the
# ambassador ends and Docker starts it again in the consumer's new one. It looks five times a second: until then, the
# consumer's connections to the link reach its own ports, with no redirection in its new namespace.
watch_namespace() {
  while :; do
    pause 0.2
    ! namespace_alive || continue
    echo "ambassador: the consumer's network namespace is gone; stopping, to start again in its new one"
    kill "$1"
    return
  done
}

run_tls() {
  # Its files are root's alone (/run/ambassador/tls is mode 700), and HAProxy binds as root before it takes uid 65534.
  [ "$own_uid" = 0 ] || fail "tls mode runs as root, not uid $own_uid; start the ambassador as root (no --user)"
  receive_tls_files
  await_tls_files
  # The peer names as HAProxy's pattern list takes them, separated by spaces.
  old_ifs=$IFS
  IFS=,
  # shellcheck disable=SC2086 # split on the commas
  set -- $AMBASSADOR_TLS_PEER
  IFS=$old_ifs
  peers=$*
  side=$AMBASSADOR_TLS_ROLE
  run_haproxy
}

# Starts HAProxy on every route (its PID in $haproxy), and beside a consumer the rules that send to its inner ports;
# returns once every port listens, or false once HAProxy exited.
start_haproxy() {
  # Beside a consumer, inner ports something listens on already (none of ours yet) are passed over, so that a
  # listener there is never taken for HAProxy's.
  if [ -n "${AMBASSADOR_CONSUMER_ADDRESS:-}" ]; then count_tcp6 && hold_taken_inner_ports || true; fi
  # `true`, not `:`: a redirection a special built-in cannot make ends the shell.
  true 2>/dev/null >/tmp/ambassador-haproxy.cfg ||
    fail "cannot write HAProxy's configuration in /tmp as uid $own_uid; start the ambassador as root (no --user)"
  haproxy_config >/tmp/ambassador-haproxy.cfg
  # HAProxy reads the configuration and the files as it starts, and exits at once on anything it refuses.
  haproxy -q -db -f /tmp/ambassador-haproxy.cfg &
  haproxy=$!
  # Set while HAProxy starts: it listens on the inner ports, which nothing reaches until these rules send there.
  if [ -n "${AMBASSADOR_CONSUMER_ADDRESS:-}" ]; then
    apply_consumer_rules 2>/tmp/ambassador-iptables.err || {
      kill "$haproxy" 2>/dev/null
      iptables_possible || fail "AMBASSADOR_CONSUMER_ADDRESS needs NET_ADMIN (iptables) to redirect the consumer's connections"
      said=$(tail -n 1 /tmp/ambassador-iptables.err)
      fail "cannot apply the AMBASSADOR_CONSUMER_ADDRESS rules with iptables${said:+: $said}"
    }
  fi
  announce_ready "$haproxy"
}

# HAProxy on every route, on this ambassador's side ($side): server or client (tls), or relay. Beside a consumer that
# listens on an inner port itself, the routes move past it (a few times at most: it may take more as it starts).
run_haproxy() {
  [ "$own_uid" != "$HAPROXY_UID" ] ||
    fail "the ambassador runs as uid $HAPROXY_UID, which it keeps for HAProxy once its ports are bound; start it as root (no --user)"
  trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
  starts=1
  until start_haproxy; do
    wait "$haproxy" 2>/dev/null
    if [ -z "${AMBASSADOR_CONSUMER_ADDRESS:-}" ] || [ "$starts" -ge 4 ] || ! { count_tcp6 && hold_taken_inner_ports held; }; then
      # Quiet, HAProxy said nothing of why: its check of the configuration says what it refuses there; a
      # configuration it takes leaves a port it could not listen on, or, started as another user than root, a uid
      # it could not take.
      [ "$own_uid" = 0 ] ||
        fail "HAProxy could not start as uid $own_uid: it binds as root and then takes uid $HAPROXY_UID; start the ambassador as root (no --user)"
      said=$(haproxy -c -f /tmp/ambassador-haproxy.cfg 2>&1 | sed -n 's/^\[ALERT\] *([0-9]*) *: *//p' | head -n 1)
      [ -z "$said" ] || fail "HAProxy refused its configuration: $said"
      fail "HAProxy could not listen on its ports; another process holds one of them"
    fi
    starts=$((starts + 1))
  done
  if follows_hosts; then follow_hosts & fi
  if [ -n "${AMBASSADOR_CONSUMER_ADDRESS:-}" ]; then watch_namespace "$haproxy" & fi
  # Stopped by watch_namespace, HAProxy ends on a signal, which the shell would report.
  wait "$haproxy" 2>/dev/null
}

check_tls() {
  case ${AMBASSADOR_TLS_ROLE:-} in
    server | client) ;;
    "") fail "tls mode needs AMBASSADOR_TLS_ROLE=server (beside the source) or client (beside the consumer)" ;;
    *) fail "AMBASSADOR_TLS_ROLE must be server or client, got '$AMBASSADOR_TLS_ROLE'" ;;
  esac
  [ -n "${AMBASSADOR_TLS_PEER:-}" ] ||
    fail "tls mode needs AMBASSADOR_TLS_PEER, the common name the peer's certificate must carry"
  case $AMBASSADOR_TLS_PEER in
    -* | *,-*) fail "AMBASSADOR_TLS_PEER names may not start with '-', got '$AMBASSADOR_TLS_PEER'" ;;
  esac
  case $AMBASSADOR_TLS_ROLE/$AMBASSADOR_TLS_PEER in
    server/*,,* | server/,* | server/*,) fail "AMBASSADOR_TLS_PEER must be common names separated by single commas, got '$AMBASSADOR_TLS_PEER'" ;;
    server/*[!A-Za-z0-9._,-]*) fail "AMBASSADOR_TLS_PEER may hold only letters, digits, '.', '_', '-' and (for a server) ',', got '$AMBASSADOR_TLS_PEER'" ;;
    client/*[!A-Za-z0-9._-]*) fail "AMBASSADOR_TLS_PEER may hold only letters, digits, '.', '_' and '-', got '$AMBASSADOR_TLS_PEER'" ;;
  esac
  case $AMBASSADOR_TLS_ROLE/${AMBASSADOR_CONSUMER_ADDRESS:-} in
    */ | client/127.*) ;;
    server/*) fail "AMBASSADOR_CONSUMER_ADDRESS is for the client beside the consumer, not the server" ;;
    *) fail "AMBASSADOR_CONSUMER_ADDRESS must be a loopback address such as 127.0.0.2, got '$AMBASSADOR_CONSUMER_ADDRESS'" ;;
  esac
  case ${AMBASSADOR_CONSUMER_ADDRESS:-127.0.0.2} in
    127.0.0.1 | *[!0-9.]* | *..* | .* | *.) fail "AMBASSADOR_CONSUMER_ADDRESS must be a loopback address other than 127.0.0.1, such as 127.0.0.2, got '$AMBASSADOR_CONSUMER_ADDRESS'" ;;
  esac
  case ${AMBASSADOR_TLS_FILES:-} in
    '' | stdin) ;;
    *) fail "AMBASSADOR_TLS_FILES must be stdin or unset, got '$AMBASSADOR_TLS_FILES'" ;;
  esac
  case ${AMBASSADOR_TLS_WAIT:-30} in
    '' | *[!0-9]* | 0?*) fail "AMBASSADOR_TLS_WAIT must be whole seconds such as 30, got '$AMBASSADOR_TLS_WAIT'" ;;
  esac
}

# With AMBASSADOR_TLS_FILES=stdin, the files are on standard input the first time the container starts: unpacked
# there, `complete` last, within AMBASSADOR_TLS_WAIT seconds. Read once: a restarted container's input is open and
# empty for good, so one whose first read did not end with the files stops at once, saying what to do.
INPUT_TAKEN=/run/ambassador/input-taken
receive_tls_files() {
  [ "${AMBASSADOR_TLS_FILES:-}" = stdin ] && [ ! -e "$TLS_DIR/complete" ] || return 0
  [ ! -e "$INPUT_TAKEN" ] ||
    fail "the TLS files did not come on standard input when this container first started; it cannot get them now: remove it (ambassador repair makes the link's anew)"
  : >"$INPUT_TAKEN"
  timeout "${AMBASSADOR_TLS_WAIT:-30}" tar -x -C /run -f - ambassador/tls 2>/tmp/ambassador-tls.err
  case $? in
    0) ;;
    124 | 143) fail "no TLS files came on standard input within ${AMBASSADOR_TLS_WAIT:-30} s of the start" ;;
    *) fail "could not unpack the TLS files from standard input: $(tail -n 1 /tmp/ambassador-tls.err)" ;;
  esac
}

# The bot uploads the files while the container starts, the empty file `complete` last: wait for it (looking every
# 10 ms, AMBASSADOR_TLS_WAIT seconds at most), so no file is read half-written.
await_tls_files() {
  tries=0
  limit=$((${AMBASSADOR_TLS_WAIT:-30} * 100))
  until [ -e "$TLS_DIR/complete" ] || [ "$tries" -ge "$limit" ]; do pause 0.01; tries=$((tries + 1)); done
  missing=""
  for file in ca.pem cert.pem complete; do
    [ -r "$TLS_DIR/$file" ] || missing="$missing $TLS_DIR/$file"
  done
  [ -z "$missing" ] || fail "tls mode needs$missing; they did not come within ${AMBASSADOR_TLS_WAIT:-30} s of the start"
}

# `ambassador probe`, run with docker exec beside a running ambassador, proves that it reaches every destination
# as its forwarding does: a TCP connection (beside the source: to the app itself), or a TLS handshake in which both
# sides accept each other's certificate (beside the consumer, to the source ambassador). Run on both sides, it
# proves the path end to end. Exit 0 when every route works, else 1.
probe() {
  mode=$(cat /run/ambassador.mode 2>/dev/null || echo "${AMBASSADOR_MODE:-relay}")
  failed=0
  while read -r listen host port; do
    # KILL, not TERM: socat takes TERM only once a name lookup returns, which can take ten seconds.
    if [ "$mode/${AMBASSADOR_TLS_ROLE:-}" = tls/client ]; then
      # Under TLS 1.3 the server judges the client's certificate after the client's handshake ends: read for a
      # second, so a refusal (an alert) is seen; a second of silence means the far side accepted and holds on.
      timeout -s KILL 3 socat -T 1 -u "OPENSSL:$host:$port,connect-timeout=2,$(tls_options)" /dev/null \
        2>/tmp/ambassador-probe.err
    else
      timeout -s KILL 3 socat -u /dev/null "TCP:$host:$port,connect-timeout=2" 2>/tmp/ambassador-probe.err
    fi
    case $? in
      0) echo "ambassador: probe: :$listen -> $host:$port works" ;;
      137) echo "ambassador: probe: :$listen -> $host:$port: no answer within 3 s"; failed=1 ;;
      *) echo "ambassador: probe: :$listen -> $host:$port: $(tail -n 1 /tmp/ambassador-probe.err | sed 's/^.* E //')"; failed=1 ;;
    esac
  done <<ROUTES
$ROUTES
ROUTES
  return $failed
}

# Every route as "<listen> <host> <port>" lines, read once: the environment does not change.
ROUTES=$(routes)

if [ "${1:-}" = probe ]; then
  probe
  exit
fi

# From here on everything it says goes to standard error, one stream: Docker copies standard output and standard error
# apart, and may put a line of one after a later line of the other; its log is read in order, the last line saying why
# it stopped.
exec 1>&2

[ -n "$ROUTES" ] || fail "no <NAME>_PORT_<p>_TCP=tcp://host:port variable set"

admit=$(admitted)
case $admit in
  bad\ *) fail "AMBASSADOR_ADMIT must be comma-separated IPv4 CIDRs such as 10.0.0.3/32, got '${admit#bad }'" ;;
esac

mode=${AMBASSADOR_MODE:-auto}
case $mode in
  auto) if kernel_possible; then mode=kernel; else mode=relay; fi ;;
  kernel) kernel_possible || { echo "ambassador: kernel mode needs NET_ADMIN and net.ipv4.ip_forward=1" >&2; exit 3; } ;;
  relay) ;;
  tls) check_tls ;;
  *) fail "AMBASSADOR_MODE must be kernel, relay, tls or auto, got '$mode'" ;;
esac
[ "$mode" != relay ] || [ -z "${AMBASSADOR_CONSUMER_ADDRESS:-}" ] ||
  fail "AMBASSADOR_CONSUMER_ADDRESS is for tls mode's client beside the consumer; unset it in relay mode"

# A source outside AMBASSADOR_ADMIT gets a reset to its first packet from the kernel, before any process answers it,
# wherever this ambassador may set firewall rules (NET_ADMIN; the kernel mode sets them itself). Without them HAProxy
# (tls and relay) closes its connection once made.
admit_unset=""
if [ -n "$admit" ] && [ "$mode" != kernel ] && ! apply_admit_rules 2>/tmp/ambassador-iptables.err; then
  said=$(tail -n 1 /tmp/ambassador-iptables.err)
  admit_unset="no NET_ADMIN"
  ! iptables_possible || admit_unset="cannot set the admission rules with iptables${said:+ ($said)}"
fi

echo "ambassador: mode $mode"
echo "$mode" 2>/dev/null >/run/ambassador.mode || true
while read -r listen host port; do echo "ambassador: :$listen -> $host:$port"; done <<ROUTES
$ROUTES
ROUTES
[ -z "$admit" ] || echo "ambassador: admits $admit"
[ -z "$admit_unset" ] || echo "ambassador: $admit_unset: HAProxy closes the connections of others once they are made"
check_destinations
"run_$mode"
