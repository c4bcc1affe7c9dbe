/*-------------------------------------------------------------------------
 *
 * batch.c
 *		The batch inference functions (text_generation_batch, chat_batch,
 *		feature_extraction_batch, infer_batch) and the per-batch step of
 *		CALL hfendpoints.enrich(), on top of the concurrent engine.
 *
 * A batch call resolves its endpoint once, builds one request per non-NULL
 * input with the same body builders as the single-row functions
 * (inference.c), sends them all through hfe_http_perform_many() with up to
 * hfendpoints.max_concurrency in flight, and returns one row per input in
 * input order.  Each failed request was already retried on its own by the
 * engine; what still failed either raises (on_error => 'raise') or is
 * reported in the row's error column (on_error => 'null').
 *
 * Each call shows in hfendpoints.jobs while it runs (jobs.c), unless it
 * is one batch of an enrich job, whose progress enrich reports itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "hfendpoints.h"
#include "inference.h"
#include "jobs.h"

PG_FUNCTION_INFO_V1(hfendpoints_text_generation_batch);
PG_FUNCTION_INFO_V1(hfendpoints_chat_batch);
PG_FUNCTION_INFO_V1(hfendpoints_feature_extraction_batch);
PG_FUNCTION_INFO_V1(hfendpoints_infer_batch);
PG_FUNCTION_INFO_V1(hfendpoints_enrich_batch);
PG_FUNCTION_INFO_V1(hfendpoints_prevent_in_transaction_block);

/* What a batch's responses are parsed into. */
typedef enum BatchOutput
{
	OUTPUT_TEXT_GENERATION,
	OUTPUT_CHAT,
	OUTPUT_EMBEDDING,
	OUTPUT_JSON
} BatchOutput;

/* One batch: the inputs' request bodies (NULL for a NULL input). */
typedef struct Batch
{
	int			n;
	char	  **bodies;
	BatchOutput output;
	HfeRoute	route;
	const char *path;
	const char *action;			/* completes "could not ..." */
	const char *job;			/* its name in hfendpoints.jobs */
} Batch;

/* The outcome of one input. */
typedef struct BatchResult
{
	bool		is_null;		/* NULL input, or a failure in 'null' mode */
	Datum		value;
	char	   *error;			/* NULL when it worked */
} BatchResult;

static bool
parse_response(BatchOutput output, const HfeHttpRequest *req, Datum *value,
			   bool *is_null, HfeWireError *err)
{
	char	   *text = NULL;
	bool		ok;

	*is_null = false;
	switch (output)
	{
		case OUTPUT_TEXT_GENERATION:
			ok = hfe_parse_text_generation(req, &text, err);
			break;
		case OUTPUT_CHAT:
			ok = hfe_parse_chat_content(req, &text, err);
			break;
		case OUTPUT_EMBEDDING:
			return hfe_parse_embedding(req, value, err);
		case OUTPUT_JSON:
			return hfe_parse_jsonb(req, value, err);
		default:
			elog(ERROR, "unexpected batch output %d", (int) output);
	}
	if (ok)
	{
		*is_null = (text == NULL);
		if (text != NULL)
			*value = CStringGetTextDatum(text);
	}
	return ok;
}

/*
 * Send the batch and fill results[0..n-1]; see run_batch.  own_job: this
 * call began the job it reports its rows in.
 */
