/*-------------------------------------------------------------------------
 *
 * credentials.c
 *		The hfendpoints foreign-data wrapper: option validation, the server
 *		and user mapping a call runs with, USAGE checks, and the allowlist
 *		that decides which hosts an inference URL may point at.
 *
 * Secrets follow postgres_fdw: a role's token lives in its user mapping,
 * which only that role and superusers can read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "compat.h"
#include "credentials.h"
#include "guc.h"
#include "url.h"

#define DEFAULT_API_URL "https://api.endpoints.huggingface.cloud/v2"
#define DEFAULT_HUB_URL "https://huggingface.co"
#define DEFAULT_CATALOG_URL "https://endpoints.huggingface.co/api/catalog"
#define DEFAULT_ALLOWED_HOSTS "*.endpoints.huggingface.cloud"

typedef struct HfeOption
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
} HfeOption;

static const HfeOption valid_options[] = {
	{"api_url", ForeignServerRelationId},
	{"hub_url", ForeignServerRelationId},
	{"catalog_url", ForeignServerRelationId},
	{"allowed_hosts", ForeignServerRelationId},
	{"allow_http", ForeignServerRelationId},
	{"engine", ForeignServerRelationId},
	{"token", UserMappingRelationId},
	{"namespace", UserMappingRelationId},
	{NULL, InvalidOid}
};

/*
 * Endpoint secrets kept in a user mapping, "secret.<NAME>", so that
 * create_endpoint(secrets_from_mapping => ...) can send them without their
 * values ever being in an hfendpoints call's text.
 */
#define SECRET_OPTION_PREFIX "secret."
#define SECRET_OPTION_PREFIX_LEN (sizeof(SECRET_OPTION_PREFIX) - 1)

PG_FUNCTION_INFO_V1(hfendpoints_fdw_validator);

uint64		hfe_credentials_generation = 0;

/*
 * Any change to a user mapping or a server, as postgres_fdw's connection
 * cache watches them.  Only a counter moves: a callback may run in the
 * middle of a call, while a cache entry is in use.
 */
static void
credentials_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	hfe_credentials_generation++;
}

void
hfe_credentials_init(void)
{
	CacheRegisterSyscacheCallback(USERMAPPINGOID, credentials_changed, (Datum) 0);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, credentials_changed, (Datum) 0);
}

/*
 * The valid option closest to "name" in this context, for a "did you mean"
 * hint; NULL when nothing is close enough to be a plausible typo.
 */
static const char *
closest_option(const char *name, Oid context)
{
	const char *best = NULL;
	int			best_distance = 3;	/* at most two edits */

	for (const HfeOption *opt = valid_options; opt->name; opt++)
	{
		int			d;

		if (opt->context != context)
			continue;
		d = varstr_levenshtein(name, strlen(name), opt->name, strlen(opt->name),
							   1, 1, 1, true);
		if (d < best_distance)
		{
			best_distance = d;
			best = opt->name;
		}
	}
	return best;
}

static char *
options_for_context(Oid context)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const HfeOption *opt = valid_options; opt->name; opt++)
	{
		if (opt->context != context)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, opt->name);
	}
	if (context == UserMappingRelationId)
		appendStringInfoString(&buf, ", " SECRET_OPTION_PREFIX "<name>");
	return buf.data;
}

bool
hfe_valid_secret_name(const char *name)
{
	if (*name == '\0')
		return false;
	for (const char *p = name; *p; p++)
	{
		if (!(isalnum((unsigned char) *p) || *p == '_'))
			return false;
	}
	return true;
}

/*
 * A user mapping's "secret.<NAME>": NAME as hfe_valid_secret_name says, the
 * value any text without control characters (it goes into a JSON string,
 * but a line break in it is surely a mistake).  The value is never echoed.
 */
static void
validate_secret_option(const char *option, const char *value)
{
	if (!hfe_valid_secret_name(option + SECRET_OPTION_PREFIX_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("invalid option \"%s\"", option),
				 errdetail("The name after \"" SECRET_OPTION_PREFIX "\" may contain only letters, digits and underscores.")));
	for (const char *p = value; *p; p++)
	{
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" contains a control character", option)));
	}
}

/* Service base URLs: http(s), a host, no user-info, no fragment. */
static void
validate_base_url(const char *option, const char *url)
{
	HfeUrlParts parts;

	if (!hfe_url_split(url, &parts) ||
		(strcmp(parts.scheme, "http") != 0 && strcmp(parts.scheme, "https") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\" is not an http or https URL",
						option, url),
				 errhint("Use a URL such as \"%s\".",
						 strcmp(option, "api_url") == 0 ? DEFAULT_API_URL :
						 strcmp(option, "catalog_url") == 0 ? DEFAULT_CATALOG_URL :
						 DEFAULT_HUB_URL)));
	if (parts.has_userinfo || parts.has_fragment)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": URLs with user information or a fragment are not accepted",
						option)));
}

