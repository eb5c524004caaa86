/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * allowed_rhosts: numeric IPv4/IPv6 networks in CIDR notation, and the
 * check of sshd's PAM_RHOST against them.
 */
#ifndef BSURE_RHOST_H
#define BSURE_RHOST_H

#include <stdbool.h>
#include <stddef.h>

/* One network: address family, network bytes (host bits clear), prefix. */
struct rhost_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int prefix;
};

/* "192.0.2.0/24", "2001:db8::/32" or a bare address; -EINVAL otherwise. */
int rhost_parse_cidr(const char *s, struct rhost_cidr *ret);

/* rhost (numeric) inside one of the n networks; names never match. */
bool rhost_match(const struct rhost_cidr *nets, size_t n, const char *rhost);

#endif
