/*-------------------------------------------------------------------------
 *
 * text_classification.c
 *		The text-classification task: the labels of a text with their
 *		scores, best first, on TEI's POST /predict (doc/protocol.md §9.4),
 *		vLLM's and SGLang's POST /classify (§9.4: the top label only), and
 *		the toolkit's text-classification pipeline (§9.5), as
 *		huggingface_hub's InferenceClient.text_classification() sends it.
 *
 * Its C functions return the labels as jsonb, [{"label", "score"}, ...];
 * text_classification() and text_classification_batch() in SQL make rows
 * of them, and enrich writes them as they are (or the top label alone,
 * into a text column).
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

PG_FUNCTION_INFO_V1(hfendpoints_text_classification_json);
PG_FUNCTION_INFO_V1(hfendpoints_text_classification_json_batch);

static cJSON *function_to_apply_json(const char *name, Datum value);

/* _text_classification(endpoint, text, <these>) */
static const HfeTaskOption options[] = {
	{"top_k", HFE_OPT_POSITIVE_INT, NULL},
	{"function_to_apply", HFE_OPT_TEXT, "function_to_apply", function_to_apply_json},
	HFE_ENGINE_OPTION,
	{NULL}
};

static const HfeOwnKey tei_own_keys[] = {
	{"inputs", "\"inputs\" is the text. Pass it as the function's text argument, or for enrich in the input column."},
	{NULL, NULL}
};

static cJSON *
function_to_apply_json(const char *name, Datum value)
{
	char	   *f = TextDatumGetCString(value);

	if (strcmp(f, "sigmoid") != 0 && strcmp(f, "softmax") != 0 && strcmp(f, "none") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", name, f),
				 errhint("Use 'sigmoid', 'softmax' or 'none'.")));
	return cJSON_CreateString(f);
}

/* ---- TEI: POST /predict ---- */

static void
tei_check(const HfeTaskCall *call)
{
	if (cJSON_GetObjectItemCaseSensitive(call->options, "function_to_apply") != NULL)
		hfe_task_refuse_option(call, "function_to_apply",
							   "TEI applies the model's own function; it only returns raw scores instead.");
}

/* {"inputs": text} for one, {"inputs": [[text], ...]} for a pack */
static char *
tei_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();

	if (n == 1)
		hfe_wire_set(body, "inputs", hfe_wire_string(TextDatumGetCString(inputs[0])));
	else
	{
		cJSON	   *list = hfe_wire_array();

		for (int i = 0; i < n; i++)
		{
			cJSON	   *one = hfe_wire_array();

			hfe_wire_append(one, hfe_wire_string(TextDatumGetCString(inputs[i])));
			hfe_wire_append(list, one);
		}
		hfe_wire_set(body, "inputs", list);
	}
	return hfe_json_print(body);
}

/*
 * The labels of one text, from [{"label", "score"}, ...], a list of one
 * such list, or one object: sorted best first and cut to top_k.
 */
static bool
labels_answer(const HfeTaskCall *call, const HfeHttpRequest *req, const cJSON *labels,
			  HfeAnswer *answer, HfeFailure **failure)
{
	const cJSON *top_k = cJSON_GetObjectItemCaseSensitive(call->args, "top_k");
	int			limit = cJSON_IsNumber(top_k) ? (int) top_k->valuedouble : -1;

	if (cJSON_IsArray(labels) && cJSON_IsArray(cJSON_GetArrayItem(labels, 0)) &&
		cJSON_GetArraySize(labels) == 1)
		labels = cJSON_GetArrayItem(labels, 0);
	return hfe_wire_scored_rows(req, labels, "label", limit, answer, failure);
}

static bool
tei_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
		  int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *item;
	int			i = 0;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
		return false;
	if (n == 1)
		return labels_answer(call, req, json, &answers[0], failure);
	if (!cJSON_IsArray(json) || cJSON_GetArraySize(json) != n)
		return hfe_wire_unexpected(failure, psprintf("not %d lists of labels", n));
	cJSON_ArrayForEach(item, json)
	{
		if (!cJSON_IsArray(item))
			return hfe_wire_unexpected(failure, "a list of labels that is not an array");
		(void) labels_answer(call, req, item, &answers[i], &answers[i].failure);
		i++;
	}
	return true;
}

static const HfeTaskPart tei = {
	.route = HFE_ROUTE_PATH,
	.path = "/predict",
	.own_keys = tei_own_keys,
	.max_inputs = HFE_INPUTS_ENGINE_LIMIT,
	.content_type = "application/json",
	.check = tei_check,
	.build_body = tei_body,
	.parse = tei_parse,
};

/* ---- vLLM and SGLang: POST /classify ---- */

static const HfeOwnKey openai_own_keys[] = {
	{"input", "\"input\" is the text. Pass it as the function's text argument, or for enrich in the input column."},
	{NULL, NULL}
};