/*
 * A host pattern is a host name or address, "*", or "*." followed by a
 * domain.  Only letters, digits, '.', '-', ':', '[' and ']' are allowed.
 */
static bool
valid_host_pattern(const char *p)
{
	if (strcmp(p, "*") == 0)
		return true;
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	if (*p == '\0')
		return false;
	for (; *p; p++)
	{
		if (!(isalnum((unsigned char) *p) || strchr(".-:[]", *p) != NULL))
			return false;
	}
	return true;
}

static void
validate_allowed_hosts(const char *value)
{
	char	   *copy = pstrdup(value);
	char	   *saveptr = NULL;
	int			count = 0;

	for (char *tok = strtok_r(copy, ",", &saveptr); tok;
		 tok = strtok_r(NULL, ",", &saveptr))
	{
		char	   *p = tok;
		char	   *end;

		while (isspace((unsigned char) *p))
			p++;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char) end[-1]))
			*--end = '\0';
		if (!valid_host_pattern(p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid host pattern \"%s\" in option \"allowed_hosts\"", p),
					 errhint("Use a comma-separated list of host names, such as \"*.endpoints.huggingface.cloud, 127.0.0.1\".")));
		count++;
	}
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"allowed_hosts\" must name at least one host")));
}

/* Tokens and namespaces end up in HTTP headers and paths: no control chars. */
static void
validate_plain_value(const char *option, const char *value, const char *extra_chars)
{
	if (*value == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", option)));
	for (const char *p = value; *p; p++)
	{
		if (!(isalnum((unsigned char) *p) || strchr(extra_chars, *p) != NULL))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" contains a character that is not allowed", option),
					 errdetail("Only letters, digits and \"%s\" are accepted.", extra_chars)));
	}
}

Datum
hfendpoints_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		const HfeOption *opt;
		char	   *value;

		if (catalog == UserMappingRelationId &&
			strncmp(def->defname, SECRET_OPTION_PREFIX, SECRET_OPTION_PREFIX_LEN) == 0)
		{
			validate_secret_option(def->defname, defGetString(def));
			continue;
		}
		for (opt = valid_options; opt->name; opt++)
		{
			if (opt->context == catalog && strcmp(opt->name, def->defname) == 0)
				break;
		}
		if (opt->name == NULL)
		{
			const char *closest = closest_option(def->defname, catalog);
			char	   *valid = options_for_context(catalog);

			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 closest ? errhint("Perhaps you meant the option \"%s\".", closest) :
					 (valid[0] != '\0' ?
					  errhint("Valid options in this context are: %s.", valid) :
					  errhint("There are no valid options in this context."))));
		}

		value = defGetString(def);
		if (strcmp(def->defname, "api_url") == 0 || strcmp(def->defname, "hub_url") == 0 ||
			strcmp(def->defname, "catalog_url") == 0)
			validate_base_url(def->defname, value);
		else if (strcmp(def->defname, "allowed_hosts") == 0)
			validate_allowed_hosts(value);
		else if (strcmp(def->defname, "allow_http") == 0)
			(void) defGetBoolean(def);
		else if (strcmp(def->defname, "engine") == 0)
			(void) hfe_engine_parse(value, "engine");
		else if (strcmp(def->defname, "token") == 0)
			validate_plain_value("token", value, "_-.");
		else if (strcmp(def->defname, "namespace") == 0)
			validate_plain_value("namespace", value, "_-.");
	}

	PG_RETURN_VOID();
}

static char *
strip_trailing_slash(char *url)
{
	size_t		len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	return url;
}

/*
 * The user mapping's options for userid, falling back to PUBLIC, and its
 * OID in *umid (InvalidOid when there is none).  The values may be
 * secrets: free the list with free_mapping_options.
 */
