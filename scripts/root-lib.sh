# scripts/root-lib.sh - bare Debian 12 roots for the package trials
#	(sourced by scripts/try-package.sh and scripts/try-deploy.sh)
#
#	root_base			the cached "mmdebstrap --variant=apt
#					bookworm" tarball in $BASE (made when
#					missing or older than 7 days)
#	root_unpack DIR			a root from it, with a resolver config
#	root_mount_cache DIR ARCHIVES	apt's cache of the root on ARCHIVES
#	root_umount_cache DIR
#	netns_start / netns_stop	a network namespace with only a
#					loopback (127.0.0.1, 192.0.2.1), kept
#					by a holder process ($HOLDER)
#	root_run DIR [--net] CMD...	CMD chrooted in DIR, in a private
#					mount namespace with proc and sysfs;
#					with --net in the namespace above
#	root_stop_all DIR		stop, by PID, every process whose root
#					is DIR (TERM, then KILL after 10 s)
#
#	The root's /dev is its own (the tarball's device nodes), so a
#	syslog daemon in it makes its own /dev/log, never the host's.

. "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
HOLDER=
BASE=

root_base() {
	local cache sources=() f
	cache=$(deps_cache)/fresh-root
	BASE=$cache/bookworm-apt.tar
	mkdir -p "$cache" || return 1
	if [ -s "$BASE" ] && [ -z "$(find "$BASE" -mtime +7 2>/dev/null)" ]; then
		return 0
	fi
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -Eq '^[^#]*debian\.org' "$f" && sources+=("$f")
	done
	rm -f "$BASE.new.tar"
	mmdebstrap --quiet --variant=apt bookworm "$BASE.new.tar" "${sources[@]}" \
		2>"$cache/mmdebstrap.log" || { tail -n 20 "$cache/mmdebstrap.log" >&2; return 1; }
	mv "$BASE.new.tar" "$BASE"
}

root_unpack() {
	tar -C "$1" -xpf "$BASE" || return 1
	chmod 0755 "$1"
	cp -L /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
	echo 'APT::Get::Assume-Yes "true";' >"$1/etc/apt/apt.conf.d/90try"
}

root_mount_cache() {
	mount --bind "$2" "$1/var/cache/apt/archives"
}

root_umount_cache() {
	mountpoint -q "$1/var/cache/apt/archives" && umount "$1/var/cache/apt/archives"
	return 0
}

netns_start() {
	local i
	unshare --net sleep infinity &
	HOLDER=$!
	for i in $(seq 50); do
		[ "$(readlink "/proc/$HOLDER/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	nsenter "--net=/proc/$HOLDER/ns/net" ip link set lo up
	nsenter "--net=/proc/$HOLDER/ns/net" ip addr add 192.0.2.1/24 dev lo
}

netns_stop() {
	[ -n "$HOLDER" ] || return 0
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
	HOLDER=
	return 0
}

root_run() {
	local r=$1 ns=()
	shift
	if [ "${1:-}" = --net ]; then
		ns=(nsenter "--net=/proc/$HOLDER/ns/net")
		shift
	fi
	"${ns[@]}" unshare --mount --fork -- /bin/sh -c '
		set -e
		r=$1; shift
		mount -t proc proc "$r/proc"
		mount -t sysfs sysfs "$r/sys"
		mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
		exec chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' sh "$r" "$@"
}

root_stop_all() {
	local r p pids i
	r=$(readlink -f "$1")
	for i in 1 2; do
		pids=
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] && pids="$pids ${p#/proc/}"
		done
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086 # a list of PIDs
		if [ $i = 1 ]; then kill $pids 2>/dev/null; else kill -9 $pids 2>/dev/null; fi
		for p in $(seq 100); do
			pids=$(for q in $pids; do
				if kill -0 "$q" 2>/dev/null; then echo "$q"; fi
			done)
			[ -n "$pids" ] || return 0
			sleep 0.1
		done
	done
}
