/*-------------------------------------------------------------------------
 *
 * task.c
 *		One call of a task: its options read from the SQL arguments or
 *		from enrich's parameters, checked the same way, and the part of
 *		the task that speaks the endpoint's protocol.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/varlena.h"
#include "mb/pg_wchar.h"
#include "lib/stringinfo.h"

#include "args.h"
#include "detect.h"
#include "media.h"
#include "guc.h"
#include "task.h"
#include "wire.h"

/* ---- one option's value as JSON ---- */

/* Copy the members of a jsonb object into obj, each value verbatim. */
static void
merge_jsonb_object(cJSON *obj, Datum jsonb, const char *name)
{
	Jsonb	   *jb = DatumGetJsonbP(jsonb);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", name)));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = hfe_wire_utf8(pnstrdup(v.val.string.val, v.val.string.len));
		else if (tok == WJB_VALUE)
			hfe_wire_set(obj, key, cJSON_CreateRaw(hfe_jsonb_value_to_utf8(&v)));
	}
}

/* The JSON an option of this kind sends for value (a non-NULL Datum). */
static cJSON *
option_json(const HfeTaskOption *opt, Datum value)
{
	switch (opt->kind)
	{
		case HFE_OPT_INT:
			return cJSON_CreateNumber((double) DatumGetInt32(value));
		case HFE_OPT_POSITIVE_INT:
			if (DatumGetInt32(value) <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must be positive", opt->name)));
			return cJSON_CreateNumber((double) DatumGetInt32(value));
		case HFE_OPT_FLOAT:
			if (!isfinite(DatumGetFloat8(value)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must be a finite number", opt->name)));
			return cJSON_CreateNumber(DatumGetFloat8(value));
		case HFE_OPT_BOOL:
			return cJSON_CreateBool(DatumGetBool(value));
		case HFE_OPT_SEED:
			/* a bigint as an exact JSON integer: never through a double */
			if (DatumGetInt64(value) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must not be negative", opt->name)));
			return cJSON_CreateRaw(psprintf(INT64_FORMAT, DatumGetInt64(value)));
		case HFE_OPT_TEXT:
			return hfe_wire_string(TextDatumGetCString(value));
		case HFE_OPT_TEXT_ARRAY:
			{
				int			n;
				char	  **strings = hfe_text_array_elements(DatumGetArrayTypeP(value),
															  opt->name, false, &n);
				cJSON	   *list = hfe_wire_array();

				for (int i = 0; i < n; i++)
					hfe_wire_append(list, hfe_wire_string(strings[i]));
				return list;
			}
		case HFE_OPT_JSON:
			return cJSON_CreateRaw(hfe_jsonb_to_utf8(value));
		case HFE_OPT_EXTRA:
			break;				/* merged by the caller */
	}
	elog(ERROR, "unexpected option kind %d", (int) opt->kind);
	return NULL;				/* keep compiler quiet */
}

static void
add_option(HfeTaskCall *call, const HfeTaskOption *opt, Datum value)
{
	cJSON	   *item;

	if (opt->kind == HFE_OPT_EXTRA)
	{
		merge_jsonb_object(call->options, value, opt->name);
		return;
	}
	if (opt->convert)
		item = opt->convert(opt->name, value);
	else if (opt->wire_key == NULL && opt->kind == HFE_OPT_TEXT)
		item = cJSON_CreateString(TextDatumGetCString(value));	/* read here, kept
																 * in the database
																 * encoding */
	else
		item = option_json(opt, value);
	if (item == NULL)
		hfe_wire_oom();
	hfe_wire_set(opt->wire_key ? call->options : call->args,
				 opt->wire_key ? opt->wire_key : opt->name, item);
}

/* ---- the call ---- */

static HfeTaskCall *
new_call(const HfeTask *task)
{
	HfeTaskCall *call = palloc0(sizeof(HfeTaskCall));

	call->task = task;
	call->options = hfe_wire_object();
	call->args = hfe_wire_object();
	return call;
}

/*
 * Refuse options that name a key a part's body sets itself, whichever
 * engine the call turns out to speak to, so that this is known before the
 * endpoint is resolved; the error names where such a key can come from
 * (the task's extra argument).
 */
static void
check_own_keys(const HfeTaskCall *call)
{
	const char *extra = NULL;

	for (const HfeTaskOption *opt = call->task->options; opt->name; opt++)
		if (opt->kind == HFE_OPT_EXTRA)
			extra = opt->name;
	for (int p = 0; p < HFE_NUM_PROTOCOLS; p++)
	{
		const HfeTaskPart *part = call->task->parts[p];

		if (part == NULL)
			continue;
		for (const HfeOwnKey *k = part->own_keys; k->key != NULL; k++)
		{
			if (cJSON_GetObjectItemCaseSensitive(call->options, k->key) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" cannot be set in %s", k->key,
								extra ? extra : "the options"),
						 errhint("%s", k->hint)));
		}
	}
}

HfeTaskCall *
hfe_task_call_from_args(const HfeTask *task, FunctionCallInfo fcinfo, int end_arg)
{
	HfeTaskCall *call = new_call(task);
	int			arg = task->first_option;

	/* an older version's SQL function may declare fewer options */
	for (const HfeTaskOption *opt = task->options; opt->name && arg < end_arg; opt++, arg++)
	{
		if (!PG_ARGISNULL(arg))
			add_option(call, opt, PG_GETARG_DATUM(arg));
	}
	check_own_keys(call);
	return call;
}

/* The SQL type an option of this kind is read as. */
static Oid
option_type(HfeOptionKind kind)
{
	switch (kind)
	{
		case HFE_OPT_INT:
		case HFE_OPT_POSITIVE_INT:
			return INT4OID;
		case HFE_OPT_FLOAT:
			return FLOAT8OID;
		case HFE_OPT_BOOL:
			return BOOLOID;
		case HFE_OPT_SEED:
			return INT8OID;
		case HFE_OPT_TEXT:
			return TEXTOID;
		case HFE_OPT_TEXT_ARRAY:
			return TEXTARRAYOID;
		case HFE_OPT_JSON:
		case HFE_OPT_EXTRA:
			return JSONBOID;
	}
	return InvalidOid;
}

static void
wrong_json_type(const char *argname, const HfeTaskOption *opt)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"%s\" in %s must be of type %s", opt->name, argname,
					format_type_be(option_type(opt->kind)))));
}

