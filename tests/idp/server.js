// SPDX-License-Identifier: BSD-3-Clause
// Local OpenID Connect provider for pam_bsure tests, laid out like Entra ID
// (issuer https://127.0.0.1:PORT/<tid>/v2.0) and built on oidc-provider.
// Usage: node server.js --state DIR [--port N] [--tenant TID]
//   [--client-id ID] [--entra-shape] [--interval N] [--accounts FILE]
//   [--device-expires-in N] [--no-enforce-interval] [--test-control]

import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider from 'oidc-provider';

import { MapAdapter } from './lib/adapter.js';
import { Keys } from './lib/keys.js';
import { device_mw, token_mw } from './lib/flow.js';
import { handle_control } from './lib/control.js';
import { handle_interaction } from './lib/interaction.js';
import { account_name, account_sub } from './lib/util.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const DEFAULT_TENANT = '3f2c8a41-7b5e-4d19-a6c0-52e8b9d17f04';
const DEFAULT_CLIENT_ID = 'b8e1f5d2-4c3a-4e6b-9f07-1d2c3b4a5e69';
const TEST_PASSWORD = 'bsure-test-password';
const MAX_BODY = 56 * 1024;

function parse_args(argv) {
	const cfg = {
		statedir: null,
		port: 0,
		tenant: DEFAULT_TENANT,
		client_id: DEFAULT_CLIENT_ID,
		entra_shape: false,
		interval: 5,
		enforce_interval: true,
		device_expires_in: 900,
		accounts: path.join(here, 'accounts.json'),
		test_control: false,
		password: TEST_PASSWORD,
		host: '127.0.0.1',
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => {
			if (i + 1 >= argv.length)
				throw new Error(`${a} needs a value`);
			return argv[++i];
		};
		if (a === '--state')
			cfg.statedir = val();
		else if (a === '--port')
			cfg.port = Number(val());
		else if (a === '--tenant')
			cfg.tenant = val();
		else if (a === '--client-id')
			cfg.client_id = val();
		else if (a === '--entra-shape')
			cfg.entra_shape = true;
		else if (a === '--interval')
			cfg.interval = Number(val());
		else if (a === '--device-expires-in')
			cfg.device_expires_in = Number(val());
		else if (a === '--accounts')
			cfg.accounts = val();
		else if (a === '--test-control')
			cfg.test_control = true;
		else if (a === '--no-enforce-interval')
			cfg.enforce_interval = false;
		else if (a === '--host')
			cfg.host = val();
		else
			throw new Error(`unknown argument ${a}`);
	}
	if (!cfg.statedir)
		throw new Error('--state DIR is required');
	if (!/^[A-Za-z0-9._-]+$/.test(cfg.tenant))
		throw new Error('bad --tenant');
	/* The name in the issuer; the certificate covers these two. */
	if (cfg.host !== '127.0.0.1' && cfg.host !== 'localhost')
		throw new Error('--host must be 127.0.0.1 or localhost');
	return cfg;
}

function load_accounts(file) {
	const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
	return new Map(Object.entries(raw));
}

/* Claims of an account as the ID token carries them (Entra names). */
function account_claims(idp, name) {
	const a = idp.accounts.get(name);
	const c = { ver: '2.0', tid: idp.cfg.tenant };
	for (const [k, v] of Object.entries(a)) {
		if (k !== 'amr')
			c[k] = v;
	}
	c.sub = account_sub(name, a);
	/* Entra leaves out an empty groups claim. */
	if (Array.isArray(c.groups) && c.groups.length === 0)
		delete c.groups;
	return c;
}

function make_provider(idp) {
	const { cfg } = idp;
	const t = `/${cfg.tenant}`;
	const ID_CLAIMS = ['sub', 'tid', 'oid', 'upn', 'preferred_username',
		'name', 'email', 'groups', 'deviceid', 'ver', 'idp', 'acrs',
		'roles', 'wids', 'family_name', 'given_name', '_claim_names',
		'_claim_sources', 'amr', 'acr'];

	return new Provider(cfg.issuer, {
		adapter: MapAdapter,
		clients: [{
			client_id: cfg.client_id,
			token_endpoint_auth_method: 'none',
			grant_types: [
				'urn:ietf:params:oauth:grant-type:device_code',
				'refresh_token',
			],
			response_types: [],
			redirect_uris: [],
			id_token_signed_response_alg: 'RS256',
		}],
		jwks: idp.keys.provider_jwks(),
		cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
		claims: {
			acr: null,
			amr: null,
			auth_time: null,
			sid: null,
			openid: ID_CLAIMS,
			profile: ['name', 'preferred_username'],
			email: ['email'],
		},
		scopes: ['openid', 'profile', 'email', 'offline_access'],
		conformIdTokenClaims: false,
		/* accountId is the sub claim; see lib/util.js. */
		findAccount: (ctx, id) => {
			const name = account_name(idp, id);
			if (name === undefined)
				return undefined;
			return {
				accountId: id,
				claims: () => account_claims(idp, name),
			};
		},
		/* The test client is first-party: consent comes with login. */
		loadExistingGrant: async (ctx) => {
			const id = ctx.oidc.result?.consent?.grantId
			    || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
			if (id)
				return ctx.oidc.provider.Grant.find(id);
			if (!ctx.oidc.session.accountId)
				return undefined;
			const grant = new ctx.oidc.provider.Grant({
				accountId: ctx.oidc.session.accountId,
				clientId: ctx.oidc.client.clientId,
			});
			grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes]
			    .join(' '));
			await grant.save();
			return grant;
		},
		interactions: {
			url: (ctx, interaction) =>
				`${t}/interaction/${interaction.uid}`,
		},
		features: {
			devInteractions: { enabled: false },
			deviceFlow: {
				enabled: true,
				charset: 'base-20',
				/* Entra's codes: 9 characters; display adds dashes. */
				mask: '*********',
			},
			revocation: { enabled: false },
			userinfo: { enabled: true },
		},
		routes: {
			authorization: `${t}/oauth2/v2.0/authorize`,
			device_authorization: `${t}/oauth2/v2.0/devicecode`,
			token: `${t}/oauth2/v2.0/token`,
			jwks: `${t}/discovery/v2.0/keys`,
			userinfo: `${t}/oidc/userinfo`,
			end_session: `${t}/oauth2/v2.0/logout`,
			code_verification: '/devicelogin',
		},
		ttl: {
			AccessToken: 3600,
			IdToken: 3600,
			RefreshToken: 86400,
			Grant: 86400,
			Interaction: 3600,
			Session: 86400,
			DeviceCode: (ctx) => ctx?.state?.bsure_expires_in
			    || cfg.device_expires_in,
		},
		pkce: { required: () => false },
	});
}

