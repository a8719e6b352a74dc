#!/usr/bin/env bash
# t/fuzz/build-and-run.sh - build the libFuzzer harnesses with clang, run them
#
# SYNOPSIS
#	make fuzz			(this script with "all")
#	make fuzz-smoke			(the same, 20 s per harness)
#	t/fuzz/build-and-run.sh [all|build|run|list|coverage|seeds]
#
# DESCRIPTION
#	build	compiles the core (milter/ but main, daemon and the libmilter
#		glue), the plugins (as .so files, loaded by the real plugin
#		loader) and each t/fuzz/fuzz_*.c with clang, -fsanitize=
#		fuzzer,address,undefined, into $FUZZ_BUILD (default
#		build-fuzz/ in the build tree). Only what changed is rebuilt.
#	run	runs each harness for FUZZ_SECONDS on a copy of its seed
#		corpus (t/fuzz/corpus/NAME/ is never written, unless
#		FUZZ_MERGE=1; fuzz_mime also starts from the samples of
#		t/plugins/bounce/corpus), with t/fuzz/dict/NAME.dict when
#		there is one.
#		A crash, leak, timeout or out-of-memory fails the harness:
#		its input file and the command that reproduces it are
#		printed. The figures of every run (executions, exec/s,
#		coverage, corpus) are printed as a table and kept in
#		$FUZZ_BUILD/results.txt, one "PASS|FAIL NAME key=value..."
#		line per harness.
#	all	build, then run (the default).
#	list	the harness names.
#	coverage	builds the harnesses once more with clang's source-based
#		coverage into $FUZZ_BUILD/cov/, replays each harness's work
#		corpus (from earlier runs) and prints llvm-cov's report of
#		the code under test.
#	seeds	builds t/fuzz/make_seeds and rewrites the generated seeds
#		(snapshot files made by the real writer, a DKIM-signed DSN).
#
#	Environment:
#	FUZZ_SECONDS	per harness (60)
#	FUZZ_TARGETS	names to build and run (all)
#	FUZZ_PARALLEL	harnesses run at once (1)
#	FUZZ_MERGE	1: merge inputs that add coverage into the seeds
#	FUZZ_BUILD	the build folder ($top_builddir/build-fuzz)
#	FUZZ_CC		the compiler (clang)
#	top_srcdir, top_builddir	set by make (default: this tree)
#	FUZZ_SYSCONFDIR, FUZZ_PKGLIBDIR, FUZZ_LOCALSTATEDIR	as configure
#	set them, for the defaults compiled into the core
#
#	Scratch files of a run live in a private folder (on /dev/shm when
#	there is one, as some harnesses write and rename files at every
#	input) that is removed afterwards.
#
# EXIT STATUS
#	0 when everything built and no harness failed, 1 otherwise, 2 on
#	a usage error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd)
build=${FUZZ_BUILD:-$top_builddir/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
parallel=${FUZZ_PARALLEL:-1}
cc=${FUZZ_CC:-clang}
fuzz=$top_srcdir/t/fuzz

die() { printf 'fuzz: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'fuzz: %s\n' "$*"; }

# all_targets - every harness, by its source file
all_targets() {
	local f
	for f in "$fuzz"/fuzz_*.c; do
		f=${f##*/}
		[ "$f" = fuzz_util.c ] || printf '%s\n' "${f%.c}"
	done
}

targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
	read -r -a targets <<<"$FUZZ_TARGETS"
	for t in "${targets[@]}"; do
		[ -f "$fuzz/$t.c" ] || die "no harness $t (see: $0 list)"
	done
else
	mapfile -t targets < <(all_targets)
fi
case $seconds in '' | *[!0-9]*) die "FUZZ_SECONDS must be a number" ;; esac
case $parallel in '' | 0 | *[!0-9]*) die "FUZZ_PARALLEL must be 1 or more" ;; esac

# shellcheck disable=SC2054
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
CFLAGS_BASE=(-g -O1 -fno-omit-frame-pointer -pthread -Wall -Wextra
	-D_FILE_OFFSET_BITS=64
	-I"$top_builddir" -I"$top_srcdir/milter/include"
	-DSYSCONFDIR="\"${FUZZ_SYSCONFDIR:-/etc}\""
	-DPKGLIBDIR="\"${FUZZ_PKGLIBDIR:-/usr/lib/loopguard}\""
	-DLOCALSTATEDIR="\"${FUZZ_LOCALSTATEDIR:-/var}\"")
# every subsystem folder of the core (milter/layers, "." is the program)
while read -r layer _; do
	case $layer in '' | '#'* | '@'* | .) continue ;; esac
	CFLAGS_BASE+=(-I"$top_srcdir/milter/$layer")
