/*-------------------------------------------------------------------------
 *
 * errors.c
 *		The one place where the outcome of an HTTP request becomes a
 *		PostgreSQL error: a failed request is read once into an HfeFailure
 *		(SQLSTATE, reason, the server's own text, a hint), which a single
 *		call raises and a batch reports in a row's error column.
 *
 * A raised failure has a primary message fixed per operation ("could not
 * generate text with endpoint \"x\""), its line (the reason, then the
 * server's text) in the detail, advice in the hint, and the request's
 * method and host in the context, as postgres_fdw's pgfdw_report_error
 * puts the remote command there.  A batch row's error column holds the
 * same line.
 *
 * SQLSTATEs (the README's error table mirrors this one):
 *
 *	could not resolve host, could not connect          08001
 *	connection dropped or reset, truncated body, timeout  08006
 *	response larger than hfendpoints.max_response_size   54000
 *	response that is not the JSON the protocol promises  08P01
 *	HTTP 400, 422 (the request was rejected)             22023
 *	HTTP 401 (token missing or not accepted)             28000
 *	HTTP 403                                             42501
 *	HTTP 404 (no such endpoint)                          42704
 *	HTTP 409 (name already taken)                        42710
 *	HTTP 413 (input too large)                           54000
 *	HTTP 429 (rate limited, after retries)               53400
 *	HTTP 502, 503, 504 (unavailable, after retries)      08006
 *	any other HTTP status                                38000
 *
 * An inference server's "error_type" (TGI and TEI, doc/protocol.md §6.4,
 * §6.6) takes precedence over the status:
 *
 *	validation, tokenizer, template_error,
 *	missing_template_variable, tool_error, empty         22023
 *	overloaded (after retries)                           53000
 *	generation, backend                                  38000
 *	incomplete_generation, incomplete_generation_stream  58000
 *
 * The server's own error text goes in the detail, cleaned of control
 * characters and invalid UTF-8, the request's token masked should the
 * server echo it, and cut to a readable length.  Nothing here ever prints a
 * URL (it may carry a port or a secret) or a token.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "errors.h"
#include "guc.h"
#include "json.h"
#include "url.h"

#define MAX_DETAIL_CHARS 500
#define SECRET_MASK "********"

/*
 * The SQLSTATE an inference server's error_type maps to, or 0 when the type
 * is unknown (the HTTP status decides then).
 */
static int
error_type_sqlstate(const char *type)
{
	static const struct
	{
		const char *type;
		int			sqlstate;
	}			map[] = {
		{"validation", ERRCODE_INVALID_PARAMETER_VALUE},
		{"tokenizer", ERRCODE_INVALID_PARAMETER_VALUE},
		{"template_error", ERRCODE_INVALID_PARAMETER_VALUE},
		{"missing_template_variable", ERRCODE_INVALID_PARAMETER_VALUE},
		{"tool_error", ERRCODE_INVALID_PARAMETER_VALUE},
		{"empty", ERRCODE_INVALID_PARAMETER_VALUE},
		{"overloaded", ERRCODE_INSUFFICIENT_RESOURCES},
		{"generation", ERRCODE_EXTERNAL_ROUTINE_EXCEPTION},
		{"backend", ERRCODE_EXTERNAL_ROUTINE_EXCEPTION},
		{"incomplete_generation", ERRCODE_SYSTEM_ERROR},
		{"incomplete_generation_stream", ERRCODE_SYSTEM_ERROR},
	};

	if (type == NULL)
		return 0;
	for (int i = 0; i < lengthof(map); i++)
		if (pg_strcasecmp(type, map[i].type) == 0)
			return map[i].sqlstate;
	return 0;
}

