-- redis_rcpt.lua - one SMTP transaction from 192.0.2.10 that only gives
-- recipients (no DATA), each with its expected RCPT reply; run by
-- t/daemon/t_redis_shared.sh.
-- Environment:
--   SOCKET  the instance's milter socket ("unix:/path")
--   RCPTS   recipients, separated by blanks ("user01@example.com ...")
--   EXPECT  one word per recipient: "ok" (SMFIR_CONTINUE) or "tempfail"
--           (SMFIR_TEMPFAIL, or SMFIR_REPLYCODE: a 4xx set by the plugin;
--           miltertest cannot show the code, the test reads the log)
--   LABEL   a name for the messages printed (default "rcpt")
local label = os.getenv("LABEL") or "rcpt"

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

local function words(s)
	local t = {}
	for w in string.gmatch(s or "", "%S+") do
		t[#t + 1] = w
	end
	return t
end

local function step(what, err)
	if err ~= nil then
		error(what .. " failed: " .. tostring(err), 2)
	end
end

local function run()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local rcpts = words(os.getenv("RCPTS"))
	local want = words(os.getenv("EXPECT"))
	assert(#rcpts > 0, "RCPTS is empty")
	assert(#rcpts == #want, "RCPTS has " .. #rcpts .. " words, EXPECT " .. #want)

	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. sock)
	step("conninfo", mt.conninfo(conn, "client.test", "192.0.2.10"))
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "connect not continued")
	step("mailfrom", mt.mailfrom(conn, "<prober@external.test>"))
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
	local bad = {}
	for i, r in ipairs(rcpts) do
		step("rcptto " .. r, mt.rcptto(conn, "<" .. r .. ">"))
		local got = mt.getreply(conn)
		local fine
		if want[i] == "ok" then
			fine = got == SMFIR_CONTINUE
		elseif want[i] == "tempfail" then
			fine = got == SMFIR_TEMPFAIL or got == SMFIR_REPLYCODE
		else
			error("EXPECT word " .. i .. " is " .. want[i] ..
			      ", not ok or tempfail")
		end
		if not fine then
			bad[#bad + 1] = "RCPT " .. r .. ": got " .. reply_name(got) ..
				", want " .. want[i]
		end
	end
	mt.disconnect(conn)
	if #bad > 0 then
		error(table.concat(bad, "; "))
	end
end

local ok, err = pcall(run)
if not ok then
	print("redis_rcpt.lua (" .. label .. "): " .. tostring(err))
	os.exit(1)
end
print("redis_rcpt.lua (" .. label .. "): ok")
