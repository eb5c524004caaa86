/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bsure-helper: runs one device sign-in for pam_bsure.so over the
 * socketpair on fd 0 (see bsure_proto.h), or checks the configuration
 * for "bsure check".  Runs as root with an empty environment.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bsure_proto.h"
#include "conf.h"
#include "devpoll.h"
#include "http.h"
#include "jwt.h"
#include "log.h"
#include "oidc.h"
#include "policy.h"
#include "qr.h"
#include "util.h"

#ifndef BSURE_SYSCONFDIR
#define BSURE_SYSCONFDIR "/etc"
#endif

#define AUTH_TIMEOUT_MS 10000 /* the module sends AUTH at once */
#define CHANNEL_FD 0

struct helper {
	struct bsure_conf conf;
	bool have_conf;
	char conf_err[256];
	struct http *http;
	struct oidc oidc;
	int fd;
	bool check_pending; /* the user pressed Enter: answer after a poll */
	bool cancelled;     /* CANCEL received (else the channel closed) */
	char user[POLICY_USER_MAX + 1];
	char service[64];
	char rhost[128];
	bool interactive;
};

struct outcome {
	enum bsure_result result;
	const char *reason; /* machine word for REASON */
	const char *text;   /* sentence for the user */
	char detail[512];   /* more for the log */
};

static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	/* Tokens and the device code live in this process's memory. */
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &rl);
	umask(077);
	signal(SIGPIPE, SIG_IGN);
}

static void
set_outcome(struct outcome *out, enum bsure_result result,
    const char *reason, const char *text, const char *detail)
{
	out->result = result;
	out->reason = reason;
	out->text = text;
	snprintf(out->detail, sizeof(out->detail), "%s", detail ? detail : "");
}

/* ---- the verdict ------------------------------------------------------- */

static const char *
event_for(const struct outcome *out)
{
	if (out->result == BSURE_OK)
		return "approved";
	if (strcmp(out->reason, "expired") == 0)
		return "expired";
	if (out->result == BSURE_UNAVAIL)
		return "error";
	return "denied";
}

static void
log_outcome(struct helper *h, const struct outcome *out,
    const struct policy_identity *id)
{
	char result[8], reason[600], pim[8] = "0";

	snprintf(result, sizeof(result), "%d", (int)out->result);
	if (out->detail[0] != '\0')
		snprintf(reason, sizeof(reason), "%s: %s", out->reason,
		    out->detail);
	else
		snprintf(reason, sizeof(reason), "%s", out->reason);
	log_event(out->result == BSURE_OK ? LOG_INFO : LOG_WARNING,
	    event_for(out), "oid", id ? id->oid : NULL,
	    "tid", id ? id->tid : NULL, "group", id ? id->group : NULL,
	    "device", id ? id->device : NULL, "pim_end", id ? pim : NULL,
	    "result", result, "reason", reason,
	    "correlation_id", h->oidc.correlation_id, NULL);
}

