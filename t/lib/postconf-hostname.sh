#!/bin/sh
# postconf-hostname.sh - a postconf that knows only "-h myhostname", for
# unit suites run where the host's name may not resolve (a bare build
# root without /etc/hosts, where the resolver's lookup of the kernel's
# name waits for DNS): LOOPGUARD_POSTCONF=t/lib/postconf-hostname.sh.
# Every other question fails, as a postconf without main.cf does.
if [ "$*" = "-h myhostname" ]; then
	echo mx.example.com
	exit 0
fi
echo "postconf: fatal: not a real postconf (t/lib/postconf-hostname.sh): $*" >&2
exit 1
