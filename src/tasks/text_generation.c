/*-------------------------------------------------------------------------
 *
 * text_generation.c
 *		The text-generation task: text_generation(), text_generation_batch()
 *		and enrich's task => 'text-generation', on TGI's native route
 *		(doc/protocol.md §6.1), the inference toolkit's text-generation
 *		pipeline, and the OpenAI-compatible completions route of vLLM,
 *		SGLang and llama.cpp (§9.2).
 *
 * The options are TGI's parameters, and they mean on every engine what
 * they mean on TGI: left NULL, decoding is greedy and as long as the
 * model's end, as TGI's defaults are; an option an engine cannot honour
 * exactly is refused rather than dropped (a silent drop would change the
 * text).
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
	HFE_ENGINE_OPTION,
	{NULL}
};

/* the options are TGI's "parameters" object: these are the body's own */
static const HfeOwnKey tgi_own_keys[] = {
	{"inputs", "\"inputs\" is the prompt. Pass the prompt as the function's prompt argument, or for enrich in the input column."},
	{"parameters", "These options are already TGI's \"parameters\" object. Pass its members, such as '{\"max_new_tokens\": 20}'."},
	{NULL, NULL}
};

/* extra_parameters go to the root of an OpenAI body: these are its own */
static const HfeOwnKey completions_own_keys[] = {
	{"prompt", "\"prompt\" is the prompt. Pass the prompt as the function's prompt argument, or for enrich in the input column."},
	{"stream", "Responses are read whole: the request is never streamed."},
	{"echo", "Use return_full_text => true for the prompt in front of the text."},
	{NULL, NULL}
};

static const cJSON *
option(const HfeTaskCall *call, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(call->options, key);
}

/* grammar, a jsonb option sent verbatim (a raw item), as a JSON tree */
static const cJSON *
grammar_option(const HfeTaskCall *call)
{
	const cJSON *raw = option(call, "grammar");

	if (cJSON_IsRaw(raw))
		return hfe_json_parse(raw->valuestring, strlen(raw->valuestring));
	return raw;
}

/* Is key one of the task's own options (not an extra_parameters member)? */
static bool
is_task_option(const char *key)
{
	for (const HfeTaskOption *opt = options; opt->name; opt++)
		if (opt->wire_key != NULL && strcmp(opt->wire_key, key) == 0)
			return true;
	return false;
}

/*
 * ---- TGI and the toolkit: {"inputs", "parameters"} to the URL ----
 *
 * The body is hfe_pipeline_text_body's (doc/protocol.md §6.1): with
 * "parameters" always sent, TGI's do_sample is false unless given, though
 * a temperature, top_k, top_p or typical_p that changes the distribution
 * also makes it sample (§7.20).
 */

/* TGI and the toolkit: [{"generated_text": ...}] or {"generated_text": ...} */
static bool
tgi_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *prompts,
		  int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_first_text(req, "generated_text", "generated text", &answers[0], failure);
}

/*
 * The toolkit hands parameters to a transformers pipeline, which refuses
 * the keys its generate() does not know (doc/protocol.md §6.1): TGI's own.
 */
static void
toolkit_check(const HfeTaskCall *call)
{
	static const char *const not_in_transformers[] = {
		"frequency_penalty", "seed", "stop", "truncate", "watermark", "grammar",
		"adapter_id"
	};

	for (int i = 0; i < lengthof(not_in_transformers); i++)
		if (option(call, not_in_transformers[i]) != NULL)
			hfe_task_refuse_option(call, not_in_transformers[i],
								   "It hands the parameters to a transformers pipeline, which has no such parameter.");
}

static const HfeTaskPart tgi = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = tgi_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = hfe_pipeline_text_body,
	.parse = tgi_parse,
};

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = tgi_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = toolkit_check,
	.build_body = hfe_pipeline_text_body,
	.parse = tgi_parse,
};

