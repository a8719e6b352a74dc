-- state_move.lua - one message through one loopguard instance, for
-- t/control/t_state_move.sh.
-- Environment:
--   SOCKET  the milter socket ("unix:/path")
--   MODE    "send":   alice@example.com, from the trusted 127.0.0.1, to
--                     bob@external.test: it enters the sent ledger
--           "bounce": a null-sender delivery report to alice from
--                     198.51.100.7, returning the message MSGID
--   MSGID   the Message-ID sent, or returned (without the brackets)
--   EXPECT  "continue" (SMFIR_CONTINUE at end of message) or "reject"
--           (SMFIR_REPLYCODE: bounce's 550 5.7.1; the test reads the log)
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.main("state_move.lua", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local mode = assert(os.getenv("MODE"), "MODE is not set")
	local id = assert(os.getenv("MSGID"), "MSGID is not set")
	local want = os.getenv("EXPECT") or "continue"
	local conn, qid = nil, "4MOVE" .. mode
	if mode == "send" then
		conn = lg.connect(sock, "localhost", "127.0.0.1")
		lg.envelope(conn, qid, "<alice@example.com>",
			    { "<bob@external.test>" })
		lg.content(conn, { { "From", "alice@example.com" },
			{ "To", "bob@external.test" }, { "Subject", "hi" },
			{ "Message-ID", "<" .. id .. ">" } }, "hello\r\n")
	else
		conn = lg.connect(sock, "mx.external.test", "198.51.100.7")
		lg.envelope(conn, qid, "<>", { "<alice@example.com>" })
		lg.content(conn, {
			{ "From", "MAILER-DAEMON@mx.external.test" },
			{ "To", "alice@example.com" },
			{ "Subject", "Undelivered Mail Returned to Sender" },
			{ "Message-ID",
			  "<dsn." .. os.time() .. "@mx.external.test>" },
			{ "MIME-Version", "1.0" },
			{ "Content-Type",
			  "multipart/report; report-type=delivery-status; " ..
			  "boundary=\"B1\"" } },
			"--B1\r\nContent-Type: text/plain\r\n\r\n" ..
			"Your message could not be delivered.\r\n\r\n" ..
			"--B1\r\nContent-Type: message/delivery-status\r\n\r\n" ..
			"Reporting-MTA: dns; mx.external.test\r\n\r\n" ..
			"Final-Recipient: rfc822; bob@external.test\r\n" ..
			"Action: failed\r\nStatus: 5.1.1\r\n\r\n" ..
			"--B1\r\nContent-Type: message/rfc822\r\n\r\n" ..
			"From: alice@example.com\r\nTo: bob@external.test\r\n" ..
			"Subject: hi\r\nMessage-ID: <" .. id .. ">\r\n\r\n" ..
			"hello\r\n--B1--\r\n")
	end
	lg.expect(conn, want == "reject" and SMFIR_REPLYCODE or SMFIR_CONTINUE,
		  "EOM (" .. mode .. " <" .. id .. ">)")
	mt.disconnect(conn)
end)
