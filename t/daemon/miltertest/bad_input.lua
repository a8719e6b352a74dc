-- bad_input.lua - hostile and broken input through the milter protocol.
-- Each case runs on its own connection and checks the exact answer;
-- after each one a normal message must still get its usual treatment.
-- Prints "ok - NAME" or "not ok - NAME: WHY" per case; exits 1 on any.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
local sock = os.getenv("SOCKET")
local failed = 0
local expect, content = lg.expect, lg.content

-- envelope(conn, from, rcpts) - MAIL and RCPTs, each continued
local function envelope(conn, from, rcpts)
	lg.envelope(conn, "BADIN", from, rcpts)
end

-- normal(conn) - an unknown recipient is still redirected (each with
-- its own Message-ID, so that repeat never sees a copy)
local serial = 0
local function normal(conn)
	serial = serial + 1
	envelope(conn, "<sender@external.test>", { "<nosuch@example.com>" })
	content(conn, { { "Subject", "normal" },
		{ "Message-ID", "<normal." .. os.time() .. "." .. serial .. "." ..
		  tostring(os.getenv("RUN_ID")) .. "@x>" } },
		"hello\r\n")
	expect(conn, SMFIR_CONTINUE, "normal EOM")
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       "normal message: no redirect to the postmaster")
end

-- CASE=TEXT runs only the cases whose name holds TEXT
local only = os.getenv("CASE")

local function case(name, fn)
	if only and not name:find(only, 1, true) then
		return
	end
	local ok, err = pcall(function()
		local conn = lg.connect(sock, "client.test", "192.0.2.1")
		fn(conn)
		normal(conn)
		mt.disconnect(conn)
	end)
	if ok then
		print("ok - " .. name)
	else
		print("not ok - " .. name .. ": " .. tostring(err))
		failed = failed + 1
	end
end

local function redirected(conn, addr, what)
	expect(conn, SMFIR_CONTINUE, what .. " EOM")
	assert(mt.eom_check(conn, MT_RCPTDELETE, addr), what .. ": " ..
	       addr:sub(1, 40) .. " not deleted")
	assert(mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       what .. ": no redirect")
end

-- miltertest itself cannot send a header value over about 1 KB (its
-- stack buffer); t/mta/t_faults_postfix.sh sends a 64 KB one through
-- Postfix. Here: 1000 headers of 900 bytes, a 900 KB header block.
local filler = string.rep("a", 900)

case("a normal message", function(conn) end)

case("1000 headers of 900 bytes", function(conn)
	local hs = {}
	for i = 1, 1000 do hs[i] = { "X-H" .. i, filler } end
	envelope(conn, "<sender@external.test>", { "<nosuch@example.com>" })
	content(conn, hs, "hi\r\n")
	redirected(conn, "<nosuch@example.com>", "1000 headers")
end)

-- refused(conn, addr, what) - an unparsable address in a local domain
-- is refused at RCPT: accepted, the MTA would bounce it to the sender
local function refused(conn, addr, what)
	lg.step("rcptto", mt.rcptto(conn, addr))
	expect(conn, SMFIR_REPLYCODE, what .. " RCPT")
end

-- the milter protocol ends strings at NUL: what arrives is cut there
case("a NUL in a header value and in an address", function(conn)
	-- "<nosuch@example.com" arrives: unparsable, in a local domain
	envelope(conn, "<send\0er@external.test>", {})
	refused(conn, "<nosuch@example.com\0x>", "cut at NUL")
	content(conn, { { "Subject", "a\0b" }, { "Message-ID", "<id\0x@y>" } },
		"hi\r\n")
	expect(conn, SMFIR_CONTINUE, "EOM")
end)

-- what loopguard cannot parse in another domain it leaves to the MTA,
-- untouched (and logs "unparsable recipient"): no redirect, no reply,
-- no count
local function untouched(conn, addr, what)
	expect(conn, SMFIR_CONTINUE, what .. " EOM")
	assert(not mt.eom_check(conn, MT_RCPTDELETE, addr), what ..
	       ": deleted")
	assert(not mt.eom_check(conn, MT_RCPTADD, "postmaster@example.com"),
	       what .. ": redirected")
