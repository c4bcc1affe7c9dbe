/*-------------------------------------------------------------------------
 *
 * jobs.c
 *		Live progress of CALL hfendpoints.enrich() and of the batch
 *		functions, in shared memory: the hfendpoints.jobs view and the
 *		internal functions enrich reports its progress with.
 *
 * Shared memory holds one slot per backend (MaxBackends of them), indexed
 * by the backend's number.  Only its backend writes a slot, under the
 * slot's spinlock; readers copy it under the same spinlock.  A slot is in
 * use while its pid is not 0.
 *
 * A slot is freed by hfe_job_end(), and whatever happens by the callbacks
 * registered with the first job: the abort of the transaction (or of the
 * subtransaction the job began in), and backend exit.  enrich's job
 * survives its COMMITs; an error, a cancel or a terminate ends it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
#include "replication/walsender.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "jobs.h"
#include "shmem.h"
#include "stats.h"
#include "url.h"

PG_FUNCTION_INFO_V1(hfendpoints_jobs);
PG_FUNCTION_INFO_V1(hfendpoints_job_begin);
PG_FUNCTION_INFO_V1(hfendpoints_job_progress);
PG_FUNCTION_INFO_V1(hfendpoints_job_end);

/* the columns of 0.3.0's jobs(); 0.1.0 and 0.2.0 declare the first 12 */
#define JOBS_NATTS 14
#define JOBS_NATTS_0_2 12
#define JOB_NAME_LEN NAMEDATALEN
#define JOB_SOURCE_LEN (3 * NAMEDATALEN)

typedef struct JobSlot
{
	slock_t		mutex;
	int			pid;			/* 0: free */
	Oid			dbid;
	Oid			roleid;
	HfeJobState state;
	char		job[JOB_NAME_LEN];
	char		endpoint[HFE_STATS_LABEL_LEN];
	char		source[JOB_SOURCE_LEN];	/* "" for none */
	int64		rows_total;		/* -1: not known yet */
	int64		rows_done;
	int64		rows_failed;
	int64		rows_in_flight; /* -1: not known */
	TimestampTz started_at;
} JobSlot;

typedef struct JobsShared
{
	int			nslots;
	JobSlot		slots[FLEXIBLE_ARRAY_MEMBER];
} JobsShared;

static const char *const state_names[] = {
	[HFE_JOB_WAITING] = "waiting for endpoint",
	[HFE_JOB_RUNNING] = "running",
	[HFE_JOB_PAUSING] = "pausing",
};

static JobsShared *jobs = NULL;

/* this backend's slot while it runs a job, and the nesting level it began at */
static JobSlot *my_slot = NULL;
static int	my_level = 0;
static bool callbacks_registered = false;

/* The number of slots: MaxBackends, which PostgreSQL < 15 computes only later. */
static int
max_backends(void)
{
#if PG_VERSION_NUM >= 150000
	return MaxBackends;
#else
	return MaxConnections + autovacuum_max_workers + 1 + max_worker_processes +
		max_wal_senders;
#endif
}

static Size
jobs_shmem_size(void)
{
	return add_size(offsetof(JobsShared, slots),
					mul_size(max_backends(), sizeof(JobSlot)));
}

/* Called with AddinShmemInitLock held, in the postmaster (and EXEC_BACKEND children). */
static void
jobs_shmem_startup(void)
{
	bool		found;
	int			n = max_backends();

	jobs = ShmemInitStruct("hfendpoints jobs", jobs_shmem_size(), &found);
	if (!found)
	{
		jobs->nslots = n;
		for (int i = 0; i < n; i++)
		{
			SpinLockInit(&jobs->slots[i].mutex);
			jobs->slots[i].pid = 0;
		}
	}
}

void
hfe_jobs_init(void)
{
	hfe_shmem_register(jobs_shmem_size, jobs_shmem_startup);
}

/* ---- this backend's job ---- */

void
hfe_job_end(void)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	my_slot->pid = 0;
	SpinLockRelease(&my_slot->mutex);
	my_slot = NULL;
}

static void
jobs_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		hfe_job_end();
}

