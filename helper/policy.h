/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who the verified ID token names, and whether that person may sign in
 * here: local user mapping, exception group, required claims, device
 * claim.  Every function takes claims that jwt_verify() accepted.
 */
#ifndef BSURE_POLICY_H
#define BSURE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "bsure_proto.h"
#include "conf.h"

#define POLICY_MAP_FILE_MAX (256 * 1024) /* user_map file, bytes */
#define POLICY_MAP_LINES_MAX 10000
#define POLICY_MAP_LINE_MAX 1024
#define POLICY_GROUPS_MAX 4096            /* groups claim entries */
#define POLICY_CLAIM_ARRAY_MAX 256        /* require_claim array claims */
#define POLICY_USER_MAX 255               /* pam_user, bytes */

struct policy_identity {  /* filled from the VERIFIED claims */
	char user_value[256]; /* value of conf->user_claim */
	char oid[64];
	char tid[64];
	char upn[256];
	char group[64];       /* the exception group that matched, "" if
	                       * none/not required */
	char device[128];     /* device claim value, "" if absent */
	time_t exp, iat;
};

/*
 * Map: conf->user_claim (upn default; allowed: upn, preferred_username,
 * email, oid, sub) + conf->user_map ("%u" pattern, "%u@contoso.com", or
 * "file:PATH" with "localuser claimvalue" lines) must name exactly
 * pam_user.  Names compared ASCII case-insensitively, ids (oid, sub)
 * exactly.  Never falls back to another claim; display names are never
 * used.  BSURE_OK fills *ret_id (group and device ""); BSURE_AUTH_ERR
 * ("claim upn missing", "bob@x does not map to alice"); BSURE_UNAVAIL
 * for configuration trouble (unknown user_claim, unreadable map file).
 */
enum bsure_result policy_map_user(const struct bsure_conf *conf,
    const char *pam_user, struct json_object *claims,
    struct policy_identity *ret_id, char *reason, size_t reasonsize);

/*
 * Exception group: when conf->require_group, the "groups" claim (array of
 * strings) must contain one of conf->exception_group (GUIDs compared
 * case-insensitively); id->group gets the configured id that matched.
 * *ret_overage is always written: true when the token has no groups but
 * _claim_names.groups (or hasgroups), which returns BSURE_UNAVAIL
 * "groups overage: Graph lookup not configured" - never "no groups".
 * Not a member: BSURE_PERM_DENIED "not in exception group".  Groups claim
 * of the wrong type: BSURE_AUTH_ERR.
 */
enum bsure_result policy_check_group(const struct bsure_conf *conf,
    struct json_object *claims, bool *ret_overage,
    struct policy_identity *id, char *reason, size_t reasonsize);

/*
 * require_claim NAME=VALUE entries (string claim equal, boolean claim
 * "true"/"false", or array claim containing the string VALUE) and
 * device_policy claim/compliant/managed (device_claim present, a
 * non-empty string) -> BSURE_PERM_DENIED naming the claim, e.g.
 * "required claim amr lacks mfa", "device claim deviceid missing".
 * id->device gets the device claim when present (any policy).
 */
enum bsure_result policy_check_claims(const struct bsure_conf *conf,
    struct json_object *claims, struct policy_identity *id, char *reason,
    size_t reasonsize);

#endif
