/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Discovery and JWKS documents kept between helper runs.  Only files the
 * helper's own user wrote, private and fresh, are read back; a write goes
 * through a temporary file so no reader ever sees half a document.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cache.h"

/*
 * Cache files are named after a hash of the issuer, so a changed config
 * never reads another provider's keys.
 */
int
cache_path(const char *dir, const char *issuer, const char *kind,
    char *dst, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[33];
	unsigned int i;

	if (dir == NULL)
		return -ENOENT;
	if (EVP_Digest(issuer, strlen(issuer), md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen < 16)
		return -EIO;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if ((size_t)snprintf(dst, size, "%s/%s-%s", dir, kind, hex) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p; the last component root-only.  Refuse a foreign directory. */
static int
cache_dir_ready(const char *dir)
{
	char path[4096];
	struct stat st;
	char *s;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path) ||
	    path[0] != '/')
		return -EINVAL;
	for (s = path + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	if ((st.st_mode & 0077) != 0 && chmod(path, 0700) < 0)
		return -errno;
	return 0;
}

int
cache_read(const char *path, long ttl, char **ret, size_t *ret_len)
{
	struct stat st;
	time_t now = time(NULL);
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 0077) != 0 ||
	    st.st_size <= 0 || st.st_size > CACHE_FILE_MAX) {
		r = -EINVAL;
		goto out;
	}
	if (st.st_mtime > now + 60 || now - st.st_mtime > ttl) {
		r = -ESTALE;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = -EIO;
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

/* tmp + rename: a reader sees the old file or the new one, never half. */
int
cache_write(const char *dir, const char *path, const char *data, size_t len)
{
	char tmp[4200];
	size_t done = 0;
	int fd, r;

	if (len > CACHE_FILE_MAX)
		return -E2BIG;
	r = cache_dir_ready(dir);
	if (r < 0)
		return r;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0600) < 0 ? -errno : 0;
	while (r == 0 && done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			done += (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/*
 * A stamp file's mtime, not process memory: every helper run is a new
 * process, and a limit must hold across them.
 */
bool
cache_recent(const char *path, long seconds)
{
	struct stat st;
	time_t now = time(NULL);

	if (stat(path, &st) < 0)
		return false;
	return st.st_mtime <= now + 60 && now - st.st_mtime < seconds;
}