/* ---- vLLM, SGLang, llama.cpp: POST {url}/v1/completions ---- */

static double
number_or(const HfeTaskCall *call, const char *key, double dflt)
{
	const cJSON *item = option(call, key);

	return cJSON_IsNumber(item) ? item->valuedouble : dflt;
}

/*
 * Does TGI sample with these options?  With "parameters" sent, do_sample
 * is false unless given, but any warper also samples: temperature other
 * than 1, top_k other than 0, top_p or typical_p below 1
 * (doc/protocol.md §7.20).
 */
static bool
tgi_samples(const HfeTaskCall *call)
{
	return cJSON_IsTrue(option(call, "do_sample")) ||
		number_or(call, "temperature", 1.0) != 1.0 ||
		number_or(call, "top_k", 0) != 0 ||
		number_or(call, "top_p", 1.0) < 1.0 ||
		number_or(call, "typical_p", 1.0) < 1.0;
}

/* grammar's type: "json" (or "json_schema") or "regex"; 22023 for others */
static const char *
grammar_type(const cJSON *grammar)
{
	const char *type = hfe_json_string(grammar, "type");

	if (type == NULL || cJSON_GetObjectItemCaseSensitive(grammar, "value") == NULL ||
		(strcmp(type, "json") != 0 && strcmp(type, "json_schema") != 0 &&
		 strcmp(type, "regex") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid grammar"),
				 errhint("Use TGI's form: '{\"type\": \"json\", \"value\": <JSON schema>}' or '{\"type\": \"regex\", \"value\": \"...\"}'.")));
	return type;
}

static void
completions_check(const HfeTaskCall *call)
{
	HfeEngine	e = call->engine;
	const cJSON *grammar = grammar_option(call);

	/*
	 * TGI runs to the model's end when max_new_tokens is not given; vLLM
	 * does for "max_tokens": null and llama.cpp by default, but SGLang's
	 * max_tokens is a plain integer, 16 when left out.
	 */
	if (option(call, "max_new_tokens") == NULL && e == HFE_ENGINE_SGLANG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("SGLang needs max_new_tokens"),
				 errdetail("Left NULL, TGI generates to the model's end; SGLang stops at 16 tokens and cannot be told to run to the end."),
				 errhint("Give the length, such as max_new_tokens => 256.")));
	if (option(call, "watermark") != NULL)
		hfe_task_refuse_option(call, "watermark", "Its completions route has no watermarking.");
	if (option(call, "typical_p") != NULL && e != HFE_ENGINE_LLAMACPP)
		hfe_task_refuse_option(call, "typical_p", "Its completions route has no typical sampling.");
	if (option(call, "truncate") != NULL && e != HFE_ENGINE_VLLM)
		hfe_task_refuse_option(call, "truncate", "Its completions route cannot truncate the prompt.");
	if (option(call, "adapter_id") != NULL && e != HFE_ENGINE_VLLM)
		hfe_task_refuse_option(call, "adapter_id", "Its completions route does not take an adapter by name.");
	if (option(call, "stop") != NULL && e == HFE_ENGINE_LLAMACPP)
		hfe_task_refuse_option(call, "stop",
							   "TGI keeps the stop sequence at the end of the text; llama.cpp removes it and does not say which one matched.");
	if (grammar != NULL && strcmp(grammar_type(grammar), "regex") == 0 &&
		e == HFE_ENGINE_LLAMACPP)
		hfe_task_refuse_option(call, "grammar", "llama.cpp takes JSON schemas and GBNF grammars, not regular expressions.");
}

/* The JSON schema of a json grammar: its value, or value.schema for json_schema. */
static const cJSON *
grammar_schema(const cJSON *grammar)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(grammar, "value");

	if (strcmp(hfe_json_string(grammar, "type"), "json_schema") == 0 &&
		cJSON_GetObjectItemCaseSensitive(value, "schema") != NULL)
		return cJSON_GetObjectItemCaseSensitive(value, "schema");
	return value;
}