/*
 * A JSON value of enrich's parameters as the Datum the SQL argument of the
 * option would hold: numbers through their text, so that 1.5 is no
 * integer and a 64-bit seed stays exact.
 */
static Datum
jsonb_option_datum(const HfeTaskOption *opt, JsonbValue *v, const char *argname)
{
	Oid			type = option_type(opt->kind);

	if (type == JSONBOID)
		return JsonbPGetDatum(JsonbValueToJsonb(v));
	if (type == TEXTOID)
	{
		if (v->type != jbvString)
			wrong_json_type(argname, opt);
		return PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
														v->val.string.len));
	}
	if (type == BOOLOID)
	{
		if (v->type != jbvBool)
			wrong_json_type(argname, opt);
		return BoolGetDatum(v->val.boolean);
	}
	if (type == TEXTARRAYOID)
	{
		Jsonb	   *jb = JsonbValueToJsonb(v);
		JsonbIterator *it;
		JsonbValue	elem;
		JsonbIteratorToken tok;
		ArrayBuildState *astate = NULL;

		if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
			wrong_json_type(argname, opt);
		it = JsonbIteratorInit(&jb->root);
		while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (elem.type != jbvString)
				wrong_json_type(argname, opt);
			astate = accumArrayResult(astate,
									  PointerGetDatum(cstring_to_text_with_len(elem.val.string.val,
																			   elem.val.string.len)),
									  false, TEXTOID, CurrentMemoryContext);
		}
		if (astate == NULL)
			return PointerGetDatum(construct_empty_array(TEXTOID));
		return makeArrayResult(astate, CurrentMemoryContext);
	}
	/* a number: through its text, by the type's own input function */
	if (v->type != jbvNumeric)
		wrong_json_type(argname, opt);
	{
		char	   *digits = DatumGetCString(DirectFunctionCall1(numeric_out,
																 NumericGetDatum(v->val.numeric)));

		if (type == INT4OID)
			return DirectFunctionCall1(int4in, CStringGetDatum(digits));
		if (type == INT8OID)
			return DirectFunctionCall1(int8in, CStringGetDatum(digits));
		return DirectFunctionCall1(float8in, CStringGetDatum(digits));
	}
}