done <"$top_srcdir/milter/layers"
CFLAGS_COMMON=("${CFLAGS_BASE[@]}" "${SAN[@]}")

# core_sources - the core's .c files: every subsystem folder, not the
# program's own files at the top of milter/
core_sources() {
	find "$top_srcdir/milter" -mindepth 2 -name '*.c' -not -path '*/include/*' |
		LC_ALL=C sort
}
# the code under test is instrumented for coverage, the harness main
# comes from -fsanitize=fuzzer at link time
CFLAGS_LIB=(-fsanitize=fuzzer-no-link "${CFLAGS_COMMON[@]}")
CFLAGS_HARNESS=(-fsanitize=fuzzer "${CFLAGS_COMMON[@]}")

pkg_cflags() { pkg-config --cflags libconfig opendkim hiredis ldap libcrypto; }
# liblmdb when this build reads lmdb tables with it (config.h says so)
pkg_lmdb() { grep -qx '#define HAVE_LMDB 1' "$top_builddir/config.h" && echo -llmdb || :; }
pkg_libs() { pkg-config --libs libconfig opendkim hiredis ldap lber; pkg_lmdb; }
# plugin_libs - what plugin NAME links (bounce: libcrypto, for BATV)
plugin_libs() { [ "$1" != bounce ] || pkg-config --libs libcrypto; }

# stale - OUT is missing, or older than one of its inputs (or the .d
# file's list of headers)
stale() {
	local out=$1 f
	shift
	[ -f "$out" ] || return 0
	for f in "$@"; do
		[ "$f" -nt "$out" ] && return 0
	done
	if [ -f "$out.d" ]; then
		# the words of "obj.o: a.c b.h \" lines are file names
		# shellcheck disable=SC2013
		for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$out.d"); do
			[ "$f" -nt "$out" ] && return 0
		done
	fi
	return 1
}

# spawn - run a command in the background, at most two at a time; a
# failure leaves the mark file behind
spawn() {
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
		wait -n || true
	done
	{ "$@" || touch "$build/failed.mark"; } &
}

# spawned_ok - wait for every spawned command; 0 if none failed
spawned_ok() {
	wait
	if [ -f "$build/failed.mark" ]; then
		rm -f "$build/failed.mark"
		return 1
	fi
}

# compile - SRC to OBJ with the flags that follow
compile() {
	local src=$1 obj=$2
	shift 2
	stale "$obj" "$src" "$build/flags" || return 0
	mkdir -p "$(dirname "$obj")"
	note "cc ${src#"$top_srcdir"/}"
	"$cc" "$@" -MMD -MF "$obj.d" -c "$src" -o "$obj"
}

