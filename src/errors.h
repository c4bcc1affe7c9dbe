/*-------------------------------------------------------------------------
 *
 * errors.h
 *		Turning the outcome of an HTTP request into a PostgreSQL error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ERRORS_H
#define HFENDPOINTS_ERRORS_H

#include "compat.h"
#include "http.h"
#include "json.h"

/*
 * Why a request's result cannot be had, read once: for a single call the
 * error it raises, for a batch row its error column.  Every string is one
 * clean line that holds no URL and no token.
 */
typedef struct HfeFailure
{
	int			sqlstate;
	char	   *reason;			/* "HTTP 404 Not Found", "connection refused",
								 * "the service sent an unexpected response:
								 * ..." */
	char	   *remote_text;	/* what the server said, or NULL */
	char	   *remote_type;	/* an inference server's error_type, or NULL */
	const char *hint;			/* advice for the user, or NULL */
} HfeFailure;

/* A request that did not succeed (!hfe_http_ok), its body parsed once. */
extern HfeFailure *hfe_request_failure(const HfeHttpRequest *req);

/* Any other failure; remote_text may be NULL. */
extern HfeFailure *hfe_make_failure(int sqlstate, const char *reason,
									const char *remote_text);

/* A 2xx answer that is not what the protocol promises (08P01). */
extern HfeFailure *hfe_bad_response(const char *what);

/* A copy of f in CurrentMemoryContext. */
extern HfeFailure *hfe_failure_copy(const HfeFailure *f);

/* "reason: remote text", the batch error column and the raised detail. */
extern char *hfe_failure_line(const HfeFailure *f);

/*
 * Raise f: "could not <operation>", the line in the detail, the hint, and
 * when req is given its method and host in the context.
 */
pg_noreturn extern void hfe_raise_failure(const HfeFailure *f, const char *operation,
										  const HfeHttpRequest *req);
pg_noreturn extern void hfe_raise_request_failure(const HfeHttpRequest *req,
												  const char *operation);
pg_noreturn extern void hfe_raise_bad_response(const char *operation, const char *what);

/*
 * The one function through which text a server sent reaches a message, a
 * log line or a result: secret masked, at most maxlen characters, one line.
 */
extern char *hfe_sanitize_remote_text(const char *text, size_t len, size_t maxlen,
									  const char *secret);

/*
 * The same for text returned whole, an endpoint's logs: the secret masked,
 * newlines and tabs kept, other control characters and invalid bytes '?'.
 */
extern char *hfe_sanitize_remote_lines(const char *text, size_t len, const char *secret);
extern void hfe_mask_secret_json(cJSON *node, const char *secret);

#endif							/* HFENDPOINTS_ERRORS_H */
