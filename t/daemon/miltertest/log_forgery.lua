-- log_forgery.lua - peer text that tries to forge or corrupt log lines:
-- an unparsable sender and a recipient holding ESC sequences, BEL, DEL,
-- CR, LF (each followed by a fake decision line) and bytes that are not
-- UTF-8, and a HELO name with the same. The message goes on (the
-- sender is treated as external, the unknown recipient is redirected),
-- so the sender is quoted again in the catchall's decision line. What
-- the log holds is checked by t_log_forgery.sh. A second message has a
-- sender of 1000 ESC bytes, four times as long escaped: the decision
-- line must still end with its recipient, client and reason.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

local evil = "\027[2J\027]0;owned\007\127\255\192\175\r\n" ..
	"FORGED: plugin=catchall action=accept from=<x> to=<y>\r\n"

lg.main("log_forgery.lua", function()
	local sock = os.getenv("SOCKET")
	local conn = lg.connect(sock, "client.test", "192.0.2.1")
	lg.helo(conn, "helo" .. evil)
	lg.envelope(conn, "4FORGE", "<" .. evil .. "@>",
		    { "<nosuch@example.com>", "<" .. evil .. ">" })
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "the unknown recipient was not redirected")
	mt.disconnect(conn)

	conn = lg.connect(sock, "client.test", "192.0.2.9")
	lg.helo(conn, "client.test")
	lg.envelope(conn, "4LONG", "<" .. string.rep("\027", 1000) .. "@>",
		    { "<nosuch2@example.com>" })
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "long EOM")
	mt.disconnect(conn)
end)