/* RESULT; the token only on success, and only the validated ID token. */
static void
send_result(struct helper *h, const struct outcome *out,
    const struct policy_identity *id, const char *token, bool reused)
{
	struct bsure_msg *m = malloc(sizeof(*m));
	int r = 0;

	log_outcome(h, out, id);
	if (m == NULL)
		return;
	bsure_msg_init(m, BSURE_MSG_RESULT);
	r |= bsure_msg_add_u64(m, BSURE_T_RESULT, (uint64_t)out->result);
	r |= bsure_msg_add(m, BSURE_T_REASON, out->reason);
	r |= bsure_msg_add(m, BSURE_T_TEXT, out->text);
	if (out->result == BSURE_OK && id != NULL) {
		if (token != NULL)
			r |= bsure_msg_add(m, BSURE_T_TOKEN, token);
		r |= bsure_msg_add_u64(m, BSURE_T_EXPIRES_AT,
		    (uint64_t)id->exp);
		r |= bsure_msg_add(m, BSURE_T_USER, id->user_value);
		r |= bsure_msg_add(m, BSURE_T_OID, id->oid);
		r |= bsure_msg_add(m, BSURE_T_ISSUER, h->conf.issuer);
		r |= bsure_msg_add(m, BSURE_T_GROUP, id->group);
		r |= bsure_msg_add_u64(m, BSURE_T_PIM_END, 0);
		r |= bsure_msg_add_u64(m, BSURE_T_IAT, (uint64_t)id->iat);
	}
	r |= bsure_msg_add(m, BSURE_T_KEYRING, h->have_conf ?
	    conf_keyring_name(h->conf.keyring) : "required");
	r |= bsure_msg_add(m, BSURE_T_REUSED, reused ? "1" : "0");
	if (r != 0)
		log_debug("RESULT message incomplete");
	if (bsure_msg_send(h->fd, m) < 0)
		log_debug("module went away before RESULT");
	bsure_msg_wipe(m);
	free(m);
}

/* ---- ID token validation and policy ------------------------------------ */

static void
validate(struct helper *h, const char *token, long max_age,
    struct policy_identity *id, struct outcome *out)
{
	struct json_object *claims;
	struct jwt *t = NULL;
	char reason[256] = "";
	enum bsure_result res;
	bool overage = false;
	int r;

	r = oidc_verify_id_token(&h->oidc, token, max_age, time(NULL), &t,
	    reason, sizeof(reason));
	if (r == -EAGAIN) {
		set_outcome(out, BSURE_UNAVAIL, "jwks_unavailable",
		    "Device sign-in is unavailable.", reason);
		return;
	}
	if (r < 0) {
		set_outcome(out, BSURE_AUTH_ERR, "token_invalid",
		    "The sign-in could not be verified.", reason);
		return;
	}
	claims = jwt_claims(t);

	res = policy_map_user(&h->conf, h->user, claims, id, reason,
	    sizeof(reason));
	if (res != BSURE_OK) {
		set_outcome(out, res, res == BSURE_UNAVAIL ? "config" :
		    "user_mismatch", "The account that approved the sign-in "
		    "is not allowed to sign in as this user.", reason);
		goto out;
	}
	res = policy_check_group(&h->conf, claims, &overage, id, reason,
	    sizeof(reason));
	if (res != BSURE_OK) {
		set_outcome(out, res, overage ? "groups_overage" :
		    res == BSURE_PERM_DENIED ? "not_in_group" :
		    "token_invalid", res == BSURE_PERM_DENIED ?
		    "You are not in a group allowed to sign in here." :
		    "The sign-in could not be completed.", reason);
		goto out;
	}
	res = policy_check_claims(&h->conf, claims, id, reason,
	    sizeof(reason));
	if (res != BSURE_OK) {
		set_outcome(out, res, "claim_check", "Your sign-in does not "
		    "meet this host's requirements.", reason);
		goto out;
	}
	set_outcome(out, BSURE_OK, "ok", "Signed in.", NULL);
out:
	jwt_free(t);
}

/* ---- waiting between polls --------------------------------------------- */

static int
handle_message(struct helper *h)
{
	struct bsure_msg *m = malloc(sizeof(*m));
	int r;

	if (m == NULL)
		return -ENOMEM;
	r = bsure_msg_recv(h->fd, m, 1000);
	if (r == 0 && m->type == BSURE_MSG_CHECK) {
		h->check_pending = true;
	} else if (r == 0 && m->type == BSURE_MSG_CANCEL) {
		h->cancelled = true;
		r = -ECANCELED;
	} else if (r == 0) {
		log_debug("unexpected message type %u", m->type);
		r = -EBADMSG;
	}
	bsure_msg_wipe(m);
	free(m);
	return r;
}

