/*-------------------------------------------------------------------------
 *
 * rerank.c
 *		The rerank task: how well each text answers a query, on TEI's
 *		POST /rerank (doc/protocol.md §9.4), with TEI's field names
 *		(huggingface_hub has no rerank method).
 *
 * The task's input is one text and its option the query, so that a batch
 * of texts packs into TEI's "texts" list (up to max_client_batch_size per
 * request) and enrich scores each row against one query.  rerank(endpoint,
 * query, texts), in SQL, is that batch sorted by score.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "batch.h"
#include "tasks/tasks.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_rerank_scores);

/* _rerank_scores(endpoint, texts, <these>, on_error) */
static const HfeTaskOption options[] = {
	{"query", HFE_OPT_TEXT, NULL},
	{"raw_scores", HFE_OPT_BOOL, "raw_scores"},
	{"truncate", HFE_OPT_BOOL, "truncate"},
	HFE_ENGINE_OPTION,
	{NULL}
};

static const HfeOwnKey tei_own_keys[] = {
	{"query", "The query is the function's query argument (for enrich, \"query\" in parameters)."},
	{"texts", "The texts are the function's texts argument (for enrich, the input column)."},
	{NULL, NULL}
};

static const char *
query(const HfeTaskCall *call)
{
	const char *q = hfe_task_arg_text(call, "query");

	if (q == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rerank needs a query"),
				 errhint("Pass the query to score the texts against (for enrich, \"query\" in parameters).")));
	return q;
}

static void
rerank_check(const HfeTaskCall *call)
{
	(void) query(call);
}

/* {"query": q, "texts": [...], "raw_scores"?, "truncate"?} */
static char *
rerank_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	cJSON	   *texts = hfe_wire_array();
	const cJSON *item;

	hfe_wire_set(body, "query", hfe_wire_string(query(call)));
	for (int i = 0; i < n; i++)
		hfe_wire_append(texts, hfe_wire_string(TextDatumGetCString(inputs[i])));
	hfe_wire_set(body, "texts", texts);
	cJSON_ArrayForEach(item, call->options)
		hfe_wire_set_ref(body, item->string, item);
	return hfe_json_print(body);
}

/* [{"index": i, "score": s}, ...], best first: each score to its text */
static bool
rerank_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			 int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *item;
	bool	   *seen = palloc0(sizeof(bool) * n);
	int			count = 0;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (!cJSON_IsArray(json))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "not a JSON array of ranks");
	}
	cJSON_ArrayForEach(item, json)
	{
		const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
		const cJSON *score = cJSON_GetObjectItemCaseSensitive(item, "score");
		int			i;
		float4		v;

		if (!cJSON_IsNumber(index) || index->valuedouble < 0 || index->valuedouble >= n ||
			index->valuedouble != (double) (int) index->valuedouble ||
			seen[(int) index->valuedouble])
			return hfe_wire_unexpected(failure, "a rank without a valid \"index\"");
		if (!cJSON_IsNumber(score))
			return hfe_wire_unexpected(failure, "a rank without a numeric \"score\"");
		v = (float4) score->valuedouble;
		if (isinf(v) || isnan(v))
			return hfe_wire_unexpected(failure, "a score out of range for type real");
		i = (int) index->valuedouble;
		seen[i] = true;
		answers[i].value = Float4GetDatum(v);
		count++;
	}
	if (count != n)
		return hfe_wire_unexpected(failure, psprintf("%d scores for %d texts", count, n));
	return true;
}

static const HfeTaskPart tei = {
	.route = HFE_ROUTE_PATH,
	.path = "/rerank",
	.own_keys = tei_own_keys,
	.max_inputs = HFE_INPUTS_ENGINE_LIMIT,
	.content_type = "application/json",
	.check = rerank_check,
	.build_body = rerank_body,
	.parse = rerank_parse,
};

const HfeTask hfe_task_rerank = {
	.name = "rerank",
	.enrich_name = "rerank",
	.action = "rerank texts",
	.input_type = TEXTOID,
	.result_type = FLOAT4OID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TEI] = &tei},
};

Datum
hfendpoints_rerank_scores(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_rerank);
}
