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
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplesort.h"
#include "utils/tuplestore.h"

#include "args.h"
#include "guc.h"
#include "inference.h"
#include "target.h"
#include "jobs.h"
#include "observer.h"

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

/*
 * Where a batch's rows go.  A row is put as soon as its response is parsed,
 * in whatever order the responses complete, into a sort keyed by ord
 * (which spills to disk past work_mem); the rows are read out in input
 * order at the end.  The raw body of a parsed response is freed at once,
 * so that a batch holds at most its window of raw bodies
 * (hfendpoints.max_concurrency of them, each at most
 * hfendpoints.max_response_size), plus FAILED_BODY_KEEP bytes per failed
 * row, however many rows it has.
 */
typedef struct BatchSink
{
	TupleDesc	desc;
	bool		enrich_shape;	/* (ord, output, embedding, error) */
	bool		embedding;		/* ... and output is the embedding */
	Tuplesortstate *sort;
	TupleTableSlot *put_slot;	/* virtual: a row being put */
	TupleTableSlot *get_slot;	/* minimal: a row read back */
} BatchSink;

/* A failed response keeps this much of its body, for the error's detail. */
#define FAILED_BODY_KEEP 16384

/* What the engine's done callback needs while a batch runs. */
typedef struct BatchRun
{
	Batch	   *batch;
	BatchSink  *sink;
	int		   *input_of_req;	/* the input each request answers */
	int		   *req_of_slot;	/* the request at each position of the array
								 * being sent (NULL: the same) */
	bool	   *parsed;			/* request answered and its row put */
	HfeFailure **parse_error;	/* request answered, but not as promised */
	MemoryContext row_cxt;		/* one response's parsing, reset after it */
	MemoryContext run_cxt;		/* what outlives a response: its error */
} BatchRun;

static void
sink_begin(BatchSink *sink, TupleDesc desc, bool enrich_shape, bool embedding)
{
	AttrNumber	ord_column = 1;
	Oid			ord_less = Int4LessOperator;
	Oid			collation = InvalidOid;
	bool		nulls_first = false;

	sink->desc = desc;
	sink->enrich_shape = enrich_shape;
	sink->embedding = embedding;
	sink->sort = tuplesort_begin_heap(desc, 1, &ord_column, &ord_less, &collation,
									  &nulls_first, work_mem, NULL, TUPLESORT_NONE);
	sink->put_slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	sink->get_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
}

/* One row: (ord, output, error) or, for enrich, (ord, output, embedding, error). */
static void
sink_put(BatchSink *sink, int input, Datum value, bool is_null, const char *error)
{
	TupleTableSlot *slot = sink->put_slot;
	Datum	   *values = slot->tts_values;
	bool	   *nulls = slot->tts_isnull;
	int			col = 0;

	ExecClearTuple(slot);
	values[col] = Int32GetDatum(input + 1);
	nulls[col++] = false;
	if (sink->enrich_shape)
	{
		/* output text, embedding real[]: only one of them is filled */
		values[col] = sink->embedding ? (Datum) 0 : value;
		nulls[col++] = sink->embedding || is_null;
		values[col] = sink->embedding ? value : (Datum) 0;
		nulls[col++] = !sink->embedding || is_null;
	}
	else
	{
		values[col] = value;
		nulls[col++] = is_null;
	}
	values[col] = error ? CStringGetTextDatum(error) : (Datum) 0;
	nulls[col] = (error == NULL);
	ExecStoreVirtualTuple(slot);
	tuplesort_puttupleslot(sink->sort, slot);
}

/* Hand the rows, in input order, to the SRF's result. */
static void
sink_end(BatchSink *sink, FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	tuplesort_performsort(sink->sort);
	while (tuplesort_gettupleslot(sink->sort, true, false, sink->get_slot, NULL))
		tuplestore_puttupleslot(rsinfo->setResult, sink->get_slot);
	tuplesort_end(sink->sort);
	ExecDropSingleTupleTableSlot(sink->put_slot);
	ExecDropSingleTupleTableSlot(sink->get_slot);
}