/* P8: the module's socket is watched the whole time we wait. */
static int
ops_wait_until(void *ctx, long long when)
{
	struct helper *h = ctx;

	for (;;) {
		struct pollfd pfd = { .fd = h->fd, .events = POLLIN };
		long long left = when - util_now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;
		if (pfd.revents & POLLIN) {
			int r = handle_message(h);

			if (r < 0)
				return r;
		} else
			return -EPIPE; /* POLLHUP or POLLERR */
	}
}

struct poll_ctx {
	struct helper *h;
	const char *device_code;
};

static void
pc_poll(void *ctx, struct token_reply *r)
{
	struct poll_ctx *pc = ctx;

	log_debug("polling the token endpoint");
	oidc_token_poll(&pc->h->oidc, pc->device_code, r);
	if (r->kind == TOKEN_REPLY_ERROR)
		log_debug("token endpoint: %s", r->error);
	else if (r->kind == TOKEN_REPLY_BAD || r->kind == TOKEN_REPLY_NETWORK)
		log_note(LOG_WARNING, "msg", "token endpoint unusable, will "
		    "retry", "reason", r->detail, NULL);
}

static long long
pc_now(void *ctx)
{
	return util_now_ms();
}

static int
pc_wait_until(void *ctx, long long when)
{
	struct poll_ctx *pc = ctx;

	return ops_wait_until(pc->h, when);
}

static void
pc_pending(void *ctx, const struct poll_state *s)
{
	struct poll_ctx *pc = ctx;
	struct helper *h = pc->h;
	struct bsure_msg m;
	char interval[16];

	if (s->interval_changed) {
		snprintf(interval, sizeof(interval), "%ld", s->interval);
		log_note(LOG_NOTICE, "msg", "slow_down: poll interval raised",
		    "reason", "slow_down", "interval", interval, NULL);
	}
	if (!h->check_pending)
		return;
	h->check_pending = false;
	bsure_msg_init(&m, BSURE_MSG_PENDING);
	bsure_msg_add(&m, BSURE_T_TEXT, "Not approved yet. Approve the "
	    "sign-in in your browser, then press Enter.");
	bsure_msg_send(h->fd, &m);
}

/* ---- the device flow --------------------------------------------------- */

static int
send_code(struct helper *h, const struct oidc_device *d)
{
	struct bsure_msg *m = malloc(sizeof(*m));
	char qr[QR_TEXT_MAX];
	int r = 0;

	if (m == NULL)
		return -ENOMEM;
	bsure_msg_init(m, BSURE_MSG_CODE);
	r |= bsure_msg_add(m, BSURE_T_USER_CODE, d->user_code);
	r |= bsure_msg_add(m, BSURE_T_VERIFICATION_URI, d->verification_uri);
	r |= bsure_msg_add_u64(m, BSURE_T_EXPIRES_IN, (uint64_t)d->expires_in);
	r |= bsure_msg_add_u64(m, BSURE_T_EXPIRES_AT,
	    (uint64_t)(time(NULL) + d->expires_in));
	r |= bsure_msg_add_u64(m, BSURE_T_INTERVAL, (uint64_t)d->interval);
	if (d->verification_uri_complete[0] != '\0')
		r |= bsure_msg_add(m, BSURE_T_VERIFICATION_URI_COMPLETE,
		    d->verification_uri_complete);
	if (d->message[0] != '\0')
		r |= bsure_msg_add(m, BSURE_T_MESSAGE, d->message);
	if (h->conf.qr == QR_ON || (h->conf.qr == QR_AUTO && h->interactive)) {
		const char *url = d->verification_uri_complete[0] ?
		    d->verification_uri_complete : d->verification_uri;

		if (qr_render(url, qr, sizeof(qr)) == 0)
			r |= bsure_msg_add(m, BSURE_T_QR, qr);
	}
	if (r == 0)
		r = bsure_msg_send(h->fd, m);
	bsure_msg_wipe(m);
	free(m);
	return r;
}