function install_middleware(idp) {
	const { provider, cfg } = idp;
	const t = `/${cfg.tenant}`;
	const paths = {
		device: `${t}/oauth2/v2.0/devicecode`,
		token: `${t}/oauth2/v2.0/token`,
		jwks: `${t}/discovery/v2.0/keys`,
		userinfo: `${t}/oidc/userinfo`,
	};
	/* Graph's OIDC userinfo answers with these claims only. */
	const USERINFO = ['sub', 'name', 'family_name', 'given_name', 'email'];

	provider.use(async (ctx, next) => {
		if (ctx.method === 'POST' && ctx.path === paths.device)
			return device_mw(idp, ctx, next);
		if (ctx.method === 'POST' && ctx.path === paths.token)
			return token_mw(idp, ctx, next);
		if (ctx.method === 'GET' && ctx.path === paths.jwks) {
			/* Served here so a rotation takes effect at once. */
			ctx.type = 'application/json';
			ctx.body = idp.keys.public_jwks();
			return undefined;
		}
		if (ctx.path === paths.userinfo) {
			await next();
			const b = ctx.body;
			if (ctx.status === 200 && b && typeof b === 'object'
			    && b.sub) {
				ctx.body = Object.fromEntries(Object.entries(b)
				    .filter(([k]) => USERINFO.includes(k)));
			}
			return undefined;
		}
		return next();
	});
	return paths;
}

async function read_body(req) {
	const chunks = [];
	let size = 0;
	for await (const c of req) {
		size += c.length;
		if (size > MAX_BODY)
			throw new Error('request entity too large');
		chunks.push(c);
	}
	return Buffer.concat(chunks);
}

function make_handler(idp, paths) {
	const t = `/${idp.cfg.tenant}`;
	const discovery = `${t}/v2.0/.well-known/openid-configuration`;
	let callback;

	return async (req, res) => {
		callback ||= idp.provider.callback();
		try {
			const url = new URL(req.url, idp.cfg.origin);
			/* Path only: codes travel in bodies and query strings. */
			res.on('finish', () => console.error(
			    `idp: ${req.method} ${url.pathname} ${res.statusCode}`));
			if (url.pathname.startsWith('/_test/'))
				return await handle_control(idp, req, res, url);
			if (await handle_interaction(idp, req, res, url.pathname))
				return undefined;
			if (url.pathname === discovery)
				req.url = `/.well-known/openid-configuration${url.search}`;
			/*
			 * Read the body first so the poll middleware can see the
			 * device_code; oidc-provider then parses req.body.
			 */
			if (req.method === 'POST' && (url.pathname === paths.token
			    || url.pathname === paths.device))
				req.body = await read_body(req);
			return callback(req, res);
		} catch (e) {
			console.error(`idp: ${req.method} ${req.url}: ${e.message}`);
			if (!res.headersSent) {
				res.statusCode = 500;
				res.end();
			}
			return undefined;
		}
	};
}

async function main() {
	const cfg = parse_args(process.argv.slice(2));
	const idp = {
		cfg,
		keys: new Keys(cfg.statedir),
		accounts: load_accounts(cfg.accounts),
		codes: new Map(),
		device_to_user: new Map(),
		token_script: [],
		device_script: [],
		next_code_script: [],
		pending_forever: false,
		unknown_polls: [],
	};

	let handler = (req, res) => {
		res.statusCode = 503;
		res.end();
	};
	const server = https.createServer({
		key: fs.readFileSync(path.join(cfg.statedir, 'server-key.pem')),
		cert: fs.readFileSync(path.join(cfg.statedir, 'server.pem')),
	}, (req, res) => handler(req, res));

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(cfg.port, '127.0.0.1', resolve);
	});
	cfg.port = server.address().port;
	/* Still listening on 127.0.0.1 only: with --host localhost, a client
	 * that tries ::1 first must fall back to IPv4. */
	cfg.origin = `https://${cfg.host}:${cfg.port}`;
	cfg.issuer = `${cfg.origin}/${cfg.tenant}/v2.0`;

	idp.provider = make_provider(idp);
	idp.provider.proxy = false;
	const paths = install_middleware(idp);
	handler = make_handler(idp, paths);

	const stop = () => {
		server.close(() => process.exit(0));
		server.closeAllConnections();
		setTimeout(() => process.exit(0), 2000).unref();
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);

	process.stdout.write(`IDP_READY port=${cfg.port} issuer=${cfg.issuer} ` +
	    `ca=${path.join(cfg.statedir, 'ca.pem')} tenant=${cfg.tenant} ` +
	    `client_id=${cfg.client_id}\n`);
}

main().catch((e) => {
	console.error(`idp: ${e.message}`);
	process.exit(1);
});