/* TGI's grammar in the engine's words (doc/protocol.md §9.2). */
static void
add_grammar(cJSON *body, HfeEngine e, const cJSON *grammar)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(grammar, "value");

	if (strcmp(hfe_json_string(grammar, "type"), "regex") == 0)
	{
		if (e == HFE_ENGINE_SGLANG)
			hfe_wire_set_ref(body, "regex", value);
		else
		{
			/* vLLM up to 0.10 reads guided_regex, newer structured_outputs */
			cJSON	   *so = hfe_wire_object();

			hfe_wire_set_ref(body, "guided_regex", value);
			hfe_wire_set_ref(so, "regex", value);
			hfe_wire_set(body, "structured_outputs", so);
		}
		return;
	}
	if (e == HFE_ENGINE_SGLANG)
		hfe_wire_set(body, "json_schema", cJSON_CreateString(hfe_json_print(grammar_schema(grammar))));
	else if (e == HFE_ENGINE_LLAMACPP)
		hfe_wire_set_ref(body, "json_schema", grammar_schema(grammar));
	else
	{
		cJSON	   *format = hfe_wire_object();
		cJSON	   *schema = hfe_wire_object();

		hfe_wire_set(schema, "name", cJSON_CreateString("output"));
		hfe_wire_set_ref(schema, "schema", grammar_schema(grammar));
		hfe_wire_set(format, "type", cJSON_CreateString("json_schema"));
		hfe_wire_set(format, "json_schema", schema);
		hfe_wire_set(body, "response_format", format);
	}
}

/*
 * {"prompt", "max_tokens", sampling, ...}: every knob that decides the
 * text is sent, since each engine's defaults differ from TGI's
 * (doc/protocol.md §9.8): greedy unless TGI would sample, and a length
 * left to the model's end unless max_new_tokens is given.
 */
static char *
completions_body(const HfeTaskCall *call, const Datum *prompts, int n)
{
	HfeEngine	e = call->engine;
	bool		llamacpp = e == HFE_ENGINE_LLAMACPP;
	cJSON	   *body = hfe_wire_object();
	const cJSON *item;

	Assert(n == 1);
	if (option(call, "adapter_id") != NULL)
		hfe_wire_set_ref(body, "model", option(call, "adapter_id"));
	hfe_wire_set(body, "prompt", hfe_wire_string(TextDatumGetCString(prompts[0])));
	if ((item = option(call, "max_new_tokens")) != NULL)
		hfe_wire_set_ref(body, "max_tokens", item);
	else if (e == HFE_ENGINE_VLLM)
		hfe_wire_set(body, "max_tokens", cJSON_CreateNull());	/* not 16 */

	if (tgi_samples(call))
	{
		double		top_k = number_or(call, "top_k", 0);

		hfe_wire_set(body, "temperature", cJSON_CreateNumber(number_or(call, "temperature", 1.0)));
		hfe_wire_set(body, "top_p", cJSON_CreateNumber(number_or(call, "top_p", 1.0)));
		hfe_wire_set(body, "top_k", cJSON_CreateNumber(top_k != 0 ? top_k : (llamacpp ? 0 : -1)));
		if (llamacpp)
		{
			hfe_wire_set(body, "typical_p", cJSON_CreateNumber(number_or(call, "typical_p", 1.0)));
			hfe_wire_set(body, "min_p", cJSON_CreateNumber(0));
		}
	}
	else
		hfe_wire_set(body, "temperature", cJSON_CreateNumber(0));
	if (llamacpp)
		hfe_wire_set(body, "repeat_penalty",
					 cJSON_CreateNumber(number_or(call, "repetition_penalty", 1.0)));
	else if ((item = option(call, "repetition_penalty")) != NULL)
		hfe_wire_set_ref(body, "repetition_penalty", item);
	if ((item = option(call, "frequency_penalty")) != NULL)
		hfe_wire_set_ref(body, "frequency_penalty", item);
	if ((item = option(call, "seed")) != NULL)
		hfe_wire_set_ref(body, "seed", item);
	if ((item = option(call, "stop")) != NULL)
		hfe_wire_set_ref(body, "stop", item);
	if ((item = option(call, "truncate")) != NULL)
		hfe_wire_set_ref(body, "truncate_prompt_tokens", item);
	if (cJSON_IsTrue(option(call, "return_full_text")) && !llamacpp)
		hfe_wire_set(body, "echo", cJSON_CreateTrue());
	if ((item = grammar_option(call)) != NULL)
		add_grammar(body, e, item);

	/* extra_parameters: members of the body, as given, replacing ours */
	cJSON_ArrayForEach(item, call->options)
	{
		if (is_task_option(item->string))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(body, item->string);
		hfe_wire_set_ref(body, item->string, item);
	}
	return hfe_json_print(body);
}

