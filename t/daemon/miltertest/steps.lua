-- steps.lua - one SMTP session sent the way an MTA sends it: a step the
-- milter dropped at negotiation is left out, a quiet step waits for no
-- reply. Prints what was negotiated ("option NAME") and each step's
-- reply ("STEP REPLY", "quiet" where none was due) for
-- t/daemon/t_steps.sh to judge. MESSAGES (default 1) messages are sent;
-- a message stops after a MAIL or RCPT that is not continued.
local lg = dofile(assert(os.getenv("LG_MTLIB"), "LG_MTLIB is not set"))

local options = { "NOHELO", "NOHDRS", "NOBODY", "NOUNKNOWN", "NR_CONN",
		  "NR_HELO", "NR_MAIL", "NR_RCPT", "NR_DATA", "NR_HDR",
		  "NR_EOH", "NR_BODY", "SKIP" }

lg.main("steps.lua", function()
	local conn = mt.connect(os.getenv("SOCKET"), 40, 0.25)
	assert(conn, "cannot connect")
	local function has(name)
		return mt.test_option(conn, _G["SMFIP_" .. name])
	end
	local function reply(step, quiet_option)
		if quiet_option and has(quiet_option) then
			print(step .. " quiet")
			return SMFIR_CONTINUE
		end
		local r = mt.getreply(conn)
		print(step .. " " .. lg.reply_name(r))
		return r
	end

	lg.step("conninfo", mt.conninfo(conn, "client.test", "192.0.2.1"))
	for _, o in ipairs(options) do
		if has(o) then
			print("option " .. o)
		end
	end
	reply("connect", "NR_CONN")
	if not has("NOHELO") then
		lg.step("helo", mt.helo(conn, "client.test"))
		reply("helo", "NR_HELO")
	end
	for m = 1, tonumber(os.getenv("MESSAGES") or "1") do
		lg.step("mailfrom", mt.mailfrom(conn, "<sender@external.test>"))
		local go = reply("mail", "NR_MAIL") == SMFIR_CONTINUE
		if go then
			lg.step("rcptto", mt.rcptto(conn, "<alice@example.com>"))
			go = reply("rcpt", "NR_RCPT") == SMFIR_CONTINUE
			if not go then
				lg.step("abort", mt.abort(conn))
			end
		end
		if go then
			lg.step("data", mt.data(conn))
			reply("data", "NR_DATA")
			if not has("NOHDRS") then
				for _, h in ipairs({ "Subject", "Message-ID" }) do
					lg.step("header", mt.header(conn, h, "x" .. m))
					reply("header", "NR_HDR")
				end
			end
			lg.step("eoh", mt.eoh(conn))
			reply("eoh", "NR_EOH")
			if not has("NOBODY") then
				for _ = 1, 2 do
					lg.step("body", mt.bodystring(conn, "line\r\n"))
					if reply("body", "NR_BODY") == SMFIR_SKIP then
						break
					end
				end
			end
			lg.step("eom", mt.eom(conn))
			reply("eom")
		end
	end
	mt.disconnect(conn)
end)
