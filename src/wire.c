/*-------------------------------------------------------------------------
 *
 * wire.c
 *		JSON for the data plane: built in UTF-8 from database-encoding
 *		text, and answers read back without trusting them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "wire.h"

/* ---- building ---- */

void
hfe_wire_oom(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory while building a JSON document")));
	pg_unreachable();
}

cJSON *
hfe_wire_object(void)
{
	cJSON	   *obj = cJSON_CreateObject();

	if (obj == NULL)
		hfe_wire_oom();
	return obj;
}

cJSON *
hfe_wire_array(void)
{
	cJSON	   *array = cJSON_CreateArray();

	if (array == NULL)
		hfe_wire_oom();
	return array;
}

void
hfe_wire_set(cJSON *obj, const char *key, cJSON *item)
{
	if (item == NULL)
		hfe_wire_oom();
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
	{
		if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item))
			hfe_wire_oom();
	}
	else if (!cJSON_AddItemToObject(obj, key, item))
		hfe_wire_oom();
}

void
hfe_wire_set_ref(cJSON *obj, const char *key, const cJSON *item)
{
	if (!cJSON_AddItemReferenceToObject(obj, key, (cJSON *) item))
		hfe_wire_oom();
}

void
hfe_wire_append(cJSON *array, cJSON *item)
{
	if (item == NULL || !cJSON_AddItemToArray(array, item))
		hfe_wire_oom();
}

char *
hfe_wire_utf8(const char *server_text)
{
	return pg_server_to_any(server_text, strlen(server_text), PG_UTF8);
}

cJSON *
hfe_wire_string(const char *server_text)
{
	cJSON	   *item = cJSON_CreateString(hfe_wire_utf8(server_text));

	if (item == NULL)
		hfe_wire_oom();
	return item;
}

char *
hfe_jsonb_to_utf8(Datum jsonb)
{
	Jsonb	   *jb = DatumGetJsonbP(jsonb);

	return hfe_wire_utf8(JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
}

char *
hfe_jsonb_value_to_utf8(JsonbValue *v)
{
	if (v->type == jbvBinary)
		return hfe_wire_utf8(JsonbToCString(NULL, v->val.binary.data, v->val.binary.len));
	else
	{
		Jsonb	   *scalar = JsonbValueToJsonb(v);

		return hfe_wire_utf8(JsonbToCString(NULL, &scalar->root, VARSIZE(scalar)));
	}
}

/* ---- reading ---- */

bool
hfe_wire_unexpected(HfeFailure **failure, const char *what)
{
	*failure = hfe_bad_response(what);
	return false;
}

bool
hfe_wire_parse(const HfeHttpRequest *req, cJSON **json, HfeFailure **failure)
{
	*json = hfe_json_parse(req->response, req->response_len);
	if (*json == NULL)
		return hfe_wire_unexpected(failure, "the body is not valid JSON");
	return true;
}

bool
hfe_wire_error_in_body(const HfeHttpRequest *req, const cJSON *obj, HfeFailure **failure)
{
	const char *msg = hfe_json_string(obj, "error");

	if (msg == NULL)
		return false;
	*failure = hfe_make_failure(ERRCODE_PROTOCOL_VIOLATION,
								"the service sent an error instead of a result",
								hfe_sanitize_remote_text(msg, strlen(msg), 500, req->token));
	return true;
}

/*
 * Does the body hold a NUL character, raw or as the escape \u0000?  A
 * backslash only occurs inside JSON strings, so skipping each escape pair
 * is enough to tell "\u0000" from an escaped backslash followed by "u0000".
 */
static bool
has_nul(const char *s, size_t len)
{
	if (memchr(s, '\0', len) != NULL)
		return true;
	for (size_t i = 0; i + 1 < len; i++)
	{
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 5 < len &&
			s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '0' && s[i + 5] == '0')
			return true;
		i++;
	}
	return false;
}

