# bench/shared.sh - part 2c of bench/run: two instances sharing one Redis (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	pair KEY NAME1 NAME2
#	share_check
#
# DESCRIPTION
#	Uses bench/run's settings and helpers (GEN, work, DIRECT_MSGS,
#	PAIR_PID, record, note, cpu_ticks, jfield, lg_die). pair drives
#	two loopguard instances at once, each with its own miltergen, and
#	records the pair's figures; share_check asks whether the two
#	instances on one Redis see each other's counts (sets SHARE,
#	SHARE_KEYS1, SHARE_KEYS2, SHARE_SAME and SHARE_OK).

# pair KEY NAME1 NAME2 - one run of both instances at once, each with
#	its own miltergen; records the combined rate (all messages over
#	the longer run), the higher p50 and p99, the CPU of both milters
#	per message, and each instance's own rate under KEY.1 and KEY.2
pair() {
	local key=$1 a=$2 b=$3 pa pb ca0 cb0 ca1 cb1 ja jb n fail
	ca0=$(cpu_ticks "${PAIR_PID[$a]}"); cb0=$(cpu_ticks "${PAIR_PID[$b]}")
	"$GEN" -s "unix:$work/$a.sock" -c 16 -m "$DIRECT_MSGS" -z 5120 \
		-r 1,1/4,1/4 -j >"$work/$key.1.out" 2>>"$work/miltergen.err" &
	pa=$!
	"$GEN" -s "unix:$work/$b.sock" -c 16 -m "$DIRECT_MSGS" -z 5120 \
		-r 1,1/4,1/4 -j >"$work/$key.2.out" 2>>"$work/miltergen.err" &
	pb=$!
	wait "$pa" || true
	wait "$pb" || true
	ca1=$(cpu_ticks "${PAIR_PID[$a]}"); cb1=$(cpu_ticks "${PAIR_PID[$b]}")
	ja=$(grep '^{' "$work/$key.1.out") && jb=$(grep '^{' "$work/$key.2.out") ||
		lg_die "miltergen gave no result for the pair $a $b: $(cat "$work/miltergen.err")"
	n=$(( $(jfield "$ja" messages) + $(jfield "$jb" messages) ))
	fail=$(for j in "$ja" "$jb"; do
		sed -E 's/.*"protocol":([0-9]+),"tempfail":([0-9]+),"reject":([0-9]+).*/\1 \2 \3/' <<<"$j"
	done | awk -v want=$((32 * DIRECT_MSGS)) -v n="$n" '{s += $1 + $2 + $3} END {print s + want - n}')
	record "$key" \
		"$(awk -v n="$n" -v a="$(jfield "$ja" elapsed_s)" -v b="$(jfield "$jb" elapsed_s)" \
			'BEGIN {printf "%.1f", n / (a > b ? a : b)}')" \
		"$(printf '%s\n%s\n' "$(jfield "$ja" p50)" "$(jfield "$jb" p50)" | sort -g | tail -n 1)" \
		"$(printf '%s\n%s\n' "$(jfield "$ja" p99)" "$(jfield "$jb" p99)" | sort -g | tail -n 1)" \
		"$fail" \
		"$(awk -v d=$((ca1 - ca0 + cb1 - cb0)) -v hz="$HZ" -v n="$n" 'BEGIN {printf "%.3f", n ? d * 1000 / hz / n : 0}')"
	R[$key.1]="${R[$key.1]:-} $(jfield "$ja" msgs_per_s)"
	R[$key.2]="${R[$key.2]:-} $(jfield "$jb" msgs_per_s)"
	note "$key: $(head -n 1 "$work/$key.1.out")"
	note "$key: $(head -n 1 "$work/$key.2.out")"
}

# harvest_count NAME - the harvest count of the client 198.18.0.1 as the
#	instance NAME shows it (0 when it lists none)
harvest_count() {
	{ "$top/loopguardctl" -s "unix:$work/$1.ctl" --json list --plugin harvest || true; } |
		grep '"key": "harvest:net:198\.18\.0\.1/32"' |
		sed -E 's/.*"count": ([0-9]+).*/\1/' | grep . || echo 0
}

# listed_keys NAME - the sorted keys the instance NAME lists
listed_keys() {
	{ "$top/loopguardctl" -s "unix:$work/$1.ctl" --json list || true; } |
		sed -n -E 's/.*"key": "([^"]*)".*/\1/p' | sort
}

# share_check - unknown recipients from 198.18.0.1 to each instance of
#	both pairs (nosuch1..14 to the first, nosuch1,4,..,19 to the
#	second); sets SHARE_* for the report and SHARE_OK
share_check() {
	local n
	for n in lgm1 lgs1; do
		"$GEN" -s "unix:$work/$n.sock" -c 1 -m 14 -u 14 -r 0,1,0 >/dev/null 2>>"$work/miltergen.err" || true
	done
	for n in lgm2 lgs2; do
		"$GEN" -s "unix:$work/$n.sock" -c 1 -m 7 -u 20 -r 0,1,0 >/dev/null 2>>"$work/miltergen.err" || true
	done
	for n in lgm1 lgm2 lgs1 lgs2; do
		SHARE[$n]=$(harvest_count "$n")
	done
	SHARE_KEYS1=$(listed_keys lgs1 | wc -l)
	SHARE_KEYS2=$(listed_keys lgs2 | wc -l)
	SHARE_SAME=no
	[ "$(listed_keys lgs1)" = "$(listed_keys lgs2)" ] && SHARE_SAME=yes
	SHARE_OK=0
	if [ "${SHARE[lgs1]}" -eq "${SHARE[lgs2]}" ] &&
	   [ "${SHARE[lgs1]}" -gt "${SHARE[lgm1]}" ] &&
	   [ "${SHARE[lgs1]}" -gt "${SHARE[lgm2]}" ] &&
	   [ "$SHARE_SAME" = yes ] && [ "$SHARE_KEYS1" -gt 0 ]; then
		SHARE_OK=1
	fi
	note "shared check: harvest count of 198.18.0.1: memory ${SHARE[lgm1]} and ${SHARE[lgm2]}, shared Redis ${SHARE[lgs1]} and ${SHARE[lgs2]}; entries listed $SHARE_KEYS1 and $SHARE_KEYS2, same keys: $SHARE_SAME"
}
declare -A SHARE
