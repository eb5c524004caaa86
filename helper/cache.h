/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The helper's on-disk cache of provider documents (discovery, JWKS):
 * root-only files named per issuer, read only while fresh, replaced
 * atomically.  Each helper run is a new process; this is its memory.
 */
#ifndef BSURE_CACHE_H
#define BSURE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#define CACHE_FILE_MAX (256 * 1024)

/*
 * dir/kind-HASH, HASH from the issuer.  -ENOENT when dir is NULL (no
 * cache), -ENAMETOOLONG when it does not fit in dst.
 */
int cache_path(const char *dir, const char *issuer, const char *kind,
    char *dst, size_t size);

/*
 * A private regular file no older than ttl seconds: *ret malloc'ed and
 * NUL-ended.  -ESTALE when too old, -EINVAL when not ours or too big.
 */
int cache_read(const char *path, long ttl, char **ret, size_t *ret_len);

/* Create dir (root-only) if needed, then replace path atomically. */
int cache_write(const char *dir, const char *path, const char *data,
    size_t len);

/* path exists and was written less than seconds ago. */
bool cache_recent(const char *path, long seconds);

#endif