bool
hfe_wire_text(const HfeHttpRequest *req, const char *utf8, const char *what,
			  char **out, HfeFailure **failure)
{
	int			len = strlen(utf8);

	if (has_nul(req->response, req->response_len))
	{
		*failure = hfe_make_failure(ERRCODE_UNTRANSLATABLE_CHARACTER,
									psprintf("the %s contains a NUL character (U+0000), which text and jsonb values cannot hold",
											 what),
									NULL);
		return false;
	}
	if (!pg_verify_mbstr(PG_UTF8, utf8, len, true))
	{
		*failure = hfe_make_failure(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
									"the response is not valid UTF-8", NULL);
		return false;
	}
	*out = pg_any_to_server(utf8, len, PG_UTF8);
	return true;
}

char *
hfe_wire_pipeline_body(const cJSON *parameters, const char *input)
{
	cJSON	   *body = hfe_wire_object();

	hfe_wire_set(body, "inputs", hfe_wire_string(input));
	hfe_wire_set_ref(body, "parameters", parameters);
	return hfe_json_print(body);
}

bool
hfe_wire_first_text(const HfeHttpRequest *req, const char *key, const char *what,
					HfeAnswer *answer, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *obj;
	const cJSON *item;
	char	   *out;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	obj = json;
	if (cJSON_IsArray(json))
	{
		if (cJSON_GetArraySize(json) < 1)
			return hfe_wire_unexpected(failure, "an empty array");
		obj = cJSON_GetArrayItem(json, 0);
	}
	if (!cJSON_IsObject(obj))
		return hfe_wire_unexpected(failure, "not a JSON object");
	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsString(item))
	{
		if (hfe_wire_error_in_body(req, obj, failure))
			return false;
		return hfe_wire_unexpected(failure, psprintf("no \"%s\"", key));
	}
	if (!hfe_wire_text(req, item->valuestring, what, &out, failure))
		return false;
	answer->value = CStringGetTextDatum(out);
	return true;
}

bool
hfe_wire_json_answer(const HfeHttpRequest *req, const cJSON *json, HfeAnswer *answer,
					 HfeFailure **failure)
{
	char	   *text;

	if (!hfe_wire_text(req, hfe_json_print(json), "response", &text, failure))
		return false;
	answer->value = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
	return true;
}

/* qsort: rows by "score", highest first (every row has a numeric one) */
static int
score_desc(const void *a, const void *b)
{
	double		x = cJSON_GetObjectItemCaseSensitive(*(cJSON *const *) a, "score")->valuedouble;
	double		y = cJSON_GetObjectItemCaseSensitive(*(cJSON *const *) b, "score")->valuedouble;

	return x > y ? -1 : x < y ? 1 : 0;
}

bool
hfe_wire_rows(const HfeHttpRequest *req, const cJSON *rows, const HfeRowKey *keys,
			  bool by_score, int limit, HfeAnswer *answer, HfeFailure **failure)
{
	cJSON	  **kept;
	cJSON	   *out = hfe_wire_array();
	const cJSON *row;
	int			n = 0;

	if (cJSON_IsObject(rows))
	{
		/* one row on its own */
		cJSON	   *list = hfe_wire_array();

		hfe_wire_append(list, cJSON_Duplicate(rows, true));
		rows = list;
	}
	if (!cJSON_IsArray(rows))
		return hfe_wire_unexpected(failure, "not a JSON array of rows");
	kept = palloc(sizeof(cJSON *) * Max(cJSON_GetArraySize(rows), 1));
	cJSON_ArrayForEach(row, rows)
	{
		cJSON	   *copy = hfe_wire_object();

		if (!cJSON_IsObject(row))
			return hfe_wire_unexpected(failure, "a row that is not a JSON object");
		for (const HfeRowKey *k = keys; k->key != NULL; k++)
		{
			const cJSON *v = NULL;

			for (const char *const *alias = k->from; *alias != NULL && v == NULL; alias++)
				v = cJSON_GetObjectItemCaseSensitive(row, *alias);
			if (v == NULL || cJSON_IsNull(v))
			{
				if (k->required)
					return hfe_wire_unexpected(failure, psprintf("a row without \"%s\"", k->from[0]));
				continue;
			}
			if ((k->number && (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))) ||
				(!k->number && !cJSON_IsString(v)))
				return hfe_wire_unexpected(failure, psprintf("a row whose \"%s\" is not a %s",
															 k->from[0], k->number ? "number" : "string"));
			hfe_wire_set(copy, k->key, cJSON_Duplicate(v, true));
		}
		kept[n++] = copy;
	}
	if (by_score)
		qsort(kept, n, sizeof(cJSON *), score_desc);
	for (int i = 0; i < n && (limit < 0 || i < limit); i++)
		hfe_wire_append(out, kept[i]);
	return hfe_wire_json_answer(req, out, answer, failure);
}