static void
send_batch(const char *endpoint, Batch *batch, bool raise_errors, BatchResult *results,
		   bool own_job)
{
	HfeTarget  *target;
	HfeHttpRequest **reqs;
	int		   *req_of_input;
	int			nreqs = 0;
	int			nfailed = 0;

	req_of_input = palloc(sizeof(int) * batch->n);
	for (int i = 0; i < batch->n; i++)
	{
		results[i].is_null = true;
		results[i].error = NULL;
		req_of_input[i] = batch->bodies[i] ? nreqs++ : -1;
	}
	if (nreqs == 0)
		return;					/* only NULL inputs: no request at all */

	target = hfe_target_resolve(endpoint);
	hfe_job_set_endpoint(target->stats_label);
	hfe_job_set_state(target->cold ? HFE_JOB_WAITING : HFE_JOB_RUNNING);
	if (own_job)
		hfe_job_set_rows(nreqs, 0, 0);
	reqs = palloc(sizeof(HfeHttpRequest *) * nreqs);
	for (int i = 0; i < batch->n; i++)
		if (req_of_input[i] >= 0)
		{
			HfeHttpRequest *req = hfe_target_request(target, batch->route, batch->path,
													 batch->bodies[i]);

			req->job_row = true;
			reqs[req_of_input[i]] = req;
		}
	hfe_http_perform_many(reqs, nreqs, hfe_max_concurrency);

	/* a cached URL gone stale: resolve once more and resend what failed */
	for (int r = 0; r < nreqs; r++)
	{
		if (!hfe_http_ok(reqs[r]) && hfe_target_suspect(target, reqs[r]))
		{
			if (hfe_target_refresh(target))
			{
				HfeHttpRequest **again = palloc(sizeof(HfeHttpRequest *) * nreqs);
				int			nagain = 0;

				for (int k = 0; k < nreqs; k++)
				{
					if (hfe_http_ok(reqs[k]))
						continue;
					hfe_target_retarget(target, reqs[k], batch->route, batch->path);
					again[nagain++] = reqs[k];
				}
				hfe_http_perform_many(again, nagain, hfe_max_concurrency);
			}
			break;
		}
	}

	for (int i = 0; i < batch->n; i++)
	{
		HfeHttpRequest *req;
		HfeWireError err;
		bool		ok;

		if (req_of_input[i] < 0)
			continue;
		req = reqs[req_of_input[i]];
		memset(&err, 0, sizeof(err));
		if (hfe_http_ok(req))
			ok = parse_response(batch->output, req, &results[i].value,
								&results[i].is_null, &err);
		else
		{
			hfe_inference_error(target, req, &err);
			ok = false;
		}
		if (!ok)
		{
			if (raise_errors)
				hfe_raise_wire_error(target, batch->action, &err);
			results[i].is_null = true;
			results[i].error = err.message;
			nfailed++;
		}
	}
	/* the engine counted responses as they came; these are the final figures */
	if (own_job)
		hfe_job_set_rows(-1, nreqs - nfailed, nfailed);
}

/*
 * Send the batch and fill results[0..n-1].  With raise_errors, the first
 * failed input (in input order) raises its error; otherwise failures come
 * back as NULL values with an error message.  The call shows in
 * hfendpoints.jobs until it returns or fails.
 */
static void
run_batch(const char *endpoint, Batch *batch, bool raise_errors, BatchResult *results)
{
	bool		own_job = hfe_job_begin(batch->job, endpoint, NULL);

	PG_TRY();
	{
		send_batch(endpoint, batch, raise_errors, results, own_job);
	}
	PG_FINALLY();
	{
		if (own_job)
			hfe_job_end();
	}
	PG_END_TRY();
}

/*
 * One request body per text input (NULL for a NULL input), built as the
 * single-row function of the batch's task builds it; system is the chat's
 * system message, or NULL.
 */
static void
build_text_bodies(Batch *batch, char **inputs, const cJSON *options, const char *system)
{
	batch->bodies = palloc(sizeof(char *) * Max(batch->n, 1));
	for (int i = 0; i < batch->n; i++)
	{
		if (inputs[i] == NULL)
			batch->bodies[i] = NULL;
		else if (batch->output == OUTPUT_TEXT_GENERATION)
			batch->bodies[i] = hfe_text_generation_body(inputs[i], options);
		else if (batch->output == OUTPUT_CHAT)
			batch->bodies[i] = hfe_chat_body(hfe_chat_messages(inputs[i], system), options);
		else
			batch->bodies[i] = hfe_feature_extraction_body(inputs[i], options);
	}
}

