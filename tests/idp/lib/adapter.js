// SPDX-License-Identifier: BSD-3-Clause
// Storage adapter for the test IdP: a plain Map with expiry. Unlike the
// bundled memory adapter it is not an LRU and keeps expired entries for a
// grace period, so an expired device code still answers expired_token
// (RFC 8628 3.5) instead of vanishing into invalid_grant.

const GRACE_MS = 3600 * 1000;

const store = new Map();

function purge() {
	const now = Date.now();
	for (const [key, entry] of store) {
		if (entry.until <= now)
			store.delete(key);
	}
}

setInterval(purge, 60 * 1000).unref();

function put(key, value, expiresIn) {
	const until = typeof expiresIn === 'number'
		? Date.now() + expiresIn * 1000 + GRACE_MS
		: Infinity;
	store.set(key, { value, until });
}

function get(key) {
	const entry = store.get(key);
	if (!entry || entry.until <= Date.now())
		return undefined;
	return entry.value;
}

export class MapAdapter {
	constructor(name) {
		this.name = name;
	}

	key(id) {
		return `${this.name}:${id}`;
	}

	async upsert(id, payload, expiresIn) {
		put(this.key(id), payload, expiresIn);
		if (payload.grantId) {
			const gkey = `grant:${payload.grantId}`;
			const members = get(gkey) || new Set();
			members.add(this.key(id));
			put(gkey, members, undefined);
		}
		if (payload.userCode)
			put(`userCode:${payload.userCode}`, id, expiresIn);
		if (this.name === 'Session' && payload.uid)
			put(`sessionUid:${payload.uid}`, id, expiresIn);
	}

	async find(id) {
		return get(this.key(id));
	}

	async findByUserCode(userCode) {
		const id = get(`userCode:${userCode}`);
		return id === undefined ? undefined : this.find(id);
	}

	async findByUid(uid) {
		const id = get(`sessionUid:${uid}`);
		return id === undefined ? undefined : this.find(id);
	}

	async consume(id) {
		const payload = get(this.key(id));
		if (payload)
			payload.consumed = Math.floor(Date.now() / 1000);
	}

	async destroy(id) {
		store.delete(this.key(id));
	}

	async revokeByGrantId(grantId) {
		const gkey = `grant:${grantId}`;
		const members = get(gkey);
		if (members) {
			for (const key of members)
				store.delete(key);
		}
		store.delete(gkey);
	}
}

/* Test-control access: the raw stored DeviceCode payload for a user code. */
export function device_payload_by_user_code(userCode) {
	const id = get(`userCode:${userCode}`);
	if (id === undefined)
		return undefined;
	return get(`DeviceCode:${id}`);
}

/* Every stored DeviceCode payload, for the pending list. */
export function device_payloads() {
	const out = [];
	for (const [key, entry] of store) {
		if (key.startsWith('DeviceCode:') && entry.until > Date.now())
			out.push(entry.value);
	}
	return out;
}
