/*-------------------------------------------------------------------------
 *
 * enrich_job.c
 *		The loop of CALL hfendpoints.enrich(): rows claimed, sent, written
 *		and committed as they are answered, with no barrier between them.
 *
 * enrich (PL/pgSQL) checks its arguments, counts what there is to do and
 * wakes the endpoint, then calls _enrich_run, this procedure, which keeps
 * up to hfendpoints.max_concurrency requests in flight for the whole job
 * (hfe_http_perform_stream) and, every batch_size answers or every second,
 * writes what was answered and commits, while the rest are in flight.  A
 * crash or a cancel loses only what was in flight.
 *
 * Rows are named by key (the SQL of _enrich_queries): read page by page
 * along the key's index, each row claimed before it is sent, with a
 * session-level advisory lock on (row table, hash of the key) in a lock
 * class of its own, HFE_CLAIM_CLASS, which the SQL advisory lock functions
 * never use (they use 1 and 2).  Several workers on one table so divide
 * the rows between them: a row another one holds is put aside and tried
 * again once this worker reaches the end of the table.  A claim survives
 * COMMIT and is released once its row's outcome is committed, or at once
 * by the error path; a backend that dies releases all of them with its
 * locks.  After taking a claim, the row is read again (another worker may
 * have filled it since this worker's page was read).  At most
 * CLAIM_LIMIT rows are claimed at a time, so that the shared lock table,
 * which is finite, is never filled by one job.
 *
 * A write lands only on the row whose input was sent, only if that input
 * is unchanged and the output is still NULL; otherwise the answer is
 * dropped and the row left for a later run.  A page of answers is written
 * in one subtransaction, split in halves only when it fails, so that a
 * row whose write fails (a constraint, a length limit, a trigger) is
 * recorded as a failure and the job goes on; a cancel, a deadlock or a
 * serialization failure is never a row's failure.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "guc.h"
#include "jobs.h"
#include "stats.h"
#include "target.h"
#include "tasks/tasks.h"

PG_FUNCTION_INFO_V1(hfendpoints_enrich_run);

/* the advisory lock class of claims ("HF"); SQL's functions use 1 and 2 */
#define HFE_CLAIM_CLASS 0x4846

/* rows claimed at a time, at most */
#define CLAIM_LIMIT 1024

/* how often a job without answers looks at the endpoint's state, at most */
#define STATE_CHECK_MS 1000

/* answers are written at least this often */
#define FLUSH_EVERY_MS 1000

/* progress NOTICEs, at most this often */
#define NOTICE_EVERY_MS 5000

/* the job's statements, each planned once */
enum
{
	PLAN_FIRST_PAGE,
	PLAN_NEXT_PAGE,
	PLAN_RECHECK,
	PLAN_WRITE,
	PLAN_FAILURES,
	NUM_PLANS
};

/*
 * One request of the job: the rows it carries (one, or a pack where the
 * engine takes several), in its own memory context while it is in flight.
 */
typedef struct JobPack
{
	int			n;
	struct JobRow **rows;
	Datum	   *inputs;			/* the rows' inputs, as the task takes them */
	HfeHttpRequest *req;
	MemoryContext cxt;
} JobPack;

/* One row of the job, from its claim to its committed outcome. */
typedef struct JobRow
{
	Oid			table;			/* the row's table: the source, or a child */
	char	   *key;			/* jsonb text of the key */
	char	   *input;
	LOCKTAG		claim;
	char	   *output;			/* answered: the value as text, or NULL */
	char	   *error;			/* failed: the error line */
	bool		answered;
	bool		suspect;		/* failed as if the endpoint were down */
} JobRow;

typedef struct Job
{
	/* arguments */
	Oid			source;
	const char *output_column;
	const char *endpoint;
	const HfeTask *task;
	HfeTaskCall *call;
	cJSON	   *template;		/* a JSON task's input, or NULL */
	const char *first_page;
	const char *next_page;
	const char *recheck;
	const char *write;
	const char *record_failures;
	int			batch_size;
	int64		max_rows;		/* -1: no limit */
	int			max_attempts;
	int64		total;
	bool		resume_endpoint;
	const char *pause_after;	/* "pause", "scale_to_zero" or NULL */

	const char *schema;			/* the extension's */
	SPIPlanPtr	plans[NUM_PLANS];	/* of first_page ... record_failures */
	HfeTarget  *target;
	HfeRoute	route;
	const char *path;
	MemoryContext cxt;			/* the job's, under TopMemoryContext */
	MemoryContext tmp;			/* one statement's, reset after it */

	List	   *checking;		/* rows just claimed, being read again */
	List	   *queue;			/* rows claimed, not sent yet */
	List	   *deferred;		/* rows another worker held when this one
								 * reached them */
	List	   *rows;			/* rows sent: in flight, or answered and not
								 * written yet */
	List	   *packs;			/* requests in flight */
	List	   *resend;			/* halves of packs refused as a whole */
	bool		walked;			/* the walk along the key reached the end */
	char	   *last_key;		/* where the walk is */
	Oid			last_table;
	int			nclaimed;
	int			inflight;
	int64		sent;

	char	   *stop;			/* why the job stops early, or NULL */
	bool		suspect;		/* a failure looked like the endpoint is down */
	TimestampTz state_checked;

	TimestampTz started_at;
	TimestampTz flushed_at;
	TimestampTz noticed_at;
	int64		filled;
	int64		failed;
	int64		dropped;
} Job;