/* Raise for a parameter name the task does not have. */
static void
unknown_parameter(const HfeTask *task, const char *name, const char *argname)
{
	const char *closest = NULL;
	int			best = -1;
	int			len = strlen(name);
	StringInfoData names;

	initStringInfo(&names);
	for (const HfeTaskOption *opt = task->options; opt->name; opt++)
	{
		int			d = varstr_levenshtein(name, len, opt->name, strlen(opt->name),
										   1, 1, 1, false);

		if (best < 0 || d < best)
		{
			best = d;
			closest = opt->name;
		}
		appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "", opt->name);
	}
	/* as PostgreSQL's own "Perhaps you meant": at most half the name wrong */
	if (closest != NULL && best <= Max(len / 2, 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized parameter \"%s\" in %s", name, argname),
				 errhint("Perhaps you meant \"%s\".  Task %s takes: %s.", closest,
						 task->name, names.data)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized parameter \"%s\" in %s", name, argname),
			 errhint("Task %s takes: %s.", task->name, names.data)));
}

HfeTaskCall *
hfe_task_call_from_jsonb(const HfeTask *task, Datum parameters, const char *argname)
{
	HfeTaskCall *call = new_call(task);
	Jsonb	   *jb = DatumGetJsonbP(parameters);
	int			nopts = 0;
	Datum	   *values;
	bool	   *given;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			current = -1;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", argname)));
	for (const HfeTaskOption *opt = task->options; opt->name; opt++)
		nopts++;
	values = palloc0(sizeof(Datum) * Max(nopts, 1));
	given = palloc0(sizeof(bool) * Max(nopts, 1));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *name = pnstrdup(v.val.string.val, v.val.string.len);

			current = -1;
			for (int i = 0; i < nopts; i++)
				if (strcmp(task->options[i].name, name) == 0)
					current = i;
			if (current < 0)
				unknown_parameter(task, name, argname);
		}
		else if (tok == WJB_VALUE && v.type != jbvNull)
		{
			values[current] = jsonb_option_datum(&task->options[current], &v, argname);
			given[current] = true;
		}
	}
	/* in the order of the SQL arguments, as a call would read them */
	for (int i = 0; i < nopts; i++)
		if (given[i])
			add_option(call, &task->options[i], values[i]);
	check_own_keys(call);
	return call;
}

#define INPUT_PLACEHOLDER "{{input}}"

HfeTaskCall *
hfe_task_enrich_call(const HfeTask *task, Datum parameters, cJSON **template)
{
	Datum		payload = (Datum) 0;
	char	   *text;

	*template = NULL;
	if (parameters == (Datum) 0)
		parameters = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	if (task->input_type == JSONBOID)
	{
		Jsonb	   *jb = DatumGetJsonbP(parameters);
		JsonbValue *v = JB_ROOT_IS_OBJECT(jb) ?
			getKeyJsonValueFromContainer(&jb->root, "payload", 7, NULL) : NULL;

		if (v == NULL || v->type != jbvBinary)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("task %s needs the parameter \"payload\", a JSON object or array", task->name),
					 errhint("Pass the request body with \"" INPUT_PLACEHOLDER "\" where the row's text goes, such as '{\"payload\": {\"inputs\": \"" INPUT_PLACEHOLDER "\"}}'.")));
		payload = JsonbPGetDatum(JsonbValueToJsonb(v));
		text = hfe_jsonb_to_utf8(payload);
		if (strstr(text, INPUT_PLACEHOLDER) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the payload of task %s does not use the row's input", task->name),
					 errhint("Put \"" INPUT_PLACEHOLDER "\" in one of its strings.")));
		*template = hfe_json_parse(text, strlen(text));
		if (*template == NULL)
			hfe_wire_oom();		/* jsonb's own text: only memory can fail */
		parameters = DirectFunctionCall2(jsonb_delete, parameters, CStringGetTextDatum("payload"));
	}
	return hfe_task_call_from_jsonb(task, parameters, "parameters");
}

/* Replace the placeholder in every string value of a JSON tree. */
static void
fill_template(cJSON *node, const char *input)
{
	for (; node != NULL; node = node->next)
	{
		if (cJSON_IsString(node) && strstr(node->valuestring, INPUT_PLACEHOLDER) != NULL)
		{
			StringInfoData buf;
			const char *p = node->valuestring;
			const char *hit;

			initStringInfo(&buf);
			while ((hit = strstr(p, INPUT_PLACEHOLDER)) != NULL)
			{
				appendBinaryStringInfo(&buf, p, hit - p);
				appendStringInfoString(&buf, input);
				p = hit + strlen(INPUT_PLACEHOLDER);
			}
			appendStringInfoString(&buf, p);
			if (!cJSON_SetValuestring(node, buf.data))
				hfe_wire_oom();
		}
		if (node->child != NULL)
			fill_template(node->child, input);
	}
}

