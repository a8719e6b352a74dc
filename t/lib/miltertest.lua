-- miltertest.lua - what the miltertest scripts under t/ share. t/lib/lib.sh
-- exports its path as LG_MTLIB; a script loads it with
--	local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))
-- and gets a table of:
--   reply_name(r)              the SMFIR_* name of the reply code r
--   expect(conn, want, what)   the last reply must be want, else an error
--                              "WHAT: got NAME, want NAME"
--   step(what, err)            an mt.* call's result must be nil (success),
--                              else an error "WHAT failed: ERR"
--   words(s)                   the blank-separated words of s (nil: none)
--   connect(sock, host, ip)    a connection whose conninfo (host, ip) was
--                              sent and continued
--   helo(conn, name)           HELO name, unless the milter dropped HELO
--   envelope(conn, qid, from, rcpts)
--                              MAIL FROM from (with the queue ID macro qid
--                              unless nil) and RCPT TO each of rcpts, each
--                              continued
--   content(conn, headers, body)
--                              headers ({name, value} pairs), end of
--                              headers, body and end of message; the
--                              reply is left to the caller
--   tally(n, got, what)        counts a RCPT reply in n.ok (continued) or
--                              n.refused (tempfail, reject, a reply code);
--                              any other reply is an error
--   run(name, fn)              fn in pcall; an error is printed as
--                              "NAME: ERR" and ends miltertest with 1
--   main(name, fn)             run, then "NAME: ok"
local lg = {}

local names = { "SMFIR_CONTINUE", "SMFIR_ACCEPT", "SMFIR_DISCARD",
		"SMFIR_REJECT", "SMFIR_TEMPFAIL", "SMFIR_REPLYCODE",
		"SMFIR_SKIP" }

-- reply_name - the SMFIR_* name of a reply code, else the code itself
function lg.reply_name(r)
	for _, n in ipairs(names) do
		if _G[n] ~= nil and _G[n] == r then
			return n
		end
	end
	return tostring(r)
end

-- expect - the last reply must be want
function lg.expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(what .. ": got " .. lg.reply_name(got) .. ", want " ..
		      lg.reply_name(want), 2)
	end
end

-- step - an mt.* call that returns nil on success, an error text else
function lg.step(what, err)
	if err ~= nil then
		error(what .. " failed: " .. tostring(err), 2)
	end
end

-- words - the blank-separated words of s
function lg.words(s)
	local t = {}
	for w in string.gmatch(s or "", "%S+") do
		t[#t + 1] = w
	end
	return t
end

-- connect - a connection to sock, its client announced and continued
function lg.connect(sock, host, ip)
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(sock))
	lg.step("conninfo", mt.conninfo(conn, host, ip))
	lg.expect(conn, SMFIR_CONTINUE, "connect")
	return conn
end

-- helo - HELO, continued, unless the milter asked not to see it
function lg.helo(conn, name)
	if not mt.test_option(conn, SMFIP_NOHELO) then
		lg.step("helo", mt.helo(conn, name))
	end
end

-- envelope - MAIL and RCPTs, each continued (long addresses cut to 60
-- bytes in the messages)
function lg.envelope(conn, qid, from, rcpts)
	if qid ~= nil then
		mt.macro(conn, SMFIC_MAIL, "i", qid)
	end
	lg.step("mailfrom", mt.mailfrom(conn, from))
	lg.expect(conn, SMFIR_CONTINUE, "MAIL " .. from:sub(1, 60))
	for _, r in ipairs(rcpts) do
		lg.step("rcptto", mt.rcptto(conn, r))
		lg.expect(conn, SMFIR_CONTINUE, "RCPT " .. r:sub(1, 60))
	end
end

-- content - the headers, the body and the end of message; like an
-- MTA, it leaves out the steps the milter asked not to see
function lg.content(conn, headers, body)
	if not mt.test_option(conn, SMFIP_NOHDRS) then
		for _, h in ipairs(headers) do
			lg.step("header " .. h[1], mt.header(conn, h[1], h[2]))
		end
	end
	lg.step("eoh", mt.eoh(conn))
	if not mt.test_option(conn, SMFIP_NOBODY) then
		lg.step("body", mt.bodystring(conn, body))
	end
	lg.step("eom", mt.eom(conn))
end

-- tally - one RCPT reply counted as ok or refused
function lg.tally(n, got, what)
	if got == SMFIR_CONTINUE then
		n.ok = n.ok + 1
	elseif got == SMFIR_TEMPFAIL or got == SMFIR_REPLYCODE or
	       got == SMFIR_REJECT then
		n.refused = n.refused + 1
	else
		error(what .. ": unexpected reply " .. tostring(got), 2)
	end
end

-- run - fn, its error printed and miltertest ended with status 1
function lg.run(name, fn)
	local ok, err = pcall(fn)
	if not ok then
		print(name .. ": " .. tostring(err))
		os.exit(1)
	end
end

-- main - run, then the line that says the script got to its end
function lg.main(name, fn)
	lg.run(name, fn)
	print(name .. ": ok")
end

return lg
