-- directory_msg.lua - one message to one recipient through the real
-- daemon with the catchall plugin; run by t/directory/t_directory_live.sh.
-- Environment:
--   SOCKET  the milter socket ("unix:/path")
--   RCPT    the recipient ("<dave@example.com>")
--   EXPECT  "keep":      it exists: end of message adds no recipient
--           "redirect":  unknown: the catch-all adds postmaster@example.com
--           "tempfail":  the directory cannot tell: 4xx at RCPT
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.main("directory_msg.lua", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local rcpt = assert(os.getenv("RCPT"), "RCPT is not set")
	local want = assert(os.getenv("EXPECT"), "EXPECT is not set")
	local conn = lg.connect(sock, "client.test", "192.0.2.20")

	lg.step("mailfrom", mt.mailfrom(conn, "<sender@external.test>"))
	lg.expect(conn, SMFIR_CONTINUE, "MAIL")
	lg.step("rcptto", mt.rcptto(conn, rcpt))
	if want == "tempfail" then
		local got = mt.getreply(conn)
		assert(got == SMFIR_TEMPFAIL or got == SMFIR_REPLYCODE,
		       "RCPT " .. rcpt .. ": got " .. lg.reply_name(got) ..
		       ", want a 4xx")
		mt.disconnect(conn)
		return
	end
	lg.expect(conn, SMFIR_CONTINUE, "RCPT " .. rcpt)
	lg.content(conn, { { "Subject", "who are you" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
	local added = mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com")
	if want == "redirect" then
		assert(added, rcpt .. ": not redirected to the postmaster")
	else
		assert(not added, rcpt .. ": redirected, but it exists")
	end
	mt.disconnect(conn)
end)
