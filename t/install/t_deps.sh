#!/bin/bash
# t_deps.sh - scripts/deps.sh decides right what is missing: package names
# dpkg has never heard of (a new machine), installed ones, "name:arch",
# states other than "installed"; and a bad argument gives the usage.
#
# deps_missing runs under "set -euo pipefail", as deps.sh runs it, and
# inside "mapfile < <(...)", as deps_install calls it. Nothing is
# installed: apt-get and sudo are never reached (deps_sudo is replaced
# by a recorder, and a stub apt-get and sudo on PATH fail loudly).
#
# DEPS_SH names another deps.sh to test (default: the one of this tree).
set -u
. "$(dirname "$0")/../lib/lib.sh"

deps=${DEPS_SH:-$top_srcdir/scripts/deps.sh}
[ -f "$deps" ] || { echo "no $deps"; exit 1; }
command -v dpkg-query >/dev/null 2>&1 || skip "no dpkg-query (not a Debian system)"

tmp=$(mktemp -d /tmp/lg-deps-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Stubs: anything that would change the machine records itself and fails.
mkdir "$tmp/bin"
for c in apt-get sudo debconf-set-selections; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/forbidden"\nexit 99\n' \
		"$c" "$tmp" >"$tmp/bin/$c"
	chmod 0755 "$tmp/bin/$c"
done

arch=$(dpkg --print-architecture)
nosuch1=lg-no-such-package-$$-a
nosuch2=lg-no-such-package-$$-b

# missing NAME... - run deps_missing as deps.sh does; output in $out,
#	status in $rc
missing() {
	out=$(PATH=$tmp/bin:$PATH bash -c '
		set -euo pipefail
		. "$1"
		shift
		mapfile -t m < <(deps_missing "$@")
		printf "%s\n" "${m[@]}" | sed "/^\$/d"
		echo "end"
	' _ "$deps" "$@" 2>"$tmp/err")
	rc=$?
}

# expect NAME WANT... - deps_missing printed exactly WANT, one a line,
#	and the shell survived
expect() {
	local name=$1 want
	shift
	want=$(printf '%s\n' "$@" end | sed '/^$/d')
	if [ "$rc" -eq 0 ] && [ "$out" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc, got [$(echo $out)], want [$(echo $want)] $(cat "$tmp/err")"
	fi
}

missing "$nosuch1"
expect "one name dpkg never heard of is missing" "$nosuch1"

missing "$nosuch1" "$nosuch2"
expect "two unknown names are both missing" "$nosuch1" "$nosuch2"

missing bash dpkg coreutils
expect "installed packages are not missing"

missing bash "$nosuch1" dpkg "$nosuch2"
expect "unknown names among installed ones, in order" "$nosuch1" "$nosuch2"

missing "bash:$arch" "$nosuch1:$arch"
expect "name:arch: installed one not missing, unknown one given back as written" \
	"$nosuch1:$arch"

missing "$nosuch1" "dpkg:$arch"
expect "unknown name first, then name:arch installed" "$nosuch1"

# A package that dpkg knows but that is not installed: a dpkg-query stub
# answers for "removed" (config-files) and "half-installed" names, and
# exits 1 for the one it never heard of, like the real one.
mkdir "$tmp/fake"
cat >"$tmp/fake/dpkg-query" <<'STUB'
#!/bin/sh
rc=0
for a; do
	case $a in
	-*) ;;
	gone) echo "config-files gone" ;;
	half) echo "half-installed half" ;;
	here) echo "installed here" ;;
	*) echo "dpkg-query: no packages found matching $a" >&2; rc=1 ;;
	esac
done
exit $rc
STUB
chmod 0755 "$tmp/fake/dpkg-query"
out=$(PATH=$tmp/fake:$tmp/bin:$PATH bash -c '
	set -euo pipefail
	. "$1"
	mapfile -t m < <(deps_missing here gone never half)
	printf "%s\n" "${m[@]}"
	echo "end"
' _ "$deps" 2>"$tmp/err")
rc=$?
expect "config-files and half-installed count as missing" gone never half

# deps_install: an unknown name reaches "apt-get install"; nothing
# missing reaches nothing. deps_sudo only records what it would run.
install() {
	out=$(PATH=$tmp/bin:$PATH bash -c '
		set -euo pipefail
		. "$1"
		shift
		deps_sudo() {
			echo "$*" >>"$DEPS_CALLS"
			case $1 in tee | debconf-set-selections) cat >/dev/null ;; esac
		}
		deps_install "$@"
	' _ "$deps" "$@" 2>&1)
	rc=$?
}
export DEPS_CALLS=$tmp/calls
: >"$DEPS_CALLS"
install bash dpkg
check "deps_install with everything present runs nothing" \
	eval '[ "$rc" -eq 0 ] && [ ! -s "$DEPS_CALLS" ]'

: >"$DEPS_CALLS"
install bash "$nosuch1"
if grep -q "apt-get install .*[[:space:]]$nosuch1\$" "$DEPS_CALLS" &&
	! grep -q "apt-get install .*[[:space:]]bash" "$DEPS_CALLS"; then
	ok "deps_install asks apt-get for the unknown name only"
else
	not_ok "deps_install asks apt-get for the unknown name only" \
		"calls: $(cat "$DEPS_CALLS")"
fi
check "deps_install reports what is still missing after the install" \
	eval '[ "$rc" -eq 1 ] && grep -q "still missing after install: $nosuch1" <<<"$out"'

# The script itself: a bad argument or none gives the usage, exit 1,
# and touches nothing.
for arg in bogus ""; do
	out=$(PATH=$tmp/bin:$PATH bash "$deps" $arg 2>&1)
	rc=$?
	check "deps.sh ${arg:-(no argument)}: usage on stderr, exit non-zero" \
		eval '[ "$rc" -ne 0 ] && grep -q "usage: .*build|test" <<<"$out"'
done
check "nothing reached apt-get, sudo or debconf" test ! -e "$tmp/forbidden"

echo "deps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
