-- metrics_mail.lua - COUNT messages on one connection, each to a known
-- recipient and an unknown one of the same local domain, so that the
-- daemon's counters move by known amounts; run by the metrics tests
-- in t/console. With the catchall plugin every unknown recipient is
-- redirected (one catchall/redirect decision each).
-- Environment:
--   SOCKET   the daemon's milter socket ("unix:/path")
--   COUNT    messages (default 1)
--   KNOWN    the known recipient (default alice@example.com)
--   DOMAIN   the unknown recipients' domain (default example.com)
--   CLIENT   the client's IP address (default 192.0.2.30)
-- Prints "metrics_mail.lua: ok" after COUNT messages; exits 1 on a
-- protocol error or an unexpected reply.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.main("metrics_mail.lua", function()
	local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
	local count = tonumber(os.getenv("COUNT") or "1")
	local known = os.getenv("KNOWN") or "alice@example.com"
	local domain = os.getenv("DOMAIN") or "example.com"
	local conn = lg.connect(sock, "client.test",
				os.getenv("CLIENT") or "192.0.2.30")

	lg.helo(conn, "client.test")
	for i = 1, count do
		lg.envelope(conn, string.format("4MET%04d", i),
			    "<sender@external.test>",
			    { "<" .. known .. ">",
			      string.format("<nosuch%d@%s>", i, domain) })
		lg.content(conn, { { "Subject", "metrics " .. i } },
			   "hello\r\n")
		lg.expect(conn, SMFIR_CONTINUE, "EOM " .. i)
	end
	mt.disconnect(conn)
end)