static List *
user_mapping_options(Oid userid, Oid serverid, Oid *umid)
{
	HeapTuple	tp;
	Datum		datum;
	bool		isnull;
	List	   *options = NIL;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER,
						 ObjectIdGetDatum(userid), ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER,
							 ObjectIdGetDatum(InvalidOid), ObjectIdGetDatum(serverid));
	*umid = InvalidOid;
	if (!HeapTupleIsValid(tp))
		return NIL;
	*umid = ((Form_pg_user_mapping) GETSTRUCT(tp))->oid;

	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp,
							Anum_pg_user_mapping_umoptions, &isnull);
	if (!isnull)
	{
		/*
		 * Not untransformRelOptions(): it leaves unzeroed copies behind (of
		 * a short, 1-byte header array; and, before PostgreSQL 19, of each
		 * "name=value" string).  Our own copy of the array, each element
		 * split into a DefElem of fresh strings, every copy zeroed.
		 */
		ArrayType  *flat = DatumGetArrayTypePCopy(datum);
		Datum	   *elems;
		int			nelems;

		deconstruct_array(flat, TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &nelems);
		for (int i = 0; i < nelems; i++)
		{
			char	   *pair = TextDatumGetCString(elems[i]);
			char	   *eq = strchr(pair, '=');
			Node	   *value = NULL;

			if (eq != NULL)
			{
				*eq = '\0';
				value = (Node *) makeString(pstrdup(eq + 1));
			}
			options = lappend(options, makeDefElem(pstrdup(pair), value, -1));
			explicit_bzero(pair, strlen(pair) + (eq ? strlen(eq + 1) + 1 : 0));
			pfree(pair);
		}
		pfree(elems);
		explicit_bzero(flat, VARSIZE(flat));
		pfree(flat);
	}
	ReleaseSysCache(tp);
	return options;
}

/*
 * Zero the values of an options list from user_mapping_options, which may
 * hold the token and endpoint secrets, and free it.
 */
static void
free_mapping_options(List *options)
{
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (def->arg != NULL)
			explicit_bzero(strVal(def->arg), strlen(strVal(def->arg)));
	}
	list_free_deep(options);
}

/* A reset callback: the token dies zeroed with the HfeServer's context. */
static void
zero_token(void *arg)
{
	HfeServer  *server = (HfeServer *) arg;

	if (server->token != NULL)
		explicit_bzero(server->token, strlen(server->token));
}

/*
 * The server named by hfendpoints.server, checked for USAGE, with the
 * current role's token.  With need_token, a missing token is an error whose
 * hint shows the command that fixes it.
 */
HfeServer *
hfe_server_get(bool need_token)
{
	ForeignServer *fs;
	ForeignDataWrapper *fdw;
	AclResult	aclresult;
	HfeServer  *server;
	List	   *mapping;
	bool		has_mapping;
	ListCell   *cell;
	MemoryContextCallback *cb;

	fs = GetForeignServerByName(hfe_server_name, true);
	if (fs == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("server \"%s\" does not exist", hfe_server_name),
				 errhint("Create it with: CREATE SERVER %s FOREIGN DATA WRAPPER hfendpoints; or set hfendpoints.server to a server that uses the hfendpoints foreign-data wrapper.",
						 quote_identifier(hfe_server_name))));
	fdw = GetForeignDataWrapper(fs->fdwid);
	if (strcmp(fdw->fdwname, "hfendpoints") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" does not use the hfendpoints foreign-data wrapper",
						fs->servername),
				 errhint("Set hfendpoints.server to a server created with FOREIGN DATA WRAPPER hfendpoints.")));

	aclresult = hfe_foreign_server_aclcheck(fs->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, fs->servername);

	server = palloc0(sizeof(HfeServer));
	server->serverid = fs->serverid;
	server->servername = pstrdup(fs->servername);
	server->api_url = pstrdup(DEFAULT_API_URL);
	server->hub_url = pstrdup(DEFAULT_HUB_URL);
	server->catalog_url = pstrdup(DEFAULT_CATALOG_URL);
	server->allowed_hosts = pstrdup(DEFAULT_ALLOWED_HOSTS);
	server->allow_http = false;

	foreach(cell, fs->options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (strcmp(def->defname, "api_url") == 0)
			server->api_url = strip_trailing_slash(pstrdup(defGetString(def)));
		else if (strcmp(def->defname, "hub_url") == 0)
			server->hub_url = strip_trailing_slash(pstrdup(defGetString(def)));
		else if (strcmp(def->defname, "catalog_url") == 0)
			server->catalog_url = strip_trailing_slash(pstrdup(defGetString(def)));
		else if (strcmp(def->defname, "allowed_hosts") == 0)
			server->allowed_hosts = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "allow_http") == 0)
			server->allow_http = defGetBoolean(def);
		else if (strcmp(def->defname, "engine") == 0)
			server->engine = hfe_engine_parse(defGetString(def), "engine");
	}

	mapping = user_mapping_options(GetUserId(), fs->serverid, &server->umid);
	has_mapping = OidIsValid(server->umid);
	foreach(cell, mapping)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (strcmp(def->defname, "token") == 0)
			server->token = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "namespace") == 0)
			server->namespace = pstrdup(defGetString(def));
	}
	free_mapping_options(mapping);
	cb = palloc(sizeof(MemoryContextCallback));
	cb->func = zero_token;
	cb->arg = server;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	if (need_token && server->token == NULL)
	{
		if (!has_mapping)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("no Hugging Face token for role \"%s\" on server \"%s\"",
							GetUserNameFromId(GetUserId(), false), fs->servername),
					 errhint("Store a token with: CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (token 'hf_...');",
							 quote_identifier(fs->servername))));
		else
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("the user mapping for role \"%s\" on server \"%s\" has no token",
							GetUserNameFromId(GetUserId(), false), fs->servername),
					 errhint("Add one with: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD token 'hf_...');",
							 quote_identifier(fs->servername))));
	}
	return server;
}

