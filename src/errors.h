/*-------------------------------------------------------------------------
 *
 * errors.h
 *		Turning an HTTP outcome into a PostgreSQL error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ERRORS_H
#define HFENDPOINTS_ERRORS_H

#include "compat.h"
#include "http.h"
#include "json.h"

extern int	hfe_http_sqlstate(const HfeHttpRequest *req);
extern char *hfe_http_reason(const HfeHttpRequest *req);
extern char *hfe_remote_error_text(const HfeHttpRequest *req);
extern char *hfe_remote_error_type(const HfeHttpRequest *req);
extern char *hfe_http_error_line(const HfeHttpRequest *req);
extern char *hfe_sanitize_remote_text(const char *text, size_t len, size_t maxlen,
									  const char *secret);
extern void hfe_mask_secret_json(cJSON *node, const char *secret);
pg_noreturn extern void hfe_raise_http_error(const HfeHttpRequest *req, const char *action,
											 const char *hint);
pg_noreturn extern void hfe_raise_bad_response(const char *action, const char *what);

#endif							/* HFENDPOINTS_ERRORS_H */