/* ---- claims ---- */

/*
 * Claim the row: true when this worker now holds it.  A row whose claim
 * this worker already holds (another of its rows with the same hash) is
 * not claimed twice: it waits, as one another worker holds would.
 */
static bool
claim(Job *job, JobRow *row)
{
	uint32		hash = DatumGetUInt32(hash_any((const unsigned char *) row->key,
											   strlen(row->key)));
	LockAcquireResult r;

	SET_LOCKTAG_ADVISORY(row->claim, MyDatabaseId, (uint32) row->table, hash,
						 HFE_CLAIM_CLASS);
	r = LockAcquire(&row->claim, ExclusiveLock, true, true);
	if (r == LOCKACQUIRE_NOT_AVAIL)
		return false;
	if (r != LOCKACQUIRE_OK)
	{
		LockRelease(&row->claim, ExclusiveLock, true);
		return false;
	}
	job->nclaimed++;
	return true;
}

static void
release(Job *job, JobRow *row)
{
	LockRelease(&row->claim, ExclusiveLock, true);
	job->nclaimed--;
}

static void
free_row(JobRow *row)
{
	pfree(row->key);
	pfree(row->input);
	if (row->output)
		pfree(row->output);
	if (row->error)
		pfree(row->error);
	pfree(row);
}

/* ---- statements ---- */

/* One field of rows as a text[] (which: 0 key, 1 input, 2 output, 3 error). */
static Datum
text_array(List *rows, int which)
{
	ListCell   *lc;
	ArrayBuildState *astate = initArrayResult(TEXTOID, CurrentMemoryContext, false);

	foreach(lc, rows)
	{
		JobRow	   *row = lfirst(lc);
		const char *s = which == 0 ? row->key : which == 1 ? row->input :
			which == 2 ? row->output : row->error;

		astate = accumArrayResult(astate, s ? CStringGetTextDatum(s) : (Datum) 0, s == NULL,
								  TEXTOID, CurrentMemoryContext);
	}
	return makeArrayResult(astate, CurrentMemoryContext);
}

static Datum
table_array(List *rows)
{
	ListCell   *lc;
	ArrayBuildState *astate = initArrayResult(OIDOID, CurrentMemoryContext, false);

	foreach(lc, rows)
		astate = accumArrayResult(astate, ObjectIdGetDatum(((JobRow *) lfirst(lc))->table),
								  false, OIDOID, CurrentMemoryContext);
	return makeArrayResult(astate, CurrentMemoryContext);
}

/*
 * Run one of the job's statements, planned once for the whole job: kept
 * plans (SPI_keepplan) outlive its commits, and free_plans() frees them.
 */
static int
run_statement(Job *job, int which, const char *sql, int nargs, Oid *types, Datum *args)
{
	if (job->plans[which] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "enrich: could not plan a statement of the job: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "enrich: could not keep a plan of the job");
		job->plans[which] = plan;
	}
	return SPI_execute_plan(job->plans[which], args, NULL, false, 0);
}

static void
free_plans(Job *job)
{
	for (int i = 0; i < NUM_PLANS; i++)
	{
		if (job->plans[i] != NULL)
			SPI_freeplan(job->plans[i]);
		job->plans[i] = NULL;
	}
}

/* Run one of the job's statements over rows; args[0..3] are filled here. */
static void
run_rows(Job *job, int which, const char *sql, List *rows, int field, int nargs,
		 Datum *args, int expect)
{
	Oid			types[6] = {OIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	REGCLASSOID, TEXTOID};
	int			ret;

	args[0] = table_array(rows);
	args[1] = text_array(rows, 0);
	args[2] = text_array(rows, 1);
	if (nargs > 3)
		args[3] = text_array(rows, field);
	ret = run_statement(job, which, sql, nargs, types, args);
	if (ret != expect)
		elog(ERROR, "enrich: a statement of the job failed: %s", SPI_result_code_string(ret));
}

