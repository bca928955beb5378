# shellcheck shell=bash
# Helpers for the synchronized registry's lab tests (tests/lab/4x-*.sh), sourced after lib.sh:
#
#   source "$(dirname "$0")/lib.sh"
#   source "$(dirname "$0")/lib-reg.sh"
#   reg_require                 # lab_require, plus bmclinkd, bmclink-reg and the OCF agent
#   reg_session 3               # lab_session 3, printing the daemons' logs on failure
#   reg_clone_up                # bmclinkd as the clone bmclinkd-clone on every node, in sync
#   reg_x node2 set SOFTWARE/NEC/NVBASE WorkDir sz /var/opt/nvbase
#   assert_eq "$(reg_digest node1)" "$(reg_digest node3)" "replicas"
#
# What runs where:
# - The daemon is the clone of conf/registry/bmclinkd-pcs.sh.example, created exactly as
#   that file says (BINARY/CLIENT point it at the binaries under test), or of
#   bmclinkd.crm.example (REG_CLONE_WITH=crm; only the binaries' paths replaced), with the sample
#   configuration conf/registry/bmclinkd.conf in every node's /etc/bmclink/bmclinkd.conf
#   (with log-file = /var/log/bmclink/bmclinkd.log, kept on the node's disk: the daemon's
#   log for a post-mortem, as the lab has no syslog; reg_log NODE shows it).
#   Each replica lives on its node's disk (/var/lib/bmclink/registry.db): it survives a
#   power cycle, as on a real node.
# - The binaries: with $BMCLINK_BUILD_DIR (or build/) holding monitor/bmclinkd
#   and cli/bmclink-reg, those are copied onto every node's disk
#   (/var/lib/bmclink/bin: nodes have a private /tmp) and used; without, the installed
#   /usr/sbin/bmclinkd and /usr/bin/bmclink-reg (cmake --install). BMCLINK_REG_INSTALLED=1
#   forces the installed ones.
# - The OCF agent ocf:bmclink:bmclinkd must be installed on the host
#   (/usr/lib/ocf/resource.d/bmclink, cmake --install); the nodes share the host's /usr.
#
# Helpers:
#   reg_require                  skip (77) unless the lab, the binaries and the agent are there
#   reg_chain_require            reg_require, plus the chain with the registry (tests 42, 43)
#   reg_session N                lab_session N, and on failure also the daemons' logs
#   reg_clone_up [N]             conf + binaries on every node's disk, the clone from the pcs
#                                example (REG_CLONE_WITH=crm: the crm one), wait until N
#                                nodes (default: all) report in sync
#   reg_x NODE ARGS...           bmclink-reg ARGS... inside NODE (exit code passes through)
#   reg_status NODE              bmclink-reg status inside NODE (exit 0 in sync, 4 not)
#   reg_state NODE               the state word: active, joining, syncing, read-only, failed,
#                                or "down" when no daemon answers
#   reg_in_sync NODE             NODE reports in sync (for wait_until)
#   reg_answers NODE             NODE's daemon answers, in sync or not (for wait_until)
#   reg_state_is NODE STATE      reg_state NODE is STATE (for wait_until)
#   reg_members NODE             how many daemons NODE's group has (from status)
#   reg_wait_sync NODE [S]       wait (default 60 s) until NODE's daemon answers and is in sync;
#                                fails the test on timeout; prints how long it took
#   reg_gen NODE                 NODE's generation (from status)
#   reg_identity NODE            "generation G history H" (equal on replicas with one history)
#   reg_export NODE              the whole registry as a .reg file (bare paths)
#   reg_digest NODE              SHA-256 of reg_export: equal digests = equal contents
#   reg_all_agree [NODE...]      every NODE (default: all) has the same digest and identity
#   reg_writer NODE PREFIX COUNT set PREFIX/wK = "NODE-K" for K < COUNT inside NODE, one by
#                                one; prints "PREFIX<TAB>wK<TAB>value" per write answered 0
#   reg_acked_present NODE FILE  every line of FILE (reg_writer's format) reads back on NODE
#                                with its value (checked on one export); prints what misses
#   reg_daemon_kill NODE [SIG]   signal NODE's bmclinkd by the PID the agent recorded
#   reg_state_poller NODE        poll NODE's status (every 20 ms, inside NODE) until it reports
#                                in sync; prints "EPOCHREALTIME STATE [GENERATION]" at each
#                                change (STATE "down": no daemon answers). Run it in the
#                                background; it is a figure, not a proof (it may miss a window
#                                shorter than a poll)
#   reg_clone_started_on NODE    Pacemaker has the bmclinkd clone started on NODE
#   reg_log NODE                 the path of NODE's daemon log, as the host sees it

