// SPDX-License-Identifier: BSD-3-Clause
// Koa middleware around oidc-provider's device authorization and token
// endpoints: adds interval and slow_down (RFC 8628 3.2, 3.5), records every
// poll, plays scripted answers, reshapes responses like Entra ID and
// re-mints ID tokens for validation tests.

import querystring from 'node:querystring';

import { entra_body, entra_shape_error } from './entra.js';
import { decode_jwt_payload } from './keys.js';
import { device_payload_by_user_code } from './adapter.js';

const DEVICE_GT = 'urn:ietf:params:oauth:grant-type:device_code';
/* Timer slack allowed when checking that a client waited its interval. */
const POLL_SLACK_MS = 100;

function no_store(ctx) {
	ctx.set('Cache-Control', 'no-store');
	ctx.set('Pragma', 'no-cache');
}

export function new_code_state(user_code, interval) {
	return {
		user_code,
		created: Date.now(),
		interval,
		last_poll: 0,
		polls: [],
		script: [],
		pending_forever: false,
		approval: null,
	};
}

/* Display form of a 9-character code outside Entra shape: XXX-XXX-XXX. */
function display_code(idp, code) {
	if (idp.cfg.entra_shape)
		return code;
	return code.match(/.{1,3}/g).join('-');
}

function send_error(idp, ctx, status, error, description, codes) {
	no_store(ctx);
	ctx.status = status;
	if (codes || idp.cfg.entra_shape)
		ctx.body = entra_body(error, description, codes);
	else
		ctx.body = description ? { error, error_description: description }
		    : { error };
}

function send_html(ctx, status, text) {
	ctx.status = status;
	ctx.type = 'text/html; charset=utf-8';
	ctx.body = `<html><head><title>${status}</title></head><body>` +
	    `<h1>${text}</h1></body></html>\n`;
}

/* A raw scripted answer: {status, body, content_type}. */
function send_raw(ctx, entry) {
	ctx.status = entry.status;
	if (entry.content_type)
		ctx.type = entry.content_type;
	ctx.body = entry.body === undefined ? '' : entry.body;
}

export async function device_mw(idp, ctx, next) {
	const entry = idp.device_script.shift() || {};

	if (entry.http_400_html) {
		send_html(ctx, 400, 'Bad Request');
		return;
	}
	if (entry.status) {
		send_raw(ctx, entry);
		return;
	}

	ctx.state.bsure_expires_in = entry.expires_in;
	await next();

	const b = ctx.body;
	if (ctx.status !== 200 || !b || !b.device_code) {
		if (idp.cfg.entra_shape)
			entra_shape_error(ctx);
		return;
	}

	const code = b.user_code;
	const reported = 'interval' in entry ? entry.interval
	    : idp.cfg.interval;
	/* RFC 8628 3.2: a missing interval means 5 seconds. */
	const st = new_code_state(code, reported > 0 ? reported : 5);
	idp.codes.set(code, st);
	idp.device_to_user.set(b.device_code, code);
	if (idp.next_code_script.length) {
		st.script = idp.next_code_script;
		idp.next_code_script = [];
	}

	b.user_code = display_code(idp, code);
	if (reported === null || reported === undefined)
		delete b.interval;
	else
		b.interval = reported;
	if (idp.cfg.entra_shape) {
		delete b.verification_uri_complete;
		b.message = 'To sign in, use a web browser to open the page ' +
		    `${b.verification_uri} and enter the code ${b.user_code} ` +
		    'to authenticate.';
	}
	if (entry.v1) {
		b.verification_url = b.verification_uri;
		delete b.verification_uri;
		delete b.verification_uri_complete;
		b.expires_in = String(b.expires_in);
		if ('interval' in b)
			b.interval = String(b.interval);
	}
	if (entry.omit_uris) {
		delete b.verification_uri;
		delete b.verification_uri_complete;
		delete b.verification_url;
	}
}