static int64
int8_at(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * Of the rows just claimed (job->checking), those still to fill with their
 * input, read again in a statement of its own, are queued; the others are
 * released.  Until then they stay in job->checking, where release_all
 * finds them if that statement fails or is cancelled.
 */
static void
recheck(Job *job)
{
	List	   *claimed = job->checking;
	MemoryContext old;
	Datum		args[3];
	bool	   *todo;
	int			i = 0;
	ListCell   *lc;

	if (claimed == NIL)
		return;
	old = MemoryContextSwitchTo(job->tmp);
	run_rows(job, PLAN_RECHECK, job->recheck, claimed, 0, 3, args, SPI_OK_SELECT);
	todo = palloc0(sizeof(bool) * list_length(claimed));
	for (uint64 t = 0; t < SPI_processed; t++)
	{
		bool		isnull;
		int			n = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[t],
													SPI_tuptable->tupdesc, 1, &isnull));

		if (n >= 1 && n <= list_length(claimed))
			todo[n - 1] = true;
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(job->cxt);
	foreach(lc, claimed)
	{
		JobRow	   *row = lfirst(lc);

		if (todo[i++])
			job->queue = lappend(job->queue, row);
		else
		{
			release(job, row);
			free_row(row);
		}
	}
	job->checking = NIL;
	list_free(claimed);
	MemoryContextSwitchTo(old);
	MemoryContextReset(job->tmp);
}

/*
 * Read the next page along the key, claim its rows and queue those still
 * to do: 1 when it read rows, 0 at the end of the table (or of max_rows),
 * -1 when this worker holds as many claims as it may for now.
 */
static int
read_page(Job *job)
{
	Datum		args[6];
	Oid			types[6] = {REGCLASSOID, TEXTOID, INT4OID, INT4OID, JSONBOID, OIDOID};
	int64		limit = Max(job->batch_size, hfe_max_concurrency);
	MemoryContext old;
	int			ret;

	if (job->max_rows >= 0)
		limit = Min(limit, job->max_rows - job->sent - list_length(job->queue));
	if (limit <= 0)
		return 0;
	limit = Min(limit, CLAIM_LIMIT - job->nclaimed);
	if (limit <= 0)
		return -1;

	old = MemoryContextSwitchTo(job->tmp);
	args[0] = ObjectIdGetDatum(job->source);
	args[1] = CStringGetTextDatum(job->output_column);
	args[2] = Int32GetDatum(job->max_attempts);
	args[3] = Int32GetDatum((int32) limit);
	if (job->last_key == NULL)
		ret = run_statement(job, PLAN_FIRST_PAGE, job->first_page, 4, types, args);
	else
	{
		args[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(job->last_key));
		args[5] = ObjectIdGetDatum(job->last_table);
		ret = run_statement(job, PLAN_NEXT_PAGE, job->next_page, 6, types, args);
	}
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "enrich: reading rows failed: %s", SPI_result_code_string(ret));

	MemoryContextSwitchTo(job->cxt);
	for (uint64 t = 0; t < SPI_processed; t++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[t];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		JobRow	   *row = palloc0(sizeof(JobRow));
		bool		isnull;

		row->table = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		row->key = SPI_getvalue(tuple, desc, 2);
		row->input = SPI_getvalue(tuple, desc, 3);
		if (job->last_key)
			pfree(job->last_key);
		job->last_key = pstrdup(row->key);
		job->last_table = row->table;
		if (claim(job, row))
			job->checking = lappend(job->checking, row);
		else
			job->deferred = lappend(job->deferred, row);
	}
	ret = SPI_processed > 0 ? 1 : 0;
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(old);
	MemoryContextReset(job->tmp);
	recheck(job);
	return ret;
}

/*
 * Try the rows put aside again; those still held by another stay aside.
 * They count against max_rows like the rows read: once the run has queued
 * or sent that many, those left aside are dropped, for a later run.
 */
static void
retry_deferred(Job *job)
{
	List	   *still = NIL;
	ListCell   *lc;
	int64		room = job->max_rows < 0 ? PG_INT64_MAX :
		job->max_rows - job->sent - list_length(job->queue);
	MemoryContext old = MemoryContextSwitchTo(job->cxt);

	foreach(lc, job->deferred)
	{
		JobRow	   *row = lfirst(lc);

		if (room <= 0)
			free_row(row);		/* past max_rows: holds no claim */
		else if (list_length(job->checking) < room &&
				 job->nclaimed < CLAIM_LIMIT && claim(job, row))
			job->checking = lappend(job->checking, row);
		else
			still = lappend(still, row);
	}
	list_free(job->deferred);
	job->deferred = still;
	MemoryContextSwitchTo(old);
	recheck(job);
}

static void flush(Job *job);

/* ---- sending ---- */