REG_NODE_BIN=/var/lib/bmclink/bin # the binaries' copies on each node's disk
REG_CONF=/etc/bmclink/bmclinkd.conf
REG_PIDFILE=/run/bmclinkd.pid # the agent's default (the node's private /run)
REG_LOG=/var/log/bmclink/bmclinkd.log # on the node's disk: $LAB_DIR/nodeI/disk$REG_LOG
REG_OCF_AGENT=/usr/lib/ocf/resource.d/bmclink/bmclinkd
REG_DAEMON_SRC= # on the host: what gets copied to the nodes (empty: installed binaries)
REG_CLIENT_SRC=
REG_DAEMON=/usr/sbin/bmclinkd # inside the nodes
REG_CLIENT=/usr/bin/bmclink-reg

# reg_require: lab_require, then the binaries under test and the OCF agent.
reg_require() {
    local b out
    lab_require
    need_cmd pcs pcs
    if [[ ${BMCLINK_REG_INSTALLED:-0} != 1 ]]; then
        for b in "${BMCLINK_BUILD_DIR:-}" "$REPO_DIR/build"; do
            if [[ -n $b && -x $b/monitor/bmclinkd && -x $b/cli/bmclink-reg ]]; then
                REG_DAEMON_SRC=$(readlink -f "$b/monitor/bmclinkd")
                REG_CLIENT_SRC=$(readlink -f "$b/cli/bmclink-reg")
                REG_DAEMON=$REG_NODE_BIN/bmclinkd
                REG_CLIENT=$REG_NODE_BIN/bmclink-reg
                break
            fi
        done
    fi
    if [[ -z $REG_DAEMON_SRC ]]; then
        [[ -x $REG_DAEMON ]] || error "bmclinkd is neither built nor installed (cmake --install)"
        [[ -x $REG_CLIENT ]] || error "bmclink-reg is neither built nor installed (cmake --install)"
    fi
    [[ -x $REG_OCF_AGENT ]] || error "ocf:bmclink:bmclinkd is not installed (cmake --install)"
    need_cmd sha256sum coreutils
    # A stale build refuses the sample configuration: say so now, not as a clone that never starts.
    out=$("${REG_DAEMON_SRC:-$REG_DAEMON}" -c "$REPO_DIR/conf/registry/bmclinkd.conf" \
        --check-config 2>&1) ||
        error "the bmclinkd under test refuses conf/registry/bmclinkd.conf" \
            "(stale build? rebuild, or cmake --install): $out"
    note "bmclinkd ${REG_DAEMON_SRC:-$REG_DAEMON}, bmclink-reg ${REG_CLIENT_SRC:-$REG_CLIENT}"
    cmp -s "$REG_OCF_AGENT" "$REPO_DIR/agents/bmclinkd" ||
        note "NOTE: the installed $REG_OCF_AGENT differs from agents/bmclinkd (cmake --install)"
}

# reg_chain_require: reg_require for the tests that run the service chain with the registry
# (42, 43): the member under test from $BMCLINK_BUILD_DIR when built there (it must know
# --config, the rendered file), and an installed servicechain agent that has registry_profile.
reg_chain_require() {
    local meta
    if [[ -n ${BMCLINK_BUILD_DIR:-} && -x $BMCLINK_BUILD_DIR/tests/bl-test-member ]]; then
        export BL_TEST_MEMBER=$BMCLINK_BUILD_DIR/tests/bl-test-member
    fi
    reg_require
    # (meta-data read whole first: grep -q under pipefail could cut the agent off, a false skip)
    meta=$(/usr/lib/ocf/resource.d/bmclink/servicechain meta-data 2>/dev/null) || true
    grep -q registry_profile <<<"$meta" ||
        error "the installed ocf:bmclink:servicechain predates registry_profile (cmake --install)"
}

# reg_session N: lab_session N; on failure, the last lines of every node's daemon log
# before lab_teardown's post-mortem.
reg_session() {
    lab_session "$@"
    trap reg_teardown EXIT
}

reg_teardown() {
    local rc=$? i
    set +e # (exit "$rc") below hands rc on to lab_teardown; under errexit it ended the trap
    if ((rc != 0 && rc != 77)); then
        for ((i = 1; i <= $(lab_node_count); i++)); do
            echo "=== node$i: $REG_LOG (last 40 lines)"
            tail -n 40 "$(reg_log "node$i")" 2>/dev/null || true
        done
    fi
    (exit "$rc")
    lab_teardown
}