static bool
on_error_raises(FunctionCallInfo fcinfo, int argno)
{
	char	   *mode;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("on_error must not be NULL"),
				 errhint("Use 'raise' or 'null'.")));
	mode = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(mode, "raise") == 0)
		return true;
	if (strcmp(mode, "null") == 0)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid on_error \"%s\"", mode),
			 errhint("Use 'raise' to stop at the first failed input, or 'null' to report failures in the error column.")));
	return false;				/* keep compiler quiet */
}

/* The elements of an array argument as C strings (NULL for NULL). */
static char **
text_array_elements(FunctionCallInfo fcinfo, int argno, int *n)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(argno);
	Datum	   *elems;
	bool	   *nulls;
	char	  **strings;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("batch inputs must be a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	strings = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		strings[i] = nulls[i] ? NULL : TextDatumGetCString(elems[i]);
	return strings;
}

/*
 * Emit one row per input: (ord, output, error) or, for enrich,
 * (ord, output, embedding, error).
 */
static void
emit_rows(FunctionCallInfo fcinfo, int n, const BatchResult *results, bool enrich_shape,
		  bool embedding)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	for (int i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		int			col = 0;

		values[col++] = Int32GetDatum(i + 1);
		if (enrich_shape)
		{
			/* output text, embedding real[]: only one of them is filled */
			values[col] = embedding ? (Datum) 0 : results[i].value;
			nulls[col++] = embedding || results[i].is_null;
			values[col] = embedding ? results[i].value : (Datum) 0;
			nulls[col++] = !embedding || results[i].is_null;
		}
		else
		{
			values[col] = results[i].value;
			nulls[col++] = results[i].is_null;
		}
		if (results[i].error)
			values[col] = CStringGetTextDatum(results[i].error);
		else
			nulls[col] = true;
		col++;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

static char *
endpoint_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("endpoint must not be NULL")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/*
 * The shared body of the four batch SQL functions: arguments are
 * (endpoint, inputs array, <options...>, on_error), on_error last.
 */
static Datum
batch_function(FunctionCallInfo fcinfo, BatchOutput output, const char *action,
			   const char *job)
{
	int			on_error_arg = PG_NARGS() - 1;
	bool		raise_errors;
	char	   *endpoint;
	char	  **inputs;
	Batch		batch;
	BatchResult *results;
	cJSON	   *options = NULL;
	char	   *system = NULL;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		return (Datum) 0;		/* no array, no rows */
	raise_errors = on_error_raises(fcinfo, on_error_arg);
	endpoint = endpoint_arg(fcinfo);

	memset(&batch, 0, sizeof(batch));
	batch.output = output;
	batch.action = action;
	batch.job = job;
	batch.route = HFE_ROUTE_ROOT;

	if (output == OUTPUT_JSON)
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(arr, JSONBOID, -1, false, TYPALIGN_INT, &elems, &nulls, &batch.n);
		batch.bodies = palloc(sizeof(char *) * Max(batch.n, 1));
		for (int i = 0; i < batch.n; i++)
			batch.bodies[i] = nulls[i] ? NULL : hfe_jsonb_to_utf8(elems[i]);
		if (!PG_ARGISNULL(2))
		{
			batch.route = HFE_ROUTE_PATH;
			batch.path = text_to_cstring(PG_GETARG_TEXT_PP(2));
			hfe_check_route(batch.path);
		}
	}
	else
	{
		inputs = text_array_elements(fcinfo, 1, &batch.n);
		if (output == OUTPUT_TEXT_GENERATION)
			options = hfe_text_generation_options(fcinfo, 2);
		else if (output == OUTPUT_CHAT)
		{
			options = hfe_chat_options(fcinfo, &hfe_chat_args);
			batch.route = HFE_ROUTE_CHAT;
			if (!PG_ARGISNULL(2))
				system = text_to_cstring(PG_GETARG_TEXT_PP(2));
		}
		else
			options = hfe_feature_extraction_options(fcinfo, 2);

		build_text_bodies(&batch, inputs, options, system);
	}

	results = palloc(sizeof(BatchResult) * Max(batch.n, 1));
	run_batch(endpoint, &batch, raise_errors, results);
	emit_rows(fcinfo, batch.n, results, false, false);
	return (Datum) 0;
}