static void
sleep_ms(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/* A pack of rows, with its request built in the pack's own context. */
static JobPack *
new_pack(Job *job, int n, JobRow **rows)
{
	MemoryContext cxt = AllocSetContextCreate(job->cxt, "hfendpoints enrich request",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	JobPack    *pack = palloc0(sizeof(JobPack));
	Datum	   *inputs = palloc(sizeof(Datum) * n);

	pack->cxt = cxt;
	pack->n = n;
	pack->rows = palloc(sizeof(JobRow *) * n);
	memcpy(pack->rows, rows, sizeof(JobRow *) * n);
	for (int k = 0; k < n; k++)
		inputs[k] = hfe_task_enrich_input(job->task, job->template, rows[k]->input);
	pack->inputs = inputs;
	pack->req = hfe_task_request(job->call, job->target, job->route, job->path, inputs, n);
	MemoryContextSwitchTo(old);
	return pack;
}

/* The engine asks for the next request whenever a slot is free. */
static HfeHttpRequest *
job_next(void *arg)
{
	Job		   *job = (Job *) arg;
	JobPack    *pack;
	JobRow	  **rows;
	int			n = 0;
	size_t		bytes = 0;
	ListCell   *lc;
	MemoryContext old;

	if (job->stop != NULL || job->suspect)
		return NULL;
	if (job->resend != NIL)
	{
		pack = linitial(job->resend);
		job->resend = list_delete_first(job->resend);
		old = MemoryContextSwitchTo(job->cxt);
		job->packs = lappend(job->packs, pack);
		MemoryContextSwitchTo(old);
		return pack->req;
	}
	while (job->queue == NIL)
	{
		if (!job->walked)
		{
			int			r = read_page(job);

			if (r > 0)
				continue;
			if (r < 0)
			{
				/*
				 * At the claim limit: asked again when a request is done;
				 * with none in flight, once what is answered is written
				 * and its claims released.
				 */
				int			held = job->nclaimed;

				if (job->inflight > 0)
					return NULL;
				flush(job);
				if (job->nclaimed == held)
					elog(ERROR, "enrich: %d rows claimed and none of them to write", held);
				continue;
			}
			job->walked = true;
		}
		if (job->deferred == NIL)
			return NULL;
		retry_deferred(job);
		if (job->queue != NIL)
			break;
		if (job->inflight > 0)
			return NULL;		/* asked again when one is done */

		/*
		 * Only rows other workers hold are left.  Write and release what
		 * this worker holds first (they may wait for it as it waits for
		 * them), then wait a little for theirs.
		 */
		if (job->rows != NIL)
			flush(job);
		else
			sleep_ms(100);
	}

	/*
	 * The rows claimed so far, up to what one request carries.  They leave
	 * the queue only once their request is built, so that release_all
	 * finds them in one list or the other if building it fails.
	 */
	rows = palloc(sizeof(JobRow *) * job->call->max_inputs);
	foreach(lc, job->queue)
	{
		JobRow	   *next = lfirst(lc);
		size_t		len = strlen(next->input);

		if (n == job->call->max_inputs || (n > 0 && bytes + len > HFE_PACK_MAX_BYTES))
			break;
		bytes += len;
		rows[n++] = next;
	}
	pack = new_pack(job, n, rows);
	pfree(rows);
	old = MemoryContextSwitchTo(job->cxt);
	job->queue = list_delete_first_n(job->queue, n);
	for (int k = 0; k < n; k++)
		job->rows = lappend(job->rows, pack->rows[k]);
	job->packs = lappend(job->packs, pack);
	MemoryContextSwitchTo(old);
	job->sent += n;
	job->inflight += n;
	hfe_job_set_in_flight(job->inflight);
	return pack->req;
}

/* Could this failure mean the endpoint stopped serving? */
static bool
endpoint_may_be_down(const HfeHttpRequest *req)
{
	if (req->response_too_large)
		return false;
	if (req->curl_code == CURLE_COULDNT_CONNECT || req->curl_code == CURLE_COULDNT_RESOLVE_HOST)
		return true;
	return req->curl_code == CURLE_OK &&
		(req->status == 400 || req->status == 404 || req->status == 502 || req->status == 503);
}

static JobPack *
take_pack(Job *job, HfeHttpRequest *req)
{
	ListCell   *lc;

	foreach(lc, job->packs)
	{
		JobPack    *pack = lfirst(lc);

		if (pack->req == req)
		{
			job->packs = foreach_delete_current(job->packs, lc);
			return pack;
		}
	}
	elog(ERROR, "enrich: an answer without its rows");
	return NULL;				/* keep compiler quiet */
}

/* Send a pack refused as a whole again, as two halves. */
static void
split_pack(Job *job, JobPack *pack)
{
	int			half = pack->n / 2;
	JobPack    *first = new_pack(job, half, pack->rows);
	JobPack    *second = new_pack(job, pack->n - half, pack->rows + half);
	MemoryContext old = MemoryContextSwitchTo(job->cxt);

	if (hfe_task_size_refused(pack->req) && pack->n <= job->call->max_inputs)
		job->call->max_inputs = Max(1, half);

	job->resend = lcons(second, job->resend);
	job->resend = lcons(first, job->resend);
	MemoryContextSwitchTo(old);
}

/* An answer: parse it into its rows, and free the request. */
static void
job_done(HfeHttpRequest *req, void *arg)
{
	Job		   *job = (Job *) arg;
	JobPack    *pack = take_pack(job, req);
	MemoryContext old;
	char	  **outputs;
	char	  **errors;
	bool		suspect = false;

	if (!hfe_http_ok(req) && hfe_task_should_split(job->call, req, pack->n))
	{
		split_pack(job, pack);
		MemoryContextDelete(pack->cxt);
		return;
	}
	old = MemoryContextSwitchTo(pack->cxt);
	outputs = palloc0(sizeof(char *) * pack->n);
	errors = palloc0(sizeof(char *) * pack->n);
	if (hfe_http_ok(req))
	{
		HfeAnswer  *answers = palloc0(sizeof(HfeAnswer) * pack->n);
		HfeFailure *failure = NULL;

		for (int k = 0; k < pack->n; k++)
			answers[k].tokens = -1;
		if (!job->call->part->parse(job->call, req, pack->inputs, pack->n, answers, &failure))
		{
			char	   *line = hfe_failure_line(failure);

			for (int k = 0; k < pack->n; k++)
				errors[k] = line;
		}
		else
		{
			Oid			typoutput;
			bool		varlena;

			getTypeOutputInfo(job->task->result_type, &typoutput, &varlena);
			for (int k = 0; k < pack->n; k++)
			{
				if (answers[k].failure != NULL)
				{
					errors[k] = hfe_failure_line(answers[k].failure);
					continue;
				}
				if (!answers[k].isnull)
					outputs[k] = OidOutputFunctionCall(typoutput, answers[k].value);
				if (answers[k].tokens > 0 && req->generated_tokens < 0)
					hfe_stats_count_tokens(job->target->server->serverid,
										   job->target->stats_label, answers[k].tokens);
			}
		}
	}
	else
	{
		/*
		 * An endpoint paused or deleted mid-job fails every request.  Such
		 * a failure (at most one a second) stops the sending; once what is
		 * in flight is done, the control plane is asked whether the
		 * endpoint still serves (see run_job) before the rows are blamed.
		 */
		char	   *line = hfe_failure_line(hfe_inference_failure(job->target, req));

		for (int k = 0; k < pack->n; k++)
			errors[k] = line;
		if (job->target->name != NULL && endpoint_may_be_down(req) &&
			(job->suspect ||
			 TimestampDifferenceExceeds(job->state_checked, GetCurrentTimestamp(),
										STATE_CHECK_MS)))
		{
			job->suspect = true;
			suspect = true;
		}
	}
	MemoryContextSwitchTo(job->cxt);
	for (int k = 0; k < pack->n; k++)
	{
		JobRow	   *row = pack->rows[k];

		row->output = outputs[k] ? pstrdup(outputs[k]) : NULL;
		row->error = errors[k] ? pstrdup(errors[k]) : NULL;
		row->answered = true;
		row->suspect = suspect;
	}
	for (int k = 0; k < pack->n; k++)
		hfe_job_rows_finished(1, errors[k] == NULL);
	MemoryContextSwitchTo(old);
	job->inflight -= pack->n;
	hfe_job_set_in_flight(job->inflight);
	MemoryContextDelete(pack->cxt);
}

/* ---- writing ---- */

/*
 * Errors that are never a row's fault, but the server's or the moment's:
 * the job stops on them, and the rows are left for the next run.
 */
static bool
job_error(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_TRANSACTION_ROLLBACK:	/* deadlock, serialization */
		case ERRCODE_INSUFFICIENT_RESOURCES:	/* memory, disk */
		case ERRCODE_OPERATOR_INTERVENTION: /* cancel, timeouts, shutdown */
		case ERRCODE_SYSTEM_ERROR:	/* I/O */
		case ERRCODE_INTERNAL_ERROR:
			return true;
	}
	return sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE;	/* lock_timeout, NOWAIT */
}

/*
 * Write rows in one subtransaction; if that fails, in halves, down to the
 * row whose write fails, which becomes a failure with the error's message.
 */
static void
write_rows(Job *job, List *rows)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	if (rows == NIL)
		return;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		Datum		args[6];
		int64		filled;

		args[4] = ObjectIdGetDatum(job->source);
		args[5] = CStringGetTextDatum(job->output_column);
		run_rows(job, PLAN_WRITE, job->write, rows, 2, 6, args, SPI_OK_SELECT);
		filled = int8_at(0, 1);
		SPI_freetuptable(SPI_tuptable);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		job->filled += filled;
		job->dropped += list_length(rows) - filled;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		if (job_error(edata->sqlerrcode))
			ReThrowError(edata);
		if (list_length(rows) == 1)
		{
			JobRow	   *row = linitial(rows);
			MemoryContext old = MemoryContextSwitchTo(job->cxt);

			row->error = psprintf("could not write the output: %s", edata->message);
			MemoryContextSwitchTo(old);
		}
		else
		{
			int			half = list_length(rows) / 2;

			write_rows(job, list_copy_head(rows, half));
			write_rows(job, list_copy_tail(rows, half));
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

static void
notice_progress(Job *job)
{
	TimestampTz now = GetCurrentTimestamp();
	double		elapsed;
	double		rate;

	if (!TimestampDifferenceExceeds(job->noticed_at, now, NOTICE_EVERY_MS))
		return;
	job->noticed_at = now;
	elapsed = (double) (now - job->started_at) / 1000000.0;
	rate = elapsed > 0 ? (job->filled + job->failed) / elapsed : 0;
	ereport(NOTICE,
			(errmsg("enrich: " INT64_FORMAT " of " INT64_FORMAT " rows done, " INT64_FORMAT " failed, %.1f rows/s, ETA %.0f s, %d in flight",
					job->filled, job->total, job->failed, rate,
					rate > 0 ? Max(job->total - job->filled - job->failed, 0) / rate : 0,
					job->inflight)));
}

/*
 * Write and commit every answered row, then release their claims; rows
 * still in flight stay.  Answers of a job that stops because its endpoint
 * did are written; the rows that failed for that reason are only released.
 */
static void
flush(Job *job)
{
	List	   *writes = NIL;
	List	   *failures = NIL;
	List	   *still = NIL;
	List	   *finished = NIL;
	ListCell   *lc;
	MemoryContext old = MemoryContextSwitchTo(job->cxt);

	job->flushed_at = GetCurrentTimestamp();
	foreach(lc, job->rows)
	{
		JobRow	   *row = lfirst(lc);

		if (!row->answered || (row->suspect && job->suspect))
			still = lappend(still, row);	/* in flight, or not judged yet */
		else
		{
			finished = lappend(finished, row);
			if (row->suspect && job->stop != NULL)
			{
				/* not the row's failure: its endpoint stopped serving */
				pfree(row->error);
				row->error = NULL;
			}
			else if (row->error == NULL)
				writes = lappend(writes, row);
		}
	}
	if (finished == NIL)
	{
		list_free(still);
		MemoryContextSwitchTo(old);
		return;
	}
	MemoryContextSwitchTo(job->tmp);
	write_rows(job, writes);
	foreach(lc, finished)
	{
		JobRow	   *row = lfirst(lc);

		if (row->error != NULL)
			failures = lappend(failures, row);
	}
	if (failures != NIL)
	{
		Datum		args[6];

		args[4] = ObjectIdGetDatum(job->source);
		args[5] = CStringGetTextDatum(job->output_column);
		run_rows(job, PLAN_FAILURES, job->record_failures, failures, 3, 6, args, SPI_OK_INSERT);
		job->failed += list_length(failures);
	}
	hfe_job_set_rows(-1, job->filled, job->failed);
	SPI_commit();

	/* committed: the claims can go, and the rows with them */
	foreach(lc, finished)
	{
		JobRow	   *row = lfirst(lc);

		release(job, row);
		free_row(row);
	}
	MemoryContextSwitchTo(job->cxt);
	list_free(job->rows);
	job->rows = still;
	list_free(finished);
	list_free(writes);
	MemoryContextSwitchTo(old);
	MemoryContextReset(job->tmp);
	notice_progress(job);
}

/* Between two waits of the engine: write what is answered, now and then. */
static void
job_tick(void *arg)
{
	Job		   *job = (Job *) arg;
	int			answered = list_length(job->rows) - job->inflight;

	if (answered >= job->batch_size ||
		(answered > 0 && TimestampDifferenceExceeds(job->flushed_at, GetCurrentTimestamp(),
													 FLUSH_EVERY_MS)))
		flush(job);
}

/*
 * The job: stream requests until there is nothing left, or until a failure
 * looks like the endpoint went down; then, with nothing in flight, ask the
 * control plane.  An endpoint that no longer serves stops the job (the
 * answers so far are written); one that does goes on, and the failure is
 * the row's.
 */
static void
run_job(Job *job)
{
	for (;;)
	{
		hfe_http_perform_stream(hfe_max_concurrency, job_next, job_done, job_tick, job);
		if (!job->suspect)
			break;
		job->state_checked = GetCurrentTimestamp();
		job->stop = hfe_target_unavailable(job->target);
		job->suspect = false;
		if (job->stop != NULL)
		{
			job->stop = MemoryContextStrdup(job->cxt, job->stop);
			break;
		}
	}
	flush(job);
	if (job->stop != NULL)
	{
		/* the run's end, with why it stopped, in hfendpoints.enrich_runs */
		Datum		args[6];
		Oid			types[6] = {REGCLASSOID, TEXTOID, INT8OID, INT8OID, INT8OID, TEXTOID};

		args[0] = ObjectIdGetDatum(job->source);
		args[1] = CStringGetTextDatum(job->output_column);
		args[2] = Int64GetDatum(job->filled);
		args[3] = Int64GetDatum(job->failed);
		args[4] = Int64GetDatum(job->dropped);
		args[5] = CStringGetTextDatum(psprintf("enrich stopped: %s", job->stop));
		if (SPI_execute_with_args(psprintf("SELECT %s._enrich_ran($1, $2, true, $3, $4, $5, $6)",
										   quote_identifier(job->schema)),
								  6, types, args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "enrich: recording the run failed");
		SPI_commit();
	}
}

/* On the way out: every claim this job still holds is released. */
static void
release_all(Job *job)
{
	ListCell   *lc;

	foreach(lc, job->checking)
		release(job, lfirst(lc));
	foreach(lc, job->queue)
		release(job, lfirst(lc));
	foreach(lc, job->rows)
		release(job, lfirst(lc));
	job->checking = NIL;
	job->queue = NIL;
	job->rows = NIL;
}

static char *
text_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("_enrich_run: argument %d must not be NULL", argno + 1)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* Set up the job from _enrich_run's arguments, in CurrentMemoryContext. */
static Job *
job_from_args(FunctionCallInfo fcinfo)
{
	Job		   *job = palloc0(sizeof(Job));
	char	   *task;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(10) || PG_ARGISNULL(12) || PG_ARGISNULL(13))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("_enrich_run: source, batch_size, max_attempts and total must not be NULL")));
	job->source = PG_GETARG_OID(0);
	job->output_column = text_arg(fcinfo, 1);
	job->endpoint = text_arg(fcinfo, 2);
	task = text_arg(fcinfo, 3);
	job->task = hfe_enrich_task(task);
	if (job->task == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported enrich task \"%s\"", task)));
	job->call = hfe_task_enrich_call(job->task, PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4),
									 &job->template);
	job->first_page = text_arg(fcinfo, 5);
	job->next_page = text_arg(fcinfo, 6);
	job->recheck = text_arg(fcinfo, 7);
	job->write = text_arg(fcinfo, 8);
	job->record_failures = text_arg(fcinfo, 9);
	job->batch_size = PG_GETARG_INT32(10);
	job->max_rows = PG_ARGISNULL(11) ? -1 : PG_GETARG_INT64(11);
	job->max_attempts = PG_GETARG_INT32(12);
	job->total = PG_GETARG_INT64(13);
	job->resume_endpoint = !PG_ARGISNULL(14) && PG_GETARG_BOOL(14);
	job->pause_after = PG_ARGISNULL(15) ? NULL : text_arg(fcinfo, 15);
	job->schema = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));
	job->started_at = job->flushed_at = job->noticed_at = GetCurrentTimestamp();
	return job;
}

