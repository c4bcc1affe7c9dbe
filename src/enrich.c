/*-------------------------------------------------------------------------
 *
 * enrich.c
 *		The checks of CALL hfendpoints.enrich() made in C (its task and
 *		parameters, the transaction block; its loop is enrich_job.c), and
 *		the batch function of the enrich of older versions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "batch.h"
#include "tasks/tasks.h"

PG_FUNCTION_INFO_V1(hfendpoints_enrich_check);
PG_FUNCTION_INFO_V1(hfendpoints_enrich_batch);
PG_FUNCTION_INFO_V1(hfendpoints_prevent_in_transaction_block);

/* The task enrich knows as name, or an error. */
static const HfeTask *
enrich_task(const char *name)
{
	const HfeTask *task = hfe_enrich_task(name);

	if (task == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported enrich task \"%s\"", name),
				 errhint("SELECT task FROM hfendpoints._enrich_tasks() lists the tasks enrich can run.")));
	return task;
}

/*
 * _enrich_check(task, parameters jsonb): raise what is wrong with enrich's
 * task or parameters, before the endpoint or the table is touched.
 * parameters holds the task function's own argument names and values
 * ('{"max_new_tokens": 20}', '{"system": "..."}'); raw body members go in
 * its extra argument.
 */
Datum
hfendpoints_enrich_check(PG_FUNCTION_ARGS)
{
	const HfeTask *task;
	cJSON	   *template;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("task must not be NULL")));
	task = enrich_task(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	(void) hfe_task_enrich_call(task, PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1),
								&template);
	PG_RETURN_VOID();
}

/*
 * _enrich_batch(endpoint, task, inputs text[], parameters jsonb): one batch
 * of CALL hfendpoints.enrich() as 0.1.0 and 0.2.0 run it: their install
 * scripts declare it, and a database keeps its version, with this library,
 * until ALTER EXTENSION hfendpoints UPDATE (0.3.0 runs enrich_job.c).  parameters holds the task function's own
 * argument names and values ('{"max_new_tokens": 20}', '{"system": "..."}');
 * raw body members go in its extra argument.  Failures never raise; they
 * come back in the error column for enrich to record.
 */
Datum
hfendpoints_enrich_batch(PG_FUNCTION_ARGS)
{
	const HfeTask *task;
	HfeTaskCall *call;
	ArrayType  *array;
	Datum	   *inputs;
	bool	   *nulls;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("endpoint, task and inputs must not be NULL")));
	task = enrich_task(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (task->input_type != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("enrich task \"%s\" needs hfendpoints 0.3.0", task->enrich_name),
				 errhint("Update the extension: ALTER EXTENSION hfendpoints UPDATE;")));
	if (PG_ARGISNULL(3))
		call = hfe_task_call_from_jsonb(task, DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")),
										"parameters");
	else
		call = hfe_task_call_from_jsonb(task, PG_GETARG_DATUM(3), "parameters");

	array = PG_GETARG_ARRAYTYPE_P(2);
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &inputs, &nulls, &n);
	hfe_batch_enrich(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(0)), call, inputs, nulls, n);
	return (Datum) 0;
}

/*
 * enrich commits as it goes, which a transaction block forbids, and its
 * workers must each see what the others committed, which a transaction
 * snapshot (REPEATABLE READ, SERIALIZABLE) hides: a row another worker
 * filled and released would look unfilled, and be sent again.  Say so
 * before any work is done rather than fail at the first COMMIT, or later.
 */
Datum
hfendpoints_prevent_in_transaction_block(PG_FUNCTION_ARGS)
{
	char	   *command = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", command),
				 errdetail("It commits as it goes, so that an interrupted run loses only what was in flight."),
				 errhint("Run the CALL on its own, outside BEGIN ... COMMIT.")));
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot run at isolation level %s", command,
						IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errdetail("Its workers share the table through what each commits, which a transaction snapshot would hide from the others."),
				 errhint("Run SET default_transaction_isolation = 'read committed' first, in the same session.")));
	PG_RETURN_VOID();
}