static void
openai_check(const HfeTaskCall *call)
{
	if (cJSON_GetObjectItemCaseSensitive(call->options, "function_to_apply") != NULL)
		hfe_task_refuse_option(call, "function_to_apply",
							   "Its classify route applies the model's own function.");
}

/* {"input": [text, ...]} */
static char *
openai_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	cJSON	   *list = hfe_wire_array();

	for (int i = 0; i < n; i++)
		hfe_wire_append(list, hfe_wire_string(TextDatumGetCString(inputs[i])));
	hfe_wire_set(body, "input", list);
	return hfe_json_print(body);
}

/*
 * One item of "data", {"index", "label", "probs": [...]}: the route names
 * only the likeliest label, so the answer is that label with the largest
 * of probs as its score.
 */
static bool
classified_answer(const HfeTaskCall *call, const HfeHttpRequest *req, const cJSON *item,
				  HfeAnswer *answer, HfeFailure **failure)
{
	const cJSON *label = cJSON_GetObjectItemCaseSensitive(item, "label");
	const cJSON *probs = cJSON_GetObjectItemCaseSensitive(item, "probs");
	const cJSON *p;
	double		best = 0;
	bool		any = false;
	cJSON	   *rows = hfe_wire_array();
	cJSON	   *row = hfe_wire_object();

	if (!cJSON_IsString(label) || !cJSON_IsArray(probs))
		return hfe_wire_unexpected(failure, "a classification without \"label\" and \"probs\"");
	cJSON_ArrayForEach(p, probs)
	{
		if (!cJSON_IsNumber(p))
			return hfe_wire_unexpected(failure, "a probability that is not a number");
		if (!any || p->valuedouble > best)
			best = p->valuedouble;
		any = true;
	}
	if (!any)
		return hfe_wire_unexpected(failure, "a classification without probabilities");
	hfe_wire_set_ref(row, "label", label);
	hfe_wire_set(row, "score", cJSON_CreateNumber(best));
	hfe_wire_append(rows, row);
	return labels_answer(call, req, rows, answer, failure);
}

/* {"data": [{"index", "label", "probs"}, ...], ...}, one per input */
static bool
openai_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			 int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *data;
	const cJSON *item;
	bool	   *seen = palloc0(sizeof(bool) * n);

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	data = cJSON_GetObjectItemCaseSensitive(json, "data");
	if (!cJSON_IsArray(data))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "no \"data\" list of classifications");
	}
	if (cJSON_GetArraySize(data) != n)
		return hfe_wire_unexpected(failure, psprintf("%d classifications for %d texts",
													 cJSON_GetArraySize(data), n));
	cJSON_ArrayForEach(item, data)
	{
		int			i = hfe_wire_index(item, n, seen);

		if (i < 0)
			return hfe_wire_unexpected(failure, "a classification without a valid \"index\"");
		(void) classified_answer(call, req, item, &answers[i], &answers[i].failure);
	}
	return true;
}

static const HfeTaskPart openai = {
	.route = HFE_ROUTE_PATH,
	.path = "/classify",
	.own_keys = openai_own_keys,
	.max_inputs = HFE_INPUTS_ENGINE_LIMIT,
	.content_type = "application/json",
	.check = openai_check,
	.build_body = openai_body,
	.parse = openai_parse,
};

/* ---- the toolkit's text-classification pipeline ---- */

/*
 * {"inputs": [text], "parameters": {"top_k": k or null, ...}}: a list and
 * an explicit top_k, the one form whose answer has one shape, a list of
 * lists (doc/protocol.md §9.4).
 */
static char *
toolkit_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	cJSON	   *list = hfe_wire_array();
	cJSON	   *parameters = cJSON_Duplicate(call->options, true);
	const cJSON *top_k = cJSON_GetObjectItemCaseSensitive(call->args, "top_k");

	Assert(n == 1);
	if (parameters == NULL)
		hfe_wire_oom();
	hfe_wire_append(list, hfe_wire_string(TextDatumGetCString(inputs[0])));
	hfe_wire_set(body, "inputs", list);
	hfe_wire_set(parameters, "top_k", top_k ? cJSON_Duplicate(top_k, true) : cJSON_CreateNull());
	hfe_wire_set(body, "parameters", parameters);
	return hfe_json_print(body);
}

static bool
toolkit_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			  int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsObject(json) && cJSON_GetObjectItemCaseSensitive(json, "label") == NULL &&
		hfe_wire_error_in_body(req, json, failure))
		return false;
	return labels_answer(call, req, json, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = toolkit_body,
	.parse = toolkit_parse,
};

const HfeTask hfe_task_text_classification = {
	.name = "text_classification",
	.enrich_name = "text-classification",
	.action = "classify text",
	.input_type = TEXTOID,
	.result_type = JSONBOID,
	.text_member = "label",
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TEI] = &tei, [HFE_PROTOCOL_OPENAI] = &openai,
	[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_text_classification_json(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_text_classification);
}

Datum
hfendpoints_text_classification_json_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_text_classification);
}
