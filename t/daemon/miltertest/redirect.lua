-- redirect.lua - the real daemon with the test plugin: the redirect edits
-- arrive at end of message. Run by t/daemon/t_miltertest.sh (SOCKET set).
local function run()
	local sock = os.getenv("SOCKET")
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(sock))
	assert(mt.conninfo(conn, "client.test", "192.0.2.1") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "connect not continued")
	mt.macro(conn, SMFIC_MAIL, "i", "4TEST1")
	assert(mt.mailfrom(conn, "<sender@external.test>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
	assert(mt.rcptto(conn, "<alice@example.com>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT not continued")
	assert(mt.header(conn, "Subject", "test") == nil)
	assert(mt.eoh(conn) == nil)
	assert(mt.bodystring(conn, "hello\r\n") == nil)
	assert(mt.eom(conn) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "EOM not continued")
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "no addrcpt postmaster@example.com")
	assert(mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.com>"),
	       "no delrcpt <alice@example.com>")
	assert(mt.eom_check(conn, MT_HDRADD, "X-Test", "yes"),
	       "no X-Test header")
	mt.disconnect(conn)
end
local ok, err = pcall(run)
if not ok then
	print("redirect.lua: " .. tostring(err))
	os.exit(1)
end
print("redirect.lua: ok")
