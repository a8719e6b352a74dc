-- reject_extension.lua - the real daemon with the catchall plugin and
-- recipient_delimiter "+": an address on the reject list gets 550 with
-- or without an address extension, and is never redirected; a valid
-- recipient with an extension and an unknown one behave as before.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

local function rcpt(conn, addr, want, what)
	lg.step("rcptto", mt.rcptto(conn, addr))
	local got = mt.getreply(conn)
	if got == want then
		print("ok - " .. what)
	else
		print("not ok - " .. what)
		error(addr .. ": reply " .. tostring(got) .. ", wanted " ..
		      tostring(want))
	end
end

lg.main("reject_extension.lua", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", "192.0.2.1")
	lg.envelope(conn, "4EXT1", "<spammer@external.test>", {})
	rcpt(conn, "<leaked@example.com>", SMFIR_REPLYCODE,
	     "leaked@example.com is refused")
	rcpt(conn, "<leaked+anything@example.com>", SMFIR_REPLYCODE,
	     "leaked+anything@example.com is refused")
	rcpt(conn, "<Leaked+X@Example.COM>", SMFIR_REPLYCODE,
	     "Leaked+X@Example.COM is refused")
	rcpt(conn, "<leaked+@example.com>", SMFIR_REPLYCODE,
	     "leaked+@example.com (empty extension) is refused")
	-- too long for loopguard's parser (an unparsable address), not
	-- for the MTA, which cuts the extension and delivers to leaked@
	rcpt(conn, "<leaked+" .. string.rep("x", 520) .. "@example.com>",
	     SMFIR_REPLYCODE, "leaked+(520 bytes)@example.com is refused")
	rcpt(conn, "<\"leaked+a@b\"@example.com>", SMFIR_REPLYCODE,
	     "\"leaked+a@b\"@example.com (a quoted @) is refused")
	rcpt(conn, "<\"leaked+x\"@example.com>", SMFIR_REPLYCODE,
	     "\"leaked+x\"@example.com (quoted) is refused")
	rcpt(conn, "<+leaked@example.com>", SMFIR_CONTINUE,
	     "+leaked@example.com (no extension to cut) is not on the list")
	rcpt(conn, "<leakedx@example.com>", SMFIR_CONTINUE,
	     "leakedx@example.com is not on the list")
	rcpt(conn, "<alice+news@example.com>", SMFIR_CONTINUE,
	     "alice+news@example.com still passes")
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
	-- only leakedx (unknown, not listed) goes to the postmaster
	assert(mt.eom_check(conn, MT_HDRADD, "X-Loopguard-Original-To",
			    "leakedx@example.com"), "leakedx not redirected")
	assert(not mt.eom_check(conn, MT_HDRADD, "X-Loopguard-Original-To",
				"leaked+anything@example.com"),
	       "leaked+anything@example.com was redirected")
	assert(not mt.eom_check(conn, MT_RCPTDELETE,
				"<alice+news@example.com>"),
	       "alice+news was deleted")
	print("ok - only the unlisted unknown recipient is redirected")
	mt.disconnect(conn)
end)
