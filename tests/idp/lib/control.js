// SPDX-License-Identifier: BSD-3-Clause
// Test-only control surface under /_test/: approve, deny or expire device
// codes, script answers, read poll timings, rotate keys, edit accounts.
// Enabled only with --test-control and only from 127.0.0.1.

import { account_name, account_sub, normalize_user_code } from './util.js';
import { device_payload_by_user_code, device_payloads } from './adapter.js';

const SIGN_MODES = new Set(['rs256', 'none', 'hs256-pubkey', 'unknown-kid',
	'k2']);
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

class ControlError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

async function read_json(req) {
	const chunks = [];
	let size = 0;
	for await (const c of req) {
		size += c.length;
		if (size > 1 << 20)
			throw new ControlError(413, 'body too large');
		chunks.push(c);
	}
	if (!size)
		return {};
	try {
		return JSON.parse(Buffer.concat(chunks).toString('utf8'));
	} catch {
		throw new ControlError(400, 'body is not JSON');
	}
}

function need_code(idp, body) {
	if (typeof body.user_code !== 'string' || !body.user_code)
		throw new ControlError(400, 'user_code required');
	const code = normalize_user_code(body.user_code);
	const stored = device_payload_by_user_code(code);
	if (!stored)
		throw new ControlError(404, `no device code for ${code}`);
	return { code, stored };
}

function status_of(p) {
	if (p.consumed)
		return 'consumed';
	if (p.error)
		return 'denied';
	if (p.accountId)
		return 'approved';
	if (p.exp <= Math.floor(Date.now() / 1000))
		return 'expired';
	return 'pending';
}

function list_codes(idp, all) {
	const out = [];
	for (const p of device_payloads()) {
		const status = status_of(p);
		if (!all && status !== 'pending')
			continue;
		out.push({
			user_code: p.userCode,
			client_id: p.clientId,
			scope: p.params && p.params.scope,
			status,
			account: p.accountId ? account_name(idp, p.accountId) : null,
			created_ms: p.iat * 1000,
			expires_at_ms: p.exp * 1000,
		});
	}
	out.sort((a, b) => a.created_ms - b.created_ms);
	return out;
}

async function approve(idp, body) {
	const { code } = need_code(idp, body);
	const acct = idp.accounts.get(body.account);
	if (!acct)
		throw new ControlError(404, `no account ${body.account}`);
	if (body.sign !== undefined && !SIGN_MODES.has(body.sign))
		throw new ControlError(400, `unknown sign mode ${body.sign}`);

	const { provider } = idp;
	const dc = await provider.DeviceCode.findByUserCode(code,
	    { ignoreExpiration: true });
	if (!dc)
		throw new ControlError(404, `no device code for ${code}`);
	if (dc.accountId || dc.error || dc.consumed)
		throw new ControlError(409, `${code} already used`);

	const scope = String((dc.params && dc.params.scope) || 'openid')
	    .split(' ').filter((s) => OIDC_SCOPES.has(s)).join(' ');
	const sub = account_sub(body.account, acct);
	const grant = new provider.Grant({
		accountId: sub,
		clientId: dc.clientId,
	});
	grant.addOIDCScope(scope);
	const grantId = await grant.save();

	Object.assign(dc, {
		accountId: sub,
		amr: body.amr || acct.amr || ['pwd'],
		authTime: Math.floor(Date.now() / 1000),
		grantId,
		scope,
	});
	if (body.acr)
		dc.acr = body.acr;
	await dc.save();

	const st = idp.codes.get(code);
	if (st) {
		st.approval = {
			id_token_claims: body.id_token_claims,
			id_token_header: body.id_token_header,
			sign: body.sign,
			omit_id_token: !!body.omit_id_token,
		};
	}
	return { ok: true, user_code: code, account: body.account };
}

async function deny(idp, body) {
	const { code } = need_code(idp, body);
	const error = body.error || 'access_denied';
	if (!['access_denied', 'authorization_declined'].includes(error))
		throw new ControlError(400, `unsupported error ${error}`);
	const dc = await idp.provider.DeviceCode.findByUserCode(code,
	    { ignoreExpiration: true });
	if (dc.accountId || dc.error || dc.consumed)
		throw new ControlError(409, `${code} already used`);
	dc.error = error;
	dc.errorDescription = error === 'access_denied'
	    ? 'End-User denied the request' : 'The user declined the sign-in';
	await dc.save();
	return { ok: true, user_code: code, error };
}

function expire(idp, body) {
	const { code, stored } = need_code(idp, body);
	/* The adapter keeps the payload, so polls now get expired_token. */
	stored.exp = Math.floor(Date.now() / 1000) - 1;
	return { ok: true, user_code: code };
}

