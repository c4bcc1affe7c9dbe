/*-------------------------------------------------------------------------
 *
 * stats.c
 *		Request statistics in shared memory, per (database, server,
 *		endpoint): the hfendpoints.stats view and hfendpoints.stats_reset().
 *
 * hfe_stats_count_attempt() is called (observer.c) for every attempt the
 * transfer engine finishes or abandons, so each row counts what really went over the
 * wire, retries included.  An attempt counts in "requests" and in exactly
 * one of successes (2xx), client_errors (4xx, 429s included, which are
 * also counted in rate_limited), server_errors (5xx), transport_errors (no
 * usable response: connection refused or dropped, truncated or oversized
 * body), timeouts and cancels; only an HTTP status outside 2xx, 4xx and 5xx
 * (a redirect, which is never followed) counts in none of them.  (libcurl
 * itself re-sends a request once when a kept-alive connection turns out
 * closed before any byte of the answer: one attempt here, two requests for
 * the server.)
 *
 * Shared memory: a hash table of at most STATS_MAX_ENTRIES entries,
 * protected by one LWLock.  Counting takes the lock shared to find an
 * existing entry and updates it under the entry's spinlock, as
 * pg_stat_statements does; only a new endpoint takes the lock exclusive.
 * Once the table is full, new endpoints count in one "(other endpoints)"
 * row.  Nothing here raises while it holds the lock.
 *
 * Without shared_preload_libraries the hash table does not exist: counting
 * is a no-op and reading the view raises an error with a hint.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "json.h"
#include "shmem.h"
#include "stats.h"

PG_FUNCTION_INFO_V1(hfendpoints_stats);
PG_FUNCTION_INFO_V1(hfendpoints_stats_reset);

#define STATS_MAX_ENTRIES 1000
#define STATS_OTHER_LABEL "(other endpoints)"
#define STATS_UNLABELLED "(unknown)"
#define STATS_NATTS 21

typedef struct StatsKey
{
	Oid			dbid;
	Oid			serverid;
	char		label[HFE_STATS_LABEL_LEN];	/* zero-padded: hashed as bytes */
} StatsKey;

typedef struct StatsCounters
{
	int64		requests;
	int64		successes;
	int64		client_errors;
	int64		server_errors;
	int64		rate_limited;
	int64		transport_errors;
	int64		timeouts;
	int64		cancels;
	int64		retries;
	int64		cold_starts;
	double		total_ms;
	double		max_ms;
	int64		bytes_sent;
	int64		bytes_received;
	int64		tokens;
	TimestampTz first_call;		/* 0 until the first request */
	TimestampTz last_call;
} StatsCounters;

typedef struct StatsEntry
{
	StatsKey	key;			/* hash key: first */
	slock_t		mutex;			/* protects counters */
	StatsCounters counters;
} StatsEntry;

static HTAB *stats_hash = NULL;
static LWLock *stats_lock = NULL;

static Size
stats_shmem_size(void)
{
	return hash_estimate_size(STATS_MAX_ENTRIES + 1, sizeof(StatsEntry));
}

/* Called with AddinShmemInitLock held, in the postmaster (and EXEC_BACKEND children). */
static void
stats_shmem_startup(void)
{
	HASHCTL		info;

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(StatsKey);
	info.entrysize = sizeof(StatsEntry);
	stats_hash = hfe_shmem_hash("hfendpoints stats", STATS_MAX_ENTRIES + 1,
								&info, HASH_ELEM | HASH_BLOBS);
	stats_lock = hfe_shmem_lwlock(HFE_LWLOCK_STATS);
}

void
hfe_stats_init(void)
{
	hfe_shmem_register(stats_shmem_size, stats_shmem_startup);
}

static void
make_key(StatsKey *key, Oid dbid, Oid serverid, const char *label)
{
	memset(key, 0, sizeof(*key));
	key->dbid = dbid;
	key->serverid = serverid;
	strlcpy(key->label, label ? label : STATS_UNLABELLED, sizeof(key->label));
}

