/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_bsure.so: the PAM entry points.  Authentication runs the device
 * sign-in through bsure-helper (auth.c); the session stores the token in
 * the login's session keyring (kr.c).  Helper verdicts and internal errors
 * become PAM results here and nowhere else.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "args.h"
#include "auth.h"
#include "conv.h"
#include "kr.h"
#include "kr_payload.h"

#define DATA_STATE "pam_bsure_state"
#define DATA_SESSION "pam_bsure_session"
#define UNAVAILABLE_TEXT "Device sign-in unavailable."

/* What authenticate leaves for the later stages of the same handle. */
struct state {
	int pam_status;
	bool reused;
	key_serial_t handoff;
	char *payload; /* kr_payload text, wiped when consumed */
	size_t payload_len;
};

static void
state_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	struct state *st = data;

	/* A forked child ending its copy of the handle (PAM_DATA_SILENT, as
	 * pam_end(3) asks of it) must not take the handoff away from the
	 * parent that still opens the session.  Callers that always pass
	 * it, like sudo, are setuid and create no handoff. */
	if (st->handoff > 0 && !(error_status & PAM_DATA_SILENT))
		kr_handoff_drop(st->handoff);
	kr_payload_text_free(st->payload, st->payload_len);
	free(st);
}

static void
session_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

