-- message.lua - one message from a file through the milter, for
-- t_dkim_dns.sh: MAIL FROM $FROM, RCPT TO $RCPT, then the header lines
-- (one field per line) and the body of the file $MESSAGE. Prints
-- "reply=CODE" with the milter's answer to the end of message; exits
-- 1 on any other answer or error. Waits up to $TIMEOUT seconds.
local ok, err = pcall(function()
	mt.set_timeout(tonumber(os.getenv("TIMEOUT") or "600"))
	local conn = mt.connect(os.getenv("SOCKET"), 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(os.getenv("SOCKET")))
	assert(mt.conninfo(conn, "attacker.test", "203.0.113.9") == nil)
	mt.macro(conn, SMFIC_MAIL, "i", "DKIMDNS")
	assert(mt.mailfrom(conn, os.getenv("FROM")) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL refused")
	assert(mt.rcptto(conn, os.getenv("RCPT")) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT refused")
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
			assert(mt.header(conn, name, value) == nil)
		end
	end
	f:close()
	assert(mt.eoh(conn) == nil)
	-- the body in chunks of at most 60000 bytes, as an MTA sends it
	local text = table.concat(body, "\r\n") .. "\r\n"
	for i = 1, #text, 60000 do
		assert(mt.bodystring(conn, text:sub(i, i + 59999)) == nil)
	end
	assert(mt.eom(conn) == nil)
	print("reply=" .. tostring(mt.getreply(conn)))
	mt.disconnect(conn)
end)
if not ok then
	print("error: " .. tostring(err))
	os.exit(1)
end
