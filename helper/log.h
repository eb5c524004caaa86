/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The helper's event log: one syslog line (authpriv, "bsure-helper") of
 * key=value fields per event, optionally mirrored as a JSON line into
 * audit_file.  Never pass a token, device code or secret as a value.
 */
#ifndef BSURE_LOG_H
#define BSURE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#define LOG_LINE_MAX 2048
#define LOG_VALUE_MAX 512 /* longer values are cut */

/* Once, early.  mirror_fd >= 0 also gets every line (tests). */
void log_init(bool debug, int mirror_fd);
/* Later, once the config named one; failures are logged, not fatal. */
void log_set_audit_file(const char *path);
/* Fields repeated on every event line. */
void log_set_context(const char *user, const char *service,
    const char *rhost);

/*
 * event=NAME user= service= rhost= then the given key, value pairs
 * (NULL-terminated; a NULL or empty value is skipped), then elapsed_ms=.
 * Written to syslog, the mirror fd and audit_file.
 */
void log_event(int priority, const char *event, ...)
    __attribute__((sentinel));

/* A line without event= (syslog and mirror only), e.g. interval changes. */
void log_note(int priority, ...) __attribute__((sentinel));

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool log_debug_enabled(void);

/* Escape for a key=value line: quoted when it holds spaces or quotes. */
void log_quote(char *dst, size_t dstsize, const char *val);
/* Printable, escaped first bytes of untrusted data (O4: bodies). */
void log_escape_bytes(char *dst, size_t dstsize, const char *data,
    size_t len);

long long log_elapsed_ms(void);

#endif