static bool
parse_response(BatchOutput output, const HfeHttpRequest *req, Datum *value,
			   bool *is_null, HfeFailure **failure)
{
	char	   *text = NULL;
	bool		ok;

	*is_null = false;
	switch (output)
	{
		case OUTPUT_TEXT_GENERATION:
			ok = hfe_parse_text_generation(req, &text, failure);
			break;
		case OUTPUT_CHAT:
			ok = hfe_parse_chat_content(req, &text, failure);
			break;
		case OUTPUT_EMBEDDING:
			return hfe_parse_embedding(req, value, failure);
		case OUTPUT_JSON:
			return hfe_parse_jsonb(req, value, failure);
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
 * The engine's done callback: parse a successful response into its row
 * and free the body; of a failed one keep only the start, for its error,
 * which is decided once every request is done (a stale URL may yet be
 * retried).
 */
static void
request_done(HfeHttpRequest *req, void *arg)
{
	BatchRun   *run = (BatchRun *) arg;
	int			r = run->req_of_slot ? run->req_of_slot[req->engine_index] : req->engine_index;
	MemoryContext old;
	HfeFailure *failure = NULL;
	Datum		value = (Datum) 0;
	bool		is_null;

	if (!hfe_http_ok(req))
	{
		hfe_http_release_response(req, FAILED_BODY_KEEP);
		return;
	}
	old = MemoryContextSwitchTo(run->row_cxt);
	if (parse_response(run->batch->output, req, &value, &is_null, &failure))
	{
		sink_put(run->sink, run->input_of_req[r], value, is_null, NULL);
		run->parsed[r] = true;
	}
	else
	{
		MemoryContextSwitchTo(run->run_cxt);
		run->parse_error[r] = hfe_failure_copy(failure);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(run->row_cxt);
	hfe_http_release_response(req, 0);
}

/*
 * Send the batch, putting one row per input into sink; see run_batch.
 * own_job: this call began the job it reports its rows in.
 */
static void
send_batch(const char *endpoint, Batch *batch, bool raise_errors, BatchSink *sink,
		   bool own_job)
{
	HfeTarget  *target;
	HfeHttpRequest **reqs;
	BatchRun	run;
	int			nreqs = 0;
	int			nfailed = 0;
	char	   *unavailable = NULL;

	memset(&run, 0, sizeof(run));
	run.batch = batch;
	run.sink = sink;
	run.input_of_req = palloc(sizeof(int) * Max(batch->n, 1));
	for (int i = 0; i < batch->n; i++)
	{
		if (batch->bodies[i] != NULL)
			run.input_of_req[nreqs++] = i;
		else
			sink_put(sink, i, (Datum) 0, true, NULL);	/* NULL input, NULL row */
	}
	if (nreqs == 0)
		return;					/* only NULL inputs: no request at all */

	target = hfe_target_resolve(endpoint);
	hfe_job_set_endpoint(target->stats_label);
	hfe_job_set_state(target->cold ? HFE_JOB_WAITING : HFE_JOB_RUNNING);
	if (own_job)
		hfe_job_set_rows(nreqs, 0, 0);
	reqs = palloc(sizeof(HfeHttpRequest *) * nreqs);
	for (int r = 0; r < nreqs; r++)
	{
		reqs[r] = hfe_target_request(target, batch->route, batch->path,
									 batch->bodies[run.input_of_req[r]]);
		hfe_tag_request(reqs[r], target->server->serverid, target->stats_label, true);
	}
	run.parsed = palloc0(sizeof(bool) * nreqs);
	run.parse_error = palloc0(sizeof(HfeFailure *) * nreqs);
	run.run_cxt = CurrentMemoryContext;
	run.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hfendpoints batch row",
										ALLOCSET_DEFAULT_SIZES);
	hfe_http_perform_each(reqs, nreqs, hfe_max_concurrency, request_done, &run);

	/*
	 * A cached URL gone stale: resolve once more and resend what failed.
	 * When the endpoint was paused (or failed, or deleted) meanwhile, that
	 * raises, as it should with on_error => 'raise'; with 'null' the rows
	 * already answered are kept and the others carry the reason.
	 */
	for (int r = 0; r < nreqs; r++)
	{
		if (!hfe_http_ok(reqs[r]) && hfe_target_suspect(target, reqs[r]))
		{
			if (!raise_errors)
				unavailable = hfe_target_unavailable(target);
			if (unavailable == NULL && hfe_target_refresh(target))
			{
				HfeHttpRequest **again = palloc(sizeof(HfeHttpRequest *) * nreqs);
				int			nagain = 0;

				run.req_of_slot = palloc(sizeof(int) * nreqs);
				for (int k = 0; k < nreqs; k++)
				{
					if (run.parsed[k] || run.parse_error[k] != NULL)
						continue;	/* answered: its row is settled */
					hfe_target_retarget(target, reqs[k], batch->route, batch->path);
					run.req_of_slot[nagain] = k;
					again[nagain++] = reqs[k];
				}
				hfe_http_perform_each(again, nagain, hfe_max_concurrency, request_done, &run);
			}
			break;
		}
	}
	MemoryContextDelete(run.row_cxt);

	/*
	 * The failures, in input order: the first raises, or each gets its row.
	 * A response that did not parse raises what its parser said.
	 */
	for (int r = 0; r < nreqs; r++)
	{
		char	   *line;

		if (run.parsed[r])
			continue;
		if (raise_errors)
			hfe_raise_inference_failure(target, batch->action,
										run.parse_error[r] ? run.parse_error[r] :
										hfe_inference_failure(target, reqs[r]),
										reqs[r]);
		if (run.parse_error[r] != NULL)
			line = hfe_failure_line(run.parse_error[r]);
		else if (unavailable != NULL && hfe_target_suspect(target, reqs[r]))
			line = unavailable;
		else
			line = hfe_failure_line(hfe_inference_failure(target, reqs[r]));
		sink_put(sink, run.input_of_req[r], (Datum) 0, true, line);
		nfailed++;
	}
	/* the engine counted responses as they came; these are the final figures */
	if (own_job)
		hfe_job_set_rows(-1, nreqs - nfailed, nfailed);
}

/*
 * Send the batch and put its rows into sink.  With raise_errors, the first
 * failed input (in input order) raises its error; otherwise failures come
 * back as NULL values with an error message.  The call shows in
 * hfendpoints.jobs until it returns or fails.
 */
static void
run_batch(const char *endpoint, Batch *batch, bool raise_errors, BatchSink *sink)
{
	bool		own_job = hfe_job_begin(batch->job, endpoint, NULL);

	PG_TRY();
	{
		send_batch(endpoint, batch, raise_errors, sink, own_job);
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
	return hfe_text_array_elements(PG_GETARG_ARRAYTYPE_P(argno), "batch inputs", true, n);
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
	BatchSink	sink;
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

	sink_begin(&sink, ((ReturnSetInfo *) fcinfo->resultinfo)->setDesc, false, false);
	run_batch(endpoint, &batch, raise_errors, &sink);
	sink_end(&sink, fcinfo);
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
	return batch_function(fcinfo, OUTPUT_EMBEDDING, "compute embeddings",
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
	BatchSink	sink;

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
		batch.action = "compute embeddings";
		own_keys = hfe_feature_extraction_keys;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported enrich task \"%s\"", task)));
	hfe_check_options(options, own_keys, "parameters");

	build_text_bodies(&batch, inputs, options,
					  messages_system ? messages_system->valuestring : NULL);

	sink_begin(&sink, ((ReturnSetInfo *) fcinfo->resultinfo)->setDesc, true,
			   batch.output == OUTPUT_EMBEDDING);
	run_batch(endpoint, &batch, false, &sink);
	sink_end(&sink, fcinfo);
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