# reg_nodes_install: the configuration (the sample, as shipped) and the binaries under test
# on every node's disk.
reg_nodes_install() {
    local n i disk
    n=$(lab_node_count)
    for ((i = 1; i <= n; i++)); do
        disk=$LAB_DIR/node$i/disk
        install -d -m 755 "$disk/etc/bmclink" "$disk/var/lib/bmclink" "$disk/var/log/bmclink"
        # The sample as shipped, plus a log file on the node's disk (nodes have no syslog).
        sed "s|^log-file =.*|log-file = $REG_LOG|" "$REPO_DIR/conf/registry/bmclinkd.conf" \
            >"$disk$REG_CONF"
        chmod 0644 "$disk$REG_CONF"
        if [[ -n $REG_DAEMON_SRC ]]; then
            install -D -m 755 "$REG_DAEMON_SRC" "$disk$REG_DAEMON"
            install -D -m 755 "$REG_CLIENT_SRC" "$disk$REG_CLIENT"
        fi
    done
}

# reg_clone_up [N]: the clone from conf/registry/bmclinkd-pcs.sh.example (REG_CLONE_WITH=crm:
# from conf/registry/bmclinkd.crm.example with crmsh); waits until N nodes (default: every
# node of the lab) run it and report in sync, and agree.
reg_clone_up() {
    local want=${1:-$(lab_node_count)} i nodes=()
    reg_nodes_install
    if [[ ${REG_CLONE_WITH:-pcs} == crm ]]; then
        # The crm example names the installed binaries; only those paths change.
        sed -e "s|binary=/usr/sbin/bmclinkd|binary=$REG_DAEMON|" \
            -e "s|client=/usr/bin/bmclink-reg|client=$REG_CLIENT|" \
            "$REPO_DIR/conf/registry/bmclinkd.crm.example" \
            >"$LAB_DIR/node1/disk/etc/bmclink/bmclinkd.crm"
        lab x node1 crm configure load update /etc/bmclink/bmclinkd.crm ||
            error "crm configure load update conf/registry/bmclinkd.crm.example failed"
    else
        lab_copy_to_nodes "$REPO_DIR/conf/registry/bmclinkd-pcs.sh.example"
        lab x node1 env CONFIG="$REG_CONF" BINARY="$REG_DAEMON" CLIENT="$REG_CLIENT" \
            sh /etc/bmclink/bmclinkd-pcs.sh.example ||
            error "conf/registry/bmclinkd-pcs.sh.example failed"
    fi
    for ((i = 1; i <= want; i++)); do
        wait_until 60 reg_clone_started_on "node$i"
        reg_wait_sync "node$i" 60
        nodes+=("node$i")
    done
    reg_all_agree "${nodes[@]}" ||
        fail "the replicas disagree right after the clone started"
}

# reg_clone_started_on NODE: the clone's instance on NODE is started (Pacemaker's view).
reg_clone_started_on() {
    lab x "$(any_node_except "$1" || echo "$1")" crm_mon -1 --output-as=xml 2>/dev/null |
        grep -A1 '<resource id="bmclinkd" ' | grep -B1 "<node name=\"$1\"" |
        grep 'role="Started"' | grep 'failed="false"' >/dev/null
}

reg_x() {
    local node=$1
    shift
    lab x "$node" "$REG_CLIENT" "$@"
}

reg_status() { reg_x "$1" --timeout 10 status; }

reg_state() {
    local out
    out=$(reg_status "$1" 2>/dev/null) || true
    out=$(sed -n '1s/^node [0-9]*: \([a-z-]*\) .*/\1/p' <<<"$out")
    echo "${out:-down}"
}

reg_in_sync() { reg_status "$1" >/dev/null 2>&1; }

reg_answers() { [[ $(reg_state "$1") != down ]]; }

reg_state_is() { [[ $(reg_state "$1") == "$2" ]]; }

reg_members() { reg_status "$1" 2>/dev/null | sed -n 's/^members://p' | grep -o '(pid' | wc -l; }

