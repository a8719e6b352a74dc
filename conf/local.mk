# conf/: the example config, the recipients file and the autoreply
# template, installed with the folders configure chose; the MTA snippets.
#
# Every folder loopguard uses, in one place (milter/util/lg_paths.h builds the
# compiled-in defaults from the same configure variables).
pkgsysconfdir = $(sysconfdir)/loopguard
pkgstatedir = $(localstatedir)/lib/loopguard
pkgspooldir = $(localstatedir)/spool/loopguard
pkgrundir = $(runstatedir)/loopguard

# lg_edit - turn a .in file (@name@) into one with the configured paths
lg_edit = $(SED) \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@pkglibdir[@]|$(pkglibdir)|g' \
	-e 's|@pkgsysconfdir[@]|$(pkgsysconfdir)|g' \
	-e 's|@pkgstatedir[@]|$(pkgstatedir)|g' \
	-e 's|@pkgspooldir[@]|$(pkgspooldir)|g' \
	-e 's|@pkgrundir[@]|$(pkgrundir)|g' \
	-e 's|@postfixspooldir[@]|$(postfixspooldir)|g' \
	-e 's|@VERSION[@]|$(VERSION)|g'

# lg_edit_conf - the example config, written for
# --prefix=/usr --sysconfdir=/etc --localstatedir=/var, moved to the
# configured folders; user, pidfile, control, snapshot, the mailer
# group and socket_mode are switched on
lg_edit_conf = $(SED) \
	-e 's|/etc/loopguard/|$(pkgsysconfdir)/|g' \
	-e 's|/var/lib/loopguard/|$(pkgstatedir)/|g' \
	-e 's|/var/spool/loopguard/|$(pkgspooldir)/|g' \
	-e 's|/run/loopguard/|$(pkgrundir)/|g' \
	-e 's|/var/lib/loopguard-console/|$(localstatedir)/lib/loopguard-console/|g' \
	-e 's|/run/loopguard-console/|$(runstatedir)/loopguard-console/|g' \
	-e 's|"/usr/lib/loopguard"|"$(pkglibdir)"|g' \
	-e 's|^\([[:space:]]*\)\# \(user = \)|\1\2|' \
	-e '/^\# mailer = {/,/^\# };/s|^\# ||' \
	-e 's|^\([[:space:]]*\)\# \(pidfile = \)|\1\2|' \
	-e 's|^\([[:space:]]*\)\# \(control = \)|\1\2|' \
	-e 's|^\([[:space:]]*\)\# \(snapshot = \)|\1\2|' \
	-e 's|^\# \(socket_mode = \)|\1|'

# The installed milter socket is a unix socket, mode 0660, never the
# example's TCP port, which any local user could use to forge MTA
# sessions: in Postfix's queue folder with group postfix (Postfix's
# smtpd runs chrooted there), or, without Postfix, in the runtime folder
# with the daemon's own group (Sendmail connects as root). With Postfix,
# which domains are local and who exists in them are Postfix's own
# answers (local_domains = "postfix", recipients = [ "postfix" ]).
conf/loopguard.conf.installed: conf/loopguard.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) conf && rm -f $@ $@.tmp && \
	if test 'x$(postfixspooldir)' = xno; then \
		lg_sock='s|^[#] socket = "unix:/var/spool/postfix/loopguard/|socket = "unix:$(pkgrundir)/|'; \
		lg_grp='s|^||'; \
		lg_rcpt='s|^||'; \
	else \
		lg_sock='s|^[#] socket = "unix:/var/spool/postfix/|socket = "unix:$(postfixspooldir)/|'; \
		lg_grp='s|^[#] \(socket_group = \)|\1|'; \
		lg_rcpt='s|^recipients = \[ "recipients" \];|recipients = [ "postfix" ];|'; \
		lg_dom='s|^local_domains = \[ .* \];|local_domains = "postfix";|'; \
	fi; \
	$(lg_edit_conf) -e '/^socket = "inet:/d' -e "$$lg_sock" -e "$$lg_grp" \
		-e "$$lg_rcpt" -e "$${lg_dom:-s/^//}" \
		$(srcdir)/conf/loopguard.conf >$@.tmp && mv $@.tmp $@
