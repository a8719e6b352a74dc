# conf/: examples, installed under $(docdir)/examples
examplesdir = $(docdir)/examples
dist_examples_DATA = conf/loopguard.conf conf/recipients \
	conf/postfix-main.cf conf/sendmail.mc
dist_examples_DATA += conf/autoreply.txt