static void
add_counters(StatsCounters *c, const StatsCounters *d)
{
	c->requests += d->requests;
	c->successes += d->successes;
	c->client_errors += d->client_errors;
	c->server_errors += d->server_errors;
	c->rate_limited += d->rate_limited;
	c->transport_errors += d->transport_errors;
	c->timeouts += d->timeouts;
	c->cancels += d->cancels;
	c->retries += d->retries;
	c->cold_starts += d->cold_starts;
	c->total_ms += d->total_ms;
	c->max_ms = Max(c->max_ms, d->max_ms);
	c->bytes_sent += d->bytes_sent;
	c->bytes_received += d->bytes_received;
	c->tokens += d->tokens;
	if (d->first_call != 0 && (c->first_call == 0 || d->first_call < c->first_call))
		c->first_call = d->first_call;
	if (d->last_call > c->last_call)
		c->last_call = d->last_call;
}

/*
 * Add delta to the entry for (MyDatabaseId, serverid, label), creating it
 * if need be.  Never raises: the hash table is in shared memory and a full
 * table sends the counts to the "(other endpoints)" row.
 */
static void
add_to_entry(Oid serverid, const char *label, const StatsCounters *delta)
{
	StatsKey	key;
	StatsEntry *entry;

	if (stats_hash == NULL)
		return;
	make_key(&key, MyDatabaseId, serverid, label);

	LWLockAcquire(stats_lock, LW_SHARED);
	entry = hash_search(stats_hash, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		bool		found;

		/* another backend may add it meanwhile: HASH_ENTER finds it then */
		LWLockRelease(stats_lock);
		LWLockAcquire(stats_lock, LW_EXCLUSIVE);
		if (hash_get_num_entries(stats_hash) >= STATS_MAX_ENTRIES &&
			hash_search(stats_hash, &key, HASH_FIND, NULL) == NULL)
			make_key(&key, InvalidOid, InvalidOid, STATS_OTHER_LABEL);
		entry = hash_search(stats_hash, &key, HASH_ENTER_NULL, &found);
		if (entry != NULL && !found)
		{
			SpinLockInit(&entry->mutex);
			memset(&entry->counters, 0, sizeof(entry->counters));
		}
	}
	if (entry != NULL)
	{
		SpinLockAcquire(&entry->mutex);
		add_counters(&entry->counters, delta);
		SpinLockRelease(&entry->mutex);
	}
	LWLockRelease(stats_lock);
}

void
hfe_stats_count_attempt(Oid serverid, const char *label, const HfeHttpRequest *req,
						int64 bytes_sent, int64 bytes_received, bool cancelled)
{
	StatsCounters d;
	TimestampTz now;
	double		ms;

	if (stats_hash == NULL)
		return;
	memset(&d, 0, sizeof(d));
	now = GetCurrentTimestamp();
	ms = req->started_at != 0 ? (double) (now - req->started_at) / 1000.0 : 0;

	d.requests = 1;
	d.retries = req->attempts > 1 ? 1 : 0;
	if (cancelled)
		d.cancels = 1;
	else if (req->curl_code == CURLE_OPERATION_TIMEDOUT)
		d.timeouts = 1;
	else if (req->curl_code != CURLE_OK || req->response_too_large)
		d.transport_errors = 1;
	else if (req->status >= 200 && req->status < 300)
	{
		d.successes = 1;
		/* TGI's header; the tokens an answer's body reports come later */
		d.tokens = Max(req->generated_tokens, 0);
	}
	else if (req->status >= 400 && req->status < 500)
	{
		d.client_errors = 1;
		d.rate_limited = req->status == 429 ? 1 : 0;
	}
	else if (req->status >= 500 && req->status < 600)
		d.server_errors = 1;
	d.total_ms = d.max_ms = ms;
	d.bytes_sent = Max(bytes_sent, 0);
	d.bytes_received = Max(bytes_received, 0);
	d.first_call = req->started_at != 0 ? req->started_at : now;
	d.last_call = now;
	add_to_entry(serverid, label, &d);
}

void
hfe_stats_count_tokens(Oid serverid, const char *label, int64 tokens)
{
	StatsCounters d;

	memset(&d, 0, sizeof(d));
	d.tokens = tokens;
	add_to_entry(serverid, label, &d);
}

void
hfe_stats_count_cold_start(Oid serverid, const char *label)
{
	StatsCounters d;

	memset(&d, 0, sizeof(d));
	d.cold_starts = 1;
	add_to_entry(serverid, label, &d);
}