/* The SQLSTATE of a failed request, its error type already read. */
static int
request_sqlstate(const HfeHttpRequest *req, const char *type)
{
	int			by_type;

	if (req->response_too_large)
		return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
	switch (req->curl_code)
	{
		case CURLE_OK:
			break;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
			return ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION;
		default:
			return ERRCODE_CONNECTION_FAILURE;
	}
	if (req->status >= 400 && (by_type = error_type_sqlstate(type)) != 0)
		return by_type;
	switch (req->status)
	{
		case 400:
		case 422:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case 401:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case 403:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case 404:
			return ERRCODE_UNDEFINED_OBJECT;
		case 409:
			return ERRCODE_DUPLICATE_OBJECT;
		case 413:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case 429:
			return ERRCODE_CONFIGURATION_LIMIT_EXCEEDED;
		case 502:
		case 503:
		case 504:
			return ERRCODE_CONNECTION_FAILURE;
		default:
			return ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
	}
}

static const char *
status_phrase(long status)
{
	switch (status)
	{
		case 301: return "Moved Permanently";
		case 302: return "Found";
		case 303: return "See Other";
		case 307: return "Temporary Redirect";
		case 308: return "Permanent Redirect";
		case 400: return "Bad Request";
		case 401: return "Unauthorized";
		case 403: return "Forbidden";
		case 404: return "Not Found";
		case 405: return "Method Not Allowed";
		case 409: return "Conflict";
		case 413: return "Payload Too Large";
		case 422: return "Unprocessable Entity";
		case 424: return "Failed Dependency";
		case 429: return "Too Many Requests";
		case 500: return "Internal Server Error";
		case 502: return "Bad Gateway";
		case 503: return "Service Unavailable";
		case 504: return "Gateway Timeout";
		default: return NULL;
	}
}

/*
 * A short reason, such as "HTTP 404 Not Found", or "HTTP 422 Unprocessable
 * Entity (validation error)" when an inference server names the kind of
 * error (type, already cleaned).
 */
static char *
request_reason(const HfeHttpRequest *req, const char *type)
{
	char	   *reason;

	if (req->response_too_large)
		return psprintf("response larger than hfendpoints.max_response_size (%d bytes)",
						hfe_max_response_size);
	switch (req->curl_code)
	{
		case CURLE_OK:
			break;
		case CURLE_OPERATION_TIMEDOUT:
			return psprintf("request timed out: no complete response within %d ms",
							req->timeout_ms > 0 ? req->timeout_ms : hfe_request_timeout_ms);
		case CURLE_COULDNT_RESOLVE_HOST:
			return pstrdup("could not resolve host");
		case CURLE_COULDNT_CONNECT:
			return pstrdup("connection refused");
		case CURLE_GOT_NOTHING:
			return pstrdup("server closed the connection without a response");
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
			return pstrdup("connection lost");
		case CURLE_PARTIAL_FILE:
			return pstrdup("response body truncated");
		default:
			return pstrdup(curl_easy_strerror(req->curl_code));
	}
	if (status_phrase(req->status))
		reason = psprintf("HTTP %ld %s", req->status, status_phrase(req->status));
	else
		reason = psprintf("HTTP %ld", req->status);
	if (req->status >= 400 && type != NULL)
		reason = psprintf("%s (%s error)", reason, type);
	return reason;
}

/*
 * text with every occurrence of secret replaced by the mask, or NULL when
 * there is no secret or it does not occur.  *outlen is the result's length;
 * text may hold NUL bytes.  The one place where a secret is masked, for
 * messages (hfe_sanitize_remote_text) and JSON (hfe_mask_secret_json).
 */
static char *
mask_secret(const char *text, size_t len, const char *secret, size_t *outlen)
{
	size_t		secret_len = secret ? strlen(secret) : 0;
	StringInfoData buf;
	size_t		start = 0;
	bool		found = false;

	if (secret_len == 0 || len < secret_len)
		return NULL;
	initStringInfo(&buf);
	for (size_t i = 0; i + secret_len <= len;)
	{
		if (memcmp(text + i, secret, secret_len) == 0)
		{
			appendBinaryStringInfo(&buf, text + start, i - start);
			appendStringInfoString(&buf, SECRET_MASK);
			i += secret_len;
			start = i;
			found = true;
		}
		else
			i++;
	}
	if (!found)
	{
		pfree(buf.data);
		return NULL;
	}
	appendBinaryStringInfo(&buf, text + start, len - start);
	*outlen = buf.len;
	return buf.data;
}

