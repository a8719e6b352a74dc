-- redirect.lua - the real daemon with the test plugin: the redirect edits
-- arrive at end of message. Run by t/daemon/t_miltertest.sh (SOCKET set).
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.main("redirect.lua", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", "192.0.2.1")
	lg.envelope(conn, "4TEST1", "<sender@external.test>",
		    { "<alice@example.com>" })
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "no addrcpt postmaster@example.com")
	assert(mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.com>"),
	       "no delrcpt <alice@example.com>")
	assert(mt.eom_check(conn, MT_HDRADD, "X-Test", "yes"),
	       "no X-Test header")
	mt.disconnect(conn)
end)
