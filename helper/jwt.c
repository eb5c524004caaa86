/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ID token validation: strict JWS compact parsing, then the checks of
 * OIDC Core section 3.1.3.7 in a fixed order (header, signature, claims).
 * Every refusal names its check so the admin can read it in the log.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "jwt.h"
#include "util.h"

struct jwt {
	char *raw;          /* copy of the token, wiped on free */
	size_t raw_len;
	size_t signed_len;  /* header.payload: the JWS signing input */
	unsigned char *sig;
	size_t sig_len;
	struct json_object *header;
	struct json_object *claims;
	const char *alg;    /* inside header */
	const char *kid;    /* inside header, NULL if none */
};

static const char *const jwt_default_algs[] = { "RS256", NULL };

/* One segment: base64url-decode, then a JSON object of bounded depth. */
static int
jwt_decode_json(const char *seg, size_t seg_len, size_t max,
    struct json_object **ret_obj)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	unsigned char *buf;
	size_t len, end;
	int r;

	if (seg_len > (max / 3 + 1) * 4)
		return -E2BIG;
	buf = malloc(max);
	if (buf == NULL)
		return -ENOMEM;
	r = b64url_decode(seg, seg_len, buf, max, &len);
	if (r < 0) {
		r = r == -ENOBUFS ? -E2BIG : -EINVAL;
		goto out;
	}
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		r = -EINVAL;
		goto out;
	}

	tok = json_tokener_new_ex(JWT_JSON_DEPTH);
	if (tok == NULL) {
		r = -ENOMEM;
		goto out;
	}
	obj = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	if (obj == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(obj, json_type_object)) {
		r = -EINVAL;
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (strchr(" \t\r\n", buf[end]) == NULL) {
			r = -EINVAL;
			goto out;
		}
	}

	*ret_obj = obj;
	obj = NULL;
	r = 0;
out:
	json_object_put(obj);
	if (tok != NULL) /* json-c does not accept NULL here */
		json_tokener_free(tok);
	explicit_bzero(buf, max);
	free(buf);
	return r;
}

int
jwt_claim_string(struct json_object *claims, const char *name, size_t max,
    const char **ret_str)
{
	struct json_object *v;
	const char *s;
	size_t i, len;

	if (claims == NULL || !json_object_object_get_ex(claims, name, &v))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	len = (size_t)json_object_get_string_len(v);
	if (len > max)
		return -E2BIG;
	s = json_object_get_string(v);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Claims end up in log lines: no NUL, CR, LF or ESC. */
		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
	}
	*ret_str = s;
	return 0;
}

int
jwt_claim_time(struct json_object *claims, const char *name,
    time_t *ret_time)
{
	struct json_object *v;
	long long t;
	double d;

	if (claims == NULL || !json_object_object_get_ex(claims, name, &v))
		return -ENOENT;
	if (json_object_is_type(v, json_type_int)) {
		/* json-c clamps values past int64 to INT64_MAX/MIN. */
		t = (long long)json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_double)) {
		/* RFC 7519 section 2: NumericDate may have a fraction. */
		d = json_object_get_double(v);
		if (!isfinite(d) || d < 0 || d > (double)JWT_TIME_MAX)
			return -EINVAL;
		t = (long long)d; /* d >= 0: truncation is floor */
	} else {
		return -EINVAL;
	}
	if (t < 0 || t > JWT_TIME_MAX)
		return -EINVAL;
	*ret_time = (time_t)t;
	return 0;
}

static int
jwt_parse_header(struct jwt *t, char *err, size_t errsize)
{
	int r;

	r = jwt_claim_string(t->header, "alg", JWT_ALG_MAX, &t->alg);
	if (r < 0 || t->alg[0] == '\0') {
		util_errf(err, errsize, "header alg missing or invalid");
		return -EINVAL;
	}
	r = jwt_claim_string(t->header, "kid", JWKS_KID_MAX, &t->kid);
	if (r == -ENOENT) {
		t->kid = NULL;
	} else if (r < 0 || t->kid[0] == '\0') {
		util_errf(err, errsize, "header kid invalid");
		return -EINVAL;
	}
	return 0;
}