/*
 * The one function through which text a server sent reaches a message, a
 * detail, a hint, a log line (DEBUG included) or a batch's error column.
 * secret is the token of the request that brought the text (NULL only for
 * a request that carried none): every occurrence of it is masked first, so
 * that a server that echoes the Authorization header back -- a debugging
 * proxy, a careless error page -- cannot put the token, or most of it,
 * anywhere.  Then at most maxlen characters are copied, white space
 * (newlines included) collapsed to single spaces, other control characters
 * and bytes that are not valid in the database encoding replaced by '?':
 * the result is one line, so that it cannot forge a log line.
 */
static char *
sanitize(const char *text, size_t len, size_t maxlen, const char *secret, bool lines);

char *
hfe_sanitize_remote_text(const char *text, size_t len, size_t maxlen,
						 const char *secret)
{
	return sanitize(text, len, maxlen, secret, false);
}

/*
 * The same for a text returned whole (an endpoint's logs): the secret
 * masked, newlines and tabs kept, carriage returns dropped, other control
 * characters and invalid bytes replaced by '?'.
 */
char *
hfe_sanitize_remote_lines(const char *text, size_t len, const char *secret)
{
	return sanitize(text, len, SIZE_MAX, secret, true);
}

static char *
sanitize(const char *text, size_t len, size_t maxlen, const char *secret, bool lines)
{
	StringInfoData buf;
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	size_t		masked_len;
	char	   *masked = mask_secret(text, len, secret, &masked_len);
	size_t		chars = 0;
	size_t		i = 0;
	bool		last_space = true;

	if (masked != NULL)
	{
		text = masked;
		len = masked_len;
	}
	initStringInfo(&buf);
	while (i < len && chars < maxlen)
	{
		unsigned char c = (unsigned char) text[i];

		if (c < 0x80)
		{
			if (lines && (c == '\n' || c == '\t' || c == '\r'))
			{
				if (c != '\r')
					appendStringInfoChar(&buf, (char) c);
				last_space = false;
			}
			else if (isspace(c) && !lines)
			{
				if (!last_space)
					appendStringInfoChar(&buf, ' ');
				last_space = true;
			}
			else
			{
				appendStringInfoChar(&buf, (c < 0x20 || c == 0x7f) ? '?' : (char) c);
				last_space = false;
			}
			i++;
		}
		else
		{
			int			l = pg_utf_mblen((const unsigned char *) text + i);

			if (utf8 && i + l <= len &&
				pg_utf8_islegal((const unsigned char *) text + i, l))
			{
				appendBinaryStringInfo(&buf, text + i, l);
				i += l;
			}
			else
			{
				appendStringInfoChar(&buf, '?');
				i++;
			}
			last_space = false;
		}
		chars++;
	}
	while (!lines && buf.len > 0 && buf.data[buf.len - 1] == ' ')
		buf.data[--buf.len] = '\0';
	if (i < len)
		appendStringInfoString(&buf, "...");
	if (masked != NULL)
		pfree(masked);
	return buf.data;
}

/* Replace *s, a cJSON string, by its masked copy if it holds the secret. */
static void
mask_json_string(char **s, const char *secret)
{
	size_t		len;
	char	   *masked = mask_secret(*s, strlen(*s), secret, &len);

	if (masked == NULL)
		return;
	/* cJSON allocates with palloc (json.c): the old string can go */
	explicit_bzero(*s, strlen(*s));
	pfree(*s);
	*s = masked;
}

/*
 * Mask the secret in every string of a JSON tree, keys included, and
 * nothing else: a management API answer returned as jsonb (an endpoint's
 * raw, whoami()) and every field read from it stay what the server sent,
 * minus the token.  Escaping is for messages only (hfe_sanitize_remote_text).
 */
