-- harvest_rcpts.lua - one SMTP transaction that only gives recipients
-- (no DATA), as a harvester would; run by t/plugins/harvest/t_harvest.sh.
-- Environment:
--   SOCKET   the daemon's milter socket ("unix:/path")
--   CLIENT   the client's IP address (default 192.0.2.10)
--   RCPTS    recipients, separated by blanks ("user01@example.com ...")
--   MAILER   if set, the {rcpt_mailer} macro of every RCPT: "error" is
--            how Postfix says it refused the recipient itself (unknown
--            user, "Relay access denied")
--   PRIME    if set, an address given first and not counted in the
--            summary: the plugin reads the client's block then, so
--            the recipients after it may find it a moment old
--   READY    if set, a file made once PRIME was answered
--   BARRIER  if set, a file: after MAIL FROM (and PRIME), wait (at
--            most 30 s) until it exists, so that many copies of this
--            script send their recipients at the same moment
--   LABEL    a name for the messages printed (default "rcpts")
-- Prints "LABEL: N ok, M refused" and exits 0; 1 on a protocol error.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local label = os.getenv("LABEL") or "rcpts"

-- wait_for - until PATH exists, polling every 10 ms, 30 s at most
local function wait_for(path)
	for _ = 1, 3000 do
		local f = io.open(path, "r")
		if f then
			f:close()
			return
		end
		os.execute("sleep 0.01")
	end
	error("timed out waiting for " .. path)
end

lg.run("harvest_rcpts.lua (" .. label .. ")", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local client = os.getenv("CLIENT") or "192.0.2.10"
	local rcpts = lg.words(os.getenv("RCPTS"))
	local mailer = os.getenv("MAILER")
	local barrier = os.getenv("BARRIER")
	local prime = os.getenv("PRIME")
	local ready = os.getenv("READY")
	assert(#rcpts > 0, "RCPTS is empty")

	local conn = lg.connect(sock, "client.test", client)
	lg.envelope(conn, nil, "<prober@external.test>", {})
	if prime and prime ~= "" then
		lg.step("rcptto " .. prime, mt.rcptto(conn, "<" .. prime .. ">"))
		mt.getreply(conn)
	end
	if ready and ready ~= "" then
		local f = assert(io.open(ready, "w"))
		f:close()
	end
	if barrier and barrier ~= "" then
		wait_for(barrier)
	end
	local count = { ok = 0, refused = 0 }
	for _, r in ipairs(rcpts) do
		if mailer and mailer ~= "" then
			lg.step("macro", mt.macro(conn, SMFIC_RCPT,
						  "{rcpt_mailer}", mailer))
		end
		lg.step("rcptto " .. r, mt.rcptto(conn, "<" .. r .. ">"))
		lg.tally(count, mt.getreply(conn), "RCPT " .. r)
	end
	mt.disconnect(conn)
	print(label .. ": " .. count.ok .. " ok, " .. count.refused ..
	      " refused")
end)
