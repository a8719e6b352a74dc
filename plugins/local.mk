# plugins/: one folder per plugin, each built as plugins/NAME.la so all
# the modules land in plugins/.libs/ (the tests' plugin_dir).

pkglib_LTLIBRARIES += plugins/catchall.la
plugins_catchall_la_SOURCES = plugins/catchall/catchall.c
plugins_catchall_la_LDFLAGS = $(PLUGIN_LDFLAGS)