static void
device_flow(struct helper *h, struct outcome *out,
    struct policy_identity *id, char **ret_token)
{
	struct oidc_device d;
	struct poll_ctx pc = { .h = h };
	struct poll_ops ops = { .now_ms = pc_now, .wait_until = pc_wait_until,
		.poll = pc_poll, .pending = pc_pending, .ctx = &pc };
	struct token_reply reply = { 0 };
	struct poll_verdict v;
	struct poll_state s;
	char err[512], interval[16];
	int r;

	r = oidc_device_authorize(&h->oidc, &d, err, sizeof(err));
	if (r < 0) {
		set_outcome(out, BSURE_UNAVAIL, r == -ENOENT ?
		    "no_verification_uri" : r == -EACCES ?
		    "proxy_auth_required" : "device_authorization",
		    "Device sign-in is unavailable.", err);
		return;
	}
	r = send_code(h, &d);
	if (r < 0) {
		set_outcome(out, BSURE_AUTH_ERR, "cancelled",
		    "The sign-in was cancelled.", "module went away");
		h->fd = -1;
		goto out;
	}
	snprintf(interval, sizeof(interval), "%ld", d.interval);
	log_event(LOG_INFO, "code_issued", NULL);
	log_debug("device code issued: expires_in=%ld interval=%s",
	    d.expires_in, interval);

	/* Keys now, while the user reads the code: approval waits less. */
	if (oidc_load_jwks(&h->oidc, false, err, sizeof(err)) < 0)
		log_debug("jwks prefetch failed: %s", err);

	pc.device_code = d.device_code;
	poll_start(&s, d.interval, d.expires_in, h->conf.max_wait,
	    util_now_ms());
	r = poll_run(&s, &ops, &reply, &v);
	oidc_device_wipe(&d);
	if (r < 0) {
		set_outcome(out, BSURE_AUTH_ERR, "cancelled",
		    "The sign-in was cancelled.", h->cancelled ?
		    "cancelled by the module" : "the module closed the "
		    "channel");
		if (!h->cancelled)
			h->fd = -1;
		goto out;
	}
	if (v.action == POLL_STOP) {
		set_outcome(out, v.result, v.reason, v.text, v.log);
		goto out;
	}

	validate(h, reply.id_token, 0, id, out);
	if (out->result == BSURE_OK) {
		*ret_token = reply.id_token;
		reply.id_token = NULL;
	}
out:
	oidc_device_wipe(&d);
	token_reply_clear(&reply);
}

/* sudo_reuse: a recent enough session token stands in for a new flow. */
static bool
try_reuse(struct helper *h, const char *token, struct policy_identity *id)
{
	struct outcome out;

	validate(h, token, h->conf.sudo_reuse, id, &out);
	if (out.result == BSURE_OK) {
		send_result(h, &out, id, NULL, true);
		return true;
	}
	log_note(LOG_NOTICE, "msg", "session token not reused, starting a "
	    "new sign-in", "reason", out.detail[0] ? out.detail :
	    out.reason, NULL);
	memset(id, 0, sizeof(*id));
	return false;
}

static bool
valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '/')
			return false;
	return true;
}