Datum
hfendpoints_text_generation_batch(PG_FUNCTION_ARGS)
{
	return batch_function(fcinfo, OUTPUT_TEXT_GENERATION, "generate text",
						  "text_generation_batch");
}

Datum
hfendpoints_chat_batch(PG_FUNCTION_ARGS)
{
	return batch_function(fcinfo, OUTPUT_CHAT, "complete chat", "chat_batch");
}

Datum
hfendpoints_feature_extraction_batch(PG_FUNCTION_ARGS)
{
	return batch_function(fcinfo, OUTPUT_EMBEDDING, "extract features",
						  "feature_extraction_batch");
}

Datum
hfendpoints_infer_batch(PG_FUNCTION_ARGS)
{
	return batch_function(fcinfo, OUTPUT_JSON, "run inference", "infer_batch");
}

/*
 * _enrich_batch(endpoint, task, inputs text[], parameters jsonb): one batch
 * of CALL hfendpoints.enrich().  parameters are the task's options as JSON:
 * TGI "parameters" for text-generation, chat-completion fields (plus
 * "system") for chat, TEI fields for feature-extraction.  Failures never
 * raise; they come back in the error column for enrich to record.
 */
Datum
hfendpoints_enrich_batch(PG_FUNCTION_ARGS)
{
	char	   *endpoint;
	char	   *task;
	char	  **inputs;
	cJSON	   *options;
	cJSON	   *messages_system = NULL;
	const HfeOwnKey *own_keys;
	Batch		batch;
	BatchResult *results;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("task and inputs must not be NULL")));
	endpoint = endpoint_arg(fcinfo);
	task = text_to_cstring(PG_GETARG_TEXT_PP(1));
	inputs = text_array_elements(fcinfo, 2, &batch.n);

	if (PG_ARGISNULL(3))
		options = cJSON_CreateObject();
	else
	{
		char	   *json = hfe_jsonb_to_utf8(PG_GETARG_DATUM(3));

		options = hfe_json_parse(json, strlen(json));
		if (!cJSON_IsObject(options))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("enrich parameters must be a JSON object")));
	}

	batch.path = NULL;
	batch.route = HFE_ROUTE_ROOT;
	batch.job = "enrich";
	if (strcmp(task, "text-generation") == 0)
	{
		batch.output = OUTPUT_TEXT_GENERATION;
		batch.action = "generate text";
		own_keys = hfe_text_generation_keys;
	}
	else if (strcmp(task, "chat") == 0)
	{
		batch.output = OUTPUT_CHAT;
		batch.action = "complete chat";
		batch.route = HFE_ROUTE_CHAT;
		messages_system = cJSON_DetachItemFromObjectCaseSensitive(options, "system");
		if (messages_system != NULL && !cJSON_IsString(messages_system))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("enrich parameter \"system\" must be a string")));
		own_keys = hfe_chat_keys;
	}
	else if (strcmp(task, "feature-extraction") == 0)
	{
		batch.output = OUTPUT_EMBEDDING;
		batch.action = "extract features";
		own_keys = hfe_feature_extraction_keys;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported enrich task \"%s\"", task)));
	hfe_check_options(options, own_keys, "parameters");

	build_text_bodies(&batch, inputs, options,
					  messages_system ? messages_system->valuestring : NULL);

	results = palloc(sizeof(BatchResult) * Max(batch.n, 1));
	run_batch(endpoint, &batch, false, results);
	emit_rows(fcinfo, batch.n, results, true, batch.output == OUTPUT_EMBEDDING);
	return (Datum) 0;
}

/*
 * enrich commits after every batch, which a transaction block forbids;
 * say so before any work is done rather than fail at the first COMMIT.
 */
Datum
hfendpoints_prevent_in_transaction_block(PG_FUNCTION_ARGS)
{
	char	   *command = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", command),
				 errdetail("It commits after every batch so that an interrupted run loses at most one batch."),
				 errhint("Run the CALL on its own, outside BEGIN ... COMMIT.")));
	PG_RETURN_VOID();
}