/*
 * The values of the current role's user mapping options "secret.<NAME>" on
 * server, for each of names[0..n-1], read at call time: they are never in
 * the call's text.  A missing one is an error whose hint shows the command
 * that adds it; the names are the caller's, already checked.
 */
char	  **
hfe_mapping_secrets(const HfeServer *server, int n, char *const *names)
{
	Oid			umid;
	List	   *mapping = user_mapping_options(GetUserId(), server->serverid, &umid);
	char	  **values = palloc0(sizeof(char *) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		ListCell   *cell;

		foreach(cell, mapping)
		{
			DefElem    *def = (DefElem *) lfirst(cell);

			if (strncmp(def->defname, SECRET_OPTION_PREFIX, SECRET_OPTION_PREFIX_LEN) == 0 &&
				strcmp(def->defname + SECRET_OPTION_PREFIX_LEN, names[i]) == 0)
				values[i] = pstrdup(defGetString(def));
		}
		if (values[i] == NULL)
		{
			char	   *option = psprintf(SECRET_OPTION_PREFIX "%s", names[i]);

			free_mapping_options(mapping);
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("the user mapping for role \"%s\" on server \"%s\" has no option \"%s\"",
							GetUserNameFromId(GetUserId(), false), server->servername, option),
					 errhint("Add it with: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD %s '...');",
							 quote_identifier(server->servername), quote_identifier(option))));
		}
	}
	free_mapping_options(mapping);
	return values;
}

/* Does host match one of the comma-separated patterns (case-insensitive)? */
bool
hfe_host_matches(const char *patterns, const char *host)
{
	char	   *copy = pstrdup(patterns);
	char	   *saveptr = NULL;
	size_t		hostlen = strlen(host);

	for (char *tok = strtok_r(copy, ",", &saveptr); tok;
		 tok = strtok_r(NULL, ",", &saveptr))
	{
		char	   *p = tok;
		char	   *end;

		while (isspace((unsigned char) *p))
			p++;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char) end[-1]))
			*--end = '\0';

		if (strcmp(p, "*") == 0)
			return true;
		if (strncmp(p, "*.", 2) == 0)
		{
			const char *suffix = p + 1; /* ".domain" */
			size_t		slen = strlen(suffix);

			if (hostlen > slen &&
				pg_strcasecmp(host + hostlen - slen, suffix) == 0)
				return true;
		}
		else if (pg_strcasecmp(p, host) == 0)
			return true;
	}
	return false;
}

/*
 * Refuse an inference URL the server's rules do not allow, before any
 * connection is made: only http(s), plain http only with allow_http, no
 * user-info or fragment, and a host in allowed_hosts.  The URL itself is
 * not echoed back, since a mistyped one may carry a secret.
 */
void
hfe_check_inference_url(const HfeServer *server, const char *url)
{
	HfeUrlParts parts;
	const char *scheme;
	const char *host;

	if (!hfe_url_split(url, &parts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid endpoint URL"),
				 errhint("Give an endpoint name, \"namespace/name\", or an https:// URL.")));
	scheme = parts.scheme;
	host = parts.host;
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("endpoint URL scheme \"%s\" is not allowed", scheme),
				 errhint("Only http and https URLs are accepted.")));
	if (strcmp(scheme, "http") == 0 && !server->allow_http)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("plain http endpoint URLs are not allowed on server \"%s\"",
						server->servername),
				 errhint("Use https, or have the server's owner set its option allow_http to true.")));
	if (parts.has_userinfo)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("endpoint URLs must not contain user information"),
				 errhint("Store credentials in a user mapping, not in the URL.")));
	if (parts.has_fragment)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("endpoint URLs must not contain a fragment")));
	if (!hfe_host_matches(server->allowed_hosts, host))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("host \"%s\" is not in the allowed_hosts of server \"%s\"",
						host, server->servername),
				 errhint("The server's owner can add it with: ALTER SERVER %s OPTIONS (SET allowed_hosts '...');",
						 quote_identifier(server->servername))));
}
