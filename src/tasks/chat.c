/*-------------------------------------------------------------------------
 *
 * chat.c
 *		The chat task in its two SQL forms, on the OpenAI-compatible chat
 *		completions route (doc/protocol.md §6.3):
 *		- chat(endpoint, prompt, system, ...) returns the first choice's
 *		  text; chat_batch() and enrich's task => 'chat' are its batch forms;
 *		- chat_completion(endpoint, messages, ...) returns the whole answer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "batch.h"
#include "call.h"
#include "tasks/tasks.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_chat);
PG_FUNCTION_INFO_V1(hfendpoints_chat_batch);
PG_FUNCTION_INFO_V1(hfendpoints_chat_completion);

static cJSON *response_format_json(const char *name, Datum value);

/* the options both forms take, in their SQL argument order */
#define OPENAI_OPTIONS \
	{"max_tokens", HFE_OPT_INT, "max_tokens"}, \
	{"temperature", HFE_OPT_FLOAT, "temperature"}, \
	{"top_p", HFE_OPT_FLOAT, "top_p"}, \
	{"seed", HFE_OPT_SEED, "seed"}, \
	{"stop", HFE_OPT_TEXT_ARRAY, "stop"}, \
	{"frequency_penalty", HFE_OPT_FLOAT, "frequency_penalty"}, \
	{"presence_penalty", HFE_OPT_FLOAT, "presence_penalty"}, \
	{"response_format", HFE_OPT_JSON, "response_format", response_format_json}

/* chat(endpoint, prompt, <these>) */
static const HfeTaskOption chat_options[] = {
	{"system", HFE_OPT_TEXT, NULL},
	OPENAI_OPTIONS,
	{"extra", HFE_OPT_EXTRA, NULL},
	HFE_ENGINE_OPTION,
	{NULL}
};

/* chat_completion(endpoint, messages, <these>) */
static const HfeTaskOption chat_completion_options[] = {
	OPENAI_OPTIONS,
	{"tools", HFE_OPT_JSON, "tools"},
	{"tool_choice", HFE_OPT_JSON, "tool_choice"},
	{"extra", HFE_OPT_EXTRA, NULL},
	HFE_ENGINE_OPTION,
	{NULL}
};

/*
 * The body is {"model", "messages", options, "stream": false}; "model" is
 * only a placeholder, which extra may replace (doc/protocol.md §6.3).
 */
static const HfeOwnKey openai_own_keys[] = {
	{"messages", "\"messages\" is the conversation. Pass it as chat_completion's messages argument, or as the prompt and system arguments (for enrich, the input column and the \"system\" parameter)."},
	{"stream", "Responses are read whole: the request always has \"stream\": false."},
	{NULL, NULL}
};

/*
 * response_format: huggingface_hub rewrites the OpenAI form
 * {"type": "json_schema", "json_schema": {"schema": S}} into TGI's
 * {"type": "json_object", "value": S} (doc/protocol.md §6.3); anything
 * else is sent as given.
 */
static cJSON *
response_format_json(const char *name, Datum value)
{
	Jsonb	   *jb = DatumGetJsonbP(value);
	JsonbValue	type;
	JsonbValue	inner;
	JsonbValue	schema;

	if (JB_ROOT_IS_OBJECT(jb) &&
		getKeyJsonValueFromContainer(&jb->root, "type", 4, &type) != NULL &&
		type.type == jbvString && type.val.string.len == 11 &&
		memcmp(type.val.string.val, "json_schema", 11) == 0 &&
		getKeyJsonValueFromContainer(&jb->root, "json_schema", 11, &inner) != NULL &&
		inner.type == jbvBinary && JsonContainerIsObject(inner.val.binary.data) &&
		getKeyJsonValueFromContainer(inner.val.binary.data, "schema", 6, &schema) != NULL)
	{
		cJSON	   *tgi = hfe_wire_object();

		hfe_wire_set(tgi, "type", cJSON_CreateString("json_object"));
		hfe_wire_set(tgi, "value", cJSON_CreateRaw(hfe_jsonb_value_to_utf8(&schema)));
		return tgi;
	}
	return cJSON_CreateRaw(hfe_jsonb_to_utf8(value));
}

static cJSON *
chat_message(const char *role, const char *content)
{
	cJSON	   *m = hfe_wire_object();

	hfe_wire_set(m, "role", cJSON_CreateString(role));
	hfe_wire_set(m, "content", hfe_wire_string(content));
	return m;
}