void
hfe_mask_secret_json(cJSON *node, const char *secret)
{
	if (node == NULL || secret == NULL || secret[0] == '\0')
		return;
	for (; node != NULL; node = node->next)
	{
		if (node->string != NULL && !(node->type & cJSON_StringIsConst))
			mask_json_string(&node->string, secret);
		if (cJSON_IsString(node) && node->valuestring != NULL)
			mask_json_string(&node->valuestring, secret);
		if (node->child != NULL)
			hfe_mask_secret_json(node->child, secret);
	}
}

static bool
looks_like_html(const HfeHttpRequest *req)
{
	const char *p = req->response;

	if (strncmp(req->content_type, "text/html", 9) == 0)
		return true;
	while (*p && isspace((unsigned char) *p))
		p++;
	return *p == '<';
}

/* The <title> of an HTML error page, or NULL. */
static char *
html_title(const char *html, const char *secret)
{
	const char *start = strstr(html, "<title>");
	const char *end;

	if (start == NULL)
		start = strstr(html, "<TITLE>");
	if (start == NULL)
		return NULL;
	start += 7;
	end = strchr(start, '<');
	if (end == NULL || end == start)
		return NULL;
	return hfe_sanitize_remote_text(start, end - start, 200, secret);
}

/*
 * The error text in a JSON body, from the shapes the service and the
 * inference servers use: {"error": "..."}, {"error": ["...", ...]},
 * {"error": {"message": "..."}}, {"error_description": "..."},
 * {"message": "..."}, {"errors": [{"message": "..."}]}.
 */
static char *
json_error_text(const cJSON *obj)
{
	const cJSON *err;
	const char *s;

	if (cJSON_IsArray(obj) && cJSON_GetArraySize(obj) > 0)
		obj = cJSON_GetArrayItem(obj, 0);
	if (!cJSON_IsObject(obj))
		return NULL;
	err = cJSON_GetObjectItemCaseSensitive(obj, "error");
	if (cJSON_IsString(err))
	{
		const char *desc = hfe_json_string(obj, "error_description");

		if (desc)
			return psprintf("%s: %s", err->valuestring, desc);
		return pstrdup(err->valuestring);
	}
	if (cJSON_IsArray(err))
	{
		StringInfoData buf;
		const cJSON *item;

		initStringInfo(&buf);
		cJSON_ArrayForEach(item, err)
		{
			if (!cJSON_IsString(item))
				continue;
			if (buf.len > 0)
				appendStringInfoString(&buf, "; ");
			appendStringInfoString(&buf, item->valuestring);
		}
		if (buf.len > 0)
			return buf.data;
	}
	if (cJSON_IsObject(err) && (s = hfe_json_string(err, "message")) != NULL)
		return pstrdup(s);
	if ((s = hfe_json_string(obj, "message")) != NULL)
		return pstrdup(s);
	err = cJSON_GetObjectItemCaseSensitive(obj, "errors");
	if (cJSON_IsArray(err) && cJSON_GetArraySize(err) > 0 &&
		(s = hfe_json_string(cJSON_GetArrayItem(err, 0), "message")) != NULL)
		return pstrdup(s);
	return NULL;
}

/*
 * What the server said about the failure, readable and bounded, or NULL
 * when the body says nothing useful; json is the body parsed (or NULL).
 */
static char *
remote_text(const HfeHttpRequest *req, const cJSON *json)
{
	char	   *text;

	if (json != NULL)
	{
		text = json_error_text(json);
		if (text != NULL)
		{
			text = hfe_sanitize_remote_text(text, strlen(text), MAX_DETAIL_CHARS,
											req->token);
			return text[0] != '\0' ? text : NULL;
		}
	}
	if (looks_like_html(req))
	{
		text = html_title(req->response, req->token);
		return text ? psprintf("an HTML page titled \"%s\"", text) : pstrdup("an HTML page");
	}
	text = hfe_sanitize_remote_text(req->response, req->response_len,
									MAX_DETAIL_CHARS, req->token);
	return text[0] != '\0' ? text : NULL;
}