/* ---- the endpoint's life around the job ---- */

/* name and namespace (NULL: the default) of an endpoint argument */
static void
split_endpoint(const char *endpoint, char **name, char **namespace)
{
	const char *slash = strchr(endpoint, '/');

	*namespace = slash ? pnstrdup(endpoint, slash - endpoint) : NULL;
	*name = pstrdup(slash ? slash + 1 : endpoint);
}

/*
 * Run "SELECT <expr>", expr naming the extension's schema as %s and the
 * endpoint's name and namespace as $1 and $2; the first value, or NULL.
 */
static char *
endpoint_call(Job *job, const char *expr)
{
	char	   *name;
	char	   *namespace;
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	Oid			types[2] = {TEXTOID, TEXTOID};
	char	   *value = NULL;

	split_endpoint(job->endpoint, &name, &namespace);
	args[0] = CStringGetTextDatum(name);
	args[1] = namespace ? CStringGetTextDatum(namespace) : (Datum) 0;
	if (namespace == NULL)
		nulls[1] = 'n';
	if (SPI_execute_with_args(psprintf(psprintf("SELECT %s", expr), quote_identifier(job->schema)),
							  2, types, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "enrich: a lifecycle call failed");
	if (SPI_processed > 0)
		value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	return value;
}

/*
 * With resume_endpoint, a paused or scaled-to-zero endpoint is resumed, and
 * one that is not running is waited for, up to hfendpoints.cold_start_timeout.
 */
static void
wake_endpoint(Job *job)
{
	char	   *status;
	char	   *name;
	char	   *namespace;

	if (!job->resume_endpoint || strstr(job->endpoint, "://") != NULL)
		return;
	split_endpoint(job->endpoint, &name, &namespace);
	status = endpoint_call(job, "(%s.get_endpoint($1, $2)).status");
	if (strcmp(status, "paused") == 0 || strcmp(status, "scaledToZero") == 0)
	{
		hfe_job_set_state(HFE_JOB_WAITING);
		ereport(NOTICE,
				(errmsg("enrich: endpoint \"%s\" is %s, resuming it", name, status)));
		(void) endpoint_call(job, "%s.resume_endpoint($1, $2, running_ok => true)");
	}
	if (strcmp(status, "running") != 0)
	{
		hfe_job_set_state(HFE_JOB_WAITING);
		ereport(NOTICE,
				(errmsg("enrich: waiting for endpoint \"%s\" to be running", name)));
		(void) endpoint_call(job,
							 "%s.wait_endpoint($1, $2, "
							 "timeout => pg_catalog.current_setting('hfendpoints.cold_start_timeout')::interval, "
							 "refresh_every => interval '1 second')");
	}
	SPI_commit();
}

/* pause_after: pause the endpoint or scale it to zero, once the job is done. */
static void
put_endpoint_to_sleep(Job *job)
{
	if (job->pause_after == NULL)
		return;
	hfe_job_set_state(HFE_JOB_PAUSING);
	(void) endpoint_call(job, strcmp(job->pause_after, "pause") == 0 ?
						 "%s.pause_endpoint($1, $2)" : "%s.scale_to_zero_endpoint($1, $2)");
}

/*
 * CALL _enrich_run(source, output_column, endpoint, task, parameters,
 *					first_page, next_page, recheck, write, record_failures,
 *					batch_size, max_rows, max_attempts, total,
 *					resume_endpoint, pause_after,
 *					INOUT filled, INOUT failed, INOUT dropped)
 *
 * The job shows in hfendpoints.jobs from here until it returns or fails:
 * only a job that runs makes a row there.
 */
Datum
hfendpoints_enrich_run(PG_FUNCTION_ARGS)
{
	MemoryContext jobcxt;
	MemoryContext old;
	Job		   *volatile job = NULL;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	char	   *volatile stop = NULL;
	volatile bool own_job = false;

	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("_enrich_run can only be called by CALL hfendpoints.enrich(), outside a transaction block")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "_enrich_run: a record was expected");
	desc = BlessTupleDesc(desc);

	jobcxt = AllocSetContextCreate(TopMemoryContext, "hfendpoints enrich job",
								   ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		old = MemoryContextSwitchTo(jobcxt);
		job = job_from_args(fcinfo);
		job->cxt = jobcxt;
		job->tmp = AllocSetContextCreate(jobcxt, "hfendpoints enrich statement",
										 ALLOCSET_DEFAULT_SIZES);
		MemoryContextSwitchTo(old);

		own_job = hfe_job_begin("enrich", job->endpoint, get_rel_name(job->source));
		hfe_job_set_rows(job->total, 0, 0);
		SPI_connect_ext(SPI_OPT_NONATOMIC);
		wake_endpoint(job);
		old = MemoryContextSwitchTo(jobcxt);
		job->target = hfe_target_resolve(job->endpoint);
		hfe_task_call_bind(job->call, job->target, true);
		job->route = hfe_task_route(job->call, &job->path);
		MemoryContextSwitchTo(old);
		hfe_job_set_endpoint(job->target->stats_label);
		hfe_job_set_state(job->target->cold ? HFE_JOB_WAITING : HFE_JOB_RUNNING);
		run_job(job);
		if (job->stop == NULL)
			put_endpoint_to_sleep(job);
		free_plans(job);
		SPI_finish();
		if (own_job)
			hfe_job_end();
	}
	PG_CATCH();
	{
		if (job != NULL)
		{
			release_all(job);
			free_plans(job);
		}
		if (own_job)
			hfe_job_end();
		MemoryContextDelete(jobcxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	release_all(job);

	values[0] = Int64GetDatum(job->filled);
	values[1] = Int64GetDatum(job->failed);
	values[2] = Int64GetDatum(job->dropped);
	if (job->stop != NULL)
		stop = pstrdup(job->stop);
	MemoryContextDelete(jobcxt);
	if (stop != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("enrich stopped: %s", stop),
				 errdetail("The rows answered before it stopped are written and committed; hfendpoints.enrich_runs counts them."),
				 errhint("Resume the endpoint, then run the CALL again: it continues where it stopped.")));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
