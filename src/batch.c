/*-------------------------------------------------------------------------
 *
 * batch.c
 *		The batch runner: many inputs of one task in one call, sent
 *		concurrently, one row per input in input order.  The batch SQL
 *		functions (text_generation_batch, ...) and each batch of enrich
 *		run on it.
 *
 * A batch resolves its endpoint and its engine once, then streams its
 * requests through hfe_http_perform_stream() with up to
 * hfendpoints.max_concurrency in flight: one request per non-NULL input,
 * or one per pack of inputs where the engine takes several (TEI and the
 * OpenAI embeddings route), built by the task's body builder as its
 * single-row function's, and parses each answer as it completes.  Each
 * failed request was already retried on its own by the engine; a pack the
 * engine refuses as a whole is split in two and sent again, so that one
 * bad input fails alone.  What still failed either raises (on_error =>
 * 'raise') or is reported in the rows' error column (on_error => 'null').
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
#include "stats.h"
#include "target.h"

/* One batch: its inputs, and how they are sent. */
typedef struct Batch
{
	int			n;
	const Datum *inputs;
	const bool *nulls;
	HfeTaskCall *call;
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
 * request, however many rows it has.
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


/*
 * One request of a batch: the inputs it carries (one, or a pack of several
 * where the engine takes them), in its own memory context.  A pack whose
 * request is refused as a whole is sent again as two halves, down to the
 * one input that the engine refuses (hfe_task_should_split).
 */
typedef struct Pack
{
	int			n;
	int		   *inputs;			/* input numbers, ascending */
	HfeHttpRequest *req;
	HfeFailure *parse_error;	/* answered, but not as promised */
	int			failed_input;	/* the input parse_error is about, or -1
								 * for all of them */
	MemoryContext cxt;
} Pack;

/* What the engine's callbacks need while a batch runs. */
typedef struct BatchRun
{
	Batch	   *batch;
	BatchSink  *sink;
	HfeTarget  *target;
	int			next_input;		/* the next input not yet in a pack */
	int			max_inputs;		/* inputs per pack, lowered when refused */
	List	   *pending;		/* packs to send before new ones: halves of
								 * split packs, packs sent again */
	List	   *in_flight;
	List	   *failed;			/* packs that failed, in no order */
	int64		done;			/* inputs answered */
	int64		nfailed;		/* inputs that failed alone in an answer */
	bool		raise_errors;
	MemoryContext row_cxt;		/* one response's parsing, reset after it */
	MemoryContext run_cxt;		/* what outlives a response */
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

static Pack *
new_pack(BatchRun *run, int n, const int *inputs)
{
	MemoryContext cxt = AllocSetContextCreate(run->run_cxt, "hfendpoints batch request",
											  ALLOCSET_SMALL_SIZES);
	Pack	   *pack = MemoryContextAllocZero(cxt, sizeof(Pack));

	pack->cxt = cxt;
	pack->n = n;
	pack->failed_input = -1;
	pack->inputs = MemoryContextAlloc(cxt, sizeof(int) * n);
	memcpy(pack->inputs, inputs, sizeof(int) * n);
	return pack;
}

/* The next inputs, up to the pack's limits; NULL when all are packed. */
static Pack *
next_pack(BatchRun *run)
{
	Batch	   *batch = run->batch;
	int		   *inputs = palloc(sizeof(int) * run->max_inputs);
	int			n = 0;
	size_t		bytes = 0;
	Pack	   *pack;

	while (run->next_input < batch->n && n < run->max_inputs)
	{
		int			i = run->next_input;

		if (!batch->nulls[i])
		{
			size_t		len = batch->call->task->input_type == TEXTOID ?
				VARSIZE_ANY_EXHDR(DatumGetPointer(batch->inputs[i])) : 0;

			if (n > 0 && bytes + len > HFE_PACK_MAX_BYTES)
				break;
			bytes += len;
			inputs[n++] = i;
		}
		run->next_input++;
	}
	pack = n > 0 ? new_pack(run, n, inputs) : NULL;
	pfree(inputs);
	return pack;
}

/* Build the pack's request, in its own context. */
static void
make_request(BatchRun *run, Pack *pack)
{
	Batch	   *batch = run->batch;
	MemoryContext old = MemoryContextSwitchTo(pack->cxt);
	Datum	   *values = palloc(sizeof(Datum) * pack->n);

	for (int k = 0; k < pack->n; k++)
		values[k] = batch->inputs[pack->inputs[k]];
	pack->req = hfe_task_request(batch->call, run->target, batch->route, batch->path,
								 values, pack->n);
	MemoryContextSwitchTo(old);
}

/* The engine asks for the next request whenever a slot is free. */
static HfeHttpRequest *
batch_next(void *arg)
{
	BatchRun   *run = (BatchRun *) arg;
	Pack	   *pack;
	MemoryContext old;

	if (run->pending != NIL)
	{
		pack = linitial(run->pending);
		run->pending = list_delete_first(run->pending);
	}
	else if ((pack = next_pack(run)) == NULL)
		return NULL;
	if (pack->req == NULL)
		make_request(run, pack);
	old = MemoryContextSwitchTo(run->run_cxt);
	run->in_flight = lappend(run->in_flight, pack);
	MemoryContextSwitchTo(old);
	return pack->req;
}

static Pack *
take_in_flight(BatchRun *run, HfeHttpRequest *req)
{
	ListCell   *lc;

	foreach(lc, run->in_flight)
	{
		Pack	   *pack = lfirst(lc);

		if (pack->req == req)
		{
			run->in_flight = foreach_delete_current(run->in_flight, lc);
			return pack;
		}
	}
	elog(ERROR, "hfendpoints: an answer without its request");
	return NULL;				/* keep compiler quiet */
}

/* Send a refused pack again as two halves, first half first. */
static void
split_pack(BatchRun *run, Pack *pack)
{
	int			half = pack->n / 2;
	Pack	   *first = new_pack(run, half, pack->inputs);
	Pack	   *second = new_pack(run, pack->n - half, pack->inputs + half);
	MemoryContext old;

	if (hfe_task_size_refused(pack->req) && pack->n <= run->max_inputs)
		run->max_inputs = Max(1, half);
	old = MemoryContextSwitchTo(run->run_cxt);
	run->pending = lcons(second, run->pending);
	run->pending = lcons(first, run->pending);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(pack->cxt);
}

/*
 * The engine's done callback: parse a successful response into its rows
 * and free the pack; split a pack refused as a whole; of a failed one keep
 * only the start of its body, for its error, which is decided once every
 * request is done (a stale URL may yet be retried).
 */
static void
batch_done(HfeHttpRequest *req, void *arg)
{
	BatchRun   *run = (BatchRun *) arg;
	Pack	   *pack = take_in_flight(run, req);
	const HfeTaskCall *call = run->batch->call;
	MemoryContext old;
	HfeFailure *failure = NULL;
	HfeAnswer  *answers;
	Datum	   *values;

	if (!hfe_http_ok(req))
	{
		if (hfe_task_should_split(call, req, pack->n))
		{
			split_pack(run, pack);
			return;
		}
		hfe_http_release_response(req, FAILED_BODY_KEEP);
		old = MemoryContextSwitchTo(run->run_cxt);
		run->failed = lappend(run->failed, pack);
		MemoryContextSwitchTo(old);
		return;
	}
	old = MemoryContextSwitchTo(run->row_cxt);
	answers = palloc0(sizeof(HfeAnswer) * pack->n);
	values = palloc(sizeof(Datum) * pack->n);
	for (int k = 0; k < pack->n; k++)
	{
		answers[k].tokens = -1;
		values[k] = run->batch->inputs[pack->inputs[k]];
	}
	if (call->part->parse(call, req, values, pack->n, answers, &failure))
	{
		int			nfailed = 0;

		for (int k = 0; k < pack->n; k++)
		{
			if (answers[k].failure != NULL)
			{
				/* this input alone failed: it raises, or its row says why */
				if (run->raise_errors)
				{
					MemoryContextSwitchTo(pack->cxt);
					pack->parse_error = hfe_failure_copy(answers[k].failure);
					pack->failed_input = k;
					MemoryContextSwitchTo(run->run_cxt);
					run->failed = lappend(run->failed, pack);
					MemoryContextSwitchTo(old);
					MemoryContextReset(run->row_cxt);
					hfe_http_release_response(req, 0);
					return;
				}
				sink_put(run->sink, pack->inputs[k], (Datum) 0, true,
						 hfe_failure_line(answers[k].failure));
				nfailed++;
				continue;
			}
			sink_put(run->sink, pack->inputs[k], answers[k].value, answers[k].isnull, NULL);
			if (answers[k].tokens > 0 && req->generated_tokens < 0)
				hfe_stats_count_tokens(run->target->server->serverid,
									   run->target->stats_label, answers[k].tokens);
		}
		run->done += pack->n - nfailed;
		run->nfailed += nfailed;
		hfe_job_rows_finished(pack->n - nfailed, true);
		if (nfailed > 0)
			hfe_job_rows_finished(nfailed, false);
		MemoryContextSwitchTo(old);
		MemoryContextReset(run->row_cxt);
		MemoryContextDelete(pack->cxt);
		return;
	}
	MemoryContextSwitchTo(pack->cxt);
	pack->parse_error = hfe_failure_copy(failure);
	MemoryContextSwitchTo(run->run_cxt);
	run->failed = lappend(run->failed, pack);
	MemoryContextSwitchTo(old);
	MemoryContextReset(run->row_cxt);
	hfe_http_release_response(req, 0);
}

/*
 * After the stream: a cached URL gone stale (connection refused, 404...)
 * is resolved once more, and what failed for it is sent again.  True when
 * packs were put back to send.
 */
static bool
resend_stale(BatchRun *run, bool raise_errors, char **unavailable)
{
	ListCell   *lc;
	List	   *again = NIL;
	bool		stale = false;

	foreach(lc, run->failed)
	{
		Pack	   *pack = lfirst(lc);

		if (pack->parse_error == NULL && hfe_target_suspect(run->target, pack->req))
			stale = true;
	}
	if (!stale)
		return false;
	if (!raise_errors)
		*unavailable = hfe_target_unavailable(run->target);
	if (*unavailable != NULL || !hfe_target_refresh(run->target))
		return false;
	foreach(lc, run->failed)
	{
		Pack	   *pack = lfirst(lc);

		if (pack->parse_error != NULL)
			continue;			/* answered: its rows are settled */
		hfe_target_retarget(run->target, pack->req, run->batch->route, run->batch->path);
		again = lappend(again, pack);
	}
	run->failed = list_difference_ptr(run->failed, again);
	run->pending = list_concat(again, run->pending);
	return true;
}

/* The first input a failed pack's failure is about. */
static int
first_input(const Pack *pack)
{
	return pack->inputs[pack->failed_input >= 0 ? pack->failed_input : 0];
}

/* The failed pack whose failure is about the smallest input. */
static Pack *
first_failed(BatchRun *run)
{
	Pack	   *first = NULL;
	ListCell   *lc;

	foreach(lc, run->failed)
	{
		Pack	   *pack = lfirst(lc);

		if (first == NULL || first_input(pack) < first_input(first))
			first = pack;
	}
	return first;
}

/*
 * Send the batch, putting one row per input into sink; see run_batch.
 * own_job: this call began the job it reports its rows in.
 */
static void
send_batch(const char *endpoint, Batch *batch, bool raise_errors, BatchSink *sink,
		   bool own_job)
{
	BatchRun	run;
	int			ninputs = 0;
	int64		nfailed = 0;
	char	   *unavailable = NULL;
	ListCell   *lc;

	for (int i = 0; i < batch->n; i++)
	{
		if (batch->nulls[i])
			sink_put(sink, i, (Datum) 0, true, NULL);	/* NULL input, NULL row */
		else
			ninputs++;
	}
	if (ninputs == 0)
		return;					/* only NULL inputs: no request at all */

	memset(&run, 0, sizeof(run));
	run.batch = batch;
	run.sink = sink;
	run.raise_errors = raise_errors;
	run.target = hfe_target_resolve(endpoint);
	hfe_task_call_bind(batch->call, run.target, true);
	batch->route = hfe_task_route(batch->call, &batch->path);
	run.max_inputs = batch->call->max_inputs;
	hfe_job_set_endpoint(run.target->stats_label);
	hfe_job_set_state(run.target->cold ? HFE_JOB_WAITING : HFE_JOB_RUNNING);
	if (own_job)
		hfe_job_set_rows(ninputs, 0, 0);
	run.run_cxt = CurrentMemoryContext;
	run.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hfendpoints batch row",
										ALLOCSET_DEFAULT_SIZES);
	do
		hfe_http_perform_stream(hfe_max_concurrency, batch_next, batch_done, NULL, &run);
	while (resend_stale(&run, raise_errors, &unavailable));
	MemoryContextDelete(run.row_cxt);

	/*
	 * The failures: with raise_errors the first input's raises, or each
	 * input of a failed request gets its row.  A response that did not
	 * parse fails with what its parser said.
	 */
	if (raise_errors && run.failed != NIL)
	{
		Pack	   *pack = first_failed(&run);

		hfe_raise_inference_failure(run.target, batch->call->task->action,
									pack->parse_error ? pack->parse_error :
									hfe_inference_failure(run.target, pack->req),
									pack->req);
	}
	foreach(lc, run.failed)
	{
		Pack	   *pack = lfirst(lc);
		char	   *line;

		if (pack->parse_error != NULL)
			line = hfe_failure_line(pack->parse_error);
		else if (unavailable != NULL && hfe_target_suspect(run.target, pack->req))
			line = unavailable;
		else
			line = hfe_failure_line(hfe_inference_failure(run.target, pack->req));
		for (int k = 0; k < pack->n; k++)
			sink_put(sink, pack->inputs[k], (Datum) 0, true, line);
		hfe_job_rows_finished(pack->n, false);
		nfailed += pack->n;
	}
	if (own_job)
		hfe_job_set_rows(-1, run.done, nfailed + run.nfailed);
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
	batch.call = hfe_task_call_from_args(task, fcinfo, on_error_arg);
	batch.job = psprintf("%s_batch", task->name);
	array = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("batch inputs must be a one-dimensional array")));
	get_typlenbyvalalign(task->input_type, &typlen, &typbyval, &typalign);
	deconstruct_array(array, task->input_type, typlen, typbyval, typalign,
					  &inputs, &nulls, &batch.n);
	batch.inputs = inputs;
	batch.nulls = nulls;

	sink_begin(&sink, ((ReturnSetInfo *) fcinfo->resultinfo)->setDesc, false, false);
	run_batch(endpoint, &batch, raise_errors, &sink);
	sink_end(&sink, fcinfo);
	return (Datum) 0;
}

void
hfe_batch_enrich(FunctionCallInfo fcinfo, const char *endpoint, HfeTaskCall *call,
				 const Datum *inputs, const bool *nulls, int n)
{
	Batch		batch;
	BatchSink	sink;

	memset(&batch, 0, sizeof(batch));
	batch.call = call;
	batch.job = "enrich";
	batch.n = n;
	batch.inputs = inputs;
	batch.nulls = nulls;

	sink_begin(&sink, ((ReturnSetInfo *) fcinfo->resultinfo)->setDesc, true,
			   call->task->result_type == FLOAT4ARRAYOID);
	run_batch(endpoint, &batch, false, &sink);
	sink_end(&sink, fcinfo);
}