static int
read_auth(struct helper *h, struct outcome *out, char **ret_reuse)
{
	struct bsure_msg *m = malloc(sizeof(*m));
	const char *user, *service, *rhost, *inter, *reuse;
	uint64_t version = 0;
	int r;

	if (m == NULL)
		return -ENOMEM;
	r = bsure_msg_recv(h->fd, m, AUTH_TIMEOUT_MS);
	if (r < 0)
		goto out;
	if (m->type != BSURE_MSG_AUTH ||
	    bsure_msg_get_u64(m, BSURE_T_VERSION, 255, &version) < 0 ||
	    version != BSURE_PROTO_VERSION) {
		r = -EPROTO;
		goto out;
	}
	user = bsure_msg_get(m, BSURE_T_USER);
	service = bsure_msg_get(m, BSURE_T_SERVICE);
	rhost = bsure_msg_get(m, BSURE_T_RHOST);
	inter = bsure_msg_get(m, BSURE_T_INTERACTIVE);
	reuse = bsure_msg_get(m, BSURE_T_REUSE_TOKEN);
	if (user == NULL || !valid_name(user, POLICY_USER_MAX)) {
		r = -EPROTO;
		goto out;
	}
	snprintf(h->user, sizeof(h->user), "%s", user);
	if (service != NULL)
		snprintf(h->service, sizeof(h->service), "%s", service);
	if (rhost != NULL)
		snprintf(h->rhost, sizeof(h->rhost), "%s", rhost);
	h->interactive = inter != NULL && strcmp(inter, "1") == 0;
	if (reuse != NULL && *reuse != '\0') {
		*ret_reuse = strdup(reuse);
		if (*ret_reuse == NULL)
			r = -ENOMEM;
	}
out:
	if (r < 0)
		set_outcome(out, BSURE_UNAVAIL, "protocol",
		    "Device sign-in is unavailable.", "bad AUTH message");
	bsure_msg_wipe(m);
	free(m);
	return r;
}

/*
 * XXX: Microsoft Graph lookups (PIM assignment times, device compliance)
 * are not implemented yet.  A configuration that asks for them is refused
 * rather than admitting users without the check it names.
 */
static const char *
graph_check_requested(const struct bsure_conf *c)
{
	if (c->pim != PIM_OFF)
		return "pim = check/cap needs Microsoft Graph lookups, which "
		    "this version does not perform";
	if (c->device_policy == DEVICE_POLICY_COMPLIANT ||
	    c->device_policy == DEVICE_POLICY_MANAGED)
		return "device_policy = compliant/managed needs Microsoft "
		    "Graph lookups, which this version does not perform";
	return NULL;
}

static int
run_auth(struct helper *h)
{
	struct policy_identity id;
	struct outcome out = { 0 };
	char *reuse = NULL, *token = NULL;
	bool reported = false; /* try_reuse sent its own RESULT */
	char err[512];
	int r;

	memset(&id, 0, sizeof(id));
	r = read_auth(h, &out, &reuse);
	if (r < 0) {
		log_event(LOG_ERR, "error", "reason", "protocol: no valid "
		    "AUTH from the module", NULL);
		if (r != -EPIPE && r != -ETIMEDOUT)
			send_result(h, &out, NULL, NULL, false);
		return 1;
	}
	log_set_context(h->user, h->service, h->rhost);
	log_event(LOG_INFO, "start", NULL);

	if (!h->have_conf) {
		set_outcome(&out, BSURE_UNAVAIL, "config",
		    "Device sign-in is not set up correctly here.",
		    h->conf_err);
		goto done;
	}
	if (graph_check_requested(&h->conf) != NULL) {
		set_outcome(&out, BSURE_UNAVAIL, "config",
		    "Device sign-in is not set up correctly here.",
		    graph_check_requested(&h->conf));
		goto done;
	}
	/* Before any network: a refused host learns nothing. */
	if (!conf_rhost_allowed(&h->conf, h->rhost)) {
		set_outcome(&out, BSURE_PERM_DENIED, "rhost not allowed",
		    "Sign-in from this host is not allowed.", NULL);
		goto done;
	}

	r = http_new(&h->conf, &h->http);
	if (r < 0) {
		set_outcome(&out, BSURE_UNAVAIL, "internal",
		    "Device sign-in is unavailable.", "out of memory");
		goto done;
	}
	oidc_init(&h->oidc, &h->conf, h->http);
	r = oidc_discover(&h->oidc, err, sizeof(err));
	if (r < 0) {
		set_outcome(&out, BSURE_UNAVAIL, r == -EACCES ?
		    "proxy_auth_required" : "discovery",
		    "Device sign-in is unavailable.", err);
		goto done;
	}

	reported = reuse != NULL && h->conf.sudo_reuse > 0 &&
	    try_reuse(h, reuse, &id);
	if (!reported)
		device_flow(h, &out, &id, &token);
done:
	if (!reported && h->fd >= 0)
		send_result(h, &out, out.result == BSURE_OK ? &id : NULL,
		    token, false);
	else if (!reported)
		log_outcome(h, &out, NULL);
	if (reuse != NULL) {
		explicit_bzero(reuse, strlen(reuse));
		free(reuse);
	}
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	explicit_bzero(&id, sizeof(id));
	return out.result == BSURE_OK ? 0 : 1;
}

