/*-------------------------------------------------------------------------
 *
 * url.h
 *		URL parsing and building, with libcurl's own parser: the one place
 *		that takes URLs apart.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_URL_H
#define HFENDPOINTS_URL_H

/* The parts of a URL the checks look at (palloc'd). */
typedef struct HfeUrlParts
{
	char	   *scheme;
	char	   *host;
	bool		has_userinfo;
	bool		has_fragment;
} HfeUrlParts;

/*
 * Split url as libcurl would parse it for a request (no scheme guessing:
 * "example.com" is not a URL).  Returns false when it does not parse or
 * has no host.  Never raises while libcurl's handle is live.
 */
extern bool hfe_url_split(const char *url, HfeUrlParts *parts);

/* The host of a URL, for messages and labels ("?" if it has none). */
extern char *hfe_url_host(const char *url);

/*
 * The URL split at its query string: *base is a palloc'd copy of what
 * comes before "?", trailing slashes of its path removed; *query points
 * into url at the "?..." part ("" when none).
 */
extern void hfe_url_split_query(const char *url, char **base, const char **query);

/* Where the path of an http(s) URL starts in base ("" if it has none). */
extern const char *hfe_url_path(const char *base);

/* url with path appended to its path, before its query string. */
extern char *hfe_url_with_path(const char *url, const char *path);

#endif							/* HFENDPOINTS_URL_H */
