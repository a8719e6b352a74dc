-- rcpt_cases.lua - each recipient of $CASES ("known:ADDR unknown:ADDR
-- fail:ADDR ...") in a connection of its own, through the real daemon
-- with the catchall plugin: a known one passes untouched, an unknown
-- one is taken off the message (it goes to the postmaster), one the directory cannot decide gets
-- the 451 reply at RCPT and never reaches the end of the message.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local sock = assert(os.getenv("SOCKET"), "SOCKET is not set")
local cases = assert(os.getenv("CASES"), "CASES is not set")

-- one - a message to rcpt, checked as the case wants
local function one(want, rcpt)
	local conn = lg.connect(sock, "client.test", "192.0.2.1")
	local r = "<" .. rcpt .. ">"

	lg.step("mailfrom", mt.mailfrom(conn, "<sender@external.test>"))
	lg.expect(conn, SMFIR_CONTINUE, "MAIL")
	lg.step("rcptto", mt.rcptto(conn, r))
	if want == "fail" then
		lg.expect(conn, SMFIR_REPLYCODE, "RCPT " .. r .. " (451 wanted)")
		mt.disconnect(conn)
		return
	end
	lg.expect(conn, SMFIR_CONTINUE, "RCPT " .. r)
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM " .. r)
	local redirected = mt.eom_check(conn, MT_RCPTDELETE, r)
	if want == "known" and redirected then
		error(rcpt .. ": known, but sent to the postmaster")
	elseif want == "unknown" and not redirected then
		error(rcpt .. ": unknown, but not sent to the postmaster")
	end
	mt.disconnect(conn)
end

lg.main("rcpt_cases.lua", function()
	for _, c in ipairs(lg.words(cases)) do
		local want, rcpt = c:match("^(%a+):(.+)$")
		assert(want == "known" or want == "unknown" or want == "fail",
		       "bad case " .. c)
		one(want, rcpt)
	end
end)
