# shellcheck shell=bash
# The campaign's audits (tests/campaign/campaign): after every fault, once the cluster has
# settled, with the registry writers paused. The sampler (lib-campaign.sh) watched the step
# every 50 ms; its lines since the step began are read here. Each audit returns 1 with C_WHY.

# c_step_samples: the sampler's lines of this step, with the last one before it first.
c_step_samples() {
    awk -v t0="$C_T0" '$1 < t0 { last = $0; next } !done { if (last != "") print last; done = 1 }
        { print } END { if (!done && last != "") print last }' "$C_DIR/sample.log"
}

# a_one_at_a_time: never the volume or the members on two nodes at once during the step.
a_one_at_a_time() {
    local bad
    bad=$(c_step_samples | awk '$2 ~ /^v=[0-9][0-9]/ || $3 ~ /^m=[0-9][0-9]/' | head -n 3)
    [[ -z $bad ]] || { C_WHY="on two nodes at once: $(paste -sd'|' <<<"$bad")"; return 1; }
}

# a_exactly_one: now, the volume and the members on the same single node, the one
# Pacemaker says runs the chain.
a_exactly_one() {
    local at crm
    at=$(c_chain_at)
    crm=$(chain_node "$(any_node_except none)")
    [[ -n $at && node$at == "$crm" ]] ||
        { C_WHY="settled, but sampler says '$(c_sample_now | cut -d' ' -f2,3)', Pacemaker '$crm'"; return 1; }
}

# c_moves: "FROM TO T_MOUNT LOST" for every time the chain left node FROM and the volume
# was next mounted on TO != FROM at T_MOUNT; LOST 1 when FROM's init died with its members.
c_moves() {
    c_step_samples | awk '
        function parse(   i, f, kv) {
            v = substr($2, 3); m = substr($3, 3); delete init
            n = split(substr($4, 3), f, ",")
            for (i = 1; i <= n; i++) { split(f[i], kv, ":"); init[kv[1]] = kv[2] }
        }
        NR == 1 { parse(); if (m ~ /^[0-9]$/) { h = m; hinit = init[h] } ; next }
        { parse()
          if (h != "" && index(m, h) == 0) { from = h; lost = (init[h] != hinit); h = "" }
          if (h == "" && from != "" && v ~ /^[0-9]$/ && v != from) {
              print "node" from, "node" v, $1, lost; from = "" }
          if (h == "" && m ~ /^[0-9]$/) { h = m; hinit = init[h]; from = "" } }'
}

# c_fenced_at NODE: epoch seconds of every successful fencing of NODE completed in the step,
# from the fencers' own logs (stonith_admin --history has whole seconds only).
c_fenced_at() {
    grep -h "Operation '[a-z]*' targeting $1 by .*: OK" \
        "$LAB_DIR"/node*/disk/var/log/pacemaker/pacemaker.log 2>/dev/null | cut -c1-19 |
        sort -u | while read -r ts; do date -d "$ts" +%s.%N; done |
        awk -v t0="$C_T0" '$1 >= t0'
}

# c_stopped_clean NODE T: NODE's own log has the volume's stop, ok, between the step's start
# and T.
c_stopped_clean() {
    grep -h "Result of stop operation for esm-fs on $1: ok" \
        "$LAB_DIR/$1/disk/var/log/pacemaker/pacemaker.log" 2>/dev/null | cut -c1-19 |
        while read -r ts; do date -d "$ts" +%s.%N; done |
        awk -v t0="$C_T0" -v t="$2" '$1 >= t0 && $1 <= t { hit = 1 } END { exit !hit }'
}

