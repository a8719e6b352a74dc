# contrib/: files for packagers, distributed but not installed.
EXTRA_DIST += contrib/loopguard.service
