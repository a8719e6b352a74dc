#!/usr/bin/env bash
# test.sh - build loopguard twice and run the whole test suite in each build
#
# SYNOPSIS
#	./test.sh
#
# DESCRIPTION
#	1. scripts/deps.sh test: build packages, the MTAs and other test
#	   peers, an unpacked Sendmail.
#	2. The source tree itself: autogen/configure --enable-werror (only
#	   when not already configured so), make -j2, make check. make check
#	   runs everything hung on TESTS: Check unit tests, miltertest
#	   scripts and the real-MTA tests (t/mta/, these need root).
#	3. build-asan/: the same with --enable-sanitizers (ASan + UBSan).
#	   An in-tree build forbids VPATH builds of the same tree (configure:
#	   "source directory already configured"), so build-asan/ holds a
#	   copy of the sources (git's tracked and untracked, not ignored,
#	   files; mtimes kept, so a rerun rebuilds only what changed) and
#	   builds in that copy.
#	4. make fuzz-smoke in the source tree: each libFuzzer harness of
#	   t/fuzz/ (built with clang into build-fuzz/) runs 20 s; each
#	   counts as one test, passed or failed.
#	5. make distcheck in the source tree: the tarball builds and
#	   installs by itself, and its Check unit suites pass (the
#	   daemon and MTA tests already ran twice above). It counts as
#	   one test.
#	6. scripts/fresh-root.sh: a bare Debian 12 root (mmdebstrap), this
#	   checkout copied in, the README's ./run.sh run there untouched
#	   until the milter listens and answers a milter negotiation. It
#	   counts as one test (skipped when not run as root); its log is
#	   fresh-root.log. About 2-6 minutes, most of it apt-get and the
#	   build in the root; the first run also downloads the base
#	   (about 80 s, then cached for 7 days).
#	7. scripts/try-deploy.sh: the README's "Deploying on Debian 12"
#	   followed command by command in another bare root, with Postfix:
#	   a catch-all redirect, a harvest block, failing starts, the
#	   uninstall. One test (skipped when not run as root); its log is
#	   try-deploy.log. About 5 minutes.
#	8. scripts/try-package.sh: the Debian packages built with
#	   dpkg-buildpackage and checked by lintian, then installed in bare
#	   roots as README.Debian says (Postfix, the printed commands, a
#	   redirect, an upgrade, an out-of-tree plugin, purge), and the
#	   autopkgtest of debian/tests/. One test (skipped when not run as
#	   root); its log is try-package.log. About 10 minutes.
#	After each make check that passed, t/tmp must be empty but for
#	the Sendmail cache: one more test per build.
#	The logs of failed tests are printed, and at the end one line
#	"loopguard: N passed, M failed, K skipped" over both builds, the
#	fuzz smoke, distcheck and the three fresh-root checks. Running it again reuses
#	both builds.
#
# ENVIRONMENT
#	LOOPGUARD_SKIP_FRESH_ROOT=1	skip step 6 (counted as skipped), for
#					quick local runs; CI runs it.
#	LOOPGUARD_SKIP_DEPLOY=1		skip step 7 likewise.
#	LOOPGUARD_SKIP_PACKAGE=1	skip step 8 likewise.
#
# EXIT STATUS
#	0 when both builds pass their checks and no harness fails, 1
#	otherwise.
set -euo pipefail

cd "$(dirname "$0")"
top=$(pwd)
asan=$top/build-asan
total_pass=0
total_fail=0
total_skip=0
failed_builds=()

die() { printf 'test.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf '\n=== test.sh: %s\n' "$*"; }

# run_logged - run a command with its output in LOG; show LOG on failure
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		cat "$log"
		return 1
	fi
}

# configure_tree - autogen/configure DIR with ARGS unless already done so
configure_tree() {
	local dir=$1 want have=""
	shift
	want="$*"
	cd "$dir"
	if [ ! -x configure ] || [ configure.ac -nt configure ]; then
		note "autogen.sh in $dir"
		run_logged autogen.log ./autogen.sh || die "autogen.sh failed in $dir"
	fi
	if [ -f config.status ] && [ -f Makefile ]; then
		have=$(./config.status --config 2>/dev/null | tr -d "'" || true)
	fi
	if [ "$have" != "$want" ] || [ configure -nt config.status ]; then
		note "configure $* in $dir"
		run_logged configure.out ./configure "$@" ||
			die "configure failed in $dir (see $dir/config.log)"
	fi
	cd "$top"
}

# sync_copy - copy the sources (not the build products) into DIR
sync_copy() {
	local dst=$1
	git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		die "the sanitizer build copies the sources with git; this is no git work tree"
	mkdir -p "$dst"
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		done |
		tar -C "$top" --null -T - -cf - | tar -C "$dst" -xpf -
}

# show_failures - print the logs of the tests that failed in DIR since STAMP
show_failures() {
	local dir=$1 stamp=$2 trs log
	while IFS= read -r trs; do
		grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
		log=${trs%.trs}.log
		printf '\n----- %s -----\n' "${log#"$dir"/}"
		cat "$log" 2>/dev/null || echo "(no log)"
	done < <(find "$dir" -name '*.trs' -newer "$stamp" | sort)
}

