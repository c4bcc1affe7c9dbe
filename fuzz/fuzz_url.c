/*-------------------------------------------------------------------------
 *
 * fuzz_url.c
 *		libFuzzer harness for the request-forgery checks and the option
 *		validator in src/credentials.c: hfe_host_matches,
 *		hfe_check_inference_url and hfendpoints_fdw_validator.
 *
 * Input layout: one flags byte, then fields separated by NUL bytes (SQL
 * text never contains NUL):
 *	flags	bit 0 allow_http; bits 1-2 the catalog the options belong to
 *			(server, user mapping, wrapper, server)
 *	field 0	allowed_hosts patterns
 *	field 1	an inference URL
 *	2k+2, 2k+3	option name and value, up to 8 options
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *	- hfe_host_matches agrees with the documented rule ("*", "*.domain"
 *	  for strict subdomains, or the exact host, case-insensitively);
 *	- a URL hfe_check_inference_url accepts, parsed the way libcurl parses
 *	  CURLOPT_URL, has scheme https (or http with allow_http), a host
 *	  allowed_hosts admits, and no user, password, login options or
 *	  fragment; a refusal has SQLSTATE 22023 or 42501;
 *	- options the validator accepts are well formed: base URLs are http(s)
 *	  without credentials or fragment, tokens and namespaces use only
 *	  letters, digits and "_-."; a refusal has SQLSTATE HV00D, 22023 or
 *	  42601.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"

#include "credentials.h"
#include "fuzz.h"

#define MAX_FIELDS 18

extern Datum hfendpoints_fdw_validator(PG_FUNCTION_ARGS);

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The allowlist rule, written independently of hfe_host_matches. */
static bool
oracle_host_matches(const char *patterns, const char *host)
{
	const char *p = patterns;
	size_t		hostlen = strlen(host);

	for (;;)
	{
		const char *end = strchr(p, ',');
		const char *b = p;
		const char *e = end ? end : p + strlen(p);
		size_t		len;

		while (b < e && isspace((unsigned char) *b))
			b++;
		while (e > b && isspace((unsigned char) e[-1]))
			e--;
		len = e - b;
		if (len == 1 && b[0] == '*')
			return true;
		if (len >= 2 && b[0] == '*' && b[1] == '.')
		{
			/* strict subdomains of the domain after "*" */
			size_t		slen = len - 1;

			if (hostlen > slen && pg_strncasecmp(host + hostlen - slen, b + 1, slen) == 0)
				return true;
		}
		else if (len > 0 && len == hostlen && pg_strncasecmp(b, host, len) == 0)
			return true;
		if (end == NULL)
			return false;
		p = end + 1;
	}
}

static bool
url_has_part(CURLU *h, CURLUPart part)
{
	char	   *value = NULL;
	CURLUcode	rc = curl_url_get(h, part, &value, 0);

	curl_free(value);
	return rc == CURLUE_OK;
}