/* Plays one scripted token answer; returns true when it answered. */
async function play(idp, ctx, st, entry, next) {
	const e = typeof entry === 'string' ? { type: entry } : entry;

	switch (e.type) {
	case 'slow_down':
		/* RFC 8628 3.5: the client adds 5 s; so does our check. */
		if (st)
			st.interval += 5;
		send_error(idp, ctx, 400, 'slow_down');
		return true;
	case 'authorization_pending':
	case 'expired_token':
	case 'bad_verification_code':
	case 'access_denied':
	case 'authorization_declined':
		send_error(idp, ctx, 400, e.type);
		return true;
	case 'invalid_client_7000218':
		send_error(idp, ctx, 401, 'invalid_client', undefined,
		    [7000218]);
		return true;
	case 'ca_blocked_53003':
	case 'ca_blocked_53000':
		send_error(idp, ctx, 400, 'invalid_grant', undefined,
		    [Number(e.type.slice(-5))]);
		return true;
	case 'http_502':
		send_html(ctx, 502, 'Bad Gateway');
		return true;
	case 'error':
		send_error(idp, ctx, e.status || 400, e.error,
		    e.error_description, e.error_codes);
		return true;
	case 'raw':
		send_raw(ctx, e);
		return true;
	case 'pass':
	case 'no_id_token':
		return false;
	default:
		send_error(idp, ctx, 500, 'server_error',
		    `unknown scripted response ${e.type}`);
		return true;
	}
}

function poll_result(ctx) {
	const b = ctx.body;
	if (b && typeof b === 'object' && !Buffer.isBuffer(b)) {
		if (b.error)
			return b.error;
		if (b.access_token)
			return b.id_token ? 'tokens' : 'tokens_without_id_token';
	}
	return `http_${ctx.status}`;
}

function remint(idp, ctx, st, drop_id_token) {
	const b = ctx.body;
	if (ctx.status !== 200 || !b || !b.id_token)
		return;
	const a = st && st.approval;
	if (drop_id_token || (a && a.omit_id_token)) {
		delete b.id_token;
		return;
	}
	const custom = a && (a.id_token_claims || a.id_token_header || a.sign);
	if (!custom && !idp.keys.rotated())
		return;

	const payload = decode_jwt_payload(b.id_token);
	for (const [k, v] of Object.entries((a && a.id_token_claims) || {})) {
		if (v === null)
			delete payload[k];
		else
			payload[k] = v;
	}
	b.id_token = idp.keys.mint(payload, (a && a.sign) || 'rs256',
	    (a && a.id_token_header) || {});
}

export async function token_mw(idp, ctx, next) {
	const params = querystring.parse((ctx.req.body || '').toString());
	if (params.grant_type !== DEVICE_GT) {
		await next();
		if (idp.cfg.entra_shape)
			entra_shape_error(ctx);
		return;
	}

	const code = idp.device_to_user.get(params.device_code);
	const st = code ? idp.codes.get(code) : undefined;
	const now = Date.now();
	const poll = { t: now };
	(st ? st.polls : idp.unknown_polls).push(poll);

	try {
		if (st && idp.cfg.enforce_interval && st.last_poll
		    && now - st.last_poll < st.interval * 1000 - POLL_SLACK_MS) {
			st.last_poll = now;
			st.interval += 5;
			poll.enforced = true;
			send_error(idp, ctx, 400, 'slow_down');
			return;
		}
		if (st)
			st.last_poll = now;

		const entry = (st && st.script.shift()) || idp.token_script.shift();
		if (entry) {
			poll.scripted = typeof entry === 'string' ? entry
			    : entry.type;
			if (await play(idp, ctx, st, entry, next))
				return;
		}

		const stored = code ? device_payload_by_user_code(code) : undefined;
		if ((idp.pending_forever || (st && st.pending_forever))
		    && stored && !stored.accountId && !stored.error) {
			send_error(idp, ctx, 400, 'authorization_pending');
			return;
		}

		await next();
		remint(idp, ctx, st, poll.scripted === 'no_id_token');
		if (idp.cfg.entra_shape)
			entra_shape_error(ctx);
	} finally {
		poll.status = ctx.status;
		poll.result = poll_result(ctx);
		if (st)
			poll.interval = st.interval;
	}
}
