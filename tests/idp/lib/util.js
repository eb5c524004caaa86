// SPDX-License-Identifier: BSD-3-Clause
// Small helpers shared by the test IdP's modules.

/* Same normalisation oidc-provider applies: upper case, no separators. */
export function normalize_user_code(s) {
	return String(s).toUpperCase().replace(/\W/g, '');
}

/*
 * oidc-provider always uses the accountId as sub, so an account's
 * accountId is its sub claim (the account name when it has none).
 */
export function account_sub(name, acct) {
	return acct.sub || name;
}

/* The account name for an accountId (its sub) or for a name. */
export function account_name(idp, id) {
	for (const [name, acct] of idp.accounts) {
		if (account_sub(name, acct) === id)
			return name;
	}
	return idp.accounts.has(id) ? id : undefined;
}
