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
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local label = os.getenv("LABEL") or "flood"

-- address - "<TAGxxx...@DOMAIN>" of len bytes (without the brackets)
local function address(tag, len, domain)
	local pad = len - #tag - 1 - #domain
	return "<" .. tag .. string.rep("x", pad > 0 and pad or 0) .. "@" ..
	       domain .. ">"
end

lg.run("flood.lua (" .. label .. ")", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local per = tonumber(os.getenv("PER") or "5")
	local len = tonumber(os.getenv("LEN") or "500")
	local count, n = { ok = 0, refused = 0 }, 0
	for _, client in ipairs(lg.words(os.getenv("CLIENTS"))) do
		local conn = lg.connect(sock, "flood.test", client)
		lg.envelope(conn, nil, address("s" .. n, len, "flood.test"), {})
		for _ = 1, per do
			n = n + 1
			local r = address("r" .. n .. "-", len, "example.com")
			lg.step("rcptto", mt.rcptto(conn, r))
			lg.tally(count, mt.getreply(conn), "RCPT " .. n)
		end
		mt.disconnect(conn)
	end
	print(label .. ": " .. count.ok .. " ok, " .. count.refused ..
	      " refused")
end)
