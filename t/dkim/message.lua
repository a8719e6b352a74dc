-- message.lua - one message from a file through the milter, for
-- t_dkim_dns.sh: MAIL FROM $FROM, RCPT TO $RCPT, then the header lines
-- (one field per line) and the body of the file $MESSAGE. Prints
-- "reply=CODE" with the milter's answer to the end of message; exits
-- 1 on any other answer or error. Waits up to $TIMEOUT seconds.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.run("error", function()
	mt.set_timeout(tonumber(os.getenv("TIMEOUT") or "600"))
	local conn = lg.connect(os.getenv("SOCKET"), "attacker.test",
				"203.0.113.9")
	lg.envelope(conn, "DKIMDNS", os.getenv("FROM"), { os.getenv("RCPT") })
	local f = assert(io.open(os.getenv("MESSAGE")))
	local body, in_body = {}, false
	for line in f:lines() do
		if in_body then
			body[#body + 1] = line
		elseif line == "" then
			in_body = true
		else
			local name, value = line:match("^([^:]+):%s?(.*)$")
			assert(name, "not a header line: " .. line)
			lg.step("header " .. name, mt.header(conn, name, value))
		end
	end
	f:close()
	lg.step("eoh", mt.eoh(conn))
	-- the body in chunks of at most 60000 bytes, as an MTA sends it
	local text = table.concat(body, "\r\n") .. "\r\n"
	for i = 1, #text, 60000 do
		lg.step("body", mt.bodystring(conn, text:sub(i, i + 59999)))
	end
	lg.step("eom", mt.eom(conn))
	print("reply=" .. tostring(mt.getreply(conn)))
	mt.disconnect(conn)
end)
