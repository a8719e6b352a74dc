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
local function reply_name(r)
	for _, n in ipairs({ "SMFIR_CONTINUE", "SMFIR_ACCEPT", "SMFIR_DISCARD",
			     "SMFIR_REJECT", "SMFIR_TEMPFAIL",
			     "SMFIR_REPLYCODE" }) do
		if _G[n] ~= nil and _G[n] == r then
			return n
		end
	end
	return tostring(r)
end

local function expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(what .. ": got " .. reply_name(got) .. ", want " ..
		      reply_name(want), 2)
	end
end

local function step(what, err)
	if err ~= nil then
		error(what .. " failed: " .. tostring(err), 2)
	end
end

local function run()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local mode = assert(os.getenv("MODE"), "MODE is not set")
	local id = assert(os.getenv("MSGID"), "MSGID is not set")
	local want = os.getenv("EXPECT") or "continue"
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. sock)
	if mode == "send" then
		step("conninfo", mt.conninfo(conn, "localhost", "127.0.0.1"))
	else
		step("conninfo", mt.conninfo(conn, "mx.external.test",
					     "198.51.100.7"))
	end
	expect(conn, SMFIR_CONTINUE, "connect")
	mt.macro(conn, SMFIC_MAIL, "i", "4MOVE" .. mode)
	if mode == "send" then
		step("mailfrom", mt.mailfrom(conn, "<alice@example.com>"))
		expect(conn, SMFIR_CONTINUE, "MAIL")
		step("rcptto", mt.rcptto(conn, "<bob@external.test>"))
		expect(conn, SMFIR_CONTINUE, "RCPT")
		step("header", mt.header(conn, "From", "alice@example.com"))
		step("header", mt.header(conn, "To", "bob@external.test"))
		step("header", mt.header(conn, "Subject", "hi"))
		step("header", mt.header(conn, "Message-ID", "<" .. id .. ">"))
		step("eoh", mt.eoh(conn))
		step("body", mt.bodystring(conn, "hello\r\n"))
	else
		step("mailfrom", mt.mailfrom(conn, "<>"))
		expect(conn, SMFIR_CONTINUE, "MAIL")
		step("rcptto", mt.rcptto(conn, "<alice@example.com>"))
		expect(conn, SMFIR_CONTINUE, "RCPT")
		step("header", mt.header(conn, "From",
			"MAILER-DAEMON@mx.external.test"))
		step("header", mt.header(conn, "To", "alice@example.com"))
		step("header", mt.header(conn, "Subject",
			"Undelivered Mail Returned to Sender"))
		step("header", mt.header(conn, "Message-ID",
			"<dsn." .. os.time() .. "@mx.external.test>"))
		step("header", mt.header(conn, "MIME-Version", "1.0"))
		step("header", mt.header(conn, "Content-Type",
			"multipart/report; report-type=delivery-status; " ..
			"boundary=\"B1\""))
		step("eoh", mt.eoh(conn))
		step("body", mt.bodystring(conn,
			"--B1\r\nContent-Type: text/plain\r\n\r\n" ..
			"Your message could not be delivered.\r\n\r\n" ..
			"--B1\r\nContent-Type: message/delivery-status\r\n\r\n" ..
			"Reporting-MTA: dns; mx.external.test\r\n\r\n" ..
			"Final-Recipient: rfc822; bob@external.test\r\n" ..
			"Action: failed\r\nStatus: 5.1.1\r\n\r\n" ..
			"--B1\r\nContent-Type: message/rfc822\r\n\r\n" ..
			"From: alice@example.com\r\nTo: bob@external.test\r\n" ..
			"Subject: hi\r\nMessage-ID: <" .. id .. ">\r\n\r\n" ..
			"hello\r\n--B1--\r\n"))
	end
	step("eom", mt.eom(conn))
	expect(conn, want == "reject" and SMFIR_REPLYCODE or SMFIR_CONTINUE,
	       "EOM (" .. mode .. " <" .. id .. ">)")
	mt.disconnect(conn)
end

local ok, err = pcall(run)
if not ok then
	print("state_move.lua: " .. tostring(err))
	os.exit(1)
end
print("state_move.lua: ok")
