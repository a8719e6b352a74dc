-- ldap_rcpt.lua - recipients checked by the real daemon against an
-- ldap: source; run by t/directory/t_ldap.sh. One transaction per
-- recipient, from 192.0.2.20, on one connection.
-- Environment:
--   SOCKET  the milter socket ("unix:/path")
--   RCPTS   recipients, separated by blanks (each sent inside <>)
--   EXPECT  one word per recipient:
--             ok        RCPT continued, the message left as it is
--             catchall  RCPT continued, the recipient replaced by
--                       postmaster@example.com at the end of message
--             tempfail  RCPT refused for now (SMFIR_TEMPFAIL, or the
--                       4xx reply code loopguard sets; the test reads
--                       the code in the log); no message follows
--   LABEL   a name for the messages printed
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local label = os.getenv("LABEL") or "ldap"

lg.main("ldap_rcpt.lua (" .. label .. ")", function()
	local rcpts = lg.words(os.getenv("RCPTS"))
	local want = lg.words(os.getenv("EXPECT"))
	assert(#rcpts > 0 and #rcpts == #want,
	       "RCPTS and EXPECT must have as many words")
	local conn = lg.connect(assert(os.getenv("SOCKET"), "SOCKET is not set"),
				"client.test", "192.0.2.20")
	local bad = {}
	for i, r in ipairs(rcpts) do
		local addr = "<" .. r .. ">"
		lg.envelope(conn, "4LDAP" .. i, "<sender@external.test>", {})
		lg.step("rcptto " .. r, mt.rcptto(conn, addr))
		local got = mt.getreply(conn)
		if want[i] == "tempfail" then
			if got ~= SMFIR_TEMPFAIL and got ~= SMFIR_REPLYCODE then
				bad[#bad + 1] = r .. ": RCPT got " ..
					lg.reply_name(got) .. ", want tempfail"
			end
			lg.step("abort", mt.abort(conn))
		elseif got ~= SMFIR_CONTINUE then
			bad[#bad + 1] = r .. ": RCPT got " .. lg.reply_name(got) ..
				", want continue (" .. want[i] .. ")"
			lg.step("abort", mt.abort(conn))
		else
			lg.content(conn, { { "Subject", "ldap" } }, "hello\r\n")
			lg.expect(conn, SMFIR_CONTINUE, "EOM for " .. r)
			local moved = mt.eom_check(conn, MT_RCPTDELETE, addr) and
				mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com")
			if want[i] == "ok" and moved then
				bad[#bad + 1] = r .. ": sent to the postmaster, want kept"
			elseif want[i] == "catchall" and not moved then
				bad[#bad + 1] = r .. ": kept, want sent to the postmaster"
			elseif want[i] ~= "ok" and want[i] ~= "catchall" then
				error("EXPECT word " .. i .. " is " .. want[i])
			end
		end
	end
	mt.disconnect(conn)
	if #bad > 0 then
		error(table.concat(bad, "; "))
	end
end)
