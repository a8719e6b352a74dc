# t/console: loopguard-console. Unit suites for its pure parts (Check)
# and shell tests that start a real daemon and a real console through
# the shared fixture %D%/lib/console.sh and talk to it with curl (and
# a browser). Each helper of the console appends its own lines below.
EXTRA_DIST += %D%/lib/console.sh
