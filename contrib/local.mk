# contrib/: how the daemon starts at boot. Each .in file is written
# with the configured paths (lg_edit, conf/local.mk) and installed:
#   loopguard.service  systemd unit     $(systemdsystemunitdir)
#   sysusers, tmpfiles loopguard.conf   $(sysusersdir), $(tmpfilesdir)
#   init/loopguard     SysV init script $(initdir) (and init/loopguard-console)
# Any of these folders may be configured as "no" (not installed).
# The tmpfiles.d and unit lines for the socket folder in Postfix's chroot
# are left out when configure found no Postfix (--with-postfix-spool).
LG_CONTRIB_IN = contrib/loopguard.service.in contrib/loopguard.init.in \
	contrib/loopguard.sysusers.in contrib/loopguard.tmpfiles.in
LG_CONTRIB_OUT = contrib/loopguard.service contrib/init/loopguard \
	contrib/sysusers/loopguard.conf contrib/tmpfiles/loopguard.conf
EXTRA_DIST += $(LG_CONTRIB_IN)
CLEANFILES += $(LG_CONTRIB_OUT)
noinst_DATA = $(LG_CONTRIB_OUT)

# lg_contrib_gen - IN to OUT; lines naming @postfixspooldir@ go when it
# is "no"
lg_contrib_gen = $(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	if test 'x$(postfixspooldir)' = xno; then drop='/@postfixspooldir[@]/d'; \
	else drop='s/^//'; fi; \
	$(SED) -e "$$drop" $(srcdir)/$< | $(lg_edit) >$@.tmp && mv $@.tmp $@

contrib/loopguard.service: contrib/loopguard.service.in Makefile
	$(AM_V_GEN)$(lg_contrib_gen)
contrib/init/loopguard: contrib/loopguard.init.in Makefile
	$(AM_V_GEN)$(lg_contrib_gen) && chmod +x $@
contrib/sysusers/loopguard.conf: contrib/loopguard.sysusers.in Makefile
	$(AM_V_GEN)$(lg_contrib_gen)
contrib/tmpfiles/loopguard.conf: contrib/loopguard.tmpfiles.in Makefile
	$(AM_V_GEN)$(lg_contrib_gen)

if INSTALL_UNIT
systemdsystemunit_DATA = contrib/loopguard.service
endif
if INSTALL_SYSUSERS
sysusers_DATA = contrib/sysusers/loopguard.conf
endif
if INSTALL_TMPFILES
tmpfiles_DATA = contrib/tmpfiles/loopguard.conf
endif
if INSTALL_INIT
init_SCRIPTS = contrib/init/loopguard
endif

# The folders the daemon writes in. With DESTDIR (a package being
# built) or as a user they are only made (a user who may not is told
# so, and the install goes on); installed as root into the
# live system they are given to the user "loopguard" when it exists,
# and make install says how to create it when it does not. There,
# with Postfix, the milter socket's folder in Postfix's chroot too
# (group postfix, 0750: the installed config's socket is in it).
install-data-hook: install-lg-folders
install-lg-folders:
	@set -e; d='$(DESTDIR)'; \
	for f in '$(pkgstatedir)' '$(pkgspooldir)' '$(pkgspooldir)/outbox'; do \
		if $(MKDIR_P) "$$d$$f" 2>/dev/null && chmod 0750 "$$d$$f"; then :; \
		elif test "`id -u`" = 0; then \
			echo "loopguard: cannot create $$d$$f" >&2; exit 1; \
		else \
			echo "loopguard: $$d$$f not made (only root may); the tmpfiles.d file, the unit or the init script makes it"; \
		fi; \
	done; \
	test -z "$$d" && test "`id -u`" = 0 || exit 0; \
	$(MKDIR_P) '$(pkgrundir)'; \
	pf='$(postfixspooldir)'; \
	if test "x$$pf" != xno && test -d "$$pf" && \
		getent group postfix >/dev/null 2>&1; then \
		$(MKDIR_P) "$$pf/loopguard"; chmod 0750 "$$pf/loopguard"; \
		chgrp postfix "$$pf/loopguard"; \
	else pf=; fi; \
	if id loopguard >/dev/null 2>&1; then \
		chown root:loopguard '$(pkgspooldir)'; \
		chown loopguard:loopguard '$(pkgstatedir)' \
			'$(pkgspooldir)/outbox' '$(pkgrundir)'; \
		if test -n "$$pf"; then chown loopguard:postfix "$$pf/loopguard"; fi; \
	else \
		echo "loopguard: there is no user \"loopguard\" yet; create it with"; \
		echo "  systemd-sysusers $(sysusersdir)/loopguard.conf"; \
		echo "  systemd-tmpfiles --create $(tmpfilesdir)/loopguard.conf"; \
		echo "or, without systemd:"; \
		echo "  adduser --system --group --home $(pkgstatedir) --no-create-home loopguard"; \
		echo "and run make install again (it gives it the folders)"; \
	fi
.PHONY: install-lg-folders

# The web console (loopguard-console(8)): its unit, its own user and its
# folders, written as the daemon's are, with two folders of its own.
LGC_CONTRIB_IN = contrib/loopguard-console.service.in \
	contrib/loopguard-console.sysusers.in contrib/loopguard-console.tmpfiles.in \
	contrib/loopguard-console.init.in
LGC_CONTRIB_OUT = contrib/loopguard-console.service \
	contrib/sysusers/loopguard-console.conf contrib/tmpfiles/loopguard-console.conf \
	contrib/init/loopguard-console
EXTRA_DIST += $(LGC_CONTRIB_IN)
CLEANFILES += $(LGC_CONTRIB_OUT)
noinst_DATA += $(LGC_CONTRIB_OUT)
lgc_contrib_gen = $(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(lg_edit) $(srcdir)/$< | $(SED) \
	  -e 's|@consolestatedir[@]|$(localstatedir)/lib/loopguard-console|g' \
	  -e 's|@consolerundir[@]|$(runstatedir)/loopguard-console|g' \
	  -e 's|@runstatedir[@]|$(runstatedir)|g' >$@.tmp && \
	mv $@.tmp $@
contrib/loopguard-console.service: contrib/loopguard-console.service.in Makefile
	$(AM_V_GEN)$(lgc_contrib_gen)
contrib/sysusers/loopguard-console.conf: contrib/loopguard-console.sysusers.in Makefile
	$(AM_V_GEN)$(lgc_contrib_gen)
contrib/tmpfiles/loopguard-console.conf: contrib/loopguard-console.tmpfiles.in Makefile
	$(AM_V_GEN)$(lgc_contrib_gen)
contrib/init/loopguard-console: contrib/loopguard-console.init.in Makefile
	$(AM_V_GEN)$(lgc_contrib_gen) && chmod +x $@
if INSTALL_UNIT
systemdsystemunit_DATA += contrib/loopguard-console.service
endif
if INSTALL_SYSUSERS
sysusers_DATA += contrib/sysusers/loopguard-console.conf
endif
if INSTALL_TMPFILES
tmpfiles_DATA += contrib/tmpfiles/loopguard-console.conf
endif
if INSTALL_INIT
init_SCRIPTS += contrib/init/loopguard-console
endif
