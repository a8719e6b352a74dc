-- log_forgery.lua - peer text that tries to forge or corrupt log lines:
-- an unparsable sender and a recipient holding ESC sequences, BEL, DEL,
-- CR, LF (each followed by a fake decision line) and bytes that are not
-- UTF-8, and a HELO name with the same. The message goes on (the
-- sender is treated as external, the unknown recipient is redirected),
-- so the sender is quoted again in the catchall's decision line. What
-- the log holds is checked by t_log_forgery.sh. A second message has a
-- sender of 1000 ESC bytes, four times as long escaped: the decision
-- line must still end with its recipient, client and reason.
local evil = "\027[2J\027]0;owned\007\127\255\192\175\r\n" ..
	"FORGED: plugin=catchall action=accept from=<x> to=<y>\r\n"

local function run()
	local sock = os.getenv("SOCKET")
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(sock))
	assert(mt.conninfo(conn, "client.test", "192.0.2.1") == nil)
	assert(mt.helo(conn, "helo" .. evil) == nil)
	mt.macro(conn, SMFIC_MAIL, "i", "4FORGE")
	assert(mt.mailfrom(conn, "<" .. evil .. "@>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
	assert(mt.rcptto(conn, "<nosuch@example.com>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT not continued")
	assert(mt.rcptto(conn, "<" .. evil .. ">") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "bad RCPT not continued")
	assert(mt.header(conn, "Subject", "test") == nil)
	assert(mt.eoh(conn) == nil)
	assert(mt.bodystring(conn, "hello\r\n") == nil)
	assert(mt.eom(conn) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "EOM not continued")
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "the unknown recipient was not redirected")
	mt.disconnect(conn)

	conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(sock))
	assert(mt.conninfo(conn, "client.test", "192.0.2.9") == nil)
	assert(mt.helo(conn, "client.test") == nil)
	mt.macro(conn, SMFIC_MAIL, "i", "4LONG")
	assert(mt.mailfrom(conn, "<" .. string.rep("\027", 1000) .. "@>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "long MAIL not continued")
	assert(mt.rcptto(conn, "<nosuch2@example.com>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "long RCPT not continued")
	assert(mt.header(conn, "Subject", "test") == nil)
	assert(mt.eoh(conn) == nil)
	assert(mt.bodystring(conn, "hello\r\n") == nil)
	assert(mt.eom(conn) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "long EOM not continued")
	mt.disconnect(conn)
end
local ok, err = pcall(run)
if not ok then
	print("log_forgery.lua: " .. tostring(err))
	os.exit(1)
end
print("log_forgery.lua: ok")
