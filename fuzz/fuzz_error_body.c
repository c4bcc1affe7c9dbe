/*-------------------------------------------------------------------------
 *
 * fuzz_error_body.c
 *		libFuzzer harness for the error path in src/errors.c:
 *		hfe_request_failure (a failed request's body parsed once),
 *		hfe_failure_line, hfe_raise_failure and hfe_sanitize_remote_text.
 *
 * Input layout:
 *	byte 0	flags: bit 0 database encoding SQL_ASCII (else UTF8),
 *			bit 1 Content-Type text/html (else application/json),
 *			bit 2 response_too_large, bits 3-7 pick the HTTP status
 *	byte 1	< 0x80: the transfer succeeded; else (byte & 0x7f) is the CURLcode
 *	byte 2	maxlen for a direct hfe_sanitize_remote_text call
 *	rest	the response body
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *	- sanitized text has no control characters, no runs of spaces, no
 *	  leading or trailing space, is valid in the database encoding, and has
 *	  at most maxlen characters plus "...";
 *	- everything that reaches a message (the failure's reason, remote text
 *	  and type, its line, the raised error's message, detail, hint and
 *	  context) is clean in the same way and bounded;
 *	- hfe_raise_failure raises with the failure's code, the fixed primary
 *	  message of the operation and the failure's line as the detail, and
 *	  never prints the request's token or URL (unless the body itself
 *	  carries it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "errors.h"
#include "fuzz.h"
#include "http.h"

#define TOKEN_CANARY "hf_FuzzTokenCanary"
#define URL_CANARY "FuzzUrlCanary"
#define MESSAGE "could not get endpoint \"fuzz\""

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[32] = {
	0, 200, 201, 204, 301, 400, 401, 403, 404, 405, 409, 413, 422, 424, 429, 500,
	502, 503, 504, 418, 451, 599, 999, 100, 302, 406, 408, 410, 415, 431, 501, 505
};

/* Characters in s (multibyte sequences count once), checking it is clean. */
static size_t
check_clean(const char *what, const char *s, size_t maxchars)
{
	size_t		chars = 0;
	size_t		len = strlen(s);

	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' '))
		hfe_fuzz_fail("%s has a leading or trailing space: \"%s\"", what, s);
	for (size_t i = 0; i < len;)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x20 || c == 0x7f)
			hfe_fuzz_fail("%s contains control character 0x%02x", what, c);
		if (c == ' ' && s[i + 1] == ' ')
			hfe_fuzz_fail("%s contains a run of spaces", what);
		if (c >= 0x80)
		{
			int			l = pg_utf_mblen((const unsigned char *) s + i);

			if (hfe_fuzz_encoding != PG_UTF8)
				hfe_fuzz_fail("%s has a non-ASCII byte in a SQL_ASCII database", what);
			if (i + l > len || !pg_utf8_islegal((const unsigned char *) s + i, l))
				hfe_fuzz_fail("%s is not valid UTF-8 at byte %zu", what, i);
			i += l;
		}
		else
			i++;
		chars++;
	}
	if (chars > maxchars)
		hfe_fuzz_fail("%s has %zu characters, more than %zu", what, chars, maxchars);
	return chars;
}

/* Secrets of the request must not appear in what is shown to the user. */
static void
check_no_secret(const char *what, const char *s, const char *body, size_t body_len)
{
	if (s == NULL)
		return;
	if (strstr(s, TOKEN_CANARY) != NULL &&
		memmem(body, body_len, TOKEN_CANARY, strlen(TOKEN_CANARY)) == NULL)
		hfe_fuzz_fail("%s shows the token", what);
	if (strstr(s, URL_CANARY) != NULL &&
		memmem(body, body_len, URL_CANARY, strlen(URL_CANARY)) == NULL)
		hfe_fuzz_fail("%s shows the request URL", what);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	hfe_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HfeHttpRequest *req;
	uint8_t		flags;
	uint8_t		transfer;
	size_t		maxlen;
	char	   *body;
	size_t		body_len;
	volatile int expected = 0;
	char	   *volatile line = NULL;

	if (size < 3)
		return 0;
	flags = data[0];
	transfer = data[1];
	maxlen = data[2];
	body_len = size - 3;
	hfe_fuzz_encoding = (flags & 1) ? PG_SQL_ASCII : PG_UTF8;

	/* a request as http.c leaves it: the body palloc'd and NUL-terminated */
	body = hfe_fuzz_cstring(data + 3, body_len);
	req = palloc0(sizeof(HfeHttpRequest));
	req->method = "GET";
	req->url = pstrdup("https://user:" URL_CANARY "@x.endpoints.huggingface.cloud/v2/" URL_CANARY);
	req->token = TOKEN_CANARY;
	req->status = statuses[flags >> 3];
	req->curl_code = transfer < 0x80 ? CURLE_OK : (CURLcode) (transfer & 0x7f);
	req->response = body;
	req->response_len = body_len;
	req->response_too_large = (flags & 4) != 0;
	strlcpy(req->content_type,
			(flags & 2) ? "text/html; charset=utf-8" : "application/json",
			sizeof(req->content_type));
	req->retry_after_ms = -1;

	PG_TRY();
	{
		char	   *text;
		HfeFailure *f;

		/* direct: at most maxlen characters, plus "..." when cut */
		text = hfe_sanitize_remote_text(body, body_len, maxlen, NULL);
		check_clean("hfe_sanitize_remote_text", text, maxlen + 3);

		f = hfe_request_failure(req);
		check_clean("reason", f->reason, 200);
		check_no_secret("reason", f->reason, body, body_len);
		/* 500 characters of the server's text inside a fixed wrapper */
		if (f->remote_text != NULL)
			check_clean("remote text", f->remote_text, 600);
		if (f->remote_type != NULL)
			check_clean("remote type", f->remote_type, 43);

		line = hfe_failure_line(f);
		check_clean("hfe_failure_line", line, 800);
		check_no_secret("hfe_failure_line", line, body, body_len);

		expected = f->sqlstate;
		hfe_raise_failure(f, "get endpoint \"fuzz\"", req);
	}
	PG_CATCH();
	{
		const HfeFuzzError *e = hfe_fuzz_last_error();

		if (expected == 0 || e->sqlerrcode != expected)
			hfe_fuzz_fail("hfe_raise_failure raised %s, the failure said %s",
						  unpack_sql_state(e->sqlerrcode), unpack_sql_state(expected));
		if (e->message == NULL || strcmp(e->message, MESSAGE) != 0)
			hfe_fuzz_fail("unexpected message: %s", e->message ? e->message : "(null)");
		if (e->detail == NULL || strcmp(e->detail, line) != 0)
			hfe_fuzz_fail("the detail is not the failure's line: %s", e->detail ? e->detail : "(null)");
		if (e->context)
			check_clean("error context", e->context, 200);
		if (e->detail)
			check_clean("error detail", e->detail, 800);
		if (e->hint)
			check_clean("error hint", e->hint, 800);
		check_no_secret("error message", e->message, body, body_len);
		check_no_secret("error detail", e->detail, body, body_len);
		check_no_secret("error hint", e->hint, body, body_len);
		check_no_secret("error context", e->context, body, body_len);
	}
	PG_END_TRY();

	hfe_fuzz_reset();
	return 0;
}
