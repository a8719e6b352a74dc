# man/: the manual pages, installed and distributed as they are.
dist_man_MANS = man/loopguard.8 man/loopguard.conf.5 man/loopguardctl.8 \
	man/loopguard-console.8 \
	man/loopguard-plugin.3 \
	man/loopguard-console-metrics.7
# the console's JSON API and event stream
dist_man_MANS += man/loopguard-console-api.7
