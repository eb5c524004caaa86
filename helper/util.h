/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small pieces several helper files need alike: filling a caller's error
 * buffer and reading the monotonic clock.
 */
#ifndef BSURE_UTIL_H
#define BSURE_UTIL_H

#include <stddef.h>

/* printf into err (errsize bytes); nothing when err is NULL or empty. */
void util_errf(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Milliseconds on CLOCK_MONOTONIC: deadlines must not jump with the date. */
long long util_now_ms(void);

#endif