/* ---- SQL functions ---- */

static void
check_loaded(void)
{
	if (stats_hash == NULL)
		hfe_raise_not_preloaded();
}

static Datum
timestamptz_or_null(TimestampTz t, bool *isnull)
{
	*isnull = (t == 0);
	return TimestampTzGetDatum(t);
}

/*
 * hfendpoints.stats(): every entry, copied out under the lock first, so
 * that name lookups (which may raise) run without it.  The server's name
 * is known only in its own database; elsewhere the column is NULL.
 */
Datum
hfendpoints_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS scan;
	StatsEntry *entry;
	StatsEntry *copies;
	long		n = 0;

	check_loaded();
	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != STATS_NATTS)
		elog(ERROR, "hfendpoints.stats() returns %d columns, expected %d",
			 rsinfo->setDesc->natts, STATS_NATTS);

	copies = palloc(sizeof(StatsEntry) * (STATS_MAX_ENTRIES + 1));
	LWLockAcquire(stats_lock, LW_SHARED);
	hash_seq_init(&scan, stats_hash);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		if (n > STATS_MAX_ENTRIES)
		{
			hash_seq_term(&scan);
			break;
		}
		copies[n].key = entry->key;
		SpinLockAcquire(&entry->mutex);
		copies[n].counters = entry->counters;
		SpinLockRelease(&entry->mutex);
		n++;
	}
	LWLockRelease(stats_lock);

	for (long i = 0; i < n; i++)
	{
		const StatsKey *k = &copies[i].key;
		const StatsCounters *c = &copies[i].counters;
		Datum		values[STATS_NATTS];
		bool		nulls[STATS_NATTS];
		char	   *dbname = OidIsValid(k->dbid) ? get_database_name(k->dbid) : NULL;
		ForeignServer *server = NULL;
		int			col = 0;

		memset(nulls, 0, sizeof(nulls));
		if (k->dbid == MyDatabaseId && OidIsValid(k->serverid))
			server = GetForeignServerExtended(k->serverid, FSV_MISSING_OK);

		nulls[col] = dbname == NULL;
		values[col++] = dbname ? DirectFunctionCall1(namein, CStringGetDatum(dbname)) : (Datum) 0;
		nulls[col] = server == NULL;
		values[col++] = server ? DirectFunctionCall1(namein, CStringGetDatum(server->servername)) : (Datum) 0;
		values[col++] = CStringGetTextDatum(k->label);
		values[col++] = Int64GetDatum(c->requests);
		values[col++] = Int64GetDatum(c->successes);
		values[col++] = Int64GetDatum(c->client_errors);
		values[col++] = Int64GetDatum(c->server_errors);
		values[col++] = Int64GetDatum(c->rate_limited);
		values[col++] = Int64GetDatum(c->transport_errors);
		values[col++] = Int64GetDatum(c->timeouts);
		values[col++] = Int64GetDatum(c->cancels);
		values[col++] = Int64GetDatum(c->retries);
		values[col++] = Int64GetDatum(c->cold_starts);
		values[col++] = Float8GetDatum(c->total_ms);
		nulls[col] = c->requests == 0;
		values[col++] = Float8GetDatum(c->requests > 0 ? c->total_ms / c->requests : 0);
		values[col++] = Float8GetDatum(c->max_ms);
		values[col++] = Int64GetDatum(c->bytes_sent);
		values[col++] = Int64GetDatum(c->bytes_received);
		values[col++] = Int64GetDatum(c->tokens);
		values[col] = timestamptz_or_null(c->first_call, &nulls[col]), col++;
		values[col] = timestamptz_or_null(c->last_call, &nulls[col]), col++;
		Assert(col == STATS_NATTS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* hfendpoints.stats_reset(): forget every entry.  Revoked from PUBLIC. */
Datum
hfendpoints_stats_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS scan;
	StatsEntry *entry;

	check_loaded();
	LWLockAcquire(stats_lock, LW_EXCLUSIVE);
	hash_seq_init(&scan, stats_hash);
	while ((entry = hash_seq_search(&scan)) != NULL)
		hash_search(stats_hash, &entry->key, HASH_REMOVE, NULL);
	LWLockRelease(stats_lock);
	PG_RETURN_VOID();
}
