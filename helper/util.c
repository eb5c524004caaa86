/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helper pieces (see util.h): one error formatter for the files
 * that report why they refused, and one monotonic clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

void
util_errf(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

long long
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
