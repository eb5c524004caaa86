/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * syslog key=value lines an admin can grep and a SIEM can parse, plus an
 * optional append-only JSON audit file.  Values come from the IdP and the
 * user, so everything is escaped and bounded here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "util.h"

static struct {
	bool debug;
	int mirror_fd;
	int audit_fd;
	long long start_ms;
	char user[128];
	char service[64];
	char rhost[128];
} log_state = { .mirror_fd = -1, .audit_fd = -1 };

long long
log_elapsed_ms(void)
{
	return util_now_ms() - log_state.start_ms;
}

void
log_init(bool debug, int mirror_fd)
{
	log_state.debug = debug;
	log_state.mirror_fd = mirror_fd;
	log_state.start_ms = util_now_ms();
	openlog("bsure-helper", LOG_PID, LOG_AUTHPRIV);
}

bool
log_debug_enabled(void)
{
	return log_state.debug;
}

void
log_set_context(const char *user, const char *service, const char *rhost)
{
	snprintf(log_state.user, sizeof(log_state.user), "%s",
	    user ? user : "");
	snprintf(log_state.service, sizeof(log_state.service), "%s",
	    service ? service : "");
	snprintf(log_state.rhost, sizeof(log_state.rhost), "%s",
	    rhost ? rhost : "");
}

static void
emit(int priority, const char *line)
{
	syslog(priority, "%s", line);
	if (log_state.mirror_fd >= 0) {
		dprintf(log_state.mirror_fd, "%s\n", line);
	}
}

void
log_set_audit_file(const char *path)
{
	struct stat st;
	int fd;

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		log_note(LOG_ERR, "msg", "cannot open audit_file", "path", path,
		    "error", strerror(errno), NULL);
		return;
	}
	/* Someone else's file could be read back by them: refuse it. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 0077) != 0) {
		log_note(LOG_ERR, "msg", "audit_file refused: not a private "
		    "regular file of root", "path", path, NULL);
		close(fd);
		return;
	}
	log_state.audit_fd = fd;
}

void
log_quote(char *dst, size_t dstsize, const char *val)
{
	bool quote = *val == '\0';
	size_t o = 0;
	const char *s;

	for (s = val; *s != '\0' && !quote; s++)
		if (*s == ' ' || *s == '"' || *s == '=' || *s == '\\' ||
		    (unsigned char)*s < 0x20 || *s == 0x7f)
			quote = true;
	if (dstsize < 8) {
		if (dstsize > 0)
			dst[0] = '\0';
		return;
	}
	if (quote)
		dst[o++] = '"';
	for (s = val; *s != '\0' && o + 6 < dstsize; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(dst + o, dstsize - o,
			    "\\x%02x", c);
		} else
			dst[o++] = (char)c;
	}
	if (quote)
		dst[o++] = '"';
	dst[o] = '\0';
}

void
log_escape_bytes(char *dst, size_t dstsize, const char *data, size_t len)
{
	size_t o = 0, i;

	if (dstsize == 0)
		return;
	for (i = 0; i < len && o + 5 < dstsize; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, dstsize - o,
			    "\\x%02x", c);
	}
	dst[o] = '\0';
}

/* Append " key=value" to line; a bounded copy of the value. */
static void
add_field(char *line, size_t size, struct json_object *js, const char *key,
    const char *val)
{
	char cut[LOG_VALUE_MAX + 1];
	char quoted[LOG_VALUE_MAX * 4 + 3];
	size_t used = strlen(line);

	if (val == NULL || *val == '\0')
		return;
	snprintf(cut, sizeof(cut), "%s", val);
	log_quote(quoted, sizeof(quoted), cut);
	snprintf(line + used, size - used, "%s%s=%s", used ? " " : "", key,
	    quoted);
	if (js != NULL)
		json_object_object_add(js, key, json_object_new_string(cut));
}

static void
log_vline(int priority, const char *event, va_list ap)
{
	struct json_object *js = NULL;
	char line[LOG_LINE_MAX];
	char elapsed[24];
	const char *k;

	line[0] = '\0';
	if (event != NULL && log_state.audit_fd >= 0) {
		js = json_object_new_object();
		if (js != NULL)
			json_object_object_add(js, "time",
			    json_object_new_int64((int64_t)time(NULL)));
	}
	add_field(line, sizeof(line), js, "event", event);
	add_field(line, sizeof(line), js, "user", log_state.user);
	add_field(line, sizeof(line), js, "service", log_state.service);
	add_field(line, sizeof(line), js, "rhost", log_state.rhost);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		add_field(line, sizeof(line), js, k, v);
	}
	snprintf(elapsed, sizeof(elapsed), "%lld", log_elapsed_ms());
	add_field(line, sizeof(line), js, "elapsed_ms", elapsed);
	emit(priority, line);

	if (js != NULL) {
		const char *s = json_object_to_json_string_ext(js,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t n = strlen(s);
		char *buf = malloc(n + 1);

		/* One write per line: O_APPEND keeps parallel helpers apart. */
		if (buf != NULL) {
			memcpy(buf, s, n);
			buf[n] = '\n';
			if (write(log_state.audit_fd, buf, n + 1) < 0)
				syslog(LOG_ERR, "audit_file write: %m");
			free(buf);
		}
		json_object_put(js);
	}
}

void
log_event(int priority, const char *event, ...)
{
	va_list ap;

	va_start(ap, event);
	log_vline(priority, event, ap);
	va_end(ap);
}

void
log_note(int priority, ...)
{
	va_list ap;

	va_start(ap, priority);
	log_vline(priority, NULL, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX - 32];
	char line[LOG_LINE_MAX];
	va_list ap;

	if (!log_state.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "debug: %s", msg);
	emit(LOG_DEBUG, line);
}