/* ---- bsure check -------------------------------------------------------- */

static int
run_check(struct helper *h, const char *conf_path)
{
	char err[512];
	int r;

	if (!h->have_conf) {
		printf("error: config %s: %s\n", conf_path, h->conf_err);
		return 1;
	}
	if (graph_check_requested(&h->conf) != NULL) {
		printf("error: config %s: %s\n", conf_path,
		    graph_check_requested(&h->conf));
		return 1;
	}
	printf("ok: config %s\n", conf_path);
	if (h->conf.tenant_id == NULL)
		printf("warning: tenant_id is not set: the token's tenant is "
		    "not checked\n");
	r = http_new(&h->conf, &h->http);
	if (r < 0) {
		printf("error: out of memory\n");
		return 1;
	}
	oidc_init(&h->oidc, &h->conf, h->http);
	h->oidc.no_cache_read = true;
	r = oidc_discover(&h->oidc, err, sizeof(err));
	if (r < 0) {
		printf("error: discovery: %s\n", err);
		return 1;
	}
	printf("ok: discovery issuer %s\n", h->oidc.prov.issuer);
	printf("ok: device_authorization_endpoint %s\n",
	    h->oidc.prov.device_authorization_endpoint);
	printf("ok: token_endpoint %s\n", h->oidc.prov.token_endpoint);
	r = oidc_load_jwks(&h->oidc, false, err, sizeof(err));
	if (r < 0) {
		printf("error: jwks %s: %s\n", h->oidc.prov.jwks_uri, err);
		return 1;
	}
	printf("ok: jwks %s (%zu signing keys)\n", h->oidc.prov.jwks_uri,
	    jwks_count(h->oidc.jwks));
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bsure-helper --conf PATH [--debug]\n"
	    "       bsure-helper --check --conf PATH\n");
}

int
main(int argc, char **argv)
{
	struct helper h = { .fd = CHANNEL_FD };
	const char *conf_path = BSURE_SYSCONFDIR "/security/pam_bsure.conf";
	const char *cache_dir = NULL;
	bool debug = false, check = false;
	int log_fd = -1;
	int i, rc;

	harden();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--conf") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "--debug") == 0)
			debug = true;
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (strcmp(argv[i], "--cache-dir") == 0 && i + 1 < argc)
			cache_dir = argv[++i]; /* tests only */
		else if (strcmp(argv[i], "--log-fd") == 0 && i + 1 < argc)
			log_fd = atoi(argv[++i]); /* tests only */
		else {
			usage();
			return 2;
		}
	}
	log_init(debug, log_fd);
	if (http_global_init() < 0)
		return 3;

	h.have_conf = conf_load(conf_path, true, &h.conf, h.conf_err,
	    sizeof(h.conf_err)) == 0;
	if (h.have_conf && cache_dir != NULL &&
	    conf_set_cache_dir(&h.conf, cache_dir) < 0) {
		snprintf(h.conf_err, sizeof(h.conf_err), "bad --cache-dir");
		conf_free(&h.conf);
		h.have_conf = false;
	}
	if (h.have_conf)
		log_set_audit_file(h.conf.audit_file);

	rc = check ? run_check(&h, conf_path) : run_auth(&h);

	oidc_done(&h.oidc);
	http_free(h.http);
	if (h.have_conf)
		conf_free(&h.conf);
	http_global_cleanup();
	return rc;
}
