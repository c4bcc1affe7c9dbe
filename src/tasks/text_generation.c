/*-------------------------------------------------------------------------
 *
 * text_generation.c
 *		The text-generation task: text_generation(), text_generation_batch()
 *		and enrich's task => 'text-generation', on TGI's native route
 *		(doc/protocol.md §6.1).
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

PG_FUNCTION_INFO_V1(hfendpoints_text_generation);
PG_FUNCTION_INFO_V1(hfendpoints_text_generation_batch);

/* text_generation(endpoint, prompt, <these>) */
static const HfeTaskOption options[] = {
	{"max_new_tokens", HFE_OPT_INT, "max_new_tokens"},
	{"temperature", HFE_OPT_FLOAT, "temperature"},
	{"top_k", HFE_OPT_INT, "top_k"},
	{"top_p", HFE_OPT_FLOAT, "top_p"},
	{"typical_p", HFE_OPT_FLOAT, "typical_p"},
	{"repetition_penalty", HFE_OPT_FLOAT, "repetition_penalty"},
	{"frequency_penalty", HFE_OPT_FLOAT, "frequency_penalty"},
	{"do_sample", HFE_OPT_BOOL, "do_sample"},
	{"seed", HFE_OPT_SEED, "seed"},
	{"stop", HFE_OPT_TEXT_ARRAY, "stop"},
	{"return_full_text", HFE_OPT_BOOL, "return_full_text"},
	{"truncate", HFE_OPT_INT, "truncate"},
	{"watermark", HFE_OPT_BOOL, "watermark"},
	{"grammar", HFE_OPT_JSON, "grammar"},
	{"adapter_id", HFE_OPT_TEXT, "adapter_id"},
	{"extra_parameters", HFE_OPT_EXTRA, NULL},
	{NULL}
};

/* the options are TGI's "parameters" object: these are the body's own */
static const HfeOwnKey tgi_own_keys[] = {
	{"inputs", "\"inputs\" is the prompt. Pass the prompt as the function's prompt argument, or for enrich in the input column."},
	{"parameters", "These options are already TGI's \"parameters\" object. Pass its members, such as '{\"max_new_tokens\": 20}'."},
	{NULL, NULL}
};

/*
 * {"inputs": prompt, "parameters": {...}}: "parameters" is always sent,
 * empty or not, as huggingface_hub does (doc/protocol.md §6.1).  TGI's
 * do_sample is then false unless given, though a temperature, top_k, top_p
 * or typical_p that changes the distribution also makes it sample (§7.20).
 */
static char *
tgi_body(const HfeTaskCall *call, Datum prompt)
{
	cJSON	   *body = hfe_wire_object();

	hfe_wire_set(body, "inputs", hfe_wire_string(TextDatumGetCString(prompt)));
	hfe_wire_set_ref(body, "parameters", call->options);
	return hfe_json_print(body);
}

/* TGI: [{"generated_text": ...}] or {"generated_text": ...} */
static bool
tgi_parse(const HfeHttpRequest *req, HfeAnswer *answer, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *obj;
	const cJSON *text;
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
	text = cJSON_GetObjectItemCaseSensitive(obj, "generated_text");
	if (!cJSON_IsString(text))
	{
		if (hfe_wire_error_in_body(req, obj, failure))
			return false;
		return hfe_wire_unexpected(failure, "no \"generated_text\"");
	}
	if (!hfe_wire_text(req, text->valuestring, "generated text", &out, failure))
		return false;
	answer->value = CStringGetTextDatum(out);
	return true;
}

static const HfeTaskPart tgi = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = tgi_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = tgi_body,
	.parse = tgi_parse,
};

const HfeTask hfe_task_text_generation = {
	.name = "text_generation",
	.enrich_name = "text-generation",
	.action = "generate text",
	.input_type = TEXTOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TGI] = &tgi},
};

Datum
hfendpoints_text_generation(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_text_generation);
}

Datum
hfendpoints_text_generation_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_text_generation);
}