# count_results - add DIR/test-suite.log's totals to the overall counts
count_results() {
	local log=$1/test-suite.log pass fail skip
	[ -f "$log" ] || return 0
	pass=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
	skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -n 1)
	fail=$(awk '/^# (FAIL|ERROR|XPASS):/ {n += $3} END {print n + 0}' "$log")
	total_pass=$((total_pass + ${pass:-0}))
	total_skip=$((total_skip + ${skip:-0}))
	total_fail=$((total_fail + fail))
}

# build_and_check - make and make check in DIR, labelled NAME
build_and_check() {
	local name=$1 dir=$2 stamp
	note "make ($name)"
	if ! make -C "$dir" -j2; then
		failed_builds+=("$name: build")
		return 1
	fi
	note "make check ($name)"
	stamp=$(mktemp)
	rm -f "$dir/test-suite.log"
	if ! make -C "$dir" -j2 check; then
		failed_builds+=("$name: check")
		show_failures "$dir" "$stamp"
	fi
	rm -f "$stamp"
	count_results "$dir"
	tmp_left "$name" "$dir"
}

# tmp_left NAME DIR - after a make check with no failure, nothing but
#	the unpacked Sendmail cache is left in DIR/t/tmp; one test
tmp_left() {
	local left
	case " ${failed_builds[*]} " in *" $1: "*) return 0 ;; esac
	left=$(find "$2/t/tmp" -mindepth 1 -maxdepth 1 \
		! -name sendmail-root ! -name sendmail-debs 2>/dev/null | head -n 5)
	if [ -z "$left" ]; then
		total_pass=$((total_pass + 1))
	else
		printf 'test.sh: make check (%s) left in t/tmp:\n%s\n' "$1" "$left"
		failed_builds+=("$1: make check left files in $2/t/tmp")
		total_fail=$((total_fail + 1))
	fi
}

# fuzz_smoke - every harness 20 s; one passed or failed test each
fuzz_smoke() {
	local results=$top/build-fuzz/results.txt line n=0 bad=0
	note "fuzz smoke (t/fuzz, 20 s per harness)"
	rm -f "$results"
	make -C "$top" fuzz-smoke || true
	if [ ! -s "$results" ]; then
		# it did not get as far as running: every harness failed
		n=$(t/fuzz/build-and-run.sh list | wc -l)
		total_fail=$((total_fail + n))
		failed_builds+=("fuzz: build")
		return 1
	fi
	while IFS= read -r line; do
		case $line in
		PASS\ *) total_pass=$((total_pass + 1)) ;;
		*) total_fail=$((total_fail + 1)); bad=$((bad + 1)) ;;
		esac
	done <"$results"
	[ $bad -eq 0 ] || failed_builds+=("fuzz: $bad harnesses")
}

note "dependencies"
scripts/deps.sh test

configure_tree "$top" --enable-werror
build_and_check default "$top" || true

note "sanitizer build in $asan"
sync_copy "$asan"
configure_tree "$asan" --enable-werror --enable-sanitizers
build_and_check sanitizers "$asan" || true

# distcheck - make distcheck, running only the Check suites in it
distcheck() {
	local unit log=$top/distcheck.log
	unit=$(make -s -C "$top" list-unit-tests)
	note "make distcheck (Check suites only)"
	if make -C "$top" -j2 distcheck TESTS="$unit" >"$log" 2>&1; then
		tail -n 4 "$log"
		total_pass=$((total_pass + 1))
	else
		tail -n 60 "$log"
		failed_builds+=("distcheck (see $log)")
		total_fail=$((total_fail + 1))
	fi
}
# root_check WHAT SKIPVAR SCRIPT - a check in a bare Debian 12 root
# (SCRIPT, which prints "...: phase NAME took N s" lines): one test
# passed, failed or skipped (SKIPVAR set, or not root); its log is
# SCRIPT's name with .log in the source folder
root_check() {
	local what=$1 skipvar=$2 script=$3 log
	log=$top/$(basename "$script" .sh).log
	if [ -n "${!skipvar:-}" ]; then
		note "$what skipped ($skipvar is set)"
		total_skip=$((total_skip + 1))
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		note "$what skipped: it needs root (mmdebstrap, chroot, mounts)"
		total_skip=$((total_skip + 1))
		return 0
	fi
	note "$what ($script)"
	if "$top/$script" >"$log" 2>&1; then
		grep -E ': phase .* took|took [0-9]+ s$|^try-(deploy|package): total' "$log" || true
		total_pass=$((total_pass + 1))
	else
		tail -n 60 "$log"
		failed_builds+=("$what (see $log)")
		total_fail=$((total_fail + 1))
	fi
}
fuzz_smoke || true
distcheck
root_check "fresh Debian 12 root: ./run.sh, a milter negotiation" \
	LOOPGUARD_SKIP_FRESH_ROOT scripts/fresh-root.sh
root_check "the README's deployment on a fresh Debian 12 root" \
	LOOPGUARD_SKIP_DEPLOY scripts/try-deploy.sh
root_check "the Debian packages: build, lintian, install, upgrade, purge, autopkgtest" \
	LOOPGUARD_SKIP_PACKAGE scripts/try-package.sh

echo
if [ ${#failed_builds[@]} -gt 0 ]; then
	printf 'test.sh: failed: %s\n' "${failed_builds[@]}"
	[ "$total_fail" -gt 0 ] || total_fail=1
fi
printf 'loopguard: %d passed, %d failed, %d skipped\n' \
	"$total_pass" "$total_fail" "$total_skip"
[ ${#failed_builds[@]} -eq 0 ]
