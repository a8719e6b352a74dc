-- forge.lua - a local user who reaches the milter socket poses as the
-- MTA: it claims a client (CLIENT, a partner's MX) and probes RCPT
-- unknown local addresses until harvest blocks that client network.
-- Prints "forged: connected" and, at the end, "forged: K of N
-- recipients refused"; exits 1 with "forged: no connection: ..." when
-- the socket cannot be reached (the milter socket is not theirs).
local function run()
	local sock = os.getenv("SOCKET")
	local client = os.getenv("CLIENT") or "198.51.100.25"
	local n = tonumber(os.getenv("RCPTS") or "8")
	local ok, conn = pcall(mt.connect, sock, 1, 0)
	if not ok or not conn then
		print("forged: no connection: " .. tostring(conn))
		os.exit(1)
	end
	print("forged: connected")
	assert(mt.conninfo(conn, "mx.partner.test", client) == nil)
	mt.macro(conn, SMFIC_MAIL, "i", "4FORGED")
	assert(mt.mailfrom(conn, "<someone@partner.test>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
	local refused = 0
	for i = 1, n do
		assert(mt.rcptto(conn, "<probe" .. i .. "@example.com>") == nil)
		if mt.getreply(conn) ~= SMFIR_CONTINUE then
			refused = refused + 1
		end
	end
	mt.disconnect(conn)
	print("forged: " .. refused .. " of " .. n .. " recipients refused")
end
local ok, err = pcall(run)
if not ok then
	print("forge.lua: " .. tostring(err))
	os.exit(1)
end
