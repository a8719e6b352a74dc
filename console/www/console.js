/*
 * console.js - loopguard-console's pages, made live
 *
 * The pages work without this file: filters, sort links, the pager and
 * the buttons are plain HTML forms and links. With it:
 *  - a checkbox in the heading selects every row of the page;
 *  - the buttons act through the JSON API (fetch, with the CSRF token
 *    of <meta name="csrf-token"> as X-CSRF-Token) and show the result
 *    without leaving the page; those that act on many rows ask first;
 *  - the page listens to /events (EventSource) and fetches its live
 *    part again (?fragment=1) when something it shows changed, keeping
 *    the selection and the scroll position;
 *  - a banner says when the daemon is down or the event stream is
 *    lost, and goes away by itself when they are back.
 * Everything the server sends is escaped there; this file only puts
 * text in with textContent.
 */
(function () {
	'use strict';

	var doc = document;
	var page = doc.body ? doc.body.getAttribute('data-page') : '';
	var live = doc.getElementById('live');
	var rows = doc.getElementById('rows');
	var banner = doc.getElementById('js-banner');
	var tokenMeta = doc.querySelector('meta[name="csrf-token"]');
	var token = tokenMeta ? tokenMeta.getAttribute('content') : '';
	/* a page made while the daemon was down says so itself */
	var state = { daemonDown: !!doc.getElementById('daemon-down'),
		      streamLost: false };
	var busy = false, again = false, lastRefresh = 0, timer = null;
	var minGap = page === 'stats' ? 5000 : 1000;

	doc.documentElement.className += ' js';

	/* the banner: the daemon first, then the stream */
	function showState() {
		if (!banner)
			return;
		var text = '';
		if (state.daemonDown && doc.getElementById('daemon-down'))
			text = '';	/* the page's own banner says it */
		else if (state.daemonDown)
			text = 'The loopguard daemon does not answer. ' +
				'This page comes back by itself when it does.';
		else if (state.streamLost)
			text = 'The live updates are interrupted; reconnecting. ' +
				'Refresh shows the latest.';
		banner.textContent = text;
		banner.className = 'banner' + (state.daemonDown ? ' down' : '');
		banner.hidden = text === '';
	}

	/* flash - the result of an action, in place of the last one */
	function flash(ok, text) {
		var p = doc.getElementById('js-flash');
		if (!p) {
			p = doc.createElement('p');
			p.id = 'js-flash';
			p.setAttribute('role', 'status');
			banner.parentNode.insertBefore(p, banner.nextSibling);
		}
		p.className = 'flash ' + (ok ? 'ok' : 'err');
		p.textContent = text;
	}

	function boxes() {
		return rows ? rows.querySelectorAll('input[name="id"]') : [];
	}

	function selected() {
		var ids = [], b = boxes(), i;
		for (i = 0; i < b.length; i++)
			if (b[i].checked)
				ids.push(b[i].value);
		return ids;
	}

	/* the buttons that need a selection, and the select-all box */
	function syncButtons() {
		var n = selected().length, all = doc.getElementById('select-all');
		var need = doc.querySelectorAll('button[data-selection]'), i;
		for (i = 0; i < need.length; i++)
			need[i].disabled = n === 0;
		if (all) {
			all.checked = n > 0 && n === boxes().length;
			all.indeterminate = n > 0 && n < boxes().length;
		}
	}

	/* refresh - fetch the live part again, keep selection and scroll */
	function refresh() {
		if (!live)
			return;
		if (busy) {
			again = true;
			return;
		}
		var wait = lastRefresh + minGap - Date.now();
		if (wait > 0) {
			if (!timer)
				timer = setTimeout(function () {
					timer = null;
					refresh();
				}, wait);
			return;
		}
		busy = true;
		lastRefresh = Date.now();
		var keep = selected(), x = window.scrollX, y = window.scrollY;
		var url = new URL(window.location.href);
		url.searchParams.set('fragment', '1');
		fetch(url.toString(), { credentials: 'same-origin' })
			.then(function (r) {
				if (r.redirected && r.url.indexOf('/login') >= 0) {
					window.location.reload();	/* logged out */
					throw new Error('not logged in');
				}
				if (!r.ok)
					throw new Error('HTTP ' + r.status);
				return r.text();
			})
			.then(function (html) {
				live.innerHTML = html;	/* the server's, escaped */
				var b = boxes(), i;
				for (i = 0; i < b.length; i++)
					b[i].checked = keep.indexOf(b[i].value) >= 0;
				syncButtons();
				showState();	/* the page's own banner may say it now */
				window.scrollTo(x, y);
			})
			.catch(function (e) {
				flash(false, 'Could not refresh the page: ' + e.message);
			})
			.then(function () {
				busy = false;
				if (again) {
					again = false;
					refresh();
				}
			});
	}

	/* field - a hidden field of the rows form */
	function field(name) {
		var f = rows && rows.querySelector('input[type="hidden"][name="' + name + '"]');
		return f ? f.value : '';
	}

	/* act - a button through the JSON API */
	function act(button) {
		var body = new URLSearchParams(), ids = selected(), i;
		if (button.name === 'all') {
			body.set('all', '1');
			if (field('plugin'))
				body.set('plugin', field('plugin'));
			if (field('match'))
				body.set('match', field('match'));
		} else {
			for (i = 0; i < ids.length; i++)
				body.append('id', ids[i]);
		}
		button.disabled = true;
		fetch(button.getAttribute('data-api'), {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'X-CSRF-Token': token,
				   'Content-Type': 'application/x-www-form-urlencoded' },
			body: body.toString()
		}).then(function (r) {
			return r.json().catch(function () {
				return { ok: false, message: 'HTTP ' + r.status };
			});
		}).then(function (d) {
			flash(d.ok === true, d.message || d.error || 'no answer');
			if (d.ok === true) {
				var b = boxes();
				for (i = 0; i < b.length; i++)
					b[i].checked = false;
			}
		}).catch(function (e) {
			flash(false, 'The console does not answer: ' + e.message);
		}).then(function () {
			button.disabled = false;
			lastRefresh = 0;
			refresh();
		});
	}

	doc.addEventListener('change', function (e) {
		var t = e.target, b, i;
		if (t.id === 'select-all') {
			b = boxes();
			for (i = 0; i < b.length; i++)
				b[i].checked = t.checked;
		}
		if (t.id === 'select-all' || t.name === 'id')
			syncButtons();
	});

	doc.addEventListener('submit', function (e) {
		var button = e.submitter;
		if (!button)
			return;	/* an old browser: the plain form */
		var ask = button.getAttribute('data-confirm');
		if (ask && !window.confirm(ask)) {
			e.preventDefault();
			return;
		}
		if (button.getAttribute('data-api') && window.fetch && token) {
			e.preventDefault();
			act(button);
		}
	});

	doc.addEventListener('click', function (e) {
		if (e.target.id === 'refresh' && live) {
			e.preventDefault();
			lastRefresh = 0;
			refresh();
		}
	});

	/* the event stream; the browser reconnects by itself unless the
	 * server refused it (CLOSED), then we try again, slower each time */
	var backoff = 1000;
	function listen() {
		if (!window.EventSource || !live)
			return;
		var es = new EventSource('/events');
		es.addEventListener('open', function () {
			backoff = 1000;
			if (state.streamLost) {
				state.streamLost = false;
				showState();
				refresh();	/* what happened while away */
			}
		});
		es.addEventListener('change', function (ev) {
			var d = {};
			try {
				d = JSON.parse(ev.data);
			} catch (err) {
				return;
			}
			if (page === 'stats' || (page === 'entries' && d.entries) ||
			    (page === 'outbox' && d.outbox))
				refresh();
		});
		es.addEventListener('daemon', function (ev) {
			var down = ev.data === 'down';
			if (down !== state.daemonDown) {
				state.daemonDown = down;
				showState();
				refresh();
			}
		});
		es.addEventListener('error', function () {
			state.streamLost = true;
			showState();
			if (es.readyState === 2) {	/* CLOSED */
				es.close();
				setTimeout(listen, backoff);
				backoff = Math.min(backoff * 2, 30000);
			}
		});
	}

	syncButtons();
	listen();
})();