function script_token(idp, body) {
	const responses = body.responses || [];
	if (!Array.isArray(responses))
		throw new ControlError(400, 'responses must be an array');
	let target;
	if (body.user_code) {
		const { code } = need_code(idp, body);
		target = idp.codes.get(code);
		if (!target)
			throw new ControlError(404, `no state for ${code}`);
		if (body.replace)
			target.script = [];
		target.script.push(...responses);
		if ('pending_forever' in body)
			target.pending_forever = !!body.pending_forever;
		return { ok: true, user_code: code, queued: target.script.length };
	}
	if (body.next_code) {
		if (body.replace)
			idp.next_code_script = [];
		idp.next_code_script.push(...responses);
		return { ok: true, queued: idp.next_code_script.length };
	}
	if (body.replace)
		idp.token_script = [];
	idp.token_script.push(...responses);
	if ('pending_forever' in body)
		idp.pending_forever = !!body.pending_forever;
	return { ok: true, queued: idp.token_script.length };
}

function script_device(idp, body) {
	const responses = body.responses || [];
	if (!Array.isArray(responses))
		throw new ControlError(400, 'responses must be an array');
	if (body.replace)
		idp.device_script = [];
	idp.device_script.push(...responses);
	return { ok: true, queued: idp.device_script.length };
}

function polls(idp, url) {
	const uc = url.searchParams.get('user_code');
	if (!uc)
		return { unknown: idp.unknown_polls };
	const code = normalize_user_code(uc);
	const st = idp.codes.get(code);
	if (!st)
		throw new ControlError(404, `no state for ${code}`);
	const gaps = [];
	for (let i = 1; i < st.polls.length; i++)
		gaps.push(st.polls[i].t - st.polls[i - 1].t);
	return {
		user_code: code,
		created_ms: st.created,
		interval: st.interval,
		polls: st.polls,
		gaps_ms: gaps,
	};
}

function config(idp, body) {
	const c = idp.cfg;
	if ('entra_shape' in body)
		c.entra_shape = !!body.entra_shape;
	if ('interval' in body)
		c.interval = body.interval;
	if ('enforce_interval' in body)
		c.enforce_interval = !!body.enforce_interval;
	if ('device_expires_in' in body)
		c.device_expires_in = Number(body.device_expires_in);
	return public_config(idp);
}

function public_config(idp) {
	const c = idp.cfg;
	return {
		issuer: c.issuer,
		tenant: c.tenant,
		client_id: c.client_id,
		port: c.port,
		entra_shape: c.entra_shape,
		interval: c.interval,
		enforce_interval: c.enforce_interval,
		device_expires_in: c.device_expires_in,
		signing_kid: idp.keys.signing.kid,
		jwks_kids: idp.keys.published.map((k) => k.kid),
	};
}

function put_account(idp, body) {
	if (typeof body.id !== 'string' || !body.id
	    || typeof body.claims !== 'object')
		throw new ControlError(400, 'id and claims required');
	idp.accounts.set(body.id, body.claims);
	return { ok: true, id: body.id };
}

function reset(idp) {
	idp.token_script = [];
	idp.device_script = [];
	idp.next_code_script = [];
	idp.pending_forever = false;
	idp.unknown_polls = [];
	for (const st of idp.codes.values()) {
		st.script = [];
		st.pending_forever = false;
	}
	idp.keys.reset();
	return { ok: true };
}

async function route(idp, req, url) {
	const p = url.pathname.slice('/_test/'.length);
	const m = req.method;

	if (m === 'GET' && p === 'health')
		return { ok: true };
	if (m === 'GET' && p === 'pending')
		return { codes: list_codes(idp, url.searchParams.get('all')) };
	if (m === 'GET' && p === 'polls')
		return polls(idp, url);
	if (m === 'GET' && p === 'config')
		return public_config(idp);
	if (m === 'GET' && p === 'accounts')
		return { accounts: Object.fromEntries(idp.accounts) };
	if (m !== 'POST')
		throw new ControlError(404, `no control ${m} ${p}`);

	const body = await read_json(req);
	switch (p) {
	case 'approve': return approve(idp, body);
	case 'deny': return deny(idp, body);
	case 'expire': return expire(idp, body);
	case 'script/token': return script_token(idp, body);
	case 'script/device': return script_device(idp, body);
	case 'config': return config(idp, body);
	case 'accounts': return put_account(idp, body);
	case 'reset': return reset(idp);
	case 'rotate':
		idp.keys.rotate(!!body.drop_old);
		return public_config(idp);
	default:
		throw new ControlError(404, `no control POST ${p}`);
	}
}

export async function handle_control(idp, req, res, url) {
	const addr = req.socket.remoteAddress;
	let status = 200;
	let out;

	if (!idp.cfg.test_control) {
		status = 404;
		out = { error: 'test control disabled' };
	} else if (addr !== '127.0.0.1' && addr !== '::ffff:127.0.0.1') {
		status = 403;
		out = { error: 'test control only from 127.0.0.1' };
	} else {
		try {
			out = await route(idp, req, url);
		} catch (e) {
			status = e.status || 500;
			out = { error: e.message };
		}
	}
	res.statusCode = status;
	res.setHeader('Content-Type', 'application/json');
	res.setHeader('Cache-Control', 'no-store');
	res.end(`${JSON.stringify(out)}\n`);
}