static int
verdict_to_pam(int verdict)
{
	switch (verdict) {
	case BSURE_OK:
		return PAM_SUCCESS;
	case BSURE_AUTH_ERR:
		return PAM_AUTH_ERR;
	case BSURE_PERM_DENIED:
		return PAM_PERM_DENIED;
	default:
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* The one place where internal outcomes become PAM results. */
static int
outcome_to_pam(int r, const struct bsure_msg *result, const struct args *a)
{
	switch (r) {
	case 0:
		return verdict_to_pam(auth_verdict(result));
	case -ECANCELED:
		return PAM_CONV_ERR;
	case -ENOTTY:
		return a->no_tty == ARGS_NO_TTY_IGNORE ? PAM_IGNORE :
		    PAM_AUTHINFO_UNAVAIL;
	default:
		return PAM_AUTHINFO_UNAVAIL;
	}
}

static const char *
item_str(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return "";
	return v;
}

static bool
parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	const char *bad = NULL;

	if (args_parse(argc, argv, a, &bad) == 0)
		return true;
	pam_syslog(pamh, LOG_ERR, "event=error reason=bad_argument arg=%s",
	    bad);
	return false;
}

/*
 * Can the user see a code and answer a prompt?  sshd names its terminal
 * "ssh"; only its keyboard-interactive conversation carries a context
 * pointer, its password method has none and would answer our prompt with
 * the password (case S2).  Elsewhere a prompt needs a terminal on stdin:
 * `sudo -S` reading from a pipe or /dev/null has none (case S5).
 */
static int
check_interactive(pam_handle_t *pamh, const struct args *a, const char *tty,
    struct auth_request *req)
{
	bool appdata = false;

	if (!conv_present(pamh, &appdata)) {
		pam_syslog(pamh, LOG_NOTICE,
		    "event=denied reason=no_conversation user=%s", req->user);
		return -ENOTTY;
	}
	if (strcmp(tty, "ssh") == 0) {
		req->over_ssh = true;
		req->interactive = true;
		if (appdata)
			return 0;
		pam_syslog(pamh, LOG_NOTICE,
		    "event=denied reason=no_tty user=%s: "
		    "keyboard-interactive is required", req->user);
		return -ENOTTY;
	}
	req->interactive = isatty(STDIN_FILENO) == 1;
	if (req->interactive || a->prompt == ARGS_PROMPT_INFO)
		return 0;
	pam_syslog(pamh, LOG_NOTICE,
	    "event=denied reason=no_tty user=%s: no terminal to answer the "
	    "sign-in prompt", req->user);
	return -ENOTTY;
}

/* The ID token of this login's live session key, for sudo reuse. */
static char *
session_token(const char *user)
{
	struct kr_payload p;
	key_serial_t serial;
	char *text = NULL, *token = NULL;
	size_t len = 0;

	if (kr_session_find(user, &serial) < 0 ||
	    kr_read(serial, &text, &len) < 0)
		return NULL;
	if (kr_payload_parse(text, len, &p) == 0) {
		if (strcmp(p.user, user) == 0 && *p.token != '\0' &&
		    p.exp > (uint64_t)time(NULL))
			token = strdup(p.token);
		kr_payload_free(&p);
	}
	kr_payload_text_free(text, len);
	return token;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static const char *
field(const struct bsure_msg *m, uint8_t tag)
{
	const char *v = bsure_msg_get(m, tag);

	return v != NULL ? v : "";
}

static enum args_keyring
keyring_mode(const struct args *a, const char *from_helper)
{
	enum args_keyring k = a->keyring;

	if (k == ARGS_KEYRING_UNSET)
		k = args_keyring_from(from_helper);
	return k == ARGS_KEYRING_UNSET ? ARGS_KEYRING_REQUIRED : k;
}

/* Success: keep the payload for open_session, here or in another process
 * (sshd opens the session in its monitor, not in the child that ran
 * authenticate: only the PAM environment crosses over). */
static int
prepare_handoff(pam_handle_t *pamh, const struct args *a, const char *user,
    const struct bsure_msg *res, struct state *st)
{
	struct kr_payload p = {
		.user = user,
		.name = field(res, BSURE_T_USER),
		.iss = field(res, BSURE_T_ISSUER),
		.oid = field(res, BSURE_T_OID),
		.group = field(res, BSURE_T_GROUP),
		.keyring = field(res, BSURE_T_KEYRING),
		.token = field(res, BSURE_T_TOKEN),
	};
	char env[64];
	int r;

	bsure_msg_get_u64(res, BSURE_T_EXPIRES_AT, UINT32_MAX, &p.exp);
	bsure_msg_get_u64(res, BSURE_T_PIM_END, UINT32_MAX, &p.pim_end);
	bsure_msg_get_u64(res, BSURE_T_IAT, UINT32_MAX, &p.iat);
	r = kr_payload_format(&p, &st->payload, &st->payload_len);
	if (r < 0)
		return r;
	if (keyring_mode(a, p.keyring) == ARGS_KEYRING_OFF)
		return 0;

	/*
	 * The payload stays in our PAM data for a session opened by this
	 * process.  The handoff key is for sshd's monitor.  A setuid caller
	 * such as sudo runs with the user's real uid, whose user keyring
	 * (@u) the user possesses: no handoff there, it needs none.
	 */
	if (getuid() != 0)
		return 0;
	r = kr_handoff_add(user, st->payload, st->payload_len, &st->handoff);
	if (r < 0) {
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG, "event=handoff user=%s "
			    "result=skipped: %s", user, strerror(-r));
		st->handoff = 0;
		return 0;
	}
	snprintf(env, sizeof(env), "%s=%d", KR_HANDOFF_ENV, st->handoff);
	return pam_putenv(pamh, env) == PAM_SUCCESS ? 0 : -ENOMEM;
}

static void
tell_failure(pam_handle_t *pamh, int r, const struct bsure_msg *res)
{
	char text[PAM_MAX_MSG_SIZE];

	if (r == -ENOTTY || r == -ECANCELED)
		return;
	if (r < 0 || *field(res, BSURE_T_TEXT) == '\0') {
		pam_error(pamh, "%s", r < 0 ? UNAVAILABLE_TEXT :
		    "Device sign-in failed.");
		return;
	}
	/* Shown even under PAM_SILENT: it is the user's only feedback. */
	conv_sanitize(text, sizeof(text), field(res, BSURE_T_TEXT), false);
	pam_error(pamh, "%s", text);
}

static int
save_state(pam_handle_t *pamh, struct state *st)
{
	if (pam_set_data(pamh, DATA_STATE, st, state_cleanup) != PAM_SUCCESS) {
		state_cleanup(pamh, st, 0);
		return -ENOMEM;
	}
	return 0;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct auth_request req = { 0 };
	struct bsure_msg *res = NULL;
	struct state *st = NULL;
	const char *user = NULL;
	struct args a;
	int r, ret;

	if (!parse_args(pamh, argc, argv, &a))
		return PAM_SERVICE_ERR;
	ret = pam_get_user(pamh, &user, NULL);
	if (ret != PAM_SUCCESS)
		return ret;
	if (user == NULL || *user == '\0' ||
	    pam_modutil_getpwnam(pamh, user) == NULL) {
		pam_syslog(pamh, LOG_NOTICE,
		    "event=denied reason=user_unknown service=%s",
		    item_str(pamh, PAM_SERVICE));
		return PAM_USER_UNKNOWN;
	}

	req.user = user;
	req.service = item_str(pamh, PAM_SERVICE);
	req.rhost = item_str(pamh, PAM_RHOST);
	req.tty = item_str(pamh, PAM_TTY);
	r = check_interactive(pamh, &a, req.tty, &req);
	if (r < 0)
		return outcome_to_pam(r, NULL, &a);

	req.reuse_token = session_token(user);
	r = auth_flow(pamh, &a, &req, &res);
	wipe_free((char *)req.reuse_token);
	ret = outcome_to_pam(r, res, &a);
	if (ret != PAM_SUCCESS)
		tell_failure(pamh, r, res);

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		ret = PAM_BUF_ERR;
		goto out;
	}
	st->pam_status = ret;
	if (ret == PAM_SUCCESS &&
	    strcmp(field(res, BSURE_T_REUSED), "1") == 0) {
		st->reused = true;
	} else if (ret == PAM_SUCCESS) {
		r = prepare_handoff(pamh, &a, user, res, st);
		if (r < 0) {
			tell_failure(pamh, r, NULL);
			ret = st->pam_status = PAM_AUTHINFO_UNAVAIL;
		}
	}
	if (a.debug)
		pam_syslog(pamh, LOG_DEBUG,
		    "event=result user=%s service=%s result=%s reused=%d",
		    user, req.service, pam_strerror(pamh, ret), st->reused);
	if (save_state(pamh, st) < 0 && ret == PAM_SUCCESS)
		ret = PAM_BUF_ERR;

out:
	auth_result_free(res);
	return ret;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	/* Nothing to establish here (the session stores the token), and
	 * sshd ends the login if setcred fails after authentication. */
	return PAM_SUCCESS;
}

