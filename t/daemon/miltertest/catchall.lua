-- catchall.lua - the real daemon with the catchall plugin: an unknown
-- recipient is deleted, the postmaster added, the original kept in a
-- header; a valid recipient is untouched; the reject list gets 550.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

local function message(conn, rcpts)
	lg.envelope(conn, "4TEST2", "<sender@external.test>", rcpts)
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
end

lg.main("catchall.lua", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", "192.0.2.1")

	message(conn, { "<nosuch@example.com>", "<alice@example.com>" })
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "no addrcpt postmaster@example.com")
	assert(mt.eom_check(conn, MT_RCPTDELETE, "<nosuch@example.com>"),
	       "no delrcpt <nosuch@example.com>")
	assert(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.com>"),
	       "alice was deleted")
	assert(mt.eom_check(conn, MT_HDRADD, "X-Loopguard-Original-To",
			    "nosuch@example.com"), "no original-to header")

	message(conn, { "<alice@example.com>" })
	assert(not mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "valid recipient was redirected")

	lg.envelope(conn, "4TEST3", "<spammer@external.test>", {})
	lg.step("rcptto", mt.rcptto(conn, "<leaked@example.com>"))
	lg.expect(conn, SMFIR_REPLYCODE, "RCPT <leaked@example.com>")
	mt.disconnect(conn)
end)
