/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allowed_rhosts networks: parsed once from the config, host bits cleared,
 * then matched byte by byte against the numeric address sshd gave PAM.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rhost.h"

int
rhost_parse_cidr(const char *s, struct rhost_cidr *ret)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct rhost_cidr c = { 0 };
	unsigned int max, i;
	long prefix;
	char *end;

	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else
		return -EINVAL;

	prefix = max;
	if (slash != NULL) {
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end != '\0' ||
		    !isdigit((unsigned char)slash[1]) || prefix < 0 ||
		    prefix > (long)max)
			return -EINVAL;
	}
	c.prefix = (unsigned int)prefix;

	/* Clear host bits so matching can compare whole bytes. */
	for (i = 0; i < max / 8; i++) {
		unsigned int keep = c.prefix > i * 8 ? c.prefix - i * 8 : 0;

		if (keep < 8)
			c.addr[i] &= (unsigned char)(0xff00u >> keep);
	}
	*ret = c;
	return 0;
}

bool
rhost_match(const struct rhost_cidr *nets, size_t n, const char *rhost)
{
	unsigned char addr[16];
	int family;
	size_t i;

	if (rhost == NULL || *rhost == '\0')
		return false;
	if (inet_pton(AF_INET, rhost, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, rhost, addr) == 1)
		family = AF_INET6;
	else
		return false; /* a name: sshd's UseDNS says nothing trusted */

	/* An IPv4-mapped IPv6 address is the IPv4 peer it maps. */
	if (family == AF_INET6 && memcmp(addr,
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(addr, addr + 12, 4);
		family = AF_INET;
	}

	for (i = 0; i < n; i++) {
		const struct rhost_cidr *c = &nets[i];
		unsigned int full = c->prefix / 8, rest = c->prefix % 8;

		if (c->family != family)
			continue;
		if (memcmp(addr, c->addr, full) != 0)
			continue;
		if (rest != 0 && ((addr[full] ^ c->addr[full]) &
		    (unsigned char)(0xff00u >> rest)) != 0)
			continue;
		return true;
	}
	return false;
}
