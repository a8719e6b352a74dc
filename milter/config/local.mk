# milter/config: the config: settings, plugin sections, plugin loading.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_CONFIG = $(LG_CPPFLAGS_DIRECTORY) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_config.la
%C%_liblg_config_la_SOURCES = \
	%D%/plugin_loader.c \
	%D%/plugin_loader.h \
	%D%/postfix_domains.c \
	%D%/postfix_domains.h \
	%D%/section.c \
	%D%/section.h \
	%D%/settings.c \
	%D%/settings_domains.c \
	%D%/settings_directory.c \
	%D%/settings.h \
	%D%/settings_impl.h \
	%D%/settings_keys.c \
	%D%/settings_mailer.c \
	%D%/settings_process.c \
	%D%/settings_state.c
%C%_liblg_config_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_CONFIG)
%C%_liblg_config_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
%C%_liblg_config_la_LIBADD = $(LIBCONFIG_LIBS)
