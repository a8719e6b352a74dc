-- redis_message.lua - one whole message from 192.0.2.10 to one unknown
-- recipient through one loopguard instance; run by t/daemon/t_redis_shared.sh.
-- Environment:
--   SOCKET  the instance's milter socket ("unix:/path")
--   MSGID   the Message-ID header (the repeat fingerprint)
--   EXPECT  "redirect": continued, catch-all adds postmaster@example.com
--           "discard":  SMFIR_DISCARD at end of message
--   RCPT    the recipient (default <nosuch@example.com>)
--   LABEL   a name for the messages printed (default "message")
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local label = os.getenv("LABEL") or "message"

lg.run("redis_message.lua (" .. label .. ")", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local msgid = assert(os.getenv("MSGID"), "MSGID is not set")
	local want = os.getenv("EXPECT") or "redirect"
	local rcpt = os.getenv("RCPT") or "<nosuch@example.com>"
	assert(want == "redirect" or want == "discard",
	       "EXPECT must be redirect or discard, not " .. want)

	local conn = lg.connect(sock, "client.test", "192.0.2.10")
	lg.envelope(conn, "4REDIS" .. tostring(os.time() % 100000),
		    "<looper@external.test>", { rcpt })
	lg.content(conn, { { "From", "Looper <looper@external.test>" },
		{ "To", rcpt }, { "Subject", "same old message" },
		{ "Message-ID", msgid } }, "the same body every time\r\n")
	if want == "discard" then
		lg.expect(conn, SMFIR_DISCARD, "EOM of " .. msgid)
		assert(not mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
		       "discarded copy still redirected to postmaster@example.com")
	else
		lg.expect(conn, SMFIR_CONTINUE, "EOM of " .. msgid)
		assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
		       "EOM of " .. msgid .. ": no addrcpt postmaster@example.com")
		assert(mt.eom_check(conn, MT_RCPTDELETE, rcpt),
		       "EOM of " .. msgid .. ": no delrcpt " .. rcpt)
	end
	mt.disconnect(conn)
end)
print("redis_message.lua (" .. label .. "): ok")
