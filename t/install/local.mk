# t/install: make install into a DESTDIR (the config, unit, init
# script, folders); a plugin built against the installed tree
# (pkg-config), loaded by the installed daemon, run under miltertest;
# scripts/deps.sh deciding right what is missing on a new machine.
INSTALL_TESTS = %D%/t_out_of_tree.sh %D%/t_install.sh %D%/t_deps.sh
TESTS += $(INSTALL_TESTS)
dist_noinst_SCRIPTS += $(INSTALL_TESTS)
EXTRA_DIST += %D%/oot/hello.c scripts/deps.sh scripts/fresh-root.sh \
	scripts/try-deploy.sh
