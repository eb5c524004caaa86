// SPDX-License-Identifier: BSD-3-Clause
// Entra ID's shape of OAuth error bodies and of the canned error answers
// the tests script: error, error_description "AADSTSnnnn: ...", error_codes,
// timestamp, trace_id, correlation_id, error_uri.

import crypto from 'node:crypto';

/* Codes close to what Entra sends for each error; see README.md. */
const CODES = {
	authorization_pending: [70016,
	    'OAuth 2.0 device flow error. Authorization is pending. ' +
	    'Continue polling.'],
	slow_down: [70016, 'Polling too fast. Slow down.'],
	expired_token: [70019, 'Verification code expired.'],
	bad_verification_code: [70020,
	    'The provided value for the input parameter \'device_code\' ' +
	    'is not valid.'],
	authorization_declined: [70000, 'The user declined the sign-in.'],
	access_denied: [70000, 'The user denied the request.'],
	invalid_client: [7000218,
	    'The request body must contain the following parameter: ' +
	    '\'client_assertion\' or \'client_secret\'.'],
	invalid_grant: [9002313, 'Invalid request.'],
	invalid_request: [900144, 'Malformed request.'],
};

const CA_TEXT = {
	53000: 'Device is not in required device state: compliant. ' +
	    'Conditional Access policy requires a compliant device.',
	53003: 'Access has been blocked by Conditional Access policies. ' +
	    'The access policy does not allow token issuance.',
};

function entra_timestamp(d) {
	return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/* Turns {error, error_description?} into Entra's full error body. */
export function entra_body(error, description, codes) {
	const known = CODES[error];
	const error_codes = codes || (known ? [known[0]] : [90000]);
	let text = description || CA_TEXT[error_codes[0]]
	    || (known ? known[1] : error);
	if (!/[.!?]$/.test(text))
		text += '.';
	const now = new Date();
	const trace_id = crypto.randomUUID();
	const correlation_id = crypto.randomUUID();
	const ts = entra_timestamp(now);
	const prefix = /^AADSTS\d+:/.test(text)
	    ? text : `AADSTS${error_codes[0]}: ${text}`;
	return {
		error,
		error_description: `${prefix} Trace ID: ${trace_id} ` +
		    `Correlation ID: ${correlation_id} Timestamp: ${ts}`,
		error_codes,
		timestamp: ts,
		trace_id,
		correlation_id,
		error_uri: 'https://login.microsoftonline.com/error?code=' +
		    `${error_codes[0]}`,
	};
}

/* Rewrites an OAuth error body already set on a Koa context. */
export function entra_shape_error(ctx) {
	const b = ctx.body;
	if (!b || typeof b !== 'object' || Buffer.isBuffer(b) || !b.error
	    || b.error_codes)
		return;
	/* Entra's own wording where we know it. */
	ctx.body = entra_body(b.error,
	    CODES[b.error] ? undefined : b.error_description);
}