# a_fenced_first: whenever the chain left a node that was lost, or fenced in this step
# without a clean stop of the volume there first, that node's fencing was confirmed before
# the volume was mounted elsewhere.
a_fenced_first() {
    local from to t lost fences first
    while read -r from to t lost; do
        fences=$(c_fenced_at "$from")
        [[ $lost == 1 || -n $fences ]] || continue
        # left cleanly (a BMCNOTICE evacuation, then the reset: fenced after, rightly)
        [[ $lost == 1 ]] || ! c_stopped_clean "$from" "$t" || continue
        first=$(sort -n <<<"$fences" | head -n 1)
        if [[ -z $first ]]; then
            C_WHY="the chain left $from (lost) and started on $to with no fencing of $from"
            return 1
        fi
        if awk -v f="$first" -v t="$t" 'BEGIN { exit !(f > t) }'; then
            C_WHY="$to mounted the volume at $t, $from's fencing completed at $first"
            return 1
        fi
        C_FENCE_NOTE="$from fenced $(awk -v f="$first" -v t="$t" 'BEGIN { printf "%.1f", t - f }')s before $to mounted"
    done < <(c_moves)
}

# a_acked_present: every acknowledged write (from every node) is in the chain node's replica.
# Writes found lost are reported once, at the step that lost them, then kept in
# $C_DIR/lost and left out of later audits.
a_acked_present() {
    local node missing
    node=node$(c_chain_at)
    c_acked "$C_DIR/acked.all"
    if [[ -s $C_DIR/lost ]]; then
        grep -v -x -F -f "$C_DIR/lost" "$C_DIR/acked.all" >"$C_DIR/acked.tmp" || true
        mv "$C_DIR/acked.tmp" "$C_DIR/acked.all"
    fi
    missing=$(reg_export_triples "$node" | sort | comm -13 - <(sort "$C_DIR/acked.all"))
    [[ -n $missing ]] || return 0
    printf '%s\n' "$missing" >>"$C_DIR/lost"
    C_WHY="$(wc -l <<<"$missing") acknowledged writes missing on $node: $(head -n 3 <<<"$missing" | paste -sd' ')"
    return 1
}

# a_replicas_equal: every replica has the same contents and history (writers paused).
a_replicas_equal() {
    local t
    for ((t = 0; t < 20; t++)); do
        reg_all_agree >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    C_WHY="replicas differ: $(reg_all_agree 2>&1 | paste -sd' ' | cut -c1-300)"
    return 1
}

# a_nothing_stuck: no bmclink-evacuate, no health other than green, no ban or move, no
# fail count at INFINITY (a ban by another name).
a_nothing_stuck() {
    local node v
    for node in $(c_nodes); do
        v=$(node_attr "$node" bmclink-evacuate)
        [[ -z $v ]] || { C_WHY="$node still has bmclink-evacuate=$v"; return 1; }
        v=$(node_attr "$node" '#health-bmc')
        [[ -z $v || $v == green ]] || { C_WHY="$node has #health-bmc=$v"; return 1; }
    done
    for node in $(c_nodes); do
        for v in esm-fs esm-chain; do
            [[ $(fail_count "$v" "$node" "$(any_node_except none)") != INFINITY ]] ||
                { C_WHY="$v's fail count on $node is INFINITY (banned until cleaned up)"; return 1; }
        done
    done
    v=$(cib_constraints "$(any_node_except none)" | grep -oE 'id="cli-(ban|prefer)[^"]*"' | head -n 1)
    [[ -z $v ]] || { C_WHY="a constraint left: $v"; return 1; }
}

# a_no_core: no core file on the nodes' disks, the volume or the root they share.
a_no_core() {
    local c
    c=$(find "$LAB_DIR" -xdev -type f \( -name core -o -name 'core.[0-9]*' \) -newer "$C_DIR/started" \
        2>/dev/null | head -n 3)
    [[ -z $c ]] || { C_WHY="core dump: $c"; return 1; }
    c=$(find / -maxdepth 1 -type f \( -name core -o -name 'core.[0-9]*' \) -newer "$C_DIR/started" \
        2>/dev/null | head -n 1)
    [[ -z $c ]] || { C_WHY="core dump: $c"; return 1; }
    c=$(lab x "node$(c_chain_at)" find "$CHAIN_MOUNT" -maxdepth 4 -type f \
        \( -name core -o -name 'core.[0-9]*' \) 2>/dev/null | head -n 1)
    [[ -z $c ]] || { C_WHY="core dump on the volume: $c"; return 1; }
}