/* The subtransaction being aborted is still the current one here. */
static void
jobs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && my_slot != NULL &&
		my_level >= GetCurrentTransactionNestLevel())
		hfe_job_end();
}

static void
jobs_shmem_exit(int code, Datum arg)
{
	hfe_job_end();
}

static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(jobs_xact_callback, NULL);
	RegisterSubXactCallback(jobs_subxact_callback, NULL);
	before_shmem_exit(jobs_shmem_exit, (Datum) 0);
	callbacks_registered = true;
}

bool
hfe_job_begin(const char *job, const char *endpoint, const char *source)
{
	int			idx;
	JobSlot    *slot;

	if (jobs == NULL || my_slot != NULL)
		return false;
	idx = HFE_MY_BACKEND_INDEX();
	if (idx < 0 || idx >= jobs->nslots)
		return false;
	register_callbacks();
	if (endpoint != NULL && strstr(endpoint, "://") != NULL)
		endpoint = hfe_url_host(endpoint);

	slot = &jobs->slots[idx];
	SpinLockAcquire(&slot->mutex);
	slot->pid = MyProcPid;
	slot->dbid = MyDatabaseId;
	slot->roleid = GetUserId();
	slot->state = HFE_JOB_RUNNING;
	strlcpy(slot->job, job, sizeof(slot->job));
	strlcpy(slot->endpoint, endpoint ? endpoint : "", sizeof(slot->endpoint));
	strlcpy(slot->source, source ? source : "", sizeof(slot->source));
	slot->rows_total = -1;
	slot->rows_done = 0;
	slot->rows_failed = 0;
	slot->rows_in_flight = -1;
	slot->started_at = GetCurrentTimestamp();
	SpinLockRelease(&slot->mutex);
	my_slot = slot;
	my_level = GetCurrentTransactionNestLevel();
	return true;
}

void
hfe_job_set_endpoint(const char *label)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	strlcpy(my_slot->endpoint, label ? label : "", sizeof(my_slot->endpoint));
	SpinLockRelease(&my_slot->mutex);
}

void
hfe_job_set_state(HfeJobState state)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	my_slot->state = state;
	SpinLockRelease(&my_slot->mutex);
}

void
hfe_job_set_rows(int64 total, int64 done, int64 failed)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	if (total >= 0)
		my_slot->rows_total = total;
	if (done >= 0)
		my_slot->rows_done = done;
	if (failed >= 0)
		my_slot->rows_failed = failed;
	SpinLockRelease(&my_slot->mutex);
}

void
hfe_job_set_in_flight(int64 n)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	my_slot->rows_in_flight = n;
	SpinLockRelease(&my_slot->mutex);
}

void
hfe_job_rows_finished(int n, bool ok)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	if (ok)
	{
		my_slot->rows_done += n;
		if (my_slot->state == HFE_JOB_WAITING)
			my_slot->state = HFE_JOB_RUNNING;
	}
	else
		my_slot->rows_failed += n;
	SpinLockRelease(&my_slot->mutex);
}

/* ---- SQL functions ---- */

/*
 * hfendpoints.jobs(): the jobs running in every database, copied slot by
 * slot under each slot's spinlock.
 */
