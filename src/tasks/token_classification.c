/*-------------------------------------------------------------------------
 *
 * token_classification.c
 *		The token-classification task (named entities): the entities of a
 *		text with their places, on the toolkit's token-classification
 *		pipeline (doc/protocol.md §9.5), as huggingface_hub's
 *		InferenceClient.token_classification() sends it.  Its C functions
 *		return [{"entity_group", "score", "word", "start", "end"}, ...] in
 *		the text's order; the SQL functions make rows of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "batch.h"
#include "call.h"
#include "tasks/tasks.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_token_classification_json);
PG_FUNCTION_INFO_V1(hfendpoints_token_classification_json_batch);

static cJSON *aggregation_strategy_json(const char *name, Datum value);

/* _token_classification(endpoint, text, <these>) */
static const HfeTaskOption options[] = {
	{"aggregation_strategy", HFE_OPT_TEXT, "aggregation_strategy", aggregation_strategy_json},
	{"ignore_labels", HFE_OPT_TEXT_ARRAY, "ignore_labels"},
	{"stride", HFE_OPT_POSITIVE_INT, "stride"},
	HFE_ENGINE_OPTION,
	{NULL}
};

static cJSON *
aggregation_strategy_json(const char *name, Datum value)
{
	static const char *const strategies[] = {"none", "simple", "first", "average", "max"};
	char	   *strategy = TextDatumGetCString(value);

	for (int i = 0; i < lengthof(strategies); i++)
		if (strcmp(strategy, strategies[i]) == 0)
			return cJSON_CreateString(strategy);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", name, strategy),
			 errhint("Use 'none', 'simple', 'first', 'average' or 'max'.")));
	return NULL;				/* keep compiler quiet */
}

/* without aggregation, transformers names the entity "entity" */
static const char *const entity_from[] = {"entity_group", "entity", NULL};
static const char *const score_from[] = {"score", NULL};
static const char *const word_from[] = {"word", NULL};
static const char *const start_from[] = {"start", NULL};
static const char *const end_from[] = {"end", NULL};

static const HfeRowKey keys[] = {
	{"entity_group", entity_from, false, true},
	{"score", score_from, true, true},
	{"word", word_from, false, false},
	{"start", start_from, true, false},
	{"end", end_from, true, false},
	{NULL}
};

static bool
token_classification_parse(const HfeTaskCall *call, const HfeHttpRequest *req,
						   const Datum *inputs, int n, HfeAnswer *answers,
						   HfeFailure **failure)
{
	return hfe_wire_parse_rows(req, keys, false, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = hfe_pipeline_text_body,
	.parse = token_classification_parse,
};

const HfeTask hfe_task_token_classification = {
	.name = "token_classification",
	.enrich_name = "token-classification",
	.action = "classify tokens",
	.input_type = TEXTOID,
	.result_type = JSONBOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_token_classification_json(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_token_classification);
}

Datum
hfendpoints_token_classification_json_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_token_classification);
}
