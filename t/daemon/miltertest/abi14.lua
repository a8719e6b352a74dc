-- abi14.lua - the real daemon with catchall and tagspy: a recipient
-- tagged on an address that exists is kept (catchall does not redirect
-- it), one whose base does not exist is redirected. (miltertest cannot
-- check a sender change: t_abi14.sh does with milter_eom.py.)
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

local function message(conn, qid, from, rcpts)
	lg.envelope(conn, qid, from, rcpts)
	lg.content(conn, { { "Subject", "test" } }, "hello\r\n")
	lg.expect(conn, SMFIR_CONTINUE, "EOM")
end

lg.main("abi14.lua", function()
	local conn = lg.connect(os.getenv("SOCKET"), "client.test", "192.0.2.1")

	message(conn, "4ABI1", "<sender@external.test>",
		{ "<tag-X=alice@example.com>" })
	assert(not mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "a tagged recipient whose base exists was redirected")
	assert(not mt.eom_check(conn, MT_RCPTDELETE,
				"<tag-X=alice@example.com>"),
	       "a tagged recipient whose base exists was deleted")

	message(conn, "4ABI2", "<sender@external.test>",
		{ "<tag-X=nosuch@example.com>" })
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "a tagged recipient whose base does not exist was kept")
	mt.disconnect(conn)
end)
