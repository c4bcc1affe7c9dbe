/*-------------------------------------------------------------------------
 *
 * url.c
 *		URL parsing and building with libcurl's URL API, so that what is
 *		checked is what libcurl will connect to (doc/architecture.md §3.7).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "url.h"

/* A part of h as a palloc'd string, or NULL when it has none. */
static char *
url_part(CURLU *h, CURLUPart which)
{
	char	   *part = NULL;
	char	   *copy;

	if (curl_url_get(h, which, &part, 0) != CURLUE_OK)
		return NULL;
	copy = pstrdup(part);
	curl_free(part);
	return copy;
}

/*
 * The CURLU handle is freed before returning; pstrdup may raise only for
 * out of memory, which leaks one handle of libcurl's in that case alone.
 */
bool
hfe_url_split(const char *url, HfeUrlParts *parts)
{
	CURLU	   *h = curl_url();
	char	   *user;
	char	   *fragment;
	bool		ok = false;

	memset(parts, 0, sizeof(*parts));
	if (h == NULL)
		return false;
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK)
	{
		parts->scheme = url_part(h, CURLUPART_SCHEME);
		parts->host = url_part(h, CURLUPART_HOST);
		user = url_part(h, CURLUPART_USER);
		fragment = url_part(h, CURLUPART_FRAGMENT);
		parts->has_userinfo = user != NULL;
		/* libcurl reports no fragment for an empty one ("...#") */
		parts->has_fragment = fragment != NULL || strchr(url, '#') != NULL;
		ok = parts->scheme != NULL && parts->host != NULL;
	}
	curl_url_cleanup(h);
	return ok;
}

char *
hfe_url_host(const char *url)
{
	HfeUrlParts parts;

	if (hfe_url_split(url, &parts))
		return parts.host;
	return pstrdup("?");
}

void
hfe_url_split_query(const char *url, char **base, const char **query)
{
	const char *q = strchr(url, '?');
	char	   *path;
	size_t		len;

	*query = q ? q : "";
	*base = q ? pnstrdup(url, q - url) : pstrdup(url);
	path = (char *) hfe_url_path(*base);
	len = strlen(path);
	while (len > 0 && path[len - 1] == '/')
		path[--len] = '\0';
}

const char *
hfe_url_path(const char *base)
{
	const char *p = strstr(base, "://");

	p = p ? p + 3 : base;
	while (*p && *p != '/')
		p++;
	return p;
}

char *
hfe_url_with_path(const char *url, const char *path)
{
	char	   *base;
	const char *query;

	hfe_url_split_query(url, &base, &query);
	while (*path == '/')
		path++;
	return psprintf("%s/%s%s", base, path, query);
}
