-- flood.lua - a harvester with long addresses from many client networks,
-- one connection per client, recipients only (no DATA); run by
-- t/store/t_flood.sh.
-- Environment:
--   SOCKET   the daemon's milter socket ("unix:/path")
--   CLIENTS  client addresses, separated by blanks
--   PER      unknown recipients per client (default 5)
--   LEN      bytes of each address, sender and recipients (default 500)
--   LABEL    a name for the messages printed (default "flood")
-- Every recipient is another address of example.com. Prints
-- "LABEL: N ok, M refused" and exits 0; 1 on a protocol error.
local label = os.getenv("LABEL") or "flood"

local function step(what, err)
	if err ~= nil then
		error(what .. " failed: " .. tostring(err), 2)
	end
end

-- address - "<TAGxxx...@DOMAIN>" of len bytes (without the brackets)
local function address(tag, len, domain)
	local pad = len - #tag - 1 - #domain
	return "<" .. tag .. string.rep("x", pad > 0 and pad or 0) .. "@" ..
	       domain .. ">"
end

local function run()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local per = tonumber(os.getenv("PER") or "5")
	local len = tonumber(os.getenv("LEN") or "500")
	local ok, refused, n = 0, 0, 0
	for client in string.gmatch(os.getenv("CLIENTS") or "", "%S+") do
		local conn = mt.connect(sock, 40, 0.25)
		assert(conn, "cannot connect to " .. sock)
		step("conninfo", mt.conninfo(conn, "flood.test", client))
		assert(mt.getreply(conn) == SMFIR_CONTINUE, "connect not continued")
		step("mailfrom", mt.mailfrom(conn, address("s" .. n, len,
							    "flood.test")))
		assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
		for _ = 1, per do
			n = n + 1
			local r = address("r" .. n .. "-", len, "example.com")
			step("rcptto", mt.rcptto(conn, r))
			local got = mt.getreply(conn)
			if got == SMFIR_CONTINUE then
				ok = ok + 1
			elseif got == SMFIR_TEMPFAIL or got == SMFIR_REPLYCODE or
			       got == SMFIR_REJECT then
				refused = refused + 1
			else
				error("RCPT " .. n .. ": unexpected reply " .. tostring(got))
			end
		end
		mt.disconnect(conn)
	end
	print(label .. ": " .. ok .. " ok, " .. refused .. " refused")
end

local good, err = pcall(run)
if not good then
	print("flood.lua (" .. label .. "): " .. tostring(err))
	os.exit(1)
end
