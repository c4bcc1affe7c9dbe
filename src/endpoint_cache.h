/*-------------------------------------------------------------------------
 *
 * endpoint_cache.h
 *		The per-backend cache of endpoint names resolved to URLs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ENDPOINT_CACHE_H
#define HFENDPOINTS_ENDPOINT_CACHE_H

#include "credentials.h"

/* What a name resolved to (palloc'd in the caller's context on lookup). */
typedef struct HfeCachedEndpoint
{
	char	   *namespace;		/* the namespace the name resolved in */
	char	   *url;
	bool		public;			/* type "public": no token on the data plane */
	char	   *image;			/* the key of model.image, or NULL */
} HfeCachedEndpoint;

/*
 * The cache key of an endpoint argument: the name, the namespace it gave
 * (NULL for none) and everything on the server that decides what they
 * resolve to.
 */
extern char *hfe_endpoint_cache_key(const HfeServer *server, const char *namespace_given,
									const char *name);

/*
 * A live entry for key, copied into *out; its URL is checked again when the
 * server's allowlist changed since it was stored.  False on a miss.
 */
extern bool hfe_endpoint_cache_lookup(const char *key, const HfeServer *server,
									  HfeCachedEndpoint *out);
extern void hfe_endpoint_cache_store(const char *key, const HfeServer *server,
									 const HfeCachedEndpoint *entry);
extern void hfe_endpoint_cache_drop(const char *key);

#endif							/* HFENDPOINTS_ENDPOINT_CACHE_H */