Datum
hfendpoints_jobs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz now = GetCurrentTimestamp();

	if (jobs == NULL)
		hfe_raise_not_preloaded();
	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != JOBS_NATTS && rsinfo->setDesc->natts != JOBS_NATTS_0_2)
		elog(ERROR, "hfendpoints.jobs() returns %d columns, expected %d",
			 rsinfo->setDesc->natts, JOBS_NATTS);

	for (int i = 0; i < jobs->nslots; i++)
	{
		JobSlot		s;
		Datum		values[JOBS_NATTS];
		bool		nulls[JOBS_NATTS];
		char	   *dbname;
		char	   *rolename;
		double		secs;
		int			col = 0;

		SpinLockAcquire(&jobs->slots[i].mutex);
		s = jobs->slots[i];
		SpinLockRelease(&jobs->slots[i].mutex);
		if (s.pid == 0)
			continue;

		memset(nulls, 0, sizeof(nulls));
		dbname = get_database_name(s.dbid);
		rolename = GetUserNameFromId(s.roleid, true);
		secs = (double) (now - s.started_at) / 1000000.0;

		nulls[col] = dbname == NULL;
		values[col++] = dbname ? DirectFunctionCall1(namein, CStringGetDatum(dbname)) : (Datum) 0;
		values[col++] = Int32GetDatum(s.pid);
		nulls[col] = rolename == NULL;
		values[col++] = rolename ? DirectFunctionCall1(namein, CStringGetDatum(rolename)) : (Datum) 0;
		values[col++] = CStringGetTextDatum(s.job);
		values[col++] = CStringGetTextDatum(s.endpoint);
		nulls[col] = s.source[0] == '\0';
		values[col++] = CStringGetTextDatum(s.source);
		values[col++] = CStringGetTextDatum(state_names[s.state]);
		nulls[col] = s.rows_total < 0;
		values[col++] = Int64GetDatum(s.rows_total);
		values[col++] = Int64GetDatum(s.rows_done);
		values[col++] = Int64GetDatum(s.rows_failed);
		nulls[col] = secs <= 0;
		values[col++] = Float8GetDatum(secs > 0 ? (s.rows_done + s.rows_failed) / secs : 0);
		values[col++] = TimestampTzGetDatum(s.started_at);
		if (rsinfo->setDesc->natts == JOBS_NATTS)
		{
			double		rate = secs > 0 ? (s.rows_done + s.rows_failed) / secs : 0;
			Interval   *eta = palloc0(sizeof(Interval));

			nulls[col] = s.rows_in_flight < 0;
			values[col++] = Int64GetDatum(s.rows_in_flight);
			/* the rows left at the rate so far */
			nulls[col] = s.rows_total < 0 || rate <= 0;
			if (!nulls[col])
				eta->time = (int64) (Max(s.rows_total - s.rows_done - s.rows_failed, 0) / rate *
									 USECS_PER_SEC);
			values[col++] = IntervalPGetDatum(eta);
		}
		Assert(col == rsinfo->setDesc->natts);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * The SQL functions below served the enrich of 0.1.0 and 0.2.0, whose
 * install scripts declare them; a database keeps its version, with this
 * library, until ALTER EXTENSION hfendpoints UPDATE.  0.3.0 declares none
 * of them: its jobs are shown by the C code that runs them.
 */

static char *
text_arg_or_null(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * _job_begin(job, endpoint, source): enrich's job.  The endpoint argument
 * is shown as given, a URL reduced to its host; the first batch replaces
 * it with the resolved "namespace/name".  A job this backend still shows
 * is replaced.
 */
Datum
hfendpoints_job_begin(PG_FUNCTION_ARGS)
{
	char	   *job = text_arg_or_null(fcinfo, 0);
	char	   *endpoint = text_arg_or_null(fcinfo, 1);
	char	   *source = text_arg_or_null(fcinfo, 2);

	if (job == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("job must not be NULL")));
	hfe_job_end();
	(void) hfe_job_begin(job, endpoint, source);
	PG_RETURN_VOID();
}

/* _job_progress(total, done, failed, state): NULL leaves a field unchanged. */
Datum
hfendpoints_job_progress(PG_FUNCTION_ARGS)
{
	hfe_job_set_rows(PG_ARGISNULL(0) ? -1 : Max(PG_GETARG_INT64(0), 0),
					 PG_ARGISNULL(1) ? -1 : Max(PG_GETARG_INT64(1), 0),
					 PG_ARGISNULL(2) ? -1 : Max(PG_GETARG_INT64(2), 0));
	if (!PG_ARGISNULL(3))
	{
		char	   *state = text_to_cstring(PG_GETARG_TEXT_PP(3));
		int			i;

		for (i = 0; i < lengthof(state_names); i++)
			if (strcmp(state, state_names[i]) == 0)
				break;
		if (i == lengthof(state_names))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid job state \"%s\"", state),
					 errhint("Use 'waiting for endpoint', 'running' or 'pausing'.")));
		hfe_job_set_state((HfeJobState) i);
	}
	PG_RETURN_VOID();
}

Datum
hfendpoints_job_end(PG_FUNCTION_ARGS)
{
	hfe_job_end();
	PG_RETURN_VOID();
}
