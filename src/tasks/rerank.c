/*-------------------------------------------------------------------------
 *
 * rerank.c
 *		The rerank task: how well each text answers a query, on TEI's
 *		POST /rerank and the OpenAI engines' POST /v1/rerank (vLLM, SGLang,
 *		llama.cpp; doc/protocol.md §9.4), with TEI's field names
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

static const HfeOwnKey openai_own_keys[] = {
	{"query", "The query is the function's query argument (for enrich, \"query\" in parameters)."},
	{"documents", "The documents are the function's texts argument (for enrich, the input column)."},
	{"top_n", "Every text is scored; rerank() sorts them, and LIMIT keeps the best."},
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

/*
 * Each rank of ranks, [{"index": i, <score_key>: s}, ...] in any order, to
 * its text: every text scored once, never trusting a rank's position.
 */
static bool
ranks_answers(const cJSON *ranks, const char *score_key, int n, HfeAnswer *answers,
			  HfeFailure **failure)
{
	const cJSON *item;
	bool	   *seen = palloc0(sizeof(bool) * n);
	int			count = 0;

	cJSON_ArrayForEach(item, ranks)
	{
		const cJSON *score = cJSON_GetObjectItemCaseSensitive(item, score_key);
		int			i = hfe_wire_index(item, n, seen);
		float4		v;

		if (i < 0)
			return hfe_wire_unexpected(failure, "a rank without a valid \"index\"");
		if (!cJSON_IsNumber(score))
			return hfe_wire_unexpected(failure, psprintf("a rank without a numeric \"%s\"", score_key));
		v = (float4) score->valuedouble;
		if (isinf(v) || isnan(v))
			return hfe_wire_unexpected(failure, "a score out of range for type real");
		answers[i].value = Float4GetDatum(v);
		count++;
	}
	if (count != n)
		return hfe_wire_unexpected(failure, psprintf("%d scores for %d texts", count, n));
	return true;
}

/* TEI: [{"index": i, "score": s}, ...], best first */
static bool
rerank_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			 int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (!cJSON_IsArray(json))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "not a JSON array of ranks");
	}
	return ranks_answers(json, "score", n, answers, failure);
}

/* ---- the OpenAI engines: POST /v1/rerank ---- */

static void
openai_check(const HfeTaskCall *call)
{
	(void) query(call);
	if (cJSON_GetObjectItemCaseSensitive(call->options, "raw_scores") != NULL)
		hfe_task_refuse_option(call, "raw_scores", "Its rerank route returns the model's relevance scores only.");
	if (cJSON_GetObjectItemCaseSensitive(call->options, "truncate") != NULL)
		hfe_task_refuse_option(call, "truncate", "Its rerank route has no such switch; shorten the texts instead.");
}

/*
 * {"query": q, "documents": [...], "top_n": n}, the body vLLM, SGLang and
 * llama.cpp share (Jina's); top_n = n keeps every text, where an engine
 * would otherwise cut the list.
 */
static char *
openai_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	cJSON	   *documents = hfe_wire_array();

	hfe_wire_set(body, "query", hfe_wire_string(query(call)));
	for (int i = 0; i < n; i++)
		hfe_wire_append(documents, hfe_wire_string(TextDatumGetCString(inputs[i])));
	hfe_wire_set(body, "documents", documents);
	hfe_wire_set(body, "top_n", cJSON_CreateNumber(n));
	return hfe_json_print(body);
}

/*
 * vLLM and llama.cpp: {"results": [{"index", "relevance_score"}, ...], ...};
 * SGLang: a bare [{"index", "score"}, ...] (doc/protocol.md §9.4).
 */
static bool
openai_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			 int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *results;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsArray(json))
		return ranks_answers(json, "score", n, answers, failure);
	results = cJSON_GetObjectItemCaseSensitive(json, "results");
	if (!cJSON_IsArray(results))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "neither \"results\" nor a JSON array of ranks");
	}
	return ranks_answers(results, "relevance_score", n, answers, failure);
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

static const HfeTaskPart openai = {
	.route = HFE_ROUTE_PATH,
	.path = "/v1/rerank",
	.own_keys = openai_own_keys,
	.max_inputs = HFE_INPUTS_ENGINE_LIMIT,
	.content_type = "application/json",
	.check = openai_check,
	.build_body = openai_body,
	.parse = openai_parse,
};

const HfeTask hfe_task_rerank = {
	.name = "rerank",
	.enrich_name = "rerank",
	.action = "rerank texts",
	.input_type = TEXTOID,
	.result_type = FLOAT4OID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TEI] = &tei, [HFE_PROTOCOL_OPENAI] = &openai},
};

Datum
hfendpoints_rerank_scores(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_rerank);
}