int
jwt_parse(const char *token, struct jwt **ret_jwt, char *err,
    size_t errsize)
{
	const char *dot1, *dot2;
	struct jwt *t = NULL;
	size_t len, i;
	int r;

	if (token == NULL || ret_jwt == NULL)
		return -EINVAL;

	/* Step 1: size and shape, before any allocation. */
	len = strnlen(token, JWT_MAX_LEN + 1);
	if (len > JWT_MAX_LEN) {
		util_errf(err, errsize, "token longer than %d bytes",
		    JWT_MAX_LEN);
		return -E2BIG;
	}
	for (i = 0; i < len; i++) {
		if (token[i] != '.' && strchr("-_", token[i]) == NULL &&
		    !((token[i] >= 'A' && token[i] <= 'Z') ||
		    (token[i] >= 'a' && token[i] <= 'z') ||
		    (token[i] >= '0' && token[i] <= '9'))) {
			util_errf(err, errsize,
			    "token has a character outside base64url");
			return -EINVAL;
		}
	}
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))
	    : NULL;
	if (dot2 == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL) {
		util_errf(err, errsize, "token is not three segments");
		return -EINVAL;
	}

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->raw = strndup(token, len);
	t->sig = malloc(JWT_SIG_MAX);
	if (t->raw == NULL || t->sig == NULL) {
		r = -ENOMEM;
		goto out;
	}
	t->raw_len = len;
	t->signed_len = (size_t)(dot2 - token);

	/* Step 2: header, claims, signature. */
	r = jwt_decode_json(token, (size_t)(dot1 - token), JWT_HEADER_MAX,
	    &t->header);
	if (r < 0) {
		util_errf(err, errsize, "header is not a base64url JSON object"
		    " (%s)", r == -E2BIG ? "too large" : "malformed");
		goto out;
	}
	r = jwt_decode_json(dot1 + 1, (size_t)(dot2 - dot1 - 1),
	    JWT_CLAIMS_MAX, &t->claims);
	if (r < 0) {
		util_errf(err, errsize, "claims are not a base64url JSON object"
		    " (%s)", r == -E2BIG ? "too large" : "malformed");
		goto out;
	}
	r = b64url_decode(dot2 + 1, len - t->signed_len - 1, t->sig,
	    JWT_SIG_MAX, &t->sig_len);
	if (r < 0) {
		util_errf(err, errsize, "signature is not base64url (%s)",
		    r == -ENOBUFS ? "too large" : "malformed");
		r = r == -ENOBUFS ? -E2BIG : -EINVAL;
		goto out;
	}
	r = jwt_parse_header(t, err, errsize);
	if (r < 0)
		goto out;

	*ret_jwt = t;
	t = NULL;
	r = 0;
out:
	jwt_free(t);
	return r;
}

const char *
jwt_kid(const struct jwt *t)
{
	return t == NULL ? NULL : t->kid;
}

const char *
jwt_alg(const struct jwt *t)
{
	return t == NULL ? NULL : t->alg;
}

struct json_object *
jwt_claims(const struct jwt *t)
{
	return t == NULL ? NULL : t->claims;
}

/* RFC 8725 section 3.1: the algorithm is ours to choose, not the token's. */
static int
jwt_check_header(const struct jwt *t, const struct jwt_expect *e,
    char *reason, size_t reasonsize)
{
	const char *const *algs = e->algs ? e->algs : jwt_default_algs;
	struct json_object *v;
	const char *typ;
	size_t i;
	int r;

	if (strcasecmp(t->alg, "none") == 0) {
		util_errf(reason, reasonsize, "alg none refused");
		return -EKEYREJECTED;
	}
	/* HMAC keyed with our public key is the classic confusion attack. */
	if (strncasecmp(t->alg, "HS", 2) == 0) {
		util_errf(reason, reasonsize, "HMAC alg %s refused", t->alg);
		return -EKEYREJECTED;
	}
	for (i = 0; algs[i] != NULL; i++)
		if (strcmp(algs[i], t->alg) == 0)
			break;
	if (algs[i] == NULL) {
		util_errf(reason, reasonsize, "alg %s not allowed", t->alg);
		return -EKEYREJECTED;
	}

	/* RFC 7515 section 4.1.11: unknown crit extensions must fail. */
	if (json_object_object_get_ex(t->header, "crit", &v)) {
		util_errf(reason, reasonsize, "crit header refused");
		return -EKEYREJECTED;
	}
	/* Entra puts a nonce in the header of Graph access tokens only. */
	if (json_object_object_get_ex(t->header, "nonce", &v)) {
		util_errf(reason, reasonsize,
		    "header nonce refused (an access token, not an ID token)");
		return -EKEYREJECTED;
	}
	r = jwt_claim_string(t->header, "typ", JWT_ALG_MAX, &typ);
	if (r == 0 && strcasecmp(typ, "JWT") != 0) {
		util_errf(reason, reasonsize, "typ %s refused", typ);
		return -EKEYREJECTED;
	}
	if (r < 0 && r != -ENOENT) {
		util_errf(reason, reasonsize, "typ invalid");
		return -EKEYREJECTED;
	}
	if (t->kid == NULL) {
		util_errf(reason, reasonsize, "kid missing");
		return -EKEYREJECTED;
	}
	return 0;
}

