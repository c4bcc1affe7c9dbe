/*-------------------------------------------------------------------------
 *
 * batch.c
 *		The batch runner: many inputs of one task in one call, sent
 *		concurrently, one row per input in input order.  The batch SQL
 *		functions (text_generation_batch, ...) and each batch of enrich
 *		run on it.
 *
 * A batch resolves its endpoint once, builds one request per non-NULL
 * input with the task's body builder (the same as its single-row
 * function's), sends them all through hfe_http_perform_each() with up to
 * hfendpoints.max_concurrency in flight, and parses each answer as it
 * completes.  Each failed request was already retried on its own by the
 * engine; what still failed either raises (on_error => 'raise') or is
 * reported in the row's error column (on_error => 'null').
 *
 * Each call shows in hfendpoints.jobs while it runs (jobs.c), unless it
 * is one batch of an enrich job, whose progress enrich reports itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

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

#include "batch.h"
#include "guc.h"
#include "jobs.h"
#include "observer.h"
#include "stats.h"
#include "target.h"

/* One batch: the inputs' request bodies (NULL for a NULL input). */
typedef struct Batch
{
	int			n;
	char	  **bodies;
	const HfeTaskCall *call;
	HfeRoute	route;
	const char *path;
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
	bool		embedding;		/* ... and the value is the embedding */
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
	const HfeTarget *target;
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
	HfeAnswer	answer = {(Datum) 0, false, -1};

	if (!hfe_http_ok(req))
	{
		hfe_http_release_response(req, FAILED_BODY_KEEP);
		return;
	}
	old = MemoryContextSwitchTo(run->row_cxt);
	if (run->batch->call->part->parse(req, &answer, &failure))
	{
		sink_put(run->sink, run->input_of_req[r], answer.value, answer.isnull, NULL);
		run->parsed[r] = true;
		if (answer.tokens > 0 && req->generated_tokens < 0)
			hfe_stats_count_tokens(run->target->server->serverid, run->target->stats_label,
								   answer.tokens);
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
	run.target = target;
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
			hfe_raise_inference_failure(target, batch->call->task->action,
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

/* One request body per input (NULL for a NULL input), as the single-row function builds it. */
static void
build_bodies(Batch *batch, const Datum *inputs, const bool *nulls)
{
	batch->bodies = palloc(sizeof(char *) * Max(batch->n, 1));
	for (int i = 0; i < batch->n; i++)
		batch->bodies[i] = nulls[i] ? NULL :
			batch->call->part->build_body(batch->call, inputs[i]);
	batch->route = hfe_task_route(batch->call, &batch->path);
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

static char *
endpoint_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("endpoint must not be NULL")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

Datum
hfe_batch_task(FunctionCallInfo fcinfo, const HfeTask *task)
{
	int			on_error_arg = PG_NARGS() - 1;
	bool		raise_errors;
	char	   *endpoint;
	ArrayType  *array;
	Datum	   *inputs;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Batch		batch;
	BatchSink	sink;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		return (Datum) 0;		/* no array, no rows */
	raise_errors = on_error_raises(fcinfo, on_error_arg);
	endpoint = endpoint_arg(fcinfo);

	memset(&batch, 0, sizeof(batch));
	batch.call = hfe_task_call_from_args(task, fcinfo);
	batch.job = psprintf("%s_batch", task->name);
	array = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("batch inputs must be a one-dimensional array")));
	get_typlenbyvalalign(task->input_type, &typlen, &typbyval, &typalign);
	deconstruct_array(array, task->input_type, typlen, typbyval, typalign,
					  &inputs, &nulls, &batch.n);
	build_bodies(&batch, inputs, nulls);

	sink_begin(&sink, ((ReturnSetInfo *) fcinfo->resultinfo)->setDesc, false, false);
	run_batch(endpoint, &batch, raise_errors, &sink);
	sink_end(&sink, fcinfo);
	return (Datum) 0;
}

void
hfe_batch_enrich(FunctionCallInfo fcinfo, const char *endpoint, const HfeTaskCall *call,
				 const Datum *inputs, const bool *nulls, int n)
{
	Batch		batch;
	BatchSink	sink;

	memset(&batch, 0, sizeof(batch));
	batch.call = call;
	batch.job = "enrich";
	batch.n = n;
	build_bodies(&batch, inputs, nulls);

	sink_begin(&sink, ((ReturnSetInfo *) fcinfo->resultinfo)->setDesc, true,
			   call->task->result_type == FLOAT4ARRAYOID);
	run_batch(endpoint, &batch, false, &sink);
	sink_end(&sink, fcinfo);
}
