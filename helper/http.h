/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTPS requests to the IdP with libcurl: verified TLS only, no
 * redirects, the configured proxy only, bounded time and body size.
 */
#ifndef BSURE_HTTP_H
#define BSURE_HTTP_H

#include <stddef.h>

#include "conf.h"

#define HTTP_BODY_MAX (256 * 1024)
#define HTTP_CONNECT_TIMEOUT 10 /* seconds */
#define HTTP_TOTAL_TIMEOUT 30   /* seconds */

struct http;

struct http_response {
	long status;
	char content_type[128];
	char *body; /* NUL-terminated; wiped by http_response_free() */
	size_t len;
};

/* Once per process, before any thread (there are none). */
int http_global_init(void);
void http_global_cleanup(void);

int http_new(const struct bsure_conf *conf, struct http **ret_http);
void http_free(struct http *h);

/*
 * GET (form == NULL) or POST application/x-www-form-urlencoded.  Any HTTP
 * status is a success (0): callers read error bodies.  Errors, with err
 * set: -EACCES proxy answered 407, -E2BIG body over HTTP_BODY_MAX,
 * -ETIMEDOUT, -EHOSTUNREACH connect failed, -EPROTO TLS or other trouble.
 * form is not copied or logged (it may hold the device code).
 */
int http_request(struct http *h, const char *url, const char *form,
    struct http_response *ret, char *err, size_t errsize);

void http_response_free(struct http_response *r);

/* Append name=urlencoded(value) to a form, '&'-separated. */
int http_form_add(char *form, size_t size, const char *name,
    const char *value);

#endif