# do_build - the core archive, the plugins, the harnesses
do_build() {
	command -v "$cc" >/dev/null 2>&1 ||
		die "$cc not found (scripts/deps.sh test installs clang)"
	[ -f "$top_builddir/config.h" ] ||
		die "no config.h in $top_builddir: run ./configure first"
	mkdir -p "$build/obj" "$build/bin" "$build/plugins"
	local flags pkg src obj objs=() name plugin t
	pkg=$(pkg_cflags)
	rm -f "$build/failed.mark"
	# a change of compiler or flags rebuilds everything
	flags="$cc ${CFLAGS_LIB[*]} ${CFLAGS_HARNESS[*]} $pkg"
	if [ ! -f "$build/flags" ] || [ "$(cat "$build/flags")" != "$flags" ]; then
		printf '%s\n' "$flags" >"$build/flags"
	fi

	while read -r src; do
		name=${src##*/}
		obj=$build/obj/core/${name%.c}.o
		objs+=("$obj")
		# shellcheck disable=SC2086
		spawn compile "$src" "$obj" "${CFLAGS_LIB[@]}" $pkg
	done < <(core_sources)
	for src in "$fuzz"/fuzz_util.c "$fuzz"/message_txn.c \
		"$top_srcdir"/plugins/*/*.c; do
		obj=$build/obj/${src#"$top_srcdir"/}
		obj=${obj%.c}.o
		# shellcheck disable=SC2086
		spawn compile "$src" "$obj" -fPIC "${CFLAGS_LIB[@]}" \
			-I"$(dirname "$src")" $pkg
	done
	spawned_ok || die "compiling the core or the plugins failed"

	if stale "$build/libcore.a" "${objs[@]}"; then
		rm -f "$build/libcore.a"
		ar rcs "$build/libcore.a" "${objs[@]}"
	fi
	for plugin in "$top_srcdir"/plugins/*/; do
		name=$(basename "$plugin")
		objs=()
		for src in "$plugin"*.c; do
			obj=$build/obj/${src#"$top_srcdir"/}
			objs+=("${obj%.c}.o")
		done
		if stale "$build/plugins/$name.so" "${objs[@]}"; then
			note "ld plugins/$name.so"
			# shellcheck disable=SC2046
			"$cc" -shared -fsanitize=fuzzer-no-link "${SAN[@]}" \
				-o "$build/plugins/$name.so" "${objs[@]}" \
				$(plugin_libs "$name")
		fi
	done

	for t in "${targets[@]}"; do
		spawn build_harness "$t"
	done
	spawned_ok || die "building the harnesses failed"
}

# harness_extra - the plugin sources a harness links in directly
harness_extra() {
	case $1 in
	fuzz_mime) echo plugins/bounce/bounce_mime.c \
		plugins/bounce/bounce_lines.c plugins/bounce/bounce_decode.c \
		plugins/bounce/bounce_dsn.c plugins/bounce/bounce_inline.c \
		plugins/bounce/bounce_fields.c ;;
	fuzz_template) echo plugins/autoreply/autoreply_text.c ;;
	fuzz_message) echo t/fuzz/message_txn.c ;;
	esac
}

# build_harness - one harness binary
build_harness() {
	local t=$1 obj bin=$build/bin/$1 extra=() src
	obj=$build/obj/t/fuzz/$t.o
	# shellcheck disable=SC2046
	compile "$fuzz/$t.c" "$obj" "${CFLAGS_LIB[@]}" $(pkg_cflags) \
		-I"$top_srcdir/plugins/bounce" -I"$top_srcdir/plugins/autoreply" ||
		return 1
	for src in $(harness_extra "$t"); do
		extra+=("$build/obj/${src%.c}.o")
	done
	if stale "$bin" "$obj" "$build/obj/t/fuzz/fuzz_util.o" \
		"$build/libcore.a" "${extra[@]}"; then
		note "ld bin/$t"
		# shellcheck disable=SC2046
		"$cc" "${CFLAGS_HARNESS[@]}" -o "$bin" "$obj" "${extra[@]}" \
			"$build/obj/t/fuzz/fuzz_util.o" "$build/libcore.a" \
			$(pkg_libs) -ldl -lpthread
	fi
}

# max_len - the longest input worth trying, per harness
max_len() {
	case $1 in
	fuzz_address) echo 1024 ;;
	fuzz_control) echo 4200 ;;	# LG_CTL_LINE_MAX and a bit
	fuzz_mime | fuzz_message) echo 32768 ;;
	fuzz_config | fuzz_template) echo 8192 ;;
	fuzz_snapshot) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

# stat_of - a figure from a libFuzzer log: FIELD of the last status line
stat_of() {
	local log=$1 key=$2
	case $key in
	execs) sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1 ;;
	rate) sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1 ;;
	rss) sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1 ;;
	cov | ft)
		grep -Eo "^#[0-9]+[[:space:]]+[A-Z]+.* $key: [0-9]+" "$log" |
			tail -n 1 | sed "s/.* $key: //" ;;
	corp)
		grep -Eo '^#[0-9]+[[:space:]]+[A-Z]+.* corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" |
			tail -n 1 | sed 's/.* corp: //' ;;
	esac
}

# scratch_root - where the per-run scratch folders go
scratch_root() {
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		echo /dev/shm
	else
		mkdir -p "$build/tmp"
		echo "$build/tmp"
	fi
}