/* Re-parse an accepted inference URL the way CURLOPT_URL does. */
static void
check_accepted_url(const HfeServer *server, const char *url)
{
	CURLU	   *h = curl_url();
	char	   *scheme = NULL;
	char	   *host = NULL;

	if (h == NULL)
		hfe_fuzz_fail("curl_url() failed");
	if (curl_url_set(h, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
		curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		hfe_fuzz_fail("accepted URL that libcurl cannot parse: %s", url);
	if (!(strcmp(scheme, "https") == 0 || (server->allow_http && strcmp(scheme, "http") == 0)))
		hfe_fuzz_fail("accepted URL with scheme %s: %s", scheme, url);
	if (!oracle_host_matches(server->allowed_hosts, host))
		hfe_fuzz_fail("accepted URL whose host %s is not in \"%s\"", host, server->allowed_hosts);
	if (url_has_part(h, CURLUPART_USER) || url_has_part(h, CURLUPART_PASSWORD) ||
		url_has_part(h, CURLUPART_OPTIONS))
		hfe_fuzz_fail("accepted URL with credentials: %s", url);
	if (url_has_part(h, CURLUPART_FRAGMENT))
		hfe_fuzz_fail("accepted URL with a fragment: %s", url);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(h);
}

/* An option value the validator accepted. */
static void
check_accepted_option(const char *name, const char *value)
{
	if (strcmp(name, "api_url") == 0 || strcmp(name, "hub_url") == 0)
	{
		CURLU	   *h = curl_url();
		char	   *scheme = NULL;

		if (h == NULL)
			hfe_fuzz_fail("curl_url() failed");
		if (curl_url_set(h, CURLUPART_URL, value, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
			curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
			(strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
			hfe_fuzz_fail("%s accepted a non-http URL: %s", name, value);
		if (url_has_part(h, CURLUPART_USER) || url_has_part(h, CURLUPART_PASSWORD) ||
			url_has_part(h, CURLUPART_OPTIONS) || url_has_part(h, CURLUPART_FRAGMENT))
			hfe_fuzz_fail("%s accepted a URL with credentials or a fragment: %s", name, value);
		curl_free(scheme);
		curl_url_cleanup(h);
	}
	else if (strcmp(name, "token") == 0 || strcmp(name, "namespace") == 0)
	{
		if (value[0] == '\0' || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(value))
			hfe_fuzz_fail("%s accepted \"%s\"", name, value);
	}
}

static void
check_refusal(const char *what, const int *allowed, int nallowed)
{
	const HfeFuzzError *e = hfe_fuzz_last_error();

	for (int i = 0; i < nallowed; i++)
	{
		if (e->sqlerrcode == allowed[i])
			return;
	}
	hfe_fuzz_fail("%s raised SQLSTATE %s: %s", what, unpack_sql_state(e->sqlerrcode),
				  e->message ? e->message : "(null)");
}

/* The DefElem list that untransformRelOptions would build, one option per pair. */
static List *
make_options(char **fields, int nfields)
{
	int			n = (nfields - 2) / 2;
	List	   *list;

	if (n <= 0)
		return NIL;
	list = palloc0(offsetof(List, initial_elements) + n * sizeof(ListCell));
	list->type = T_List;
	list->length = n;
	list->max_length = n;
	list->elements = list->initial_elements;
	for (int i = 0; i < n; i++)
	{
		DefElem    *def = palloc0(sizeof(DefElem));
		String	   *value = palloc0(sizeof(String));

		value->type = T_String;
		value->sval = fields[2 + 2 * i + 1];
		def->type = T_DefElem;
		def->defname = fields[2 + 2 * i];
		def->arg = (Node *) value;
		def->defaction = DEFELEM_UNSPEC;
		def->location = -1;
		list->elements[i].ptr_value = def;
	}
	return list;
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
	static const Oid catalogs[4] = {
		ForeignServerRelationId, UserMappingRelationId,
		ForeignDataWrapperRelationId, ForeignServerRelationId
	};
	static const int url_codes[] = {
		ERRCODE_INVALID_PARAMETER_VALUE, ERRCODE_INSUFFICIENT_PRIVILEGE
	};
	static const int option_codes[] = {
		ERRCODE_FDW_INVALID_OPTION_NAME, ERRCODE_INVALID_PARAMETER_VALUE,
		ERRCODE_SYNTAX_ERROR
	};
	char	   *text;
	char	   *fields[MAX_FIELDS];
	int			nfields = 0;
	HfeServer  *server;
	uint8_t		flags;
	List	   *options;

	if (size < 1)
		return 0;
	flags = data[0];
	text = hfe_fuzz_cstring(data + 1, size - 1);

	/* split at NUL bytes; the copy's final NUL ends the last field */
	for (char *p = text; p <= text + (size - 1) && nfields < MAX_FIELDS; p += strlen(p) + 1)
		fields[nfields++] = p;
	while (nfields < 2)
		fields[nfields++] = "";

	server = palloc0(sizeof(HfeServer));
	server->servername = "huggingface";
	server->allowed_hosts = fields[0];
	server->allow_http = (flags & 1) != 0;

	/* hosts from libcurl are never empty */
	if (fields[1][0] != '\0' &&
		hfe_host_matches(fields[0], fields[1]) != oracle_host_matches(fields[0], fields[1]))
		hfe_fuzz_fail("hfe_host_matches(\"%s\", \"%s\") disagrees with the rule",
					  fields[0], fields[1]);

	PG_TRY();
	{
		hfe_check_inference_url(server, fields[1]);
		check_accepted_url(server, fields[1]);
	}
	PG_CATCH();
	{
		check_refusal("hfe_check_inference_url", url_codes, lengthof(url_codes));
	}
	PG_END_TRY();

	options = make_options(fields, nfields);
	PG_TRY();
	{
		LOCAL_FCINFO(fcinfo, 2);

		InitFunctionCallInfoData(*fcinfo, NULL, 2, InvalidOid, NULL, NULL);
		fcinfo->args[0].value = PointerGetDatum(options);
		fcinfo->args[0].isnull = false;
		fcinfo->args[1].value = ObjectIdGetDatum(catalogs[(flags >> 1) & 3]);
		fcinfo->args[1].isnull = false;
		(void) hfendpoints_fdw_validator(fcinfo);

		for (int i = 2; i + 1 < nfields; i += 2)
			check_accepted_option(fields[i], fields[i + 1]);
	}
	PG_CATCH();
	{
		check_refusal("hfendpoints_fdw_validator", option_codes, lengthof(option_codes));
	}
	PG_END_TRY();

	hfe_fuzz_reset();
	return 0;
}