Datum
hfe_task_enrich_input(const HfeTask *task, const cJSON *template, const char *row_text)
{
	cJSON	   *json;
	char	   *text;

	if (task->input_type == BYTEAOID)
		return DirectFunctionCall1(byteain, CStringGetDatum(row_text));
	if (template == NULL)
		return CStringGetTextDatum(row_text);
	json = cJSON_Duplicate(template, true);
	if (json == NULL)
		hfe_wire_oom();
	fill_template(json, hfe_wire_utf8(row_text));
	text = hfe_json_print(json);
	return DirectFunctionCall1(jsonb_in,
							   CStringGetDatum(pg_any_to_server(text, strlen(text), PG_UTF8)));
}

/* ---- requests ---- */

cJSON *
hfe_task_content_type_json(const char *name, Datum value)
{
	char	   *type = TextDatumGetCString(value);

	hfe_media_check_type(type);
	return cJSON_CreateString(type);
}

/* The base64 of len bytes (RFC 4648, one line), for JSON. */
static char *
base64_of(const char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = (const unsigned char *) data;
	char	   *out = palloc((len + 2) / 3 * 4 + 1);
	char	   *p = out;

	for (size_t i = 0; i < len; i += 3)
	{
		uint32		v = (uint32) in[i] << 16;

		if (i + 1 < len)
			v |= (uint32) in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*p++ = alphabet[(v >> 18) & 63];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? alphabet[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

HfeHttpRequest *
hfe_task_request(const HfeTaskCall *call, const HfeTarget *target, HfeRoute route,
				 const char *path, const Datum *inputs, int n)
{
	const HfeTaskPart *part = call->part;
	bytea	   *media;
	const char *type;
	cJSON	   *body;

	if (part->media == NULL)
		return hfe_target_request(target, route, path, part->build_body(call, inputs, n));
	Assert(n == 1);
	media = DatumGetByteaPP(inputs[0]);
	type = hfe_media_type(hfe_task_arg_text(call, "content_type"), part->media,
						  (const unsigned char *) VARDATA_ANY(media), VARSIZE_ANY_EXHDR(media));
	if (cJSON_GetArraySize(call->options) == 0)
		return hfe_target_request_body(target, route, path, VARDATA_ANY(media),
									   VARSIZE_ANY_EXHDR(media), type);
	/* options: the toolkit reads them only with a JSON body */
	body = hfe_wire_object();
	hfe_wire_set(body, "inputs", cJSON_CreateString(base64_of(VARDATA_ANY(media),
															  VARSIZE_ANY_EXHDR(media))));
	hfe_wire_set_ref(body, "parameters", call->options);
	return hfe_target_request(target, route, path, hfe_json_print(body));
}

/* ---- shared by the toolkit's pipelines ---- */

const HfeOwnKey hfe_pipeline_own_keys[] = {
	{"inputs", "\"inputs\" is the text. Pass it as the function's input argument, or for enrich in the input column."},
	{"parameters", "The options are already the pipeline's \"parameters\" object."},
	{NULL, NULL}
};

char *
hfe_pipeline_text_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	Assert(n == 1);
	return hfe_wire_pipeline_body(call->options, TextDatumGetCString(inputs[0]));
}

cJSON *
hfe_task_truncation_json(const char *name, Datum value)
{
	static const char *const strategies[] = {
		"do_not_truncate", "longest_first", "only_first", "only_second"
	};
	char	   *strategy = TextDatumGetCString(value);

	for (int i = 0; i < lengthof(strategies); i++)
		if (strcmp(strategy, strategies[i]) == 0)
			return cJSON_CreateString(strategy);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", name, strategy),
			 errhint("Use 'do_not_truncate', 'longest_first', 'only_first' or 'only_second'.")));
	return NULL;				/* keep compiler quiet */
}

/* ---- binding a call to its endpoint's engine ---- */

cJSON *
hfe_task_engine_json(const char *name, Datum value)
{
	HfeEngine	engine = hfe_engine_parse(TextDatumGetCString(value), name);

	return cJSON_CreateString(hfe_engine_name(engine));
}

static HfeProtocol
protocol_of(HfeEngine engine)
{
	switch (engine)
	{
		case HFE_ENGINE_TGI:
			return HFE_PROTOCOL_TGI;
		case HFE_ENGINE_TEI:
			return HFE_PROTOCOL_TEI;
		case HFE_ENGINE_VLLM:
		case HFE_ENGINE_SGLANG:
		case HFE_ENGINE_LLAMACPP:
			return HFE_PROTOCOL_OPENAI;
		case HFE_ENGINE_TOOLKIT:
			return HFE_PROTOCOL_TOOLKIT;
		default:
			break;
	}
	return HFE_PROTOCOL_ANY;
}

