-- redis_message.lua - one whole message from 192.0.2.10 to one unknown
-- recipient through one loopguard instance; run by t/daemon/t_redis_shared.sh.
-- Environment:
--   SOCKET  the instance's milter socket ("unix:/path")
--   MSGID   the Message-ID header (the repeat fingerprint)
--   EXPECT  "redirect": continued, catch-all adds postmaster@example.com
--           "discard":  SMFIR_DISCARD at end of message
--   RCPT    the recipient (default <nosuch@example.com>)
--   LABEL   a name for the messages printed (default "message")
local label = os.getenv("LABEL") or "message"

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

-- expect - the last reply must be want
local function expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(what .. ": got " .. reply_name(got) .. ", want " ..
		      reply_name(want), 2)
	end
end

-- step - an mt.* call that returns nil on success, an error text else
local function step(what, err)
	if err ~= nil then
		error(what .. " failed: " .. tostring(err), 2)
	end
end

local function run()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local msgid = assert(os.getenv("MSGID"), "MSGID is not set")
	local want = os.getenv("EXPECT") or "redirect"
	local rcpt = os.getenv("RCPT") or "<nosuch@example.com>"
	assert(want == "redirect" or want == "discard",
	       "EXPECT must be redirect or discard, not " .. want)

	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. sock)
	step("conninfo", mt.conninfo(conn, "client.test", "192.0.2.10"))
	expect(conn, SMFIR_CONTINUE, "connect")
	mt.macro(conn, SMFIC_MAIL, "i", "4REDIS" .. tostring(os.time() % 100000))
	step("mailfrom", mt.mailfrom(conn, "<looper@external.test>"))
	expect(conn, SMFIR_CONTINUE, "MAIL")
	step("rcptto", mt.rcptto(conn, rcpt))
	expect(conn, SMFIR_CONTINUE, "RCPT " .. rcpt)
	step("header", mt.header(conn, "From", "Looper <looper@external.test>"))
	step("header", mt.header(conn, "To", rcpt))
	step("header", mt.header(conn, "Subject", "same old message"))
	step("header", mt.header(conn, "Message-ID", msgid))
	step("eoh", mt.eoh(conn))
	step("body", mt.bodystring(conn, "the same body every time\r\n"))
	step("eom", mt.eom(conn))
	if want == "discard" then
		expect(conn, SMFIR_DISCARD, "EOM of " .. msgid)
		assert(not mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
		       "discarded copy still redirected to postmaster@example.com")
	else
		expect(conn, SMFIR_CONTINUE, "EOM of " .. msgid)
		assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
		       "EOM of " .. msgid .. ": no addrcpt postmaster@example.com")
		assert(mt.eom_check(conn, MT_RCPTDELETE, rcpt),
		       "EOM of " .. msgid .. ": no delrcpt " .. rcpt)
	end
	mt.disconnect(conn)
end

local ok, err = pcall(run)
if not ok then
	print("redis_message.lua (" .. label .. "): " .. tostring(err))
	os.exit(1)
end
print("redis_message.lua (" .. label .. "): ok")