static const char *
default_hint(const HfeHttpRequest *req)
{
	if (req->response_too_large)
		return "Raise hfendpoints.max_response_size if such responses are expected.";
	switch (req->curl_code)
	{
		case CURLE_OK:
			break;
		case CURLE_OPERATION_TIMEDOUT:
			return "Raise hfendpoints.request_timeout or hfendpoints.connect_timeout if the service is slow.";
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
			return "Check that the service is reachable from the database server and that the server's URLs are right.";
		default:
			return NULL;
	}
	if (req->status >= 300 && req->status < 400)
		return "Redirects are not followed; use the URL the endpoint is served at.";
	switch (req->status)
	{
		case 401:
			return "Check that the token in your user mapping is valid and has access to this namespace: ALTER USER MAPPING FOR CURRENT_USER SERVER ... OPTIONS (SET token 'hf_...');";
		case 413:
			return "Send a shorter input; the server's payload limit decides the largest request it accepts.";
		case 429:
			return "The service is rate-limiting requests; wait and try again, or raise hfendpoints.max_retries.";
		case 502:
		case 503:
		case 504:
			return "The service is unavailable; try again later.";
		default:
			return NULL;
	}
}

HfeFailure *
hfe_request_failure(const HfeHttpRequest *req)
{
	HfeFailure *f = palloc0(sizeof(HfeFailure));
	bool		has_body = req->curl_code == CURLE_OK && !req->response_too_large &&
		req->response != NULL && req->response_len > 0;
	cJSON	   *json = has_body ? hfe_json_parse(req->response, req->response_len) : NULL;
	const char *type = json ? hfe_json_string(json, "error_type") : NULL;

	if (type != NULL)
		f->remote_type = hfe_sanitize_remote_text(type, strlen(type), 40, req->token);
	f->sqlstate = request_sqlstate(req, type);
	f->reason = request_reason(req, f->remote_type);
	f->remote_text = has_body ? remote_text(req, json) : NULL;
	f->hint = default_hint(req);
	return f;
}

HfeFailure *
hfe_make_failure(int sqlstate, const char *reason, const char *remote_text)
{
	HfeFailure *f = palloc0(sizeof(HfeFailure));

	f->sqlstate = sqlstate;
	f->reason = pstrdup(reason);
	f->remote_text = remote_text ? pstrdup(remote_text) : NULL;
	return f;
}

HfeFailure *
hfe_bad_response(const char *what)
{
	return hfe_make_failure(ERRCODE_PROTOCOL_VIOLATION,
							psprintf("the service sent an unexpected response: %s", what),
							NULL);
}

static char *
strdup_or_null(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

HfeFailure *
hfe_failure_copy(const HfeFailure *f)
{
	HfeFailure *copy = palloc(sizeof(HfeFailure));

	copy->sqlstate = f->sqlstate;
	copy->reason = pstrdup(f->reason);
	copy->remote_text = strdup_or_null(f->remote_text);
	copy->remote_type = strdup_or_null(f->remote_type);
	copy->hint = strdup_or_null(f->hint);
	return copy;
}

char *
hfe_failure_line(const HfeFailure *f)
{
	return f->remote_text ? psprintf("%s: %s", f->reason, f->remote_text) : pstrdup(f->reason);
}

void
hfe_raise_failure(const HfeFailure *f, const char *operation, const HfeHttpRequest *req)
{
	char	   *host = req ? hfe_url_host(req->url) : NULL;

	ereport(ERROR,
			(errcode(f->sqlstate),
			 errmsg("could not %s", operation),
			 errdetail_internal("%s", hfe_failure_line(f)),
			 f->hint ? errhint("%s", f->hint) : 0,
			 host ? errcontext("%s request to host \"%s\"", req->method, host) : 0));
	pg_unreachable();
}

void
hfe_raise_request_failure(const HfeHttpRequest *req, const char *operation)
{
	hfe_raise_failure(hfe_request_failure(req), operation, req);
}

/* A 2xx response whose body is not what the protocol promises. */
void
hfe_raise_bad_response(const char *operation, const char *what)
{
	hfe_raise_failure(hfe_bad_response(what), operation, NULL);
}
