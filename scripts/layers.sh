#!/usr/bin/env bash
# scripts/layers.sh - hold milter/ to the layers listed in milter/layers
#
# SYNOPSIS
#	scripts/layers.sh [-g] [-s BUILDDIR] [SRCDIR]
#
# DESCRIPTION
#	SRCDIR is the checkout (default: the one this script is in). From
#	SRCDIR/milter/layers, which lists the daemon's folders bottom layer
#	first, each with the comment that heads its includes, it checks:
#
#	1. every .c and .h under milter/ (but include/, the plugin ABI)
#	   sits in a folder that the list names;
#	2. no header name is used in two folders, so an include means one
#	   file;
#	3. every #include "X" of a milter header names a header of the
#	   file's own folder or of a folder listed before it;
#	4. each group of those includes is headed by the comment of the
#	   included folder's layer, e.g. "/* Utility library. */";
#	5. each foreign library's headers ("@foreign HEADER FOLDER" lines)
#	   are included in that folder only;
#	6. no plugin includes a milter header: plugins see only the ABI;
#	   and no file includes a milter header by a path ("../x/y.h",
#	   "milter/x/y.h"): by name only, so the folder's CPPFLAGS decide
#	   what it may see;
#	7. the build agrees with the list: milter/local.mk includes the
#	   folders' local.mk in its order, and each folder's
#	   LG_CPPFLAGS_FOLDER extends the one of the folder just below.
#
#	With -s, also what was built in BUILDDIR: no symbol that a folder's
#	library (milter/FOLDER/.libs/liblg_*.a; for "." the program's own
#	objects) leaves undefined is defined by a folder listed after it.
#	So no folder calls up, and no two folders call each other.
#
#	With -g, it also prints the map it checked: each folder, bottom
#	up, "->" the folders whose headers it includes.
#
# DIAGNOSTICS
#	One line per violation ("FILE:LINE: ..." for an include), then a
#	count. Exit 0 when the house is in order, 1 on a violation, 2 on a
#	usage or setup error.
set -euo pipefail

builddir= graph=
while getopts gs: opt; do
	case $opt in
	g) graph=1 ;;
	s) builddir=$OPTARG ;;
	*) echo "usage: $0 [-g] [-s BUILDDIR] [SRCDIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