# a_no_stray: each node runs one corosync, pacemakerd and bmclinkd; the members run on the
# chain's node only, once each; nothing is left stopped; nothing runs on the admin host.
a_no_stray() {
    local node comm n at p st
    at=node$(c_chain_at)
    for node in $(c_nodes); do
        for comm in corosync pacemakerd bmclinkd; do
            n=$(c_node_count "$node" "$comm")
            ((n == 1)) || { C_WHY="$node runs $n $comm"; return 1; }
        done
        n=$(c_node_count "$node" bl-test-member)
        if [[ $node == "$at" ]]; then
            ((n == C_MEMBERS)) || { C_WHY="$node runs $n members, not $C_MEMBERS"; return 1; }
        else
            ((n == 0)) || { C_WHY="$node runs $n members, the chain runs on $at"; return 1; }
        fi
        for p in $(ip netns pids "bl-n${node#node}" 2>/dev/null); do
            read -r _ comm st _ 2>/dev/null <"/proc/$p/stat" || continue
            [[ $st != T ]] || { C_WHY="$node: $comm ($p) left stopped"; return 1; }
        done
    done
    p=$(ip netns pids bl-adm 2>/dev/null | head -n 1)
    [[ -z $p ]] || { C_WHY="left running on the admin host: $(tr '\0' ' ' <"/proc/$p/cmdline")"; return 1; }
}

# c_node_count NODE COMM: processes named COMM in NODE.
c_node_count() {
    local p c n=0
    for p in $(ip netns pids "bl-n${1#node}" 2>/dev/null); do
        read -r c 2>/dev/null <"/proc/$p/comm" || continue
        [[ $c == "$2" ]] && n=$((n + 1))
    done
    echo "$n"
}

# a_resets: no BMC reset a node without the end notice, but where bmclinkd was down.
a_resets() {
    local node r
    for node in $(c_nodes); do
        r=$(notices_since "$node" "${C_NOTICE_MARK[$node]}" | grep -o 'reset reason=[a-z-]*' |
            grep -v 'reason=end-notice' | head -n 1)
        [[ -z $r || $node == "${C_ALLOW_RESET:-}" ]] ||
            { C_WHY="$node's BMC: $r while bmclinkd was up"; return 1; }
    done
}

# a_stayed: (traps to be ignored) the chain did not move and no node rebooted.
a_stayed() {
    ((${C_STAY:-0})) || return 0
    [[ node$(c_chain_at) == "$C_AT0" ]] || { C_WHY="the chain moved to node$(c_chain_at)"; return 1; }
    c_members_restarted "$C_T0" && { C_WHY="the chain was stopped"; return 1; }
    [[ $(c_inits) == "$C_INITS0" ]] || { C_WHY="a node rebooted: $C_INITS0 -> $(c_inits)"; return 1; }
    return 0
}

# c_inits: the init PID of every node, one line.
c_inits() {
    local node
    for node in $(c_nodes); do printf '%s=%s ' "$node" "$(node_init_pid "$node")"; done
}

# c_audit_all: every audit, in order; 1 with C_WHY (prefixed by the audit) at the first failure.
c_audit_all() {
    local a
    for a in a_one_at_a_time a_exactly_one a_fenced_first a_stayed a_resets a_nothing_stuck \
        a_no_stray a_no_core a_acked_present a_replicas_equal; do
        "$a" || { C_WHY="${a#a_}: $C_WHY"; return 1; }
    done
}

# c_recovery_s: seconds from the fault to the chain running again on one node (0 when it
# never stopped, "never" when it is not running again).
c_recovery_s() {
    c_step_samples | awk -v t0="$C_T0" '
        { up = ($2 ~ /^v=[0-9]$/ && $3 ~ /^m=[0-9]$/ && substr($2, 3) == substr($3, 3)) }
        NR > 1 && !up { down = 1 }
        NR > 1 && up && down { back = $1 }
        END { if (!up) print "never"; else printf "%.1f\n", (back == "" ? 0 : back - t0) }'
}