/* Exact string equality that an embedded NUL cannot shorten. */
static bool
jwt_json_str_equal(struct json_object *v, const char *want)
{
	return json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == strlen(want) &&
	    strcmp(json_object_get_string(v), want) == 0;
}

static int
jwt_check_aud(struct json_object *claims, const char *client_id,
    char *reason, size_t reasonsize)
{
	struct json_object *aud, *v;
	const char *azp;
	bool found = false;
	size_t i, n;
	int r;

	if (!json_object_object_get_ex(claims, "aud", &aud)) {
		util_errf(reason, reasonsize, "aud missing");
		return -EPERM;
	}
	if (json_object_is_type(aud, json_type_string)) {
		n = 1;
		found = jwt_json_str_equal(aud, client_id);
	} else if (json_object_is_type(aud, json_type_array)) {
		n = json_object_array_length(aud);
		if (n == 0 || n > JWT_ARRAY_MAX) {
			util_errf(reason, reasonsize, "aud array size %zu", n);
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(aud, i);
			if (!json_object_is_type(v, json_type_string)) {
				util_errf(reason, reasonsize,
				    "aud entry not a string");
				return -EINVAL;
			}
			if (jwt_json_str_equal(v, client_id))
				found = true;
		}
	} else {
		util_errf(reason, reasonsize, "aud not a string or array");
		return -EINVAL;
	}
	if (!found) {
		util_errf(reason, reasonsize, "aud mismatch");
		return -EPERM;
	}

	/* OIDC Core 3.1.3.7 steps 4 and 5. */
	r = jwt_claim_string(claims, "azp", JWT_STR_MAX, &azp);
	if (r == -ENOENT && n > 1) {
		util_errf(reason, reasonsize, "azp missing with several aud");
		return -EPERM;
	}
	if (r != -ENOENT && r < 0) {
		util_errf(reason, reasonsize, "azp invalid");
		return -EINVAL;
	}
	if (r == 0 && strcmp(azp, client_id) != 0) {
		util_errf(reason, reasonsize, "azp mismatch");
		return -EPERM;
	}
	return 0;
}

/* A required or optional string claim compared with want. */
static int
jwt_check_str(struct json_object *claims, const char *name,
    const char *want, bool icase, char *reason, size_t reasonsize)
{
	const char *s;
	int r;

	r = jwt_claim_string(claims, name, JWT_STR_MAX, &s);
	if (r == -ENOENT) {
		util_errf(reason, reasonsize, "%s missing", name);
		return -EPERM;
	}
	if (r < 0) {
		util_errf(reason, reasonsize, "%s not a valid string", name);
		return -EINVAL;
	}
	if (icase ? strcasecmp(s, want) != 0 : strcmp(s, want) != 0) {
		util_errf(reason, reasonsize, "%s mismatch (got %.128s)", name,
		    s);
		return -EPERM;
	}
	return 0;
}