layers=$src/milter/layers
[ -f "$layers" ] || { echo "layers: no $layers" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bad=0

# violation - one line, counted
violation() {
	echo "$*"
	bad=$((bad + 1))
}

# The list: folders[i], comments[i]; foreign[HEADER]=FOLDER.
folders=() comments=()
declare -A foreign index_of
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	if [[ $line == @foreign* ]]; then
		read -r _ header folder <<<"$line"
		foreign[$header]=$folder
		continue
	fi
	folder=${line%%[[:space:]]*}
	comment=$(sed -E 's/^[^[:space:]]+[[:space:]]+//' <<<"$line")
	index_of[$folder]=${#folders[@]}
	folders+=("$folder")
	comments+=("$comment")
done <"$layers"
[ ${#folders[@]} -gt 0 ] || { echo "layers: $layers lists no folder" >&2; exit 2; }

# 1, 2: where each file is, and the header map "NAME INDEX" (headers.txt).
: >"$work/headers.txt"
while IFS= read -r file; do
	rel=${file#"$src/milter/"}
	folder=$(dirname "$rel")
	if [ -z "${index_of[$folder]+set}" ]; then
		violation "milter/$rel: folder milter/$folder is not in milter/layers"
		continue
	fi
	case $file in *.h) echo "$(basename "$file") ${index_of[$folder]}" >>"$work/headers.txt" ;; esac
done < <(find "$src/milter" -path "$src/milter/include" -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
while read -r name; do
	violation "milter: header $name exists in more than one folder"
done < <(awk '{ print $1 }' "$work/headers.txt" | sort | uniq -d)
for i in "${!folders[@]}"; do
	printf '%s\t%s\t%s\n' "$i" "${comments[$i]}" "${folders[$i]}"
done >"$work/comments.txt"
for h in "${!foreign[@]}"; do
	printf '%s\t%s\n' "$h" "${index_of[${foreign[$h]}]:--1}"
done >"$work/foreign.txt"

# scan FILE INDEX - checks 3, 4 and 5 for one file of layer INDEX
# (INDEX -1: a plugin, which may include no milter header at all)
scan() {
	awk -v me="$2" -v shown="$3" -v deps="$work/deps.txt" -v mine="${5:-}" '
	FILENAME == ARGV[1] { layer[$1] = $2; next }
	FILENAME == ARGV[2] { split($0, f, "\t"); name[f[1]] = f[2]; dir[f[1]] = f[3] == "." ? "milter/ (the program)" : "milter/" f[3]; next }
	FILENAME == ARGV[3] { split($0, f, "\t"); owner[f[1]] = f[2]; next }
	incomment { if (index($0, "*/")) incomment = 0; next }
	/^[[:space:]]*\/\*/ && !index($0, "*/") { incomment = 1; group = ""; next }
	/^\/\* .* \*\/[[:space:]]*$/ {
		group = $0
		sub(/^\/\* /, "", group); sub(/ \*\/[[:space:]]*$/, "", group)
		next
	}
	/^[[:space:]]*$/ { next }
	/^[[:space:]]*#[[:space:]]*include[[:space:]]*</ {
		h = $0; sub(/^[^<]*</, "", h); sub(/>.*/, "", h)
		for (lib in owner)
			if ((substr(lib, length(lib)) == "/" && index(h, lib) == 1) || h == lib)
				if (owner[lib] != me)
					printf "%s:%d: includes <%s>, which only %s may include\n", shown, FNR, h, owner[lib] == -1 ? "no folder" : "one folder (milter/layers)"
		group = ""
		next
	}
	/^[[:space:]]*#[[:space:]]*(if|ifdef|ifndef|elif|else|endif)/ { next }
	/^[[:space:]]*#[[:space:]]*include[[:space:]]*"/ {
		h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
		base = h; sub(/.*\//, "", base)
		if (base != h && (base in layer)) {
			printf "%s:%d: includes \"%s\" by a path: include a core header by its name, so that the folder'"'"'s CPPFLAGS decide what it may see\n", shown, FNR, h
			next
		}
		if (!(h in layer) || index(mine, " " h " ")) { group = ""; next }
		if (me == -1) {
			printf "%s:%d: a plugin includes the core header \"%s\"; plugins see only <loopguard/plugin.h>\n", shown, FNR, h
			next
		}
		if (layer[h] != me)
			print me, layer[h] >>deps
		if (layer[h] > me)
			printf "%s:%d: includes \"%s\" of %s, a layer above %s (milter/layers): calls go only downward\n", shown, FNR, h, dir[layer[h]], dir[me]
		else if (group != name[layer[h]])
			printf "%s:%d: \"%s\" should be in a group headed /* %s */\n", shown, FNR, h, name[layer[h]]
		next
	}
	{ group = "" }
	' "$work/headers.txt" "$work/comments.txt" "$work/foreign.txt" "$4"
}

while IFS= read -r file; do
	rel=${file#"$src/"}
	folder=$(dirname "${rel#milter/}")
	[ -n "${index_of[$folder]+set}" ] || continue
	scan "$file" "${index_of[$folder]}" "$rel" "$file" >"$work/out" ||
		{ echo "layers: cannot scan $rel" >&2; exit 2; }
	while IFS= read -r msg; do
		violation "$msg"
	done <"$work/out"
done < <(find "$src/milter" -path "$src/milter/include" -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
while IFS= read -r file; do
	# a plugin's own headers may share a name with a core header
	own=" $(find "$(dirname "$file")" -maxdepth 1 -name '*.h' -printf '%f ')"
	scan "$file" -1 "${file#"$src/"}" "$file" "$own" >"$work/out" ||
		{ echo "layers: cannot scan ${file#"$src/"}" >&2; exit 2; }
	while IFS= read -r msg; do
		violation "$msg"
	done <"$work/out"
done < <(find "$src/plugins" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)

if [ -n "$graph" ]; then
	for i in "${!folders[@]}"; do
		uses=$(awk -v i="$i" '$1 == i { print $2 }' "$work/deps.txt" 2>/dev/null |
			sort -un | while read -r j; do printf ' %s' "${folders[$j]}"; done)
		printf '%-16s ->%s\n' "${folders[$i]}" "${uses:- (nothing)}"
	done
fi

# 7: the build's order and CPPFLAGS chain against the list.
varname() { local v=${1//\//_}; echo "LG_CPPFLAGS_${v^^}"; }
built=$(sed -n 's|^include %D%/\(.*\)/local.mk$|\1|p' "$src/milter/local.mk" | tr '\n' ' ')
listed=$(printf '%s\n' "${folders[@]}" | grep -vx '\.' | tr '\n' ' ')
[ "$built" = "$listed" ] ||
	violation "milter/local.mk includes the folders in the order $built, milter/layers lists $listed"
prev=
for f in "${folders[@]}"; do
	[ "$f" = . ] && continue
	mk=$src/milter/$f/local.mk
	want="^$(varname "$f") = ${prev:+\$($prev) }-I"
	if ! grep -qE -- "${want//[()\$]/\\&}" "$mk" 2>/dev/null; then
		violation "milter/$f/local.mk: $(varname "$f") must be ${prev:+\$($prev) }-I\$(top_srcdir)/%D%, the folders below and itself"
	fi
	prev=$(varname "$f")
done

# The symbols: what each folder's built code defines and needs.
if [ -n "$builddir" ]; then
	for i in "${!folders[@]}"; do
		f=${folders[$i]}
		if [ "$f" = . ]; then
			objs=$(find "$builddir/milter" -maxdepth 1 -name '*.o')
		else
			objs=$(find "$builddir/milter/$f/.libs" -maxdepth 1 -name 'liblg_*.a' 2>/dev/null)
		fi
		if [ -z "$objs" ]; then
			echo "layers: nothing built for milter/$f in $builddir (run make first)" >&2
			exit 2
		fi
		# shellcheck disable=SC2086
		nm -g --defined-only $objs 2>/dev/null |
			awk -v i="$i" 'NF == 3 && $2 ~ /^[TDBRVWCiu]$/ { print $3, i }' >>"$work/defined.txt"
		# shellcheck disable=SC2086
		nm -u $objs 2>/dev/null | awk -v i="$i" 'NF == 2 && $1 ~ /^[Uwv]$/ { print $2, i }' >>"$work/needed.txt"
	done
	while read -r sym user owner; do
		violation "milter/${folders[$user]} calls $sym of milter/${folders[$owner]}, a layer above it"
	done < <(awk 'FILENAME == ARGV[1] { if (!($1 in def)) def[$1] = $2; next }
		($1 in def) && def[$1] > $2 { print $1, $2, def[$1] }' \
		"$work/defined.txt" "$work/needed.txt" | sort -u)
fi

if [ "$bad" -gt 0 ]; then
	echo "layers: $bad violation(s) of milter/layers"
	exit 1
fi
echo "layers: ${#folders[@]} folders in order${builddir:+, includes and calls}"
