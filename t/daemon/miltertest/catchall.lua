-- catchall.lua - the real daemon with the catchall plugin: an unknown
-- recipient is deleted, the postmaster added, the original kept in a
-- header; a valid recipient is untouched; the reject list gets 550.
local function message(conn, rcpts)
	mt.macro(conn, SMFIC_MAIL, "i", "4TEST2")
	assert(mt.mailfrom(conn, "<sender@external.test>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
	for _, r in ipairs(rcpts) do
		assert(mt.rcptto(conn, r) == nil)
		assert(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT " .. r)
	end
	assert(mt.header(conn, "Subject", "test") == nil)
	assert(mt.eoh(conn) == nil)
	assert(mt.bodystring(conn, "hello\r\n") == nil)
	assert(mt.eom(conn) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "EOM not continued")
end

local function run()
	local sock = os.getenv("SOCKET")
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(sock))
	assert(mt.conninfo(conn, "client.test", "192.0.2.1") == nil)

	message(conn, { "<nosuch@example.com>", "<alice@example.com>" })
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "no addrcpt postmaster@example.com")
	assert(mt.eom_check(conn, MT_RCPTDELETE, "<nosuch@example.com>"),
	       "no delrcpt <nosuch@example.com>")
	assert(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.com>"),
	       "alice was deleted")
	assert(mt.eom_check(conn, MT_HDRADD, "X-Loopguard-Original-To",
			    "nosuch@example.com"), "no original-to header")

	message(conn, { "<alice@example.com>" })
	assert(not mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "valid recipient was redirected")

	mt.macro(conn, SMFIC_MAIL, "i", "4TEST3")
	assert(mt.mailfrom(conn, "<spammer@external.test>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE)
	assert(mt.rcptto(conn, "<leaked@example.com>") == nil)
	assert(mt.getreply(conn) == SMFIR_REPLYCODE, "leaked not refused")
	mt.disconnect(conn)
end
local ok, err = pcall(run)
if not ok then
	print("catchall.lua: " .. tostring(err))
	os.exit(1)
end
print("catchall.lua: ok")
