/*-------------------------------------------------------------------------
 *
 * endpoint_cache.c
 *		The per-backend cache of endpoint names resolved to URLs.
 *
 * One entry per (server, api_url, user mapping OID and credentials
 * generation, default namespace, the argument's namespace if any, name),
 * kept in its own memory context under TopMemoryContext for
 * hfendpoints.endpoint_cache_ttl, at most CACHE_MAX_ENTRIES of them, the
 * oldest going first.  Keys hold no token; a change to a user mapping or
 * server makes every entry a miss.  What is stored is target.c's decision:
 * only endpoints found running.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "endpoint_cache.h"
#include "guc.h"

#define CACHE_MAX_ENTRIES 64

typedef struct CacheEntry
{
	struct CacheEntry *next;
	char	   *key;			/* see cache_key */
	char	   *namespace;		/* the namespace the name resolved in */
	char	   *url;
	char	   *checked_hosts;	/* allowed_hosts the URL was checked against */
	bool		checked_http;	/* ... and allow_http */
	bool		public;			/* type "public": no token on the data plane */
	char	   *image;			/* the key of model.image, or NULL */
	TimestampTz expires;
} CacheEntry;

static MemoryContext cache_cxt = NULL;
static CacheEntry *cache_head = NULL;

/* ---- cache ---- */

/*
 * The key is the endpoint argument as given (namespace or none, name) with
 * everything that decides what it resolves to: the server, its API URL, the
 * user mapping (whose token and default namespace cannot have changed
 * under the same credentials generation) and the mapping's default
 * namespace.  A cache hit so needs no whoami to find the default namespace.
 */
char *
hfe_endpoint_cache_key(const HfeServer *server, const char *namespace_given,
					   const char *name)
{
	return psprintf("%s\n%s\n%u\n" UINT64_FORMAT "\n%s\n%s\n%s", server->servername,
					server->api_url, server->umid, hfe_credentials_generation,
					server->namespace ? server->namespace : "",
					namespace_given ? namespace_given : "", name);
}

static void
cache_free(CacheEntry *e)
{
	pfree(e->key);
	pfree(e->namespace);
	pfree(e->url);
	pfree(e->checked_hosts);
	if (e->image)
		pfree(e->image);
	pfree(e);
}

/* Unlink and free the entry for key, if any. */
void
hfe_endpoint_cache_drop(const char *key)
{
	CacheEntry **prev = &cache_head;

	for (CacheEntry *e = cache_head; e != NULL; prev = &e->next, e = e->next)
	{
		if (strcmp(e->key, key) == 0)
		{
			*prev = e->next;
			cache_free(e);
			return;
		}
	}
}

/* A live entry for key, or NULL; expired entries are dropped on the way. */
static CacheEntry *
cache_lookup(const char *key)
{
	TimestampTz now = GetCurrentTimestamp();
	CacheEntry **prev = &cache_head;
	CacheEntry *e = cache_head;

	while (e != NULL)
	{
		if (e->expires <= now)
		{
			CacheEntry *next = e->next;

			*prev = next;
			cache_free(e);
			e = next;
			continue;
		}
		if (strcmp(e->key, key) == 0)
			return e;
		prev = &e->next;
		e = e->next;
	}
	return NULL;
}

void
hfe_endpoint_cache_store(const char *key, const HfeServer *server,
						 const HfeCachedEndpoint *entry)
{
	CacheEntry *e;
	int			n = 0;

	if (hfe_endpoint_cache_ttl_s <= 0)
		return;
	hfe_endpoint_cache_drop(key);
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "hfendpoints endpoint cache",
										  ALLOCSET_SMALL_SIZES);

	/* newest first; beyond the limit, the oldest goes */
	for (CacheEntry **p = &cache_head; *p != NULL; p = &(*p)->next)
	{
		if (++n >= CACHE_MAX_ENTRIES)
		{
			CacheEntry *rest = *p;

			*p = NULL;
			while (rest != NULL)
			{
				CacheEntry *next = rest->next;

				cache_free(rest);
				rest = next;
			}
			break;
		}
	}

	e = MemoryContextAllocZero(cache_cxt, sizeof(CacheEntry));
	e->key = MemoryContextStrdup(cache_cxt, key);
	e->namespace = MemoryContextStrdup(cache_cxt, entry->namespace);
	e->url = MemoryContextStrdup(cache_cxt, entry->url);
	e->checked_hosts = MemoryContextStrdup(cache_cxt, server->allowed_hosts);
	e->checked_http = server->allow_http;
	e->public = entry->public;
	e->image = entry->image ? MemoryContextStrdup(cache_cxt, entry->image) : NULL;
	e->expires = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
											 (int64) hfe_endpoint_cache_ttl_s * 1000);
	e->next = cache_head;
	cache_head = e;
}

bool
hfe_endpoint_cache_lookup(const char *key, const HfeServer *server, HfeCachedEndpoint *out)
{
	CacheEntry *e = hfe_endpoint_cache_ttl_s > 0 ? cache_lookup(key) : NULL;

	if (e == NULL)
		return false;
	/* the allowlist may have changed since the entry was made */
	if (e->checked_http != server->allow_http ||
		strcmp(e->checked_hosts, server->allowed_hosts) != 0)
		hfe_check_inference_url(server, e->url);
	out->namespace = pstrdup(e->namespace);
	out->url = pstrdup(e->url);
	out->public = e->public;
	out->image = e->image ? pstrdup(e->image) : NULL;
	return true;
}