static int
jwt_check_times(struct json_object *claims, const struct jwt_expect *e,
    char *reason, size_t reasonsize)
{
	long long now = (long long)e->now, skew = e->clock_skew;
	time_t exp, nbf, iat;
	int r;

	r = jwt_claim_time(claims, "exp", &exp);
	if (r < 0) {
		util_errf(reason, reasonsize, "exp %s",
		    r == -ENOENT ? "missing" : "invalid");
		return -EINVAL;
	}
	r = jwt_claim_time(claims, "iat", &iat);
	if (r < 0) {
		util_errf(reason, reasonsize, "iat %s",
		    r == -ENOENT ? "missing" : "invalid");
		return -EINVAL;
	}
	r = jwt_claim_time(claims, "nbf", &nbf);
	if (r < 0 && r != -ENOENT) {
		util_errf(reason, reasonsize, "nbf invalid");
		return -EINVAL;
	}

	/* All values are within 0..JWT_TIME_MAX: no overflow below. */
	if (now > (long long)exp + skew) {
		util_errf(reason, reasonsize, "exp in the past (by %lld s)",
		    now - (long long)exp);
		return -ESTALE;
	}
	if (r == 0 && now < (long long)nbf - skew) {
		util_errf(reason, reasonsize, "nbf in the future (by %lld s)",
		    (long long)nbf - now);
		return -ESTALE;
	}
	if ((long long)iat > now + skew) {
		util_errf(reason, reasonsize, "iat in the future (by %lld s)",
		    (long long)iat - now);
		return -ESTALE;
	}
	if (e->max_age > 0 && (long long)iat < now - e->max_age) {
		util_errf(reason, reasonsize,
		    "iat too old (%lld s ago, max_age %ld s)",
		    now - (long long)iat, e->max_age);
		return -ESTALE;
	}
	return 0;
}

static int
jwt_check_expect(const struct jwt_expect *e, char *reason,
    size_t reasonsize)
{
	if (e == NULL || e->issuer == NULL || e->client_id == NULL ||
	    e->issuer[0] == '\0' || e->client_id[0] == '\0' ||
	    e->clock_skew < 0 || e->clock_skew > JWT_SKEW_MAX ||
	    e->now < 0 || (long long)e->now > JWT_TIME_MAX ||
	    e->max_age < 0 || e->max_age > JWT_TIME_MAX) {
		util_errf(reason, reasonsize, "invalid validation settings");
		return -EINVAL;
	}
	return 0;
}

int
jwt_check_claims(const struct jwt *t, const struct jwt_expect *e,
    char *reason, size_t reasonsize)
{
	int r;

	if (t == NULL)
		return -EINVAL;
	r = jwt_check_expect(e, reason, reasonsize);
	if (r < 0)
		return r;

	r = jwt_check_str(t->claims, "iss", e->issuer, false, reason,
	    reasonsize);
	if (r < 0)
		return r;
	r = jwt_check_aud(t->claims, e->client_id, reason, reasonsize);
	if (r < 0)
		return r;
	if (e->tenant_id != NULL) {
		r = jwt_check_str(t->claims, "tid", e->tenant_id, true, reason,
		    reasonsize);
		if (r < 0)
			return r;
	}
	return jwt_check_times(t->claims, e, reason, reasonsize);
}

int
jwt_verify(const struct jwt *t, const struct jwks *keys,
    const struct jwt_expect *e, char *reason, size_t reasonsize)
{
	int r;

	if (t == NULL || keys == NULL)
		return -EINVAL;
	r = jwt_check_expect(e, reason, reasonsize);
	if (r < 0)
		return r;

	/* Step 1: the header decides nothing on its own, it can only refuse. */
	r = jwt_check_header(t, e, reason, reasonsize);
	if (r < 0)
		return r;

	/* Step 2: signature over header.payload with the named key. */
	r = jwks_verify(keys, t->kid, t->alg, (const unsigned char *)t->raw,
	    t->signed_len, t->sig, t->sig_len, reason, reasonsize);
	if (r < 0)
		return r;

	/* Step 3: claims, now that we know who wrote them. */
	return jwt_check_claims(t, e, reason, reasonsize);
}

void
jwt_free(struct jwt *t)
{
	if (t == NULL)
		return;
	if (t->raw != NULL) {
		explicit_bzero(t->raw, t->raw_len);
		free(t->raw);
	}
	if (t->sig != NULL) {
		explicit_bzero(t->sig, JWT_SIG_MAX);
		free(t->sig);
	}
	json_object_put(t->header);
	json_object_put(t->claims);
	free(t);
}