# reg_wait_sync NODE [S]: until NODE's daemon answers and reports in sync. A daemon that is
# not there yet (being started or restarted by Pacemaker) is retried.
reg_wait_sync() {
    local node=$1 timeout=${2:-60} t0=$EPOCHREALTIME deadline rc left
    deadline=$((SECONDS + timeout))
    while :; do
        left=$((deadline - SECONDS))
        ((left > 0)) ||
            fail "$node's registry is not in sync after ${timeout}s: $(reg_state "$node")"
        rc=0
        reg_x "$node" --timeout "$left" wait >/dev/null 2>&1 || rc=$?
        ((rc == 0)) && break
        ((rc == 4)) &&
            fail "$node's registry is not in sync after ${timeout}s: $(reg_state "$node")"
        sleep 0.2 # no daemon answering yet
    done
    note "ok after $(since "$t0")s: $node's registry in sync"
}

reg_gen() { reg_status "$1" 2>/dev/null | sed -n 's/^epoch [0-9]*, generation \([0-9]*\),.*/\1/p'; }

reg_identity() { reg_status "$1" 2>/dev/null | sed -n 's/^epoch [0-9]*, \(generation .*\)/\1/p'; }

reg_export() { reg_x "$1" export --bare ''; }

reg_digest() {
    local out
    out=$(reg_export "$1") || return 1
    sha256sum <<<"$out" | cut -d' ' -f1
}

# reg_all_agree [NODE...]: same digest and same history identity everywhere; prints each.
reg_all_agree() {
    local nodes=("$@") node d id first="" ok=0 i
    if ((${#nodes[@]} == 0)); then
        for ((i = 1; i <= $(lab_node_count); i++)); do nodes+=("node$i"); done
    fi
    for node in "${nodes[@]}"; do
        d=$(reg_digest "$node") || d=unreadable
        id=$(reg_identity "$node")
        note "$node: digest ${d:0:16} $id"
        [[ -n $first ]] || first="$d $id"
        [[ "$d $id" == "$first" && -n $id ]] || ok=1
    done
    return "$ok"
}

# reg_writer NODE PREFIX COUNT: COUNT sets, one after another, in one shell inside NODE (no
# process per write on the host); "PREFIX<TAB>wK<TAB>NODE-K" for each one answered 0.
reg_writer() {
    # shellcheck disable=SC2016 # expanded inside the node
    lab x "$1" bash -c 'for ((k = 0; k < $3; k++)); do
        if "$0" --timeout 20 set "$2" "w$k" sz "$1-$k" >/dev/null 2>&1; then
            printf "%s\tw%s\t%s-%s\n" "$2" "$k" "$1" "$k"; fi; done' \
        "$REG_CLIENT" "$1" "$2" "$3"
}

# reg_export_triples NODE: "path<TAB>name<TAB>value" of every sz value on NODE (from one
# export; paths with "/"; values as the tests write them: no quotes or backslashes).
reg_export_triples() {
    reg_export "$1" | awk '
        { sub(/\r$/, "") } # .reg files end their lines with CRLF
        /^\[/ { key = substr($0, 2, length($0) - 2); gsub(/\\/, "/", key); next }
        /^"[^"]*"="[^"]*"$/ { split($0, f, "\""); printf "%s\t%s\t%s\n", key, f[2], f[4] }'
}

# reg_acked_present NODE FILE: every acknowledged write of FILE is on NODE with its value.
reg_acked_present() {
    local missing
    missing=$(reg_export_triples "$1" | sort | comm -13 - <(sort "$2"))
    if [[ -n $missing ]]; then
        note "$(wc -l <<<"$missing") acknowledged writes missing on $1, e.g.:"
        head -n 5 <<<"$missing" | sed 's/^/      /'
        return 1
    fi
}

# reg_daemon_kill NODE [SIG]: signal bmclinkd inside NODE, by the agent's PID file.
reg_daemon_kill() {
    # shellcheck disable=SC2016 # expanded inside the node
    lab x "$1" sh -c 'kill -"$1" "$(cat "$0")"' "$REG_PIDFILE" "${2:-KILL}"
}

reg_log() { echo "$LAB_DIR/$1/disk$REG_LOG"; }

reg_state_poller() {
    # shellcheck disable=SC2016 # expanded inside the node
    lab x "$1" bash -c 'prev=; while :; do
        s=$("$0" --timeout 2 status 2>/dev/null | sed -n -e "1s/^node [0-9]*: \([a-z-]*\) .*/\1/p" \
            -e "3s/^epoch [0-9]*, generation \([0-9]*\),.*/\1/p" | paste -sd" " -)
        s=${s:-down}
        [[ $s == "$prev" ]] || echo "$EPOCHREALTIME $s"
        prev=$s
        [[ $s == active* ]] && exit 0
        sleep 0.02
    done' "$REG_CLIENT" 2>/dev/null
}