/* The task's part for engine, or NULL; an unknown engine gets the first. */
static const HfeTaskPart *
part_for(const HfeTask *task, HfeEngine engine)
{
	const HfeTaskPart *part = NULL;

	if (engine == HFE_ENGINE_UNKNOWN)
	{
		for (int p = 0; p < HFE_NUM_PROTOCOLS && part == NULL; p++)
			part = task->parts[p];
		return part;
	}
	part = task->parts[protocol_of(engine)];
	return part ? part : task->parts[HFE_PROTOCOL_ANY];
}

/* Does the task speak differently to different engines? */
static bool
task_depends_on_engine(const HfeTask *task)
{
	const HfeTaskPart *seen = NULL;

	for (int p = 0; p < HFE_NUM_PROTOCOLS; p++)
	{
		if (task->parts[p] == NULL)
			continue;
		if (seen != NULL && task->parts[p] != seen)
			return true;
		seen = task->parts[p];
	}
	return false;
}

/* Inputs one request may carry to engine, at most. */
static int
engine_input_limit(HfeTarget *target, HfeEngine engine)
{
	switch (engine)
	{
		case HFE_ENGINE_TEI:
			return hfe_detect_tei_batch_limit(target);
		case HFE_ENGINE_VLLM:
		case HFE_ENGINE_SGLANG:
			return 256;			/* no limit of their own (doc/protocol.md §9.7) */
		case HFE_ENGINE_LLAMACPP:
			return 32;
		default:
			break;
	}
	return 1;
}

void
hfe_task_call_bind(HfeTaskCall *call, HfeTarget *target, bool many)
{
	const char *forced = hfe_task_arg_text(call, "engine");
	const HfeTask *task = call->task;

	if (task_depends_on_engine(task) || forced != NULL)
		call->engine = hfe_detect_engine(target, forced);
	else
		call->engine = target->engine;	/* what is known, without probes */
	call->part = part_for(task, call->engine);
	if (call->part == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s runs %s, which does not serve %s", target->label,
						hfe_engine_label(call->engine), task->name),
				 errhint("If another engine serves it, name it with engine => '...' or the server option \"engine\".")));
	if (call->part->check != NULL)
		call->part->check(call);
	call->max_inputs = 1;
	if (many && call->part->max_inputs == HFE_INPUTS_ENGINE_LIMIT)
		call->max_inputs = Max(1, Min(engine_input_limit(target, call->engine),
									  hfe_max_inputs_per_request));
}

bool
hfe_task_should_split(const HfeTaskCall *call, const HfeHttpRequest *req, int n)
{
	if (n < 2 || req->curl_code != CURLE_OK || req->response_too_large)
		return false;
	/* TEI's body-size limit, answered in text */
	if (req->status == 413)
		return true;
	/* llama.cpp answers an input too large for its batch with a 500 */
	if (req->status == 500 && call->engine == HFE_ENGINE_LLAMACPP)
		return true;
	if (req->status < 400 || req->status >= 500 ||
		req->status == 401 || req->status == 403 || req->status == 404 ||
		req->status == 424 || req->status == 429)
		return false;

	/*
	 * An engine's own refusal is JSON; a proxy's (a paused endpoint's 400)
	 * is text and concerns every request, whatever its inputs.
	 */
	return strstr(req->content_type, "json") != NULL;
}

bool
hfe_task_size_refused(const HfeHttpRequest *req)
{
	return req->status == 413 ||
		(req->response != NULL && strstr(req->response, "batch size") != NULL);
}

void
hfe_task_refuse_option(const HfeTaskCall *call, const char *option, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s cannot honour %s of %s", hfe_engine_label(call->engine), option,
					call->task->name),
			 why ? errdetail("%s", why) : 0,
			 errhint("Do not pass %s to this endpoint, or name its engine with engine => '...' if it is not %s.",
					 option, hfe_engine_label(call->engine))));
}

const char *
hfe_task_arg_text(const HfeTaskCall *call, const char *name)
{
	return hfe_json_string(call->args, name);
}

HfeRoute
hfe_task_route(const HfeTaskCall *call, const char **path)
{
	*path = hfe_task_arg_text(call, "route");
	if (*path != NULL)
		return HFE_ROUTE_PATH;
	*path = call->part->path;
	return call->part->route;
}