/* The handoff serial from the PAM environment, or 0. */
static key_serial_t
handoff_from_env(pam_handle_t *pamh)
{
	key_serial_t serial = 0;

	if (kr_serial_parse(pam_getenv(pamh, KR_HANDOFF_ENV), &serial) < 0)
		return 0;
	return serial;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const struct state *st = NULL;
	const char *user = item_str(pamh, PAM_USER);
	struct args a;

	if (!parse_args(pamh, argc, argv, &a))
		return PAM_SERVICE_ERR;
	if (pam_get_data(pamh, DATA_STATE, (const void **)&st) == PAM_SUCCESS &&
	    st != NULL)
		return st->pam_status == PAM_SUCCESS ? PAM_SUCCESS :
		    PAM_PERM_DENIED;
	if (kr_handoff_valid(handoff_from_env(pamh), user))
		return PAM_SUCCESS;
	/* Another module authenticated: we have no verdict to restate. */
	if (a.debug)
		pam_syslog(pamh, LOG_DEBUG,
		    "event=account user=%s result=ignore", user);
	return PAM_IGNORE;
}

/* The payload text for this session: from our own data (same process)
 * or from the handoff key named in the PAM environment. */
static int
take_payload(pam_handle_t *pamh, struct state *st, key_serial_t env_serial,
    const char *user, char **ret_text, size_t *ret_len)
{
	if (st != NULL && st->payload != NULL) {
		*ret_text = st->payload;
		*ret_len = st->payload_len;
		st->payload = NULL;
		kr_handoff_drop(st->handoff != 0 ? st->handoff : env_serial);
		st->handoff = 0;
		return 0;
	}
	if (env_serial == 0)
		return -ENODATA;
	return kr_handoff_take(env_serial, user, ret_text, ret_len);
}

static int
store_session_key(pam_handle_t *pamh, const char *user, const char *text,
    size_t len, key_serial_t *ret_serial)
{
	struct kr_payload p;
	time_t until;
	int r;

	r = kr_payload_parse(text, len, &p);
	if (r < 0)
		return r;
	/* sudo switches PAM_USER to the target user before the session:
	 * a token is only ever stored under the user it was issued for. */
	if (strcmp(p.user, user) != 0) {
		pam_syslog(pamh, LOG_WARNING, "event=session_open user=%s "
		    "result=skipped reason=user_changed: authenticated as %s",
		    user, p.user);
		kr_payload_free(&p);
		return -EPERM;
	}
	until = (time_t)p.exp;
	if (p.pim_end != 0 && (time_t)p.pim_end < until)
		until = (time_t)p.pim_end;
	kr_payload_free(&p);

	r = kr_session_check();
	if (r == -EPERM)
		pam_syslog(pamh, LOG_ERR, "event=error reason=keyring user=%s: "
		    "session keyring is the user default; run "
		    "pam_keyinit.so force revoke before pam_bsure.so", user);
	if (r < 0)
		return r;
	return kr_session_add(user, text, len, until, ret_serial);
}

