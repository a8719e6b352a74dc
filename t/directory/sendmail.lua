-- sendmail.lua - the catchall plugin over the "sendmail" recipient
-- source: each address of $KNOWN (blank-separated) is left alone, each
-- of $UNKNOWN is deleted and redirected, each of $TEMPFAIL gets a
-- tempfail at RCPT. All go in one message, so one run checks them all.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

lg.main("sendmail.lua", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", "192.0.2.1")
	local known = lg.words(os.getenv("KNOWN"))
	local unknown = lg.words(os.getenv("UNKNOWN"))
	local tempfail = lg.words(os.getenv("TEMPFAIL"))
	local rcpts = {}

	for _, a in ipairs(known) do rcpts[#rcpts + 1] = "<" .. a .. ">" end
	for _, a in ipairs(unknown) do rcpts[#rcpts + 1] = "<" .. a .. ">" end
	lg.envelope(conn, "4SMTEST", "<sender@external.test>", rcpts)
	for _, a in ipairs(tempfail) do
		lg.step("rcptto", mt.rcptto(conn, "<" .. a .. ">"))
		lg.expect(conn, SMFIR_TEMPFAIL, "RCPT " .. a)
	end
	lg.content(conn, { { "Subject", "directory test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
	for _, a in ipairs(known) do
		assert(not mt.eom_check(conn, MT_RCPTDELETE, "<" .. a .. ">"),
		       a .. " exists but was redirected")
	end
	for _, a in ipairs(unknown) do
		assert(mt.eom_check(conn, MT_RCPTDELETE, "<" .. a .. ">"),
		       a .. " is unknown but was not redirected")
	end
	mt.disconnect(conn)
end)