CLEANFILES += conf/loopguard.conf.installed

# The pristine examples, under $(docdir)/examples.
examplesdir = $(docdir)/examples
dist_examples_DATA = conf/loopguard.conf conf/recipients \
	conf/postfix-main.cf conf/sendmail.mc
dist_examples_DATA += conf/autoreply.txt
dist_examples_DATA += conf/ldap-recipients.cf.example

# The config: loopguard.conf.example is always the current one; the
# files loopguard reads (loopguard.conf, recipients, autoreply.txt) are
# installed only when missing, so an edited config is never replaced.
# Owned by root, read by root only before the daemon drops privileges.
LG_CONF_FILES = conf/recipients conf/autoreply.txt
install-data-local: install-lg-conf
install-lg-conf: conf/loopguard.conf.installed
	$(MKDIR_P) '$(DESTDIR)$(pkgsysconfdir)'
	$(INSTALL_DATA) conf/loopguard.conf.installed \
		'$(DESTDIR)$(pkgsysconfdir)/loopguard.conf.example'
	@d='$(DESTDIR)$(pkgsysconfdir)'; \
	set dummy conf/loopguard.conf.installed loopguard.conf \
		$(srcdir)/conf/recipients recipients \
		$(srcdir)/conf/autoreply.txt autoreply.txt; shift; \
	while test $$# -gt 1; do \
		if test -e "$$d/$$2"; then \
			echo "  $$d/$$2 is there already: kept as it is"; \
		else \
			echo " $(INSTALL_DATA) $$1 '$$d/$$2'"; \
			$(INSTALL_DATA) "$$1" "$$d/$$2" || exit 1; \
		fi; \
		shift; shift; \
	done

# uninstall removes the installed config only when it was never edited.
uninstall-local: uninstall-lg-conf
uninstall-lg-conf:
	@d='$(DESTDIR)$(pkgsysconfdir)'; \
	set dummy conf/loopguard.conf.installed loopguard.conf \
		$(srcdir)/conf/recipients recipients \
		$(srcdir)/conf/autoreply.txt autoreply.txt; shift; \
	while test $$# -gt 1; do \
		if test -f "$$d/$$2" && cmp -s "$$1" "$$d/$$2"; then \
			echo " rm -f '$$d/$$2'"; rm -f "$$d/$$2"; \
		elif test -f "$$d/$$2"; then \
			echo "  $$d/$$2 was edited: kept"; \
		fi; \
		shift; shift; \
	done; \
	rm -f "$$d/loopguard.conf.example"

.PHONY: install-lg-conf uninstall-lg-conf

# lg-paths - the configured folders as NAME=VALUE lines
# (t/install/t_install.sh)
lg-paths:
	@echo prefix='$(prefix)'; echo sbindir='$(sbindir)'; \
	echo bindir='$(bindir)'; echo pkglibdir='$(pkglibdir)'; \
	echo pkgsysconfdir='$(pkgsysconfdir)'; \
	echo pkgstatedir='$(pkgstatedir)'; \
	echo pkgspooldir='$(pkgspooldir)'; echo pkgrundir='$(pkgrundir)'; \
	echo systemdsystemunitdir='$(systemdsystemunitdir)'; \
	echo sysusersdir='$(sysusersdir)'; echo tmpfilesdir='$(tmpfilesdir)'; \
	echo initdir='$(initdir)'; echo postfixspooldir='$(postfixspooldir)'; \
	echo consolestatedir='$(localstatedir)/lib/loopguard-console'; \
	echo consolerundir='$(runstatedir)/loopguard-console'
.PHONY: lg-paths