static const char *
payload_keyring(const char *text, size_t len, char *buf, size_t size)
{
	struct kr_payload p;

	*buf = '\0';
	if (text != NULL && kr_payload_parse(text, len, &p) == 0) {
		snprintf(buf, size, "%s", p.keyring);
		kr_payload_free(&p);
	}
	return buf;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const char *user = item_str(pamh, PAM_USER);
	const char *service = item_str(pamh, PAM_SERVICE);
	key_serial_t env_serial, serial = 0, *saved;
	struct state *st = NULL;
	char *text = NULL, mode_buf[16];
	enum args_keyring mode;
	size_t len = 0;
	struct args a;
	int r;

	if (!parse_args(pamh, argc, argv, &a))
		return PAM_SESSION_ERR;

	/* The serial must not reach the user's environment. */
	env_serial = handoff_from_env(pamh);
	if (pam_getenv(pamh, KR_HANDOFF_ENV) != NULL)
		pam_putenv(pamh, KR_HANDOFF_ENV);
	if (pam_get_data(pamh, DATA_STATE, (const void **)&st) != PAM_SUCCESS)
		st = NULL;
	if (st != NULL && st->reused) {
		/* sudo satisfied by the login's own token: nothing new. */
		return PAM_SUCCESS;
	}
	if ((st == NULL || st->payload == NULL) && env_serial == 0) {
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "event=session_open "
			    "user=%s service=%s result=ignore", user, service);
		return PAM_IGNORE;
	}

	r = take_payload(pamh, st, env_serial, user, &text, &len);
	mode = keyring_mode(&a, payload_keyring(text, len, mode_buf,
	    sizeof(mode_buf)));
	if (mode == ARGS_KEYRING_OFF) {
		r = 0;
		goto out;
	}
	if (r == 0)
		r = store_session_key(pamh, user, text, len, &serial);
	if (r < 0) {
		pam_syslog(pamh, mode == ARGS_KEYRING_REQUIRED ? LOG_ERR :
		    LOG_WARNING, "event=session_open user=%s service=%s "
		    "result=%s reason=keyring: %s", user, service,
		    mode == ARGS_KEYRING_REQUIRED ? "error" : "warning",
		    strerror(-r));
		if (mode != ARGS_KEYRING_REQUIRED)
			r = 0;
		goto out;
	}

	/* close_session revokes only what it finds in our data: a key it
	 * could not find must not outlive this session. */
	saved = malloc(sizeof(*saved));
	if (saved != NULL)
		*saved = serial;
	if (saved == NULL || pam_set_data(pamh, DATA_SESSION, saved,
	    session_cleanup) != PAM_SUCCESS) {
		free(saved);
		kr_session_revoke(serial, user);
		pam_syslog(pamh, LOG_ERR, "event=session_open user=%s "
		    "service=%s result=error reason=no_memory", user, service);
		r = -ENOMEM;
		goto out;
	}
	pam_syslog(pamh, LOG_INFO, "event=session_open user=%s service=%s "
	    "key=%d", user, service, serial);

out:
	kr_payload_text_free(text, len);
	return r < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const char *user = item_str(pamh, PAM_USER);
	const key_serial_t *saved = NULL;
	const struct state *st = NULL;
	key_serial_t serial = 0;
	int r;

	if (pam_get_data(pamh, DATA_SESSION, (const void **)&saved) ==
	    PAM_SUCCESS && saved != NULL) {
		serial = *saved;
	} else if (pam_get_data(pamh, DATA_STATE, (const void **)&st) ==
	    PAM_SUCCESS && st != NULL) {
		/* Authenticated here but stored nothing (reuse, keyring
		 * off or refused): the keys in @s belong to others. */
		return PAM_SUCCESS;
	} else {
		/* open_session stored nothing here (failed, case S8, or the
		 * session belongs to a host that skipped authentication,
		 * like sudo with a cached timestamp): the keys in @s are
		 * other logins'. */
		return PAM_SUCCESS;
	}

	/* XXX: ID tokens cannot be revoked at the IdP (no revocation
	 * endpoint for them); the local key is all there is (case S11). */
	r = kr_session_revoke(serial, user);
	pam_syslog(pamh, r < 0 ? LOG_WARNING : LOG_INFO,
	    "event=session_close user=%s service=%s key=%d revocation=local"
	    "%s%s", user, item_str(pamh, PAM_SERVICE), serial,
	    r < 0 ? " result=error: " : "", r < 0 ? strerror(-r) : "");
	return PAM_SUCCESS;
}
