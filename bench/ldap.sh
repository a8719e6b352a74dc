#!/usr/bin/env bash
# bench/ldap.sh - lookups per second of the ldap: recipient source,
# with and without its cache, against a private slapd
#
# SYNOPSIS
#	bench/ldap.sh [runs]
#
# DESCRIPTION
#	Starts a private slapd (t/lib/slapd.sh: 127.0.0.1 and a unix
#	socket in a scratch folder, an mdb database of LDAP_BENCH_USERS
#	(1000) entries userN@example.com), then runs bench/ldap_bench
#	(make bench builds it) RUNS times (default 5), the three modes
#	interleaved in each round:
#
#	hit	cached answers (the cache filled by one pass first);
#	nocache	the same addresses, cache_size = 0: one search each;
#	miss	a new address each time (an extension nobody has): one
#		search, then the address without the extension (cached).
#
#	and prints each command and, per mode, the median lookups/s with
#	min and max, and the median microseconds per lookup. Both the
#	ldap:// (TCP) and ldapi:// (unix socket) URIs are measured for
#	nocache. LDAP_BENCH_LOOKUPS (20000 per run; 200000 for hit) and
#	LDAP_BENCH_THREADS (4) tune the load.
#
# EXIT STATUS
#	0 when every run completed with no failed lookup, 1 otherwise,
#	77 when slapd or bench/ldap_bench is missing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/t/lib/slapd.sh"
runs=${1:-5}
users=${LDAP_BENCH_USERS:-1000}
n=${LDAP_BENCH_LOOKUPS:-20000}
threads=${LDAP_BENCH_THREADS:-4}
bench=${LDAP_BENCH:-$top/bench/ldap_bench}

lg_slapd_have || { echo "ldap.sh: slapd is not installed" >&2; exit 77; }
[ -x "$bench" ] || { echo "ldap.sh: $bench is missing (make bench)" >&2; exit 77; }

work=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/lg-ldap-bench-XXXXXX")
trap 'lg_slapd_stop; rm -rf "$work"' EXIT

# the tree: the suffix, ou=people, user0..user(N-1)
{
	printf 'dn: dc=example,dc=com\nobjectClass: dcObject\nobjectClass: organization\no: bench\ndc: example\n\n'
	printf 'dn: ou=people,dc=example,dc=com\nobjectClass: organizationalUnit\nou: people\n\n'
	for ((i = 0; i < users; i++)); do
		printf 'dn: cn=user%d,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\ncn: user%d\nsn: user%d\nmail: user%d@example.com\n\n' \
			"$i" "$i" "$i" "$i"
	done
} >"$work/tree.ldif"
lg_slapd_start "$work/slapd" "$work/tree.ldif"

# cf NAME URI CACHE - a settings file
cf() {
	printf 'server_host = %s\nsearch_base = ou=people,dc=example,dc=com\nbind = no\ncache_size = %s\ndomain = example.com\n' \
		"$2" "$3" >"$work/$1.cf"
}
cf cache "$slapd_uri" 100000
cf nocache "$slapd_uri" 0
cf nocache-ldapi "$slapd_ldapi" 0

declare -A rate us
modes=("hit cache" "nocache nocache" "nocache nocache-ldapi" "miss cache")
echo "# slapd $("$LG_SLAPD" -VV 2>&1 | head -n 1 | sed 's/^@(#) \$//')"
echo "# $(nproc) cores; $users entries; $threads threads; $runs runs"
for m in "${modes[@]}"; do
	set -- $m
	lk=$n
	[ "$1" = hit ] && lk=$((n * 10))
	echo "# $bench -f $work/$2.cf -m $1 -n $lk -t $threads -u $users"
done
for ((r = 0; r < runs; r++)); do
	for m in "${modes[@]}"; do
		set -- $m
		lk=$n
		[ "$1" = hit ] && lk=$((n * 10))
		read -r _ lps usl yes no fail < <("$bench" -f "$work/$2.cf" -m "$1" \
			-n "$lk" -t "$threads" -u "$users")
		[ "$fail" = 0 ] || { echo "ldap.sh: $fail lookups failed ($1 $2)" >&2; exit 1; }
		[ "$yes" = "$lk" ] || { echo "ldap.sh: $yes of $lk found ($1 $2)" >&2; exit 1; }
		rate["$1/$2"]+="$lps "
		us["$1/$2"]+="$usl "
	done
done

# median WORDS... - the middle value, then min and max
median() {
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
		printf "%s (%s-%s)", v[int((NR+1)/2)], v[1], v[NR] }'
}
printf '%-26s %-30s %s\n' "mode/settings" "lookups/s median (min-max)" "us/lookup"
for m in "${modes[@]}"; do
	set -- $m
	# shellcheck disable=SC2086
	printf '%-26s %-30s %s\n' "$1/$2" "$(median ${rate["$1/$2"]})" \
		"$(median ${us["$1/$2"]} | cut -d' ' -f1)"
done
