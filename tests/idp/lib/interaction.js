// SPDX-License-Identifier: BSD-3-Clause
// The sign-in pages behind oidc-provider's interaction URL: a login form
// that checks an account id and the fixed test password, and a consent
// page (rarely reached, since the test client's grant is created on login).

import querystring from 'node:querystring';

import { account_sub } from './util.js';

function esc(s) {
	return String(s).replace(/[&<>"']/g, (c) => ({
		'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;',
		'\'': '&#39;',
	})[c]);
}

function page(res, status, title, body) {
	res.statusCode = status;
	res.setHeader('Content-Type', 'text/html; charset=utf-8');
	res.setHeader('Cache-Control', 'no-store');
	res.end(`<!DOCTYPE html><html><head><meta charset="utf-8">
<title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>
${body}</body></html>`);
}

function login_form(uid, base, message) {
	const note = message ? `<p class="error">${esc(message)}</p>` : '';
	return `${note}<form id="login" method="post"
 action="${esc(`${base}/${uid}/login`)}">
<label>Account <input type="text" name="login" autofocus></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Sign in</button></form>
<form id="abort" method="post" action="${esc(`${base}/${uid}/abort`)}">
<button type="submit">Cancel</button></form>`;
}

function consent_form(uid, base) {
	return `<form id="consent" method="post"
 action="${esc(`${base}/${uid}/consent`)}">
<button type="submit">Allow</button></form>
<form id="abort" method="post" action="${esc(`${base}/${uid}/abort`)}">
<button type="submit">Deny</button></form>`;
}

async function read_form(req) {
	const chunks = [];
	let size = 0;
	for await (const c of req) {
		size += c.length;
		if (size > 16384)
			throw new Error('form too large');
		chunks.push(c);
	}
	return querystring.parse(Buffer.concat(chunks).toString('utf8'));
}

/* Returns false when the path is not an interaction path. */
export async function handle_interaction(idp, req, res, pathname) {
	const base = `/${idp.cfg.tenant}/interaction`;
	if (!pathname.startsWith(`${base}/`))
		return false;
	const [uid, action] = pathname.slice(base.length + 1).split('/');
	const { provider } = idp;

	let details;
	try {
		details = await provider.interactionDetails(req, res);
	} catch (e) {
		page(res, 400, 'Sign-in session not found', `<p>${esc(e.message)}</p>`);
		return true;
	}
	if (details.uid !== uid) {
		page(res, 400, 'Sign-in session mismatch', '');
		return true;
	}

	if (req.method === 'GET' && !action) {
		if (details.prompt.name === 'login')
			page(res, 200, 'Sign in', login_form(uid, base));
		else
			page(res, 200, 'Allow access', consent_form(uid, base));
		return true;
	}
	if (req.method !== 'POST') {
		page(res, 405, 'Method not allowed', '');
		return true;
	}

	const form = await read_form(req);
	if (action === 'login') {
		const acct = idp.accounts.get(form.login);
		if (!acct || form.password !== idp.cfg.password) {
			page(res, 401, 'Sign in', login_form(uid, base,
			    'Unknown account or wrong password.'));
			return true;
		}
		await provider.interactionFinished(req, res, {
			login: {
				accountId: account_sub(form.login, acct),
				amr: acct.amr || ['pwd'],
			},
		}, { mergeWithLastSubmission: false });
	} else if (action === 'consent') {
		const grant = new provider.Grant({
			accountId: details.session.accountId,
			clientId: details.params.client_id,
		});
		const d = details.prompt.details;
		if (d.missingOIDCScope)
			grant.addOIDCScope(d.missingOIDCScope.join(' '));
		if (d.missingOIDCClaims)
			grant.addOIDCClaims(d.missingOIDCClaims);
		await provider.interactionFinished(req, res,
		    { consent: { grantId: await grant.save() } },
		    { mergeWithLastSubmission: true });
	} else if (action === 'abort') {
		await provider.interactionFinished(req, res, {
			error: 'access_denied',
			error_description: 'End-User aborted interaction',
		}, { mergeWithLastSubmission: false });
	} else {
		page(res, 404, 'Not found', '');
	}
	return true;
}
