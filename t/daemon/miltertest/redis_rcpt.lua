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
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local label = os.getenv("LABEL") or "rcpt"

lg.run("redis_rcpt.lua (" .. label .. ")", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local rcpts = lg.words(os.getenv("RCPTS"))
	local want = lg.words(os.getenv("EXPECT"))
	assert(#rcpts > 0, "RCPTS is empty")
	assert(#rcpts == #want, "RCPTS has " .. #rcpts .. " words, EXPECT " .. #want)

	local conn = lg.connect(sock, "client.test", "192.0.2.10")
	lg.envelope(conn, nil, "<prober@external.test>", {})
	local bad = {}
	for i, r in ipairs(rcpts) do
		lg.step("rcptto " .. r, mt.rcptto(conn, "<" .. r .. ">"))
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
			bad[#bad + 1] = "RCPT " .. r .. ": got " .. lg.reply_name(got) ..
				", want " .. want[i]
		end
	end
	mt.disconnect(conn)
	if #bad > 0 then
		error(table.concat(bad, "; "))
	end
end)
print("redis_rcpt.lua (" .. label .. "): ok")