/* {"model": "dummy", "messages": messages, <options>, "stream": false} */
static char *
openai_body(const HfeTaskCall *call, const cJSON *messages)
{
	cJSON	   *body = hfe_wire_object();
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(call->options, "model");
	const cJSON *item;

	if (model != NULL)
		hfe_wire_set_ref(body, "model", model);
	else
		hfe_wire_set(body, "model", cJSON_CreateString("dummy"));
	hfe_wire_set_ref(body, "messages", messages);
	cJSON_ArrayForEach(item, call->options)
	{
		if (strcmp(item->string, "model") != 0)
			hfe_wire_set_ref(body, item->string, item);
	}
	hfe_wire_set(body, "stream", cJSON_CreateFalse());
	return hfe_json_print(body);
}

/* [{"role":"system",...}, {"role":"user","content":prompt}] */
static char *
chat_body(const HfeTaskCall *call, const Datum *prompts, int n)
{
	const char *system = hfe_task_arg_text(call, "system");
	cJSON	   *messages = hfe_wire_array();

	Assert(n == 1);
	if (system != NULL)
		hfe_wire_append(messages, chat_message("system", system));
	hfe_wire_append(messages, chat_message("user", TextDatumGetCString(prompts[0])));
	return openai_body(call, messages);
}

/* messages from a jsonb argument, which must be an array */
static char *
chat_completion_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	Datum		messages = inputs[0];
	Jsonb	   *jb = DatumGetJsonbP(messages);

	Assert(n == 1);
	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("messages must be a JSON array"),
				 errhint("Pass messages such as '[{\"role\": \"user\", \"content\": \"Hello\"}]'.")));
	return openai_body(call, cJSON_CreateRaw(hfe_jsonb_to_utf8(messages)));
}

/* choices[0].message.content; NULL for a reply made only of tool calls */
static bool
chat_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *prompts,
		   int n, HfeAnswer *answers, HfeFailure **failure)
{
	HfeAnswer  *answer = &answers[0];
	cJSON	   *json;
	const cJSON *choices;
	const cJSON *message;
	const cJSON *content;
	char	   *out;

	if (!hfe_wire_parse_choices(req, &json, &choices, failure))
		return false;
	if (cJSON_GetArraySize(choices) < 1)
		return hfe_wire_unexpected(failure, "no choices");
	message = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(choices, 0), "message");
	if (!cJSON_IsObject(message))
		return hfe_wire_unexpected(failure, "a choice without a \"message\"");
	answer->tokens = hfe_wire_usage_tokens(json);
	content = cJSON_GetObjectItemCaseSensitive(message, "content");
	if (content == NULL || cJSON_IsNull(content))
	{
		answer->isnull = true;
		return true;
	}
	if (!cJSON_IsString(content))
		return hfe_wire_unexpected(failure, "a message whose \"content\" is not a string");
	if (!hfe_wire_text(req, content->valuestring, "generated text", &out, failure))
		return false;
	answer->value = CStringGetTextDatum(out);
	return true;
}

static const HfeTaskPart chat_openai = {
	.route = HFE_ROUTE_CHAT,
	.own_keys = openai_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = chat_body,
	.parse = chat_parse,
};

static const HfeTaskPart chat_completion_openai = {
	.route = HFE_ROUTE_CHAT,
	.own_keys = openai_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = chat_completion_body,
	.parse = hfe_wire_parse_jsonb,
};

const HfeTask hfe_task_chat = {
	.name = "chat",
	.enrich_name = "chat",
	.action = "complete chat",
	.input_type = TEXTOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = chat_options,
	/* TGI serves the same chat route as the OpenAI-compatible engines */
	.parts = {[HFE_PROTOCOL_TGI] = &chat_openai, [HFE_PROTOCOL_OPENAI] = &chat_openai},
};

const HfeTask hfe_task_chat_completion = {
	.name = "chat_completion",
	.enrich_name = NULL,
	.action = "complete chat",
	.input_type = JSONBOID,
	.result_type = JSONBOID,
	.first_option = 2,
	.options = chat_completion_options,
	.parts = {
		[HFE_PROTOCOL_TGI] = &chat_completion_openai,
		[HFE_PROTOCOL_OPENAI] = &chat_completion_openai,
	},
};

Datum
hfendpoints_chat(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_chat);
}

Datum
hfendpoints_chat_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_chat);
}

Datum
hfendpoints_chat_completion(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_chat_completion);
}
