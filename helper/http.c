/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libcurl wrapper for the few requests the helper makes: discovery, JWKS,
 * device authorization, token polling.  One easy handle per run keeps the
 * TLS connection alive across polls.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"

/* XXX: the system CA directory is Debian's; other layouts keep only ca_file. */
#define HTTP_SYSTEM_CAPATH "/etc/ssl/certs"

struct http {
	CURL *curl;
	const struct bsure_conf *conf;
};

struct http_sink {
	char *buf;
	size_t len;
	bool overflow;
};

int
http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

static size_t
http_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct http_sink *s = userdata;
	size_t n = size * nmemb;

	if (n > HTTP_BODY_MAX - s->len) {
		s->overflow = true;
		return 0; /* curl aborts the transfer */
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

int
http_new(const struct bsure_conf *conf, struct http **ret_http)
{
	struct http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	h->curl = curl_easy_init();
	if (h->curl == NULL) {
		free(h);
		return -ENOMEM;
	}
	h->conf = conf;
	*ret_http = h;
	return 0;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

static int
http_setup(struct http *h, const char *url, struct http_sink *sink,
    struct curl_slist *headers)
{
	const struct bsure_conf *conf = h->conf;
	CURL *c = h->curl;
	CURLcode e = CURLE_OK;

	curl_easy_reset(c);
#define SET(opt, val) \
	do { \
		if (e == CURLE_OK) \
			e = curl_easy_setopt(c, opt, val); \
	} while (0)
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	/* A redirect could take the device code to another host. */
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (conf->ca_file != NULL) {
		/* CAINFO replaces the bundle; CAPATH keeps the system store. */
		SET(CURLOPT_CAINFO, conf->ca_file);
		if (access(HTTP_SYSTEM_CAPATH, X_OK) == 0)
			SET(CURLOPT_CAPATH, HTTP_SYSTEM_CAPATH);
	}
	/*
	 * "" turns curl's environment proxy lookup off; PAM hands the helper
	 * an empty environment anyway, so "env" only matters under tests.
	 */
	if (conf->proxy == NULL)
		SET(CURLOPT_PROXY, "");
	else if (strcmp(conf->proxy, "env") != 0)
		SET(CURLOPT_PROXY, conf->proxy);
	SET(CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT);
	SET(CURLOPT_TIMEOUT, (long)HTTP_TOTAL_TIMEOUT);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_WRITEFUNCTION, http_write);
	SET(CURLOPT_WRITEDATA, sink);
#undef SET
	return e == CURLE_OK ? 0 : -EINVAL;
}

int
http_request(struct http *h, const char *url, const char *form,
    struct http_response *ret, char *err, size_t errsize)
{
	struct http_sink sink = { 0 };
	struct curl_slist *headers = NULL, *tmp;
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0, connect_code = 0;
	char *ctype = NULL;
	CURLcode e;
	int r;

	sink.buf = malloc(HTTP_BODY_MAX + 1);
	if (sink.buf == NULL)
		return -ENOMEM;
	tmp = curl_slist_append(headers, "Accept: application/json");
	if (tmp != NULL)
		headers = tmp;
	r = http_setup(h, url, &sink, headers);
	if (r < 0) {
		snprintf(err, errsize, "curl setup failed");
		goto out;
	}
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, errbuf);
	if (form != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(form));
	}

	e = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_HTTP_CONNECTCODE, &connect_code);
	if (connect_code == 407) {
		r = -EACCES;
		snprintf(err, errsize, "proxy authentication required");
		goto out;
	}
	if (e != CURLE_OK) {
		if (sink.overflow || e == CURLE_FILESIZE_EXCEEDED)
			r = -E2BIG;
		else if (e == CURLE_OPERATION_TIMEDOUT)
			r = -ETIMEDOUT;
		else if (e == CURLE_COULDNT_CONNECT ||
		    e == CURLE_COULDNT_RESOLVE_HOST ||
		    e == CURLE_COULDNT_RESOLVE_PROXY)
			r = -EHOSTUNREACH;
		else
			r = -EPROTO;
		snprintf(err, errsize, "%s", r == -E2BIG ?
		    "response larger than the limit" :
		    errbuf[0] ? errbuf : curl_easy_strerror(e));
		goto out;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ctype);

	sink.buf[sink.len] = '\0';
	memset(ret, 0, sizeof(*ret));
	ret->status = status;
	if (ctype != NULL)
		snprintf(ret->content_type, sizeof(ret->content_type), "%s",
		    ctype);
	ret->body = sink.buf;
	ret->len = sink.len;
	sink.buf = NULL;
	r = 0;
out:
	/* Drop curl's pointer to the caller's form before it is wiped. */
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	if (sink.buf != NULL) {
		explicit_bzero(sink.buf, sink.len);
		free(sink.buf);
	}
	return r;
}

void
http_response_free(struct http_response *r)
{
	if (r->body != NULL) {
		explicit_bzero(r->body, r->len);
		free(r->body);
	}
	memset(r, 0, sizeof(*r));
}

int
http_form_add(char *form, size_t size, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = strlen(form);
	const char *s;

	if (o > 0) {
		if (o + 1 >= size)
			return -E2BIG;
		form[o++] = '&';
	}
	for (s = name; *s != '\0'; s++) {
		if (o + 1 >= size)
			return -E2BIG;
		form[o++] = *s;
	}
	if (o + 1 >= size)
		return -E2BIG;
	form[o++] = '=';
	for (s = value; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (o + 3 >= size)
			return -E2BIG;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			form[o++] = (char)c;
		else {
			form[o++] = '%';
			form[o++] = hex[c >> 4];
			form[o++] = hex[c & 15];
		}
	}
	form[o] = '\0';
	return 0;
}