/*
 * {"choices": [{"index": 0, "text", "finish_reason", "stop_reason"}], ...}:
 * the text of the choice with index 0.  The engines cut the stop sequence
 * that ended the text, which TGI keeps: it is put back from vLLM's
 * stop_reason or SGLang's matched_stop.  llama.cpp, which cannot echo,
 * gets the prompt put in front for return_full_text.
 */
static bool
completions_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *prompts,
				  int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *choices;
	const cJSON *choice = NULL;
	const cJSON *item;
	const cJSON *text_item;
	const char *finish;
	const cJSON *matched;
	char	   *out;
	StringInfoData buf;

	if (!hfe_wire_parse_choices(req, &json, &choices, failure))
		return false;
	cJSON_ArrayForEach(item, choices)
	{
		const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");

		if (choice == NULL && (index == NULL || (cJSON_IsNumber(index) && index->valuedouble == 0)))
			choice = item;
	}
	if (choice == NULL)
		return hfe_wire_unexpected(failure, "no choice of index 0");
	text_item = cJSON_GetObjectItemCaseSensitive(choice, "text");
	if (!cJSON_IsString(text_item))
		return hfe_wire_unexpected(failure, "a choice without a \"text\"");
	if (!hfe_wire_text(req, text_item->valuestring, "generated text", &out, failure))
		return false;

	initStringInfo(&buf);
	if (call->engine == HFE_ENGINE_LLAMACPP && cJSON_IsTrue(option(call, "return_full_text")))
		appendStringInfoString(&buf, TextDatumGetCString(prompts[0]));
	appendStringInfoString(&buf, out);
	finish = hfe_json_string(choice, "finish_reason");
	matched = cJSON_GetObjectItemCaseSensitive(choice, call->engine == HFE_ENGINE_SGLANG ?
											   "matched_stop" : "stop_reason");
	if (finish != NULL && strcmp(finish, "stop") == 0 && cJSON_IsString(matched))
	{
		if (!hfe_wire_text(req, matched->valuestring, "stop sequence", &out, failure))
			return false;
		appendStringInfoString(&buf, out);
	}
	answers[0].value = CStringGetTextDatum(buf.data);
	answers[0].tokens = hfe_wire_usage_tokens(json);
	return true;
}

static const HfeTaskPart completions = {
	.route = HFE_ROUTE_COMPLETIONS,
	.own_keys = completions_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = completions_check,
	.build_body = completions_body,
	.parse = completions_parse,
};

const HfeTask hfe_task_text_generation = {
	.name = "text_generation",
	.enrich_name = "text-generation",
	.action = "generate text",
	.input_type = TEXTOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = options,
	.parts = {
		[HFE_PROTOCOL_TGI] = &tgi,
		[HFE_PROTOCOL_OPENAI] = &completions,
		[HFE_PROTOCOL_TOOLKIT] = &toolkit,
	},
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
