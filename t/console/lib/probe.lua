-- probe.lua - one SMTP transaction that gives only recipients, as a
-- harvester does: CLIENT connects, SENDER, then each of RCPTS (lgc_probe
-- in console.sh runs it)
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
lg.main("probe", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", os.getenv("CLIENT"))
	lg.envelope(conn, nil, os.getenv("SENDER"), {})
	for _, r in ipairs(lg.words(os.getenv("RCPTS"))) do
		lg.step("rcptto " .. r, mt.rcptto(conn, "<" .. r .. ">"))
		mt.getreply(conn)
	end
	mt.disconnect(conn)
end)