end

case("8-bit (Latin-1) addresses", function(conn)
	envelope(conn, "<j\246rg@external.test>", { "<j\246rg@other.test>" })
	refused(conn, "<j\246rg@example.com>", "Latin-1 in a local domain")
	refused(conn, "<j\246rg@EXAMPLE.com.>", "... any case, a trailing dot")
	content(conn, { { "Subject", "caf\233" } }, "hi\r\n")
	untouched(conn, "<j\246rg@other.test>", "Latin-1 elsewhere")
end)

case("UTF-8 addresses", function(conn)
	envelope(conn, "<j\195\182rg@external.test>",
		 { "<j\195\182rg@example.com>", "<\226\130\172@example.com>" })
	content(conn, { { "Subject", "\226\130\172" } }, "hi\r\n")
	redirected(conn, "<\226\130\172@example.com>", "UTF-8")
end)

case("a 1000-character local part and a 300-character domain", function(conn)
	local long = "<" .. string.rep("x", 1000) .. "@example.com>"
	local far = "<" .. string.rep("x", 1000) .. "@external.test>"
	envelope(conn, "<" .. string.rep("y", 1000) .. "@external.test>",
		 { far, "<a@" .. string.rep("d", 296) .. ".test>" })
	refused(conn, long, "long local part in a local domain")
	content(conn, { { "Subject", "long" } }, "hi\r\n")
	untouched(conn, far, "long local part elsewhere")
end)

case("5000 recipients, known and unknown", function(conn)
	local rcpts = {}
	for i = 1, 2500 do
		rcpts[#rcpts + 1] = "<alice@example.com>"
		rcpts[#rcpts + 1] = "<nosuch" .. i .. "@example.com>"
	end
	envelope(conn, "<sender@external.test>", rcpts)
	content(conn, { { "Subject", "many" } }, "hi\r\n")
	redirected(conn, "<nosuch1@example.com>", "5000 recipients")
	assert(mt.eom_check(conn, MT_RCPTDELETE, "<nosuch2500@example.com>"),
	       "the last unknown recipient was not deleted")
	assert(not mt.eom_check(conn, MT_RCPTDELETE, "<alice@example.com>"),
	       "a known recipient was deleted")
end)

-- bounces whose MIME is broken: refused as unverified, 550
local function bounce(conn, ctype, body)
	envelope(conn, "<>", { "<alice@example.com>" })
	content(conn, { { "Subject", "Undelivered Mail Returned to Sender" },
		{ "MIME-Version", "1.0" }, { "Content-Type", ctype } }, body)
	expect(conn, SMFIR_REPLYCODE, "bounce EOM")
end

case("a report without a boundary", function(conn)
	bounce(conn, "multipart/report; report-type=delivery-status",
	       "--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n")
end)

case("unterminated parts", function(conn)
	bounce(conn, "multipart/report; boundary=\"b\"",
	       "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n" ..
	       "--b\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <unfinished")
end)

case("multiparts nested 100 deep", function(conn)
	local parts = {}
	for i = 1, 100 do
		parts[#parts + 1] = "--b" .. i .. "\r\nContent-Type: multipart/mixed; boundary=\"b" ..
			(i + 1) .. "\"\r\n\r\n"
	end
	bounce(conn, "multipart/mixed; boundary=\"b1\"", table.concat(parts))
end)

case("a delivery-status part of garbage", function(conn)
	local junk = {}
	for i = 1, 4096 do junk[i] = string.char((i * 37) % 256) end
	bounce(conn, "multipart/report; report-type=delivery-status; boundary=\"g\"",
	       "--g\r\nContent-Type: message/delivery-status\r\n\r\n" ..
	       table.concat(junk) .. "\r\n--g--\r\n")
end)

case("no Message-ID at all", function(conn)
	envelope(conn, "<sender@external.test>", { "<nosuch@example.com>" })
	content(conn, { { "Subject", "no id" } }, "hi\r\n")
	redirected(conn, "<nosuch@example.com>", "no Message-ID")
end)

if failed > 0 then
	print("bad_input.lua: " .. failed .. " failed")
	os.exit(1)
end
print("bad_input.lua: ok")