bool
hfe_wire_parse_rows(const HfeHttpRequest *req, const HfeRowKey *keys, bool by_score,
					HfeAnswer *answer, HfeFailure **failure)
{
	cJSON	   *json;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
		return false;
	return hfe_wire_rows(req, json, keys, by_score, -1, answer, failure);
}

bool
hfe_wire_scored_rows(const HfeHttpRequest *req, const cJSON *rows, const char *name_key,
					 int limit, HfeAnswer *answer, HfeFailure **failure)
{
	const char *name_from[] = {name_key, NULL};
	static const char *const score_from[] = {"score", NULL};
	HfeRowKey	keys[] = {
		{name_key, name_from, false, true},
		{"score", score_from, true, true},
		{NULL}
	};

	return hfe_wire_rows(req, rows, keys, true, limit, answer, failure);
}

int
hfe_wire_index(const cJSON *item, int n, bool *seen)
{
	const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
	int			i;

	if (!cJSON_IsNumber(index) || index->valuedouble < 0 || index->valuedouble >= n ||
		index->valuedouble != (double) (int) index->valuedouble)
		return -1;
	i = (int) index->valuedouble;
	if (seen[i])
		return -1;
	seen[i] = true;
	return i;
}

double
hfe_wire_number(const cJSON *obj, const char *key, bool *ok)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
	{
		*ok = false;
		return 0;
	}
	return item->valuedouble;
}

bool
hfe_wire_parse_choices(const HfeHttpRequest *req, cJSON **json, const cJSON **choices,
					   HfeFailure **failure)
{
	if (!hfe_wire_parse(req, json, failure))
		return false;
	if (!cJSON_IsObject(*json))
		return hfe_wire_unexpected(failure, "not a JSON object");
	*choices = cJSON_GetObjectItemCaseSensitive(*json, "choices");
	if (!cJSON_IsArray(*choices))
	{
		if (hfe_wire_error_in_body(req, *json, failure))
			return false;
		return hfe_wire_unexpected(failure, "no \"choices\"");
	}
	return true;
}

int64
hfe_wire_usage_tokens(const cJSON *json)
{
	const cJSON *item = hfe_json_path(json, "usage.completion_tokens");

	if (cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 1e15)
		return (int64) item->valuedouble;
	return -1;
}

bool
hfe_wire_parse_jsonb(const struct HfeTaskCall *call, const HfeHttpRequest *req,
					 const Datum *inputs, int n, HfeAnswer *answers, HfeFailure **failure)
{
	HfeAnswer  *answer = &answers[0];
	cJSON	   *json;
	char	   *text;

	Assert(n == 1);
	if (!hfe_wire_parse(req, &json, failure) ||
		!hfe_wire_text(req, req->response, "response", &text, failure))
		return false;
	answer->tokens = hfe_wire_usage_tokens(json);
	/* jsonb's own parser keeps every number exactly, as numeric */
	answer->value = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
	return true;
}
