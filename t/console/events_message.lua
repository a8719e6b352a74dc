-- events_message.lua - one message to an unknown recipient through the
-- real daemon (t_console_events.sh), so the catchall plugin decides
-- and the daemon's action counters move.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.main("events_message.lua", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", "192.0.2.1")

	lg.envelope(conn, "4EVENT1", "<sender@external.test>",
		    { "<nosuch@example.com>" })
	lg.content(conn, { { "Subject", "chart" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
	mt.disconnect(conn)
end)
