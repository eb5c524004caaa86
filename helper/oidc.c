/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Discovery, JWKS, device authorization and token polling against the
 * configured issuer.  Every answer is untrusted: JSON depth and strings
 * are bounded, URLs must be https, display text loses terminal control
 * bytes, and the device code goes nowhere but the token endpoint.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cache.h"
#include "jwks.h"
#include "jwt.h"
#include "log.h"
#include "oidc.h"

/* ---- JSON helpers ---------------------------------------------------- */

static struct json_object *
json_parse_bounded(const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj;

	if (body == NULL || len == 0 || len > HTTP_BODY_MAX ||
	    memchr(body, '\0', len) != NULL)
		return NULL;
	tok = json_tokener_new_ex(OIDC_JSON_DEPTH);
	if (tok == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	if (obj != NULL && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

/* 0, -ENOENT absent (or null), -EINVAL not a string, -E2BIG too long. */
static int
json_get_str(struct json_object *o, const char *key, char *dst,
    size_t dstsize)
{
	struct json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n >= dstsize)
		return -E2BIG;
	if (memchr(s, '\0', n) != NULL)
		return -EINVAL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* An integer, or a string of digits (Entra v1 sends "900"). */
static int
json_get_long(struct json_object *o, const char *key, long max,
    long *ret)
{
	struct json_object *v;
	long long n = 0;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -ENOENT;
	if (json_object_is_type(v, json_type_int)) {
		n = json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if (*s == '\0' || strlen(s) > 10)
			return -EINVAL;
		for (; *s != '\0'; s++) {
			if (*s < '0' || *s > '9')
				return -EINVAL;
			n = n * 10 + (*s - '0');
		}
	} else
		return -EINVAL;
	if (n < 0 || n > max)
		return -ERANGE;
	*ret = (long)n;
	return 0;
}

static bool
is_https_url(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (strncmp(s, "https://", 8) != 0 || s[8] == '\0' || s[8] == '/')
		return false;
	for (; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return false;
	return true;
}

/*
 * Text for a terminal: control bytes (C0, DEL, and UTF-8 encoded C1)
 * become spaces so the IdP cannot send escape sequences to the user.
 */
static void
clean_display(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p[0] = ' ';
			p[1] = ' ';
			p++;
		}
	}
}

/* Status, content type and the first bytes, escaped: O4 logging. */
static void
describe_body(char *dst, size_t dstsize, const char *what, long status,
    const char *ctype, const char *body, size_t len)
{
	char first[200];

	log_escape_bytes(first, sizeof(first), body ? body : "",
	    len > 64 ? 64 : len);
	snprintf(dst, dstsize, "%s: HTTP %ld, content type '%.60s', body "
	    "starts '%.100s'", what, status, ctype && *ctype ? ctype : "none",
	    first);
}

/* Entra error bodies: error_codes [n...] and correlation_id. */
static void
read_entra_error(struct json_object *o, long *codes, size_t max,
    size_t *ret_n, char *cid, size_t cidsize)
{
	struct json_object *arr;
	size_t i, n = 0;

	if (json_object_object_get_ex(o, "error_codes", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (i = 0; i < json_object_array_length(arr) && n < max;
		    i++) {
			struct json_object *c = json_object_array_get_idx(arr,
			    i);

			if (json_object_is_type(c, json_type_int))
				codes[n++] = (long)json_object_get_int64(c);
		}
	}
	*ret_n = n;
	if (cid != NULL && cidsize > 0) {
		if (json_get_str(o, "correlation_id", cid, cidsize) < 0)
			cid[0] = '\0';
		else
			clean_display(cid);
	}
}

/* ---- pure parsers ------------------------------------------------------ */

int
oidc_parse_discovery(const char *json, size_t len, const char *issuer,
    struct oidc_provider *ret, char *err, size_t errsize)
{
	static const struct {
		const char *key;
		size_t off;
	} urls[] = {
		{ "device_authorization_endpoint",
		  offsetof(struct oidc_provider,
		      device_authorization_endpoint) },
		{ "token_endpoint",
		  offsetof(struct oidc_provider, token_endpoint) },
		{ "jwks_uri", offsetof(struct oidc_provider, jwks_uri) },
	};
	struct oidc_provider p;
	struct json_object *o;
	size_t i;
	int r;

	memset(&p, 0, sizeof(p));
	o = json_parse_bounded(json, len);
	if (o == NULL) {
		snprintf(err, errsize, "discovery document is not a JSON "
		    "object");
		return -EPROTO;
	}
	r = json_get_str(o, "issuer", p.issuer, sizeof(p.issuer));
	if (r < 0) {
		snprintf(err, errsize, "discovery: no usable issuer");
		r = -EPROTO;
		goto out;
	}
	/* OIDC Discovery 4.3: the issuer must be exactly the one asked. */
	if (strcmp(p.issuer, issuer) != 0) {
		char shown[200];

		log_escape_bytes(shown, sizeof(shown), p.issuer,
		    strlen(p.issuer) > 120 ? 120 : strlen(p.issuer));
		snprintf(err, errsize, "discovery issuer '%s' is not the "
		    "configured issuer", shown);
		r = -EPERM;
		goto out;
	}
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		char *dst = (char *)&p + urls[i].off;

		r = json_get_str(o, urls[i].key, dst, OIDC_URL_MAX);
		if (r < 0 || !is_https_url(dst)) {
			snprintf(err, errsize, "discovery: %s %s", urls[i].key,
			    r == -ENOENT ? "missing" : "is not an https URL");
			r = -EPROTO;
			goto out;
		}
	}
	*ret = p;
	r = 0;
out:
	json_object_put(o);
	return r;
}

int
oidc_parse_device(long status, const char *ctype, const char *body,
    size_t len, struct oidc_device *ret, char *correlation_id,
    size_t cidsize, char *err, size_t errsize)
{
	struct oidc_device d;
	struct json_object *o;
	long codes[POLL_ERROR_CODES_MAX];
	char error[64];
	size_t n_codes = 0;
	int r;

	memset(&d, 0, sizeof(d));
	if (correlation_id != NULL && cidsize > 0)
		correlation_id[0] = '\0';
	o = json_parse_bounded(body, len);
	if (o == NULL) {
		describe_body(err, errsize, "device endpoint", status, ctype,
		    body, len);
		return -EPROTO;
	}
	read_entra_error(o, codes, POLL_ERROR_CODES_MAX, &n_codes,
	    correlation_id, cidsize);
	if (json_get_str(o, "error", error, sizeof(error)) == 0) {
		clean_display(error);
		if (n_codes > 0 && codes[0] == 7000218)
			snprintf(err, errsize, "device endpoint: %s "
			    "AADSTS7000218: the app registration must allow "
			    "public client flows", error);
		else if (n_codes > 0)
			snprintf(err, errsize,
			    "device endpoint: %s (AADSTS%ld)",
			    error, codes[0]);
		else
			snprintf(err, errsize, "device endpoint: %s", error);
		r = -EREMOTEIO;
		goto out;
	}
	if (status != 200) {
		describe_body(err, errsize, "device endpoint", status, ctype,
		    body, len);
		r = -EPROTO;
		goto out;
	}

	r = json_get_str(o, "device_code", d.device_code,
	    sizeof(d.device_code));
	if (r < 0 || d.device_code[0] == '\0') {
		snprintf(err, errsize, "device response: no usable "
		    "device_code");
		r = -EPROTO;
		goto out;
	}
	r = json_get_str(o, "user_code", d.user_code, sizeof(d.user_code));
	if (r < 0 || d.user_code[0] == '\0') {
		snprintf(err, errsize, "device response: no usable user_code");
		r = -EPROTO;
		goto out;
	}
	clean_display(d.user_code);

	/* Entra's v1 endpoint says verification_url (P4). */
	r = json_get_str(o, "verification_uri", d.verification_uri,
	    sizeof(d.verification_uri));
	if (r == -ENOENT)
		r = json_get_str(o, "verification_url", d.verification_uri,
		    sizeof(d.verification_uri));
	if (r == -ENOENT) {
		snprintf(err, errsize, "device response has neither "
		    "verification_uri nor verification_url");
		r = -ENOENT;
		goto out;
	}
	if (r < 0 || !is_https_url(d.verification_uri)) {
		snprintf(err, errsize, "device response: verification_uri "
		    "is not an https URL");
		r = -EPROTO;
		goto out;
	}
	if (json_get_str(o, "verification_uri_complete",
	    d.verification_uri_complete,
	    sizeof(d.verification_uri_complete)) < 0 ||
	    !is_https_url(d.verification_uri_complete))
		d.verification_uri_complete[0] = '\0';

	r = json_get_long(o, "expires_in", OIDC_EXPIRES_IN_MAX,
	    &d.expires_in);
	if (r == -ENOENT)
		d.expires_in = OIDC_EXPIRES_IN_DEFAULT;
	else if (r < 0 || d.expires_in == 0) {
		snprintf(err, errsize, "device response: bad expires_in");
		r = -EPROTO;
		goto out;
	}
	/* RFC 8628 3.2: absent means 5 s; 0 would be a busy loop (P2). */
	if (json_get_long(o, "interval", POLL_INTERVAL_MAX, &d.interval) < 0 ||
	    d.interval <= 0)
		d.interval = POLL_INTERVAL_DEFAULT;
	if (json_get_str(o, "message", d.message, sizeof(d.message)) < 0)
		d.message[0] = '\0';
	clean_display(d.message);

	*ret = d;
	r = 0;
out:
	explicit_bzero(&d, sizeof(d));
	json_object_put(o);
	return r;
}

void
oidc_parse_token(long status, const char *ctype, const char *body,
    size_t len, struct token_reply *ret)
{
	struct json_object *o, *v;
	char *tok = NULL;

	memset(ret, 0, sizeof(*ret));
	ret->status = status;
	o = json_parse_bounded(body, len);
	if (o == NULL) {
		ret->kind = TOKEN_REPLY_BAD;
		describe_body(ret->detail, sizeof(ret->detail),
		    "token endpoint", status, ctype, body, len);
		return;
	}
	read_entra_error(o, ret->error_codes, POLL_ERROR_CODES_MAX,
	    &ret->n_error_codes, ret->correlation_id,
	    sizeof(ret->correlation_id));

	/* RFC 6749 5.2: read "error" whatever the HTTP status says. */
	if (json_get_str(o, "error", ret->error, sizeof(ret->error)) == 0 &&
	    ret->error[0] != '\0') {
		clean_display(ret->error);
		ret->kind = TOKEN_REPLY_ERROR;
		goto out;
	}
	ret->error[0] = '\0';
	if (status < 200 || status > 299) {
		ret->kind = TOKEN_REPLY_BAD;
		describe_body(ret->detail, sizeof(ret->detail),
		    "token endpoint", status, ctype, body, len);
		goto out;
	}
	ret->has_access_token = json_object_object_get_ex(o, "access_token",
	    &v) && json_object_is_type(v, json_type_string);
	tok = malloc(POLL_ID_TOKEN_MAX);
	if (tok != NULL && json_get_str(o, "id_token", tok,
	    POLL_ID_TOKEN_MAX) == 0 && tok[0] != '\0') {
		ret->id_token = tok;
		tok = NULL;
	}
	if (ret->id_token != NULL || ret->has_access_token)
		ret->kind = TOKEN_REPLY_TOKENS;
	else {
		ret->kind = TOKEN_REPLY_BAD;
		snprintf(ret->detail, sizeof(ret->detail), "token endpoint: "
		    "HTTP %ld without tokens or error", status);
	}
out:
	if (tok != NULL) {
		explicit_bzero(tok, POLL_ID_TOKEN_MAX);
		free(tok);
	}
	json_object_put(o);
}

void
oidc_device_wipe(struct oidc_device *d)
{
	explicit_bzero(d, sizeof(*d));
}

/* ---- network ------------------------------------------------------------ */

int
oidc_init(struct oidc *o, const struct bsure_conf *conf, struct http *http)
{
	memset(o, 0, sizeof(*o));
	o->conf = conf;
	o->http = http;
	return 0;
}

void
oidc_done(struct oidc *o)
{
	if (o->jwks != NULL)
		jwks_free(o->jwks);
	o->jwks = NULL;
}

static int
oidc_cache_path(const struct oidc *o, const char *kind, char *dst,
    size_t size)
{
	return cache_path(o->conf->cache_dir, o->conf->issuer, kind, dst,
	    size);
}

static int
fetch_json(struct oidc *o, const char *what, const char *url,
    const char *form, struct http_response *resp, char *err,
    size_t errsize)
{
	char herr[256];
	int r;

	r = http_request(o->http, url, form, resp, herr, sizeof(herr));
	if (r < 0) {
		snprintf(err, errsize, "%s: %s", what, herr);
		return r;
	}
	return 0;
}

int
oidc_discover(struct oidc *o, char *err, size_t errsize)
{
	struct http_response resp = { 0 };
	char path[4200], url[OIDC_URL_MAX + 64];
	char *cached = NULL;
	size_t clen = 0;
	size_t ilen = strlen(o->conf->issuer);
	int r;

	r = oidc_cache_path(o, "discovery", path, sizeof(path));
	if (r == 0 && !o->no_cache_read &&
	    cache_read(path, OIDC_DISCOVERY_TTL, &cached, &clen) == 0) {
		r = oidc_parse_discovery(cached, clen, o->conf->issuer,
		    &o->prov, err, errsize);
		free(cached);
		if (r == 0) {
			log_debug("discovery from cache %s", path);
			return 0;
		}
		log_debug("ignoring cached discovery: %s", err);
	}

	/* OIDC Discovery 4: drop one trailing slash before the suffix. */
	if (ilen > 0 && o->conf->issuer[ilen - 1] == '/')
		ilen--;
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	    (int)ilen, o->conf->issuer);
	r = fetch_json(o, "discovery", url, NULL, &resp, err, errsize);
	if (r < 0)
		return r;
	if (resp.status != 200) {
		describe_body(err, errsize, "discovery", resp.status,
		    resp.content_type, resp.body, resp.len);
		r = -EPROTO;
		goto out;
	}
	r = oidc_parse_discovery(resp.body, resp.len, o->conf->issuer,
	    &o->prov, err, errsize);
	if (r < 0)
		goto out;
	if (path[0] != '\0' && cache_write(o->conf->cache_dir, path, resp.body,
	    resp.len) < 0)
		log_debug("could not cache discovery in %s",
		    o->conf->cache_dir);
	log_debug("discovery fetched from %s", url);
out:
	http_response_free(&resp);
	return r;
}

static int
oidc_jwks_fetch(struct oidc *o, const char *path, char *err, size_t errsize)
{
	struct http_response resp = { 0 };
	struct jwks *set = NULL;
	char jerr[200];
	int r;

	o->jwks_fetches++;
	r = fetch_json(o, "jwks", o->prov.jwks_uri, NULL, &resp, err,
	    errsize);
	if (r < 0)
		return r;
	if (resp.status != 200) {
		describe_body(err, errsize, "jwks", resp.status,
		    resp.content_type, resp.body, resp.len);
		r = -EPROTO;
		goto out;
	}
	r = jwks_parse(resp.body, resp.len, &set, jerr, sizeof(jerr));
	if (r < 0) {
		snprintf(err, errsize, "jwks: %s", jerr);
		goto out;
	}
	if (o->jwks != NULL)
		jwks_free(o->jwks);
	o->jwks = set;
	o->jwks_fetched = true;
	if (path != NULL && cache_write(o->conf->cache_dir, path, resp.body,
	    resp.len) < 0)
		log_debug("could not cache jwks in %s", o->conf->cache_dir);
	log_debug("jwks fetched from %s: %zu keys", o->prov.jwks_uri,
	    jwks_count(set));
out:
	http_response_free(&resp);
	return r;
}

int
oidc_load_jwks(struct oidc *o, bool force, char *err, size_t errsize)
{
	char path[4200] = "", stamp[4200] = "";
	char *cached = NULL;
	char jerr[200];
	size_t clen = 0;
	bool have_path;
	int r;

	have_path = oidc_cache_path(o, "jwks", path, sizeof(path)) == 0 &&
	    oidc_cache_path(o, "jwks-refetch", stamp, sizeof(stamp)) == 0;
	if (force) {
		if (o->jwks_fetched) {
			snprintf(err, errsize, "kid not in the key set just "
			    "fetched");
			return -ENOKEY;
		}
		/* Persisted, so made-up kids cannot make every run refetch. */
		if (have_path && cache_recent(stamp, OIDC_JWKS_COOLDOWN)) {
			snprintf(err, errsize, "kid unknown; JWKS refetch "
			    "cooldown (%d s) active", OIDC_JWKS_COOLDOWN);
			return -ENOKEY;
		}
		if (have_path &&
		    cache_write(o->conf->cache_dir, stamp, "1\n", 2) < 0)
			log_debug("could not write %s", stamp);
		log_note(LOG_INFO, "msg", "unknown kid: refetching jwks",
		    NULL);
		return oidc_jwks_fetch(o, have_path ? path : NULL, err,
		    errsize);
	}

	if (o->jwks != NULL)
		return 0;
	if (have_path && !o->no_cache_read &&
	    cache_read(path, OIDC_JWKS_TTL, &cached, &clen) == 0) {
		r = jwks_parse(cached, clen, &o->jwks, jerr, sizeof(jerr));
		free(cached);
		if (r == 0) {
			log_debug("jwks from cache %s", path);
			return 0;
		}
		o->jwks = NULL;
		log_debug("ignoring cached jwks: %s", jerr);
	}
	return oidc_jwks_fetch(o, have_path ? path : NULL, err, errsize);
}

int
oidc_device_authorize(struct oidc *o, struct oidc_device *ret, char *err,
    size_t errsize)
{
	struct http_response resp = { 0 };
	char form[2048] = "";
	int r;

	if (http_form_add(form, sizeof(form), "client_id",
	    o->conf->client_id) < 0 ||
	    http_form_add(form, sizeof(form), "scope", o->conf->scopes) < 0) {
		snprintf(err, errsize, "device request too long");
		return -E2BIG;
	}
	r = fetch_json(o, "device endpoint",
	    o->prov.device_authorization_endpoint, form, &resp, err, errsize);
	if (r < 0)
		return r;
	r = oidc_parse_device(resp.status, resp.content_type, resp.body,
	    resp.len, ret, o->correlation_id, sizeof(o->correlation_id), err,
	    errsize);
	http_response_free(&resp);
	return r;
}

void
oidc_token_poll(struct oidc *o, const char *device_code,
    struct token_reply *ret)
{
	struct http_response resp = { 0 };
	char form[OIDC_DEVICE_CODE_MAX * 3 + 512] = "";
	char err[256];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (http_form_add(form, sizeof(form), "grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code") < 0 ||
	    http_form_add(form, sizeof(form), "client_id",
	    o->conf->client_id) < 0 ||
	    http_form_add(form, sizeof(form), "device_code",
	    device_code) < 0) {
		ret->kind = TOKEN_REPLY_NETWORK;
		snprintf(ret->detail, sizeof(ret->detail), "token request too "
		    "long");
		goto out;
	}
	r = http_request(o->http, o->prov.token_endpoint, form, &resp, err,
	    sizeof(err));
	if (r == -EACCES) {
		ret->kind = TOKEN_REPLY_PROXY_AUTH;
		snprintf(ret->detail, sizeof(ret->detail), "%s", err);
		goto out;
	}
	if (r < 0) {
		ret->kind = TOKEN_REPLY_NETWORK;
		snprintf(ret->detail, sizeof(ret->detail), "token endpoint: "
		    "%.200s", err);
		goto out;
	}
	oidc_parse_token(resp.status, resp.content_type, resp.body, resp.len,
	    ret);
	if (ret->correlation_id[0] != '\0')
		snprintf(o->correlation_id, sizeof(o->correlation_id), "%s",
		    ret->correlation_id);
out:
	explicit_bzero(form, sizeof(form));
	http_response_free(&resp);
}

int
oidc_verify_id_token(struct oidc *o, const char *token, long max_age,
    time_t now, struct jwt **ret_jwt, char *reason, size_t reasonsize)
{
	static const char *const algs[] = { "RS256", NULL };
	struct jwt_expect e = {
		.issuer = o->conf->issuer,
		.client_id = o->conf->client_id,
		.tenant_id = o->conf->tenant_id,
		.algs = algs,
		.clock_skew = o->conf->clock_skew,
		.now = now,
		.max_age = max_age,
	};
	struct jwt *t = NULL;
	char err[256];
	int r;

	r = jwt_parse(token, &t, reason, reasonsize);
	if (r < 0)
		return r;
	r = oidc_load_jwks(o, false, err, sizeof(err));
	if (r < 0) {
		snprintf(reason, reasonsize, "%s", err);
		r = -EAGAIN;
		goto out;
	}
	r = jwt_verify(t, o->jwks, &e, reason, reasonsize);
	if (r == -ENOKEY) {
		/* T2: a rotated key; one refetch, then the same checks. */
		int f = oidc_load_jwks(o, true, err, sizeof(err));

		if (f == 0)
			r = jwt_verify(t, o->jwks, &e, reason, reasonsize);
		else if (f != -ENOKEY) {
			snprintf(reason, reasonsize, "%s", err);
			r = -EAGAIN;
		} else
			snprintf(reason, reasonsize, "%s", err);
	}
out:
	if (r == 0)
		*ret_jwt = t;
	else
		jwt_free(t);
	return r;
}
