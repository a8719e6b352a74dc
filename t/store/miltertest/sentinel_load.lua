-- sentinel_load.lua - COUNT messages, each from its own client address
-- (198.51.100.N), to one unknown recipient, through one loopguard
-- instance; run in a loop by t/store/t_redis_sentinel.sh while the
-- Redis master fails over. Every RCPT touches the store (harvest).
-- Environment:
--   SOCKET  the instance's milter socket ("unix:/path")
--   COUNT   messages (default 10)
--   FIRST   the first client number, 0..255 wraps (default 1)
--   RCPT    the unknown recipient (default nosuch@example.com)
-- Prints one line: "sent N continued C tempfail T other O".
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.run("sentinel_load.lua", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local count = tonumber(os.getenv("COUNT") or "10")
	local first = tonumber(os.getenv("FIRST") or "1")
	local rcpt = "<" .. (os.getenv("RCPT") or "nosuch@example.com") .. ">"
	local n, cont, temp, other = 0, 0, 0, 0

	for i = 0, count - 1 do
		local client = "198.51.100." .. tostring((first + i) % 254 + 1)
		local conn = lg.connect(sock, "load.test", client)
		lg.envelope(conn, nil, "<load@external.test>", {})
		lg.step("rcptto", mt.rcptto(conn, rcpt))
		local got = mt.getreply(conn)
		n = n + 1
		if got == SMFIR_CONTINUE then
			cont = cont + 1
		elseif got == SMFIR_TEMPFAIL or got == SMFIR_REPLYCODE then
			temp = temp + 1
		else
			other = other + 1
		end
		mt.disconnect(conn)
	end
	print(string.format("sent %d continued %d tempfail %d other %d",
			    n, cont, temp, other))
end)
