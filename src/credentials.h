/*-------------------------------------------------------------------------
 *
 * credentials.h
 *		The foreign server and user mapping a call runs with.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_CREDENTIALS_H
#define HFENDPOINTS_CREDENTIALS_H

#include "engine.h"

/*
 * Everything one call needs to reach the service, palloc'd in the caller's
 * memory context.  token is NULL only when the caller asked for the server
 * without a token and the role has no user mapping.
 */
typedef struct HfeServer
{
	Oid			serverid;
	char	   *servername;
	char	   *api_url;		/* management API base, no trailing slash */
	char	   *hub_url;		/* Hub base (whoami), no trailing slash */
	char	   *catalog_url;	/* model catalog base, no trailing slash */
	char	   *allowed_hosts;	/* comma-separated host patterns */
	bool		allow_http;
	HfeEngine	engine;			/* option "engine": every endpoint reached
								 * through the server runs it; else UNKNOWN */
	Oid			umid;			/* the user mapping used, or InvalidOid */
	char	   *token;			/* from the user mapping; zeroed when the
								 * memory context it lives in is reset */
	char	   *namespace;		/* the mapping's default namespace, or NULL */
} HfeServer;

/*
 * Bumped whenever a user mapping or foreign server changes, here or in
 * another session (syscache callbacks): per-backend caches keyed by a user
 * mapping's OID hold only what was learnt under this generation.
 */
extern uint64 hfe_credentials_generation;
extern void hfe_credentials_init(void);

extern HfeServer *hfe_server_get(bool need_token);

/* Is name a valid <NAME> of a user mapping option "secret.<NAME>"? */
extern bool hfe_valid_secret_name(const char *name);

/* The values of the current role's user mapping options "secret.<NAME>"
 * for names[0..n-1]; 42704 for a missing one. */
extern char **hfe_mapping_secrets(const HfeServer *server, int n,
								  char *const *names);
extern void hfe_check_inference_url(const HfeServer *server, const char *url);
extern bool hfe_host_matches(const char *patterns, const char *host);

#endif							/* HFENDPOINTS_CREDENTIALS_H */
