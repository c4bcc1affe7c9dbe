/*-------------------------------------------------------------------------
 *
 * jobs.h
 *		Live progress of enrich and batch calls in shared memory: the
 *		hfendpoints.jobs view.
 *
 * Each backend owns one slot (it runs one job at a time) and is the only
 * one to write it; any session reads them all.  A job begun here ends with
 * hfe_job_end(), and in any case when its transaction (or the
 * subtransaction it began in) aborts, or when the backend exits.  Without
 * shared_preload_libraries every function here is a no-op.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_JOBS_H
#define HFENDPOINTS_JOBS_H

typedef enum HfeJobState
{
	HFE_JOB_WAITING,			/* 'waiting for endpoint' */
	HFE_JOB_RUNNING,			/* 'running' */
	HFE_JOB_PAUSING				/* 'pausing' */
} HfeJobState;

/* from _PG_init: register the shared memory (shmem.c) */
extern void hfe_jobs_init(void);

/*
 * Show a job of this backend, named job ("enrich", "text_generation_batch",
 * ...), on the endpoint argument endpoint (shown as given, a URL reduced
 * to its host), reading source (a table name, or NULL), in state running.
 * Returns true when it began a job, which the caller must end; false when
 * a job is already running in this backend (a batch inside enrich: the
 * enrich job goes on) or when there is no shared memory.
 */
extern bool hfe_job_begin(const char *job, const char *endpoint, const char *source);
extern void hfe_job_end(void);

/* Update the running job, if any; a negative count leaves it unchanged. */
extern void hfe_job_set_endpoint(const char *label);
extern void hfe_job_set_state(HfeJobState state);
extern void hfe_job_set_rows(int64 total, int64 done, int64 failed);
extern void hfe_job_set_in_flight(int64 n);

/*
 * n rows of the running job got their answer, the last attempt of their
 * request over (a batch or enrich calls this): done if ok, else failed.
 * The first success moves a job waiting for its endpoint to running.
 */
extern void hfe_job_rows_finished(int n, bool ok);

#endif							/* HFENDPOINTS_JOBS_H */
