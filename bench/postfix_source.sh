#!/bin/bash
# bench/postfix_source.sh - the "postfix" recipient source with a large
# table: build the same N addresses as hash, lmdb and cdb with the real
# postmap (timed), then load each through postfix:TYPE:NAME and look
# addresses up (bench/postfix_bench), beside the flat file source.
#
# SYNOPSIS
#	make bench/postfix_bench && bench/postfix_source.sh [-n N] [-r RUNS]
#
# DESCRIPTION
#	Defaults: N = 1000000, RUNS = 5. The tables are made in a private
#	Postfix config directory under $TMPDIR (or /tmp), removed at the
#	end. Takes about two minutes for 1M on two CPUs; not part of the
#	test run.
set -eu

n=1000000 runs=5
while getopts n:r: opt; do
	case $opt in
	n) n=$OPTARG ;;
	r) runs=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-r RUNS]" >&2; exit 2 ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench/postfix_bench
[ -x "$bench" ] || { echo "$0: build it first: make bench/postfix_bench" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/lg-pfbench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
printf 'compatibility_level = 3.6\n' > "$dir/main.cf"
: > "$dir/master.cf"
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "u%d@bench.test bench/u%d\n", i, i }' \
	> "$dir/vmbox"
awk '{ print $1 }' "$dir/vmbox" > "$dir/flat"
echo "# $n entries, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for t in hash lmdb cdb; do
	s=$(date +%s%N)
	postmap -c "$dir" "$t:$dir/vmbox"
	echo "postmap $t: $(( ($(date +%s%N) - s) / 1000000 )) ms, $(du -k "$dir"/vmbox.* | awk -v t=$t '$2 ~ "\\." (t == "hash" ? "db" : t) "$" { print $1 }') kB"
done
# interleaved: each source once a round, RUNS rounds
for ((r = 1; r <= runs; r++)); do
	for spec in "$dir/flat" "postfix:hash:$dir/vmbox" "list:postfix:lmdb:$dir/vmbox" \
		"postfix:lmdb:$dir/vmbox" "postfix:cdb:$dir/vmbox"; do
		# list: lmdb listed with postmap -s, as without liblmdb
		list=
		case $spec in list:*) list=1 spec=${spec#list:} ;; esac
		printf '%s%s\t' "${spec//$dir\//}" "${list:+ (postmap -s)}"
		MAIL_CONFIG=$dir LOOPGUARD_LMDB_LIST=$list "$bench" -r 1 -n "$n" "$spec" |
			sed -n 's/^run 1: //p; s/^median: .*(peak \(.*\)).*/  peak RSS \1/p' |
			paste -sd' '
	done
done