# run_one - one harness for FUZZ_SECONDS; writes $build/result/NAME
run_one() {
	local t=$1 bin=$build/bin/$1 work=$build/corpus/$1 art=$build/artifacts/$1
	local seeds=$fuzz/corpus/$1 log=$build/logs/$1.log scratch stamp rc=0
	local opts=() found=() f status
	mkdir -p "$work" "$art" "$build/logs" "$build/result"
	if [ -d "$seeds" ]; then
		cp -p "$seeds"/* "$work"/
	fi
	# the bounce corpus is fuzz_mime's input format too
	if [ "$t" = fuzz_mime ]; then
		cp -p "$top_srcdir"/t/plugins/bounce/corpus/*.eml "$work"/
	fi
	opts=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048
		-max_len="$(max_len "$t")" -print_final_stats=1
		-artifact_prefix="$art/")
	[ -f "$fuzz/dict/$t.dict" ] && opts+=(-dict="$fuzz/dict/$t.dict")
	scratch=$(mktemp -d "$(scratch_root)/loopguard-fuzz-$t.XXXXXX")
	stamp=$scratch/stamp
	touch "$stamp"
	note "run $t for ${seconds}s (log: ${log#"$top_builddir"/})"
	(cd "$scratch" && TMPDIR=$scratch "$bin" "${opts[@]}" "$work") \
		>"$log" 2>&1 </dev/null || rc=$?
	while IFS= read -r f; do
		found+=("$f")
	done < <(find "$art" -type f -newer "$stamp" | sort)
	rm -rf "$scratch"
	status=PASS
	if [ $rc -ne 0 ] || [ ${#found[@]} -gt 0 ]; then
		status=FAIL
		{
			printf '\nfuzz: FAIL %s (exit %d); the end of its log:\n' "$t" "$rc"
			grep -E '^(==[0-9]+==|SUMMARY|fuzz:|.*runtime error)' "$log" | head -n 20 || true
			for f in "${found[@]}"; do
				printf 'fuzz: crash input: %s\n' "$f"
				printf 'fuzz: reproduce: %s %s\n' "$bin" "$f"
			done
			[ ${#found[@]} -gt 0 ] || printf 'fuzz: no input was kept; see %s\n' "$log"
		} >&2
	fi
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $status = PASS ]; then
		mkdir -p "$seeds"
		note "merge $t into ${seeds#"$top_srcdir"/}"
		(cd "$build" && "$bin" -merge=1 -max_len="$(max_len "$t")" \
			"$seeds" "$work") >>"$log" 2>&1 </dev/null ||
			printf 'fuzz: merge of %s failed, see %s\n' "$t" "$log" >&2
	fi
	printf '%s %s seconds=%s execs=%s exec/s=%s cov=%s ft=%s corpus=%s rss_mb=%s\n' \
		"$status" "$t" "$seconds" "$(stat_of "$log" execs)" \
		"$(stat_of "$log" rate)" "$(stat_of "$log" cov)" \
		"$(stat_of "$log" ft)" "$(stat_of "$log" corp)" \
		"$(stat_of "$log" rss)" >"$build/result/$t"
	[ $status = PASS ]
}

# do_run - every harness, FUZZ_PARALLEL at a time, then the table
do_run() {
	local t failed=0 line
	for t in "${targets[@]}"; do
		[ -x "$build/bin/$t" ] || die "no $build/bin/$t: build first"
		rm -f "$build/result/$t"
	done
	for t in "${targets[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
			wait -n || true
		done
		run_one "$t" &
	done
	wait
	: >"$build/results.txt"
	printf '\n%-6s %-15s %12s %8s %6s %7s %14s\n' result harness execs \
		exec/s cov ft corpus
	for t in "${targets[@]}"; do
		if [ -f "$build/result/$t" ]; then
			line=$(cat "$build/result/$t")
		else
			line="FAIL $t (no result)"
		fi
		case $line in PASS*) ;; *) failed=1 ;; esac
		printf '%s\n' "$line" >>"$build/results.txt"
		# shellcheck disable=SC2086
		set -- $line
		printf '%-6s %-15s %12s %8s %6s %7s %14s\n' "$1" "$2" \
			"${4#execs=}" "${5#exec/s=}" "${6#cov=}" "${7#ft=}" \
			"${8#corpus=}"
	done
	[ $failed -eq 0 ]
}

# do_seeds - regenerate the seeds that a program makes: a DKIM key for
# this run (its public half goes to fuzz_dkim_key.h, the private half
# is thrown away), then make_seeds with it, then the harnesses again
do_seeds() {
	local bin=$build/bin/make_seeds keydir pub
	command -v openssl >/dev/null 2>&1 || die "seeds: openssl not found"
	mkdir -p "$build/bin" "$fuzz/corpus/fuzz_snapshot" \
		"$fuzz/corpus/fuzz_message"
	keydir=$(mktemp -d)
	openssl genrsa -out "$keydir/key.pem" 1024 2>/dev/null ||
		die "seeds: openssl genrsa failed"
	pub=$(openssl rsa -in "$keydir/key.pem" -pubout -outform DER 2>/dev/null |
		base64 -w0)
	sed "s|^#define FZ_DKIM_PUBLIC_KEY .*|#define FZ_DKIM_PUBLIC_KEY \"$pub\"|" \
		"$fuzz/fuzz_dkim_key.h" >"$keydir/key.h"
	cat "$keydir/key.h" >"$fuzz/fuzz_dkim_key.h"
	# shellcheck disable=SC2046
	"$cc" "${CFLAGS_COMMON[@]}" $(pkg_cflags) -o "$bin" \
		"$fuzz/make_seeds.c" "$build/libcore.a" $(pkg_libs) -ldl -lpthread
	"$bin" "$fuzz/corpus" "$keydir/key.pem" || { rm -rf "$keydir"; return 1; }
	rm -rf "$keydir"
	do_build
}

# do_coverage - line coverage of the work corpora (see above)
do_coverage() {
	local cov=$build/cov t src extra objs=() flags scratch
	if ! command -v llvm-cov >/dev/null 2>&1 ||
		! command -v llvm-profdata >/dev/null 2>&1; then
		die "coverage: llvm-cov and llvm-profdata are needed"
	fi
	rm -rf "$cov"
	mkdir -p "$cov/obj" "$cov/plugins" "$cov/bin" "$cov/prof"
	flags=(-fprofile-instr-generate -fcoverage-mapping "${CFLAGS_BASE[@]}")
	# shellcheck disable=SC2046
	while read -r src; do
		objs+=("$cov/obj/$(basename "${src%.c}").o")
		spawn "$cc" "${flags[@]}" $(pkg_cflags) -c "$src" -o "${objs[-1]}"
	done < <(core_sources)
	spawned_ok || die "coverage: compiling the core failed"
	ar rcs "$cov/libcore.a" "${objs[@]}"
	for src in "$top_srcdir"/plugins/*/; do
		"$cc" "${flags[@]}" -fPIC -shared -o "$cov/plugins/$(basename "$src").so" \
			"$src"*.c
	done
	for t in "${targets[@]}"; do
		extra=()
		for src in $(harness_extra "$t"); do
			extra+=("$top_srcdir/$src")
		done
		# shellcheck disable=SC2046
		"$cc" "${flags[@]}" -fsanitize=fuzzer $(pkg_cflags) \
			-I"$top_srcdir/plugins/bounce" -I"$top_srcdir/plugins/autoreply" \
			-o "$cov/bin/$t" "$fuzz/$t.c" "$fuzz/fuzz_util.c" "${extra[@]}" \
			"$cov/libcore.a" $(pkg_libs) -ldl -lpthread
		scratch=$(mktemp -d "$(scratch_root)/loopguard-cov-$t.XXXXXX")
		note "replay $t's corpus"
		(cd "$scratch" && TMPDIR=$scratch FUZZ_PLUGIN_DIR=$cov/plugins \
			LLVM_PROFILE_FILE="$cov/prof/$t-%p.profraw" "$cov/bin/$t" \
			-runs=0 "$build/corpus/$t" "$fuzz/corpus/$t") \
			>"$cov/$t.log" 2>&1 </dev/null || true
		rm -rf "$scratch"
	done
	llvm-profdata merge -o "$cov/all.profdata" "$cov"/prof/*.profraw
	objs=()
	for t in "$cov"/bin/* "$cov"/plugins/*.so; do
		objs+=(-object "$t")
	done
	llvm-cov report "${objs[@]:1}" -instr-profile="$cov/all.profdata" \
		-ignore-filename-regex='/t/fuzz/|\.h$'
}

case ${1:-all} in
build) do_build ;;
run) do_run ;;
all) do_build && do_run ;;
list) printf '%s\n' "${targets[@]}" ;;
coverage) do_coverage ;;
seeds) do_build && do_seeds ;;
*) printf 'usage: %s [all|build|run|list|coverage|seeds]\n' "$0" >&2; exit 2 ;;
esac
