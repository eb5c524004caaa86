// SPDX-License-Identifier: BSD-3-Clause
// Signing keys of the test IdP: K1 (initial signing key), K2 (published and
// made the signing key by a rotation) and a rogue key that is never
// published. Kept in STATEDIR/jwks.json so restarts reuse them; ID tokens
// that need a non-default key or shape are minted here with node:crypto.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/* From STATEDIR/<prefix>.pem (made by gen-certs.sh), else a new key. */
function new_rsa_jwk(statedir, prefix) {
	const pem = path.join(statedir, `${prefix}.pem`);
	const privateKey = fs.existsSync(pem) ?
	    crypto.createPrivateKey(fs.readFileSync(pem)) :
	    crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
		.privateKey;
	const jwk = privateKey.export({ format: 'jwk' });
	const kid = `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
	return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

function public_jwk(jwk) {
	const { kty, n, e, kid, alg, use } = jwk;
	return { kty, use, kid, n, e, alg };
}

export class Keys {
	constructor(statedir) {
		const file = path.join(statedir, 'jwks.json');
		let saved;
		try {
			saved = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch {
			saved = {
				k1: new_rsa_jwk(statedir, 'k1'),
				k2: new_rsa_jwk(statedir, 'k2'),
				rogue: new_rsa_jwk(statedir, 'rogue'),
			};
			fs.writeFileSync(file, JSON.stringify(saved),
			    { mode: 0o600 });
		}
		this.k1 = saved.k1;
		this.k2 = saved.k2;
		this.rogue = saved.rogue;
		this.published = [this.k1];
		this.signing = this.k1;
	}

	/* The private JWKS handed to oidc-provider: K1 only. */
	provider_jwks() {
		return { keys: [this.k1] };
	}

	/* What the jwks_uri serves right now. */
	public_jwks() {
		return { keys: this.published.map(public_jwk) };
	}

	rotated() {
		return this.signing !== this.k1;
	}

	rotate(drop_old) {
		if (!this.published.includes(this.k2))
			this.published.push(this.k2);
		if (drop_old)
			this.published = this.published.filter((k) => k !== this.k1);
		this.signing = this.k2;
	}

	reset() {
		this.published = [this.k1];
		this.signing = this.k1;
	}

	/*
	 * Mode: rs256 (current signing key), k2, unknown-kid (rogue key),
	 * none (alg none, empty signature), hs256-pubkey (HMAC keyed with
	 * the PEM of the current signing key's public half).
	 */
	mint(payload, mode = 'rs256', header_over = {}) {
		let key = this.signing;
		let alg = 'RS256';

		if (mode === 'k2')
			key = this.k2;
		else if (mode === 'unknown-kid')
			key = this.rogue;
		else if (mode === 'none')
			alg = 'none';
		else if (mode === 'hs256-pubkey')
			alg = 'HS256';
		else if (mode !== 'rs256')
			throw new Error(`unknown sign mode ${mode}`);

		const header = { alg, typ: 'JWT' };
		if (alg !== 'none')
			header.kid = key.kid;
		for (const [k, v] of Object.entries(header_over)) {
			if (v === null)
				delete header[k];
			else
				header[k] = v;
		}

		const b64 = (o) => Buffer.from(JSON.stringify(o))
		    .toString('base64url');
		const input = `${b64(header)}.${b64(payload)}`;
		let sig = '';
		if (alg === 'RS256') {
			const priv = crypto.createPrivateKey(
			    { key, format: 'jwk' });
			sig = crypto.sign('sha256', Buffer.from(input), priv)
			    .toString('base64url');
		} else if (alg === 'HS256') {
			const pem = crypto.createPublicKey(
			    { key: public_jwk(key), format: 'jwk' })
			    .export({ type: 'spki', format: 'pem' });
			sig = crypto.createHmac('sha256', pem).update(input)
			    .digest('base64url');
		}
		return `${input}.${sig}`;
	}
}

export function decode_jwt_payload(jwt) {
	const part = jwt.split('.')[1];
	return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}
