/*-------------------------------------------------------------------------
 *
 * call_scan.c
 *		The plan node that sends the per-row inference calls of a query
 *		together: it keeps a window of rows read ahead from its outer plan,
 *		each row's calls prepared (call.c) and queued on a transfer-engine
 *		session, and returns the rows in their order with the results in
 *		place.  call_plan.c places it; call_scan.h has its layout.
 *
 * The window slides: each row returned makes room for the next one read,
 * whose calls join those in flight (up to hfendpoints.max_concurrency), so
 * that a slow answer holds up only the rows behind it, never a whole
 * batch.  The answers are those of the sequential plan: a row's call is
 * answered (and its failure raised, with the row's position in the error
 * context) only when the row is returned, so that rows before a failed one
 * go up first and the error is the earliest row's.  What the window sent
 * ahead of a failure is billed: at most hfendpoints.prefetch_rows rows'
 * calls more than the sequential plan makes.  A LIMIT directly above
 * bounds the rows read, hence the calls; a parent that rescans the node
 * before it has returned the rows read ahead (a correlated subquery
 * stopping at its first match) has it read one row at a time thereafter,
 * so that the window is paid for nothing once, not on every rescan, and
 * so does a query run for each row of the statement in an executor of its
 * own that ends early (see window_wasted).  hfendpoints.batch_row_calls off
 * at executor start (a cached plan) makes the window one row: the calls go
 * one at a time.  A call is made for the role and the server of its row's
 * turn, as in the sequential plan: after a change, the rows read ahead are
 * prepared again at their turn, one at a time (see same_identity).  Memory
 * is the window's: each row's values, arguments and parsed answers live in
 * a context of its own, deleted once the row has gone up.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/acl.h"
#include "utils/syscache.h"

#include "compat.h"
#include HFE_EXPLAIN_FORMAT_H

#include "call.h"
#include "call_scan.h"
#include "guc.h"
#include "http.h"
#include "tasks/tasks.h"

typedef struct CallSite
{
	const HfeTask *task;
	FmgrInfo	flinfo;
	int			arg_start;		/* its first argument's column, from 1 */
	int			nargs;
	bool		strict;
} CallSite;

/* A row read ahead: its outer plan's columns, and its calls. */
typedef struct BufferedRow
{
	MemoryContext cxt;			/* everything of the row */
	Datum	   *values;
	bool	   *nulls;
	HfePreparedCall **calls;	/* one per site; NULL: the result is NULL */
	int			identity;		/* that of its calls (see same_identity), or
								 * -1: not prepared */
	ItemPointerData tid;		/* the table row it came from, for WHERE
								 * CURRENT OF (see current_of_scan) */
} BufferedRow;

typedef struct CallScanState
{
	CustomScanState css;
	int			nsites;
	CallSite   *sites;
	int			width;			/* the outer plan's columns */
	ScanState  *table_scan;		/* the scan of one table below, or NULL */
	ExprState  *limit_count;
	ExprState  *limit_offset;
	bool		bound_known;
	int64		bound;			/* rows a LIMIT above reads, or -1 */
	int			window;			/* rows whose calls go together */
	int			first_window;	/* its size at the start, the ring's */
	bool		narrowed;		/* to one row, by a rescan that left rows
								 * read ahead */
	bool		reprepared;		/* ... or by a change of role or server */

	/* whom the calls are made for: the role, hfendpoints.server */
	Oid			identity_user;
	char	   *identity_server;
	int			identity;		/* bumped at each change */

	/*
	 * The projection above the calls reads each call's result as a
	 * parameter, fetched (waited for, its failure raised) when the
	 * projection reaches it: in the order of the sequential plan, which
	 * makes the calls of a row as it computes its target list, so that
	 * an error in an expression over one call's result comes before the
	 * failure of a call after it.
	 */
	ParamListInfo results;		/* parameter i + 1: site i's result */
	ExprContext *project_cxt;	/* the projection's, with results */
	BufferedRow *current;		/* the row being projected */
	int64		current_rowno;

	MemoryContext node_cxt;		/* the session and the rows */
	HfeHttpSession *session;	/* NULL until the first row */
	BufferedRow *ring;			/* window entries */
	int			head;			/* the next row to return */
	int			count;			/* rows read ahead */
	MemoryContext returned;		/* the row last returned, freed next call */
	bool		outer_done;
	int64		rows_read;		/* from the outer plan, since the start */
	int64		rows_returned;

	/* for EXPLAIN ANALYZE */
	int64		calls_sent;
	instr_time	waiting;
} CallScanState;

/*
 * The nodes of this statement that ended with rows read ahead for nothing
 * (see window_wasted): by their plan, which a function the statement calls
 * for each row runs again and again, each time in an executor of its own.
 */
static TimestampTz wasted_statement;	/* the statement's start */
static const Plan *wasted_plans[16];
static int	wasted_count;		/* more than fit: all count as wasted */

static Node *create_call_scan_state(CustomScan *cscan);
static void begin_call_scan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *exec_call_scan(CustomScanState *node);
static void end_call_scan(CustomScanState *node);
static void rescan_call_scan(CustomScanState *node);
static void explain_call_scan(CustomScanState *node, List *ancestors, ExplainState *es);

const CustomScanMethods hfe_call_scan_methods = {
	.CustomName = HFE_CALL_SCAN_NAME,
	.CreateCustomScanState = create_call_scan_state,
};

static const CustomExecMethods call_scan_exec_methods = {
	.CustomName = HFE_CALL_SCAN_NAME,
	.BeginCustomScan = begin_call_scan,
	.ExecCustomScan = exec_call_scan,
	.EndCustomScan = end_call_scan,
	.ReScanCustomScan = rescan_call_scan,
	.ExplainCustomScan = explain_call_scan,
};

const HfeTask *
hfe_call_scan_task(Oid funcid)
{
	HeapTuple	tup;
	Form_pg_proc proc;
	const HfeTask *task = NULL;

	/* built-in functions, most of what the planner hook asks about */
	if (funcid < FirstNormalObjectId)
		return NULL;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	proc = (Form_pg_proc) GETSTRUCT(tup);

	/*
	 * Only a plain function: SECURITY DEFINER, SET options or an fmgr hook
	 * (which its own call would honour) keep the sequential plan.
	 */
	if (proc->prolang == ClanguageId && !proc->proretset && !proc->prosecdef &&
		heap_attisnull(tup, Anum_pg_proc_proconfig, NULL) && !FmgrHookIsNeeded(funcid))
	{
		bool		isnull;
		Datum		bin = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);

		if (!isnull && strstr(TextDatumGetCString(bin), "hfendpoints") != NULL)
		{
			Datum		src = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosrc, &isnull);

			if (!isnull)
				task = hfe_row_call_task(TextDatumGetCString(src));
		}
	}
	ReleaseSysCache(tup);
	return task;
}

static Node *
create_call_scan_state(CustomScan *cscan)
{
	CallScanState *state = (CallScanState *) newNode(sizeof(CallScanState), T_CustomScanState);

	state->css.methods = &call_scan_exec_methods;
	return (Node *) state;
}

/*
 * The scan whose current row is the node's, for UPDATE ... WHERE CURRENT
 * OF a cursor: the executor looks for the scan of the table down from the
 * cursor's top node, through the nodes that return their input's current
 * row (execCurrent.c's search_plan_tree), and takes the TID of that scan's
 * current tuple.  A custom scan is a dead end of that search unless it
 * names a table itself; the table's scan below has moved on to the rows
 * read ahead.  So the node names the table of the scan found the same way
 * below it, keeps each row's TID as it is read, and gives the row it
 * returns that TID.  Below an Append (an inheritance tree, a UNION ALL)
 * there is no one table: call_plan.c keeps a cursor's plan sequential
 * there, as it does over a foreign or custom scan, this node included.
 */
static ScanState *
current_of_scan(PlanState *ps)
{
	if (ps == NULL)
		return NULL;
	switch (nodeTag(ps))
	{
		case T_SeqScanState:
		case T_SampleScanState:
		case T_IndexScanState:
		case T_IndexOnlyScanState:
		case T_BitmapHeapScanState:
		case T_TidScanState:
		case T_TidRangeScanState:
			return ((ScanState *) ps)->ss_currentRelation != NULL ? (ScanState *) ps : NULL;
		case T_ResultState:
		case T_LimitState:
			return current_of_scan(outerPlanState(ps));
		case T_SubqueryScanState:
			return current_of_scan(((SubqueryScanState *) ps)->subplan);
		default:
			return NULL;
	}
}

/* The TID of the table scan's current row, as execCurrentOf reads it. */
static void
current_tid(ScanState *scan, ItemPointer tid)
{
	ItemPointerSetInvalid(tid);
	if (TupIsNull(scan->ss_ScanTupleSlot))
		return;
	if (IsA(scan, IndexOnlyScanState))
		*tid = ((IndexOnlyScanState *) scan)->ioss_ScanDesc->xs_heaptid;
	else
		*tid = scan->ss_ScanTupleSlot->tts_tid;
}

/*
 * Has this plan's node, earlier in the statement, ended with rows read
 * ahead that nobody fetched?  A SQL function returning one value, or
 * PL/pgSQL's SELECT INTO, runs its query for one row (two), in an
 * executor of its own that ends there: called for each row of the
 * statement, it would pay for a window of calls each time.  Such a node
 * starts with a window of one row for the rest of the statement, so that
 * its calls beyond the sequential plan's stay within one window (the
 * counterpart, across executors, of the early rescan's narrowing).
 */
static bool
window_wasted(const Plan *plan)
{
	if (wasted_statement != GetCurrentStatementStartTimestamp())
		return false;
	if (wasted_count > lengthof(wasted_plans))
		return true;
	for (int i = 0; i < wasted_count; i++)
		if (wasted_plans[i] == plan)
			return true;
	return false;
}

static void
note_window_wasted(const Plan *plan)
{
	if (wasted_statement != GetCurrentStatementStartTimestamp())
	{
		wasted_statement = GetCurrentStatementStartTimestamp();
		wasted_count = 0;
	}
	if (wasted_count < lengthof(wasted_plans))
		wasted_plans[wasted_count] = plan;
	if (wasted_count <= lengthof(wasted_plans))
		wasted_count++;
}

static void row_context(void *arg);

/* paramFetch of the results: the answer of a site's call in the current row */
static ParamExternData *
fetch_result(ParamListInfo params, int paramid, bool speculative, ParamExternData *prm)
{
	CallScanState *state = (CallScanState *) params->paramFetchArg;
	BufferedRow *row = state->current;
	int			site = paramid - 1;
	HfePreparedCall *pc = row->calls[site];
	ErrorContextCallback errcallback;
	instr_time	start;
	instr_time	end;
	MemoryContext old;

	prm->ptype = TupleDescAttr(state->css.ss.ss_ScanTupleSlot->tts_tupleDescriptor,
							   state->width + site)->atttypid;
	prm->pflags = 0;
	prm->isnull = true;
	prm->value = (Datum) 0;
	if (pc == NULL)
		return prm;				/* a NULL input: a NULL result */

	errcallback.callback = row_context;
	errcallback.arg = &state->current_rowno;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	INSTR_TIME_SET_CURRENT(start);
	hfe_http_session_wait(state->session, hfe_call_request(pc));
	INSTR_TIME_SET_CURRENT(end);
	INSTR_TIME_ACCUM_DIFF(state->waiting, end, start);
	row->calls[site] = NULL;	/* answered or raised: its context goes */
	old = MemoryContextSwitchTo(row->cxt);	/* kept until the next row */
	prm->value = hfe_call_answer(pc, &prm->isnull);
	MemoryContextSwitchTo(old);
	error_context_stack = errcallback.previous;
	return prm;
}

/* The node's target list with each call's result Var a parameter. */
static Node *
results_as_params(Node *node, int *width)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var) && ((Var *) node)->varno == INDEX_VAR &&
		((Var *) node)->varattno > *width)
	{
		Var		   *var = (Var *) node;
		Param	   *param = makeNode(Param);

		param->paramkind = PARAM_EXTERN;
		param->paramid = var->varattno - *width;
		param->paramtype = var->vartype;
		param->paramtypmod = var->vartypmod;
		param->paramcollid = var->varcollid;
		param->location = -1;
		return (Node *) param;
	}
	return expression_tree_mutator(node, results_as_params, width);
}

/*
 * The projection of the rows, in the results' own expression context.
 * Built while the statement's parameters are set aside: a caller's hook
 * that compiles them (PL/pgSQL's) must not take ours.
 */
static void
init_projection(CallScanState *state, EState *estate)
{
	CustomScanState *node = &state->css;
	List	   *tlist = (List *) results_as_params((Node *) node->ss.ps.plan->targetlist,
												   &state->width);
	ParamListInfo statement_params = estate->es_param_list_info;

	state->results = makeParamList(state->nsites);
	state->results->paramFetch = fetch_result;
	state->results->paramFetchArg = state;
	state->project_cxt = CreateExprContext(estate);
	state->project_cxt->ecxt_param_list_info = state->results;
	estate->es_param_list_info = state->results;
	node->ss.ps.ps_ProjInfo =
		ExecBuildProjectionInfo(tlist, state->project_cxt, node->ss.ps.ps_ResultTupleSlot,
								&node->ss.ps, node->ss.ss_ScanTupleSlot->tts_tupleDescriptor);
	estate->es_param_list_info = statement_params;
}

static void
begin_call_scan(CustomScanState *node, EState *estate, int eflags)
{
	CallScanState *state = (CallScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *funcs = linitial(cscan->custom_private);
	List	   *starts = lsecond(cscan->custom_private);
	List	   *counts = lthird(cscan->custom_private);
	Node	   *count = linitial(cscan->custom_exprs);
	Node	   *offset = lsecond(cscan->custom_exprs);

	outerPlanState(state) = ExecInitNode(outerPlan(cscan), estate, eflags);
	state->width = list_length(outerPlan(cscan)->targetlist);
	state->table_scan = current_of_scan(outerPlanState(state));
	if (state->table_scan != NULL)
		node->ss.ss_currentRelation = state->table_scan->ss_currentRelation;
	state->nsites = list_length(funcs);
	state->sites = palloc0(sizeof(CallSite) * state->nsites);
	for (int i = 0; i < state->nsites; i++)
	{
		CallSite   *site = &state->sites[i];
		Oid			funcid = list_nth_oid(funcs, i);

		site->task = hfe_call_scan_task(funcid);
		if (site->task == NULL)
			elog(ERROR, "function %u is not an hfendpoints call", funcid);
		/* the executor's own check when it sets up a function call */
		if (hfe_function_aclcheck(funcid, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FUNCTION, get_func_name(funcid));
		InvokeFunctionExecuteHook(funcid);
		fmgr_info(funcid, &site->flinfo);
		site->strict = site->flinfo.fn_strict;
		site->arg_start = list_nth_int(starts, i);
		site->nargs = list_nth_int(counts, i);
	}
	state->limit_count = count ? ExecInitExpr((Expr *) count, &node->ss.ps) : NULL;
	state->limit_offset = offset ? ExecInitExpr((Expr *) offset, &node->ss.ps) : NULL;
	init_projection(state, estate);
	state->bound = -1;
	state->window = hfe_batch_row_calls && !window_wasted(node->ss.ps.plan) ? hfe_prefetch_rows : 1;
	state->first_window = state->window;
	state->node_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"hfendpoints calls",
											ALLOCSET_DEFAULT_SIZES);
	state->ring = MemoryContextAllocZero(state->node_cxt, sizeof(BufferedRow) * state->window);
	INSTR_TIME_SET_ZERO(state->waiting);
}

/* The rows a LIMIT directly above reads (offset + count), or -1. */
static int64
limit_bound(CallScanState *state)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	bool		isnull;
	Datum		v;
	int64		count;
	int64		offset = 0;

	if (state->limit_count == NULL)
		return -1;
	v = ExecEvalExprSwitchContext(state->limit_count, econtext, &isnull);
	if (isnull)
		return -1;				/* LIMIT NULL: no limit */
	count = DatumGetInt64(v);
	if (state->limit_offset != NULL)
	{
		v = ExecEvalExprSwitchContext(state->limit_offset, econtext, &isnull);
		if (!isnull)
			offset = DatumGetInt64(v);
	}
	if (count < 0 || offset < 0)
		return -1;				/* the LIMIT raises its own error */
	if (offset > PG_INT64_MAX - count)
		return -1;
	return offset + count;
}

/*
 * The error context of a row's call: its position among the rows read.  A
 * cancel or a statement timeout, which may come while the node waits, is
 * the statement's, not the row's: the sequential plan gives it no context.
 */
static void
row_context(void *arg)
{
	if (geterrcode() == ERRCODE_QUERY_CANCELED)
		return;
	errcontext("hfendpoints call of row %lld (sent with the rows of its window)",
			   (long long) *(int64 *) arg);
}

/* done() of the session: parse the answer at once, free its raw body */
static void
call_done(HfeHttpRequest *req, void *arg)
{
	((CallScanState *) arg)->calls_sent++;
	hfe_call_performed((HfePreparedCall *) req->caller_arg);
}

/* Forget every row read ahead and what is in flight for them. */
static void
discard_rows(CallScanState *state)
{
	if (state->session != NULL)
		hfe_http_session_reset(state->session);
	for (int k = 0; k < state->count; k++)
		MemoryContextDelete(state->ring[(state->head + k) % state->first_window].cxt);
	state->head = 0;
	state->count = 0;
	if (state->returned != NULL)
		MemoryContextDelete(state->returned);
	state->returned = NULL;
}

/*
 * Whom are the calls made for now?  A call resolves its endpoint, server
 * and token when it is prepared, and the sequential plan prepares each at
 * its row's turn: under the role of that moment (a cursor fetched after SET
 * ROLE, or outside the SECURITY DEFINER function that opened it) and the
 * hfendpoints.server of that moment (a trigger may set it).  The node
 * notes both as it prepares rows ahead, and a row whose calls were
 * prepared for another is prepared again at its turn (see exec_call_scan).
 */
static bool
same_identity(CallScanState *state)
{
	const char *server = hfe_server_name ? hfe_server_name : "";

	if (state->identity_server != NULL && state->identity_user == GetUserId() &&
		strcmp(state->identity_server, server) == 0)
		return true;
	if (state->identity_server != NULL)
		pfree(state->identity_server);
	state->identity_user = GetUserId();
	state->identity_server = MemoryContextStrdup(state->node_cxt, server);
	state->identity++;
	return false;
}

/* Prepare a row's calls (arguments checked, requests made) and queue them. */
static void
prepare_calls(CallScanState *state, BufferedRow *row, int64 rowno)
{
	MemoryContext old = MemoryContextSwitchTo(row->cxt);
	ErrorContextCallback errcallback;

	(void) same_identity(state);
	errcallback.callback = row_context;
	errcallback.arg = &rowno;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	for (int i = 0; i < state->nsites; i++)
	{
		CallSite   *site = &state->sites[i];
		FunctionCallInfo fcinfo = palloc0(SizeForFunctionCallInfo(site->nargs));
		bool		any_null = false;
		HfePreparedCall *pc;
		HfeHttpRequest *req;

		row->calls[i] = NULL;
		InitFunctionCallInfoData(*fcinfo, &site->flinfo, site->nargs, InvalidOid, NULL, NULL);
		for (int a = 0; a < site->nargs; a++)
		{
			fcinfo->args[a].value = row->values[site->arg_start - 1 + a];
			fcinfo->args[a].isnull = row->nulls[site->arg_start - 1 + a];
			any_null |= fcinfo->args[a].isnull;
		}
		if (site->strict && any_null)
			continue;
		pc = hfe_call_prepare(fcinfo, site->task);
		if (pc == NULL)
			continue;
		row->calls[i] = pc;
		req = hfe_call_request(pc);
		req->caller_arg = pc;
		hfe_http_session_add(state->session, req);
	}
	error_context_stack = errcallback.previous;
	row->identity = state->identity;
	MemoryContextSwitchTo(old);
}

/*
 * The role or the server has changed since the rows read ahead were
 * prepared: abort what is in flight for them, forget their calls, and read
 * one row at a time from now on, each prepared at its turn, as the
 * sequential plan does.  What was sent for them is billed, to whom it was
 * sent for: at most a window, once over the statement.
 */
static void
unprepare_rows(CallScanState *state)
{
	hfe_http_session_reset(state->session);
	for (int k = 0; k < state->count; k++)
	{
		BufferedRow *row = &state->ring[(state->head + k) % state->first_window];

		for (int i = 0; i < state->nsites; i++)
		{
			if (row->calls[i] != NULL)
				hfe_call_discard(row->calls[i]);
			row->calls[i] = NULL;
		}
		row->identity = -1;
	}
	state->window = 1;
	state->reprepared = true;
}

/* Read one more row and prepare its calls. */
static bool
read_ahead(CallScanState *state)
{
	PlanState  *outer = outerPlanState(state);
	BufferedRow *row = &state->ring[(state->head + state->count) % state->first_window];
	TupleTableSlot *slot;
	TupleDesc	desc;
	MemoryContext old;

	slot = ExecProcNode(outer);
	if (TupIsNull(slot))
	{
		state->outer_done = true;
		return false;
	}
	slot_getallattrs(slot);
	desc = slot->tts_tupleDescriptor;
	row->cxt = AllocSetContextCreate(state->node_cxt, "hfendpoints call row",
									 ALLOCSET_SMALL_SIZES);
	row->identity = -1;
	state->count++;
	old = MemoryContextSwitchTo(row->cxt);
	row->values = palloc(sizeof(Datum) * state->width);
	row->nulls = palloc(sizeof(bool) * state->width);
	row->calls = palloc0(sizeof(HfePreparedCall *) * state->nsites);
	for (int c = 0; c < state->width; c++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, c);

		row->nulls[c] = slot->tts_isnull[c];
		row->values[c] = row->nulls[c] ? (Datum) 0 :
			datumCopy(slot->tts_values[c], attr->attbyval, attr->attlen);
	}
	MemoryContextSwitchTo(old);
	if (state->table_scan != NULL)
		current_tid(state->table_scan, &row->tid);
	prepare_calls(state, row, ++state->rows_read);
	return true;
}

/* Keep the window full: rows read ahead up to its size or the LIMIT's. */
static void
fill_window(CallScanState *state)
{
	if (!state->bound_known)
	{
		state->bound = limit_bound(state);
		state->bound_known = true;
		/* what a LIMIT does for its input, which cannot reach through us */
		if (state->bound >= 0)
			ExecSetTupleBound(state->bound, outerPlanState(state));
	}
	if (state->session == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(state->node_cxt);

		/* off at the start: one call at a time, as the sequential plan */
		state->session = hfe_http_session_begin(state->window > 1 ? hfe_max_concurrency : 1,
												call_done, state);
		MemoryContextSwitchTo(old);
	}
	while (state->count < state->window && !state->outer_done &&
		   (state->bound < 0 || state->rows_read < state->bound))
	{
		if (!read_ahead(state))
			break;
	}
}

static TupleTableSlot *
exec_call_scan(CustomScanState *node)
{
	CallScanState *state = (CallScanState *) node;
	TupleTableSlot *scan = node->ss.ss_ScanTupleSlot;
	TupleTableSlot *result;
	int64		rowno;
	BufferedRow *row;

	CHECK_FOR_INTERRUPTS();
	if (state->returned != NULL)
	{
		MemoryContextDelete(state->returned);
		state->returned = NULL;
	}
	if (state->count > 0 && !same_identity(state))
		unprepare_rows(state);
	fill_window(state);
	if (state->count == 0)
	{
		/* positioned on no row, as a scan at its end */
		ExecClearTuple(scan);
		return NULL;
	}
	row = &state->ring[state->head];
	rowno = ++state->rows_returned;
	if (row->identity != state->identity)
	{
		if (row->identity >= 0)
			unprepare_rows(state);	/* changed while reading ahead */
		prepare_calls(state, row, rowno);
	}

	ExecClearTuple(scan);
	memcpy(scan->tts_values, row->values, sizeof(Datum) * state->width);
	memcpy(scan->tts_isnull, row->nulls, sizeof(bool) * state->width);
	for (int i = 0; i < state->nsites; i++)
	{
		/* the projection reads the results as parameters (fetch_result) */
		scan->tts_values[state->width + i] = (Datum) 0;
		scan->tts_isnull[state->width + i] = true;
	}
	ExecStoreVirtualTuple(scan);
	if (state->table_scan != NULL)
	{
		scan->tts_tid = row->tid;
		scan->tts_tableOid = RelationGetRelid(node->ss.ss_currentRelation);
	}

	state->current = row;
	state->current_rowno = rowno;
	ResetExprContext(state->project_cxt);
	state->project_cxt->ecxt_scantuple = scan;
	result = ExecProject(node->ss.ps.ps_ProjInfo);
	state->current = NULL;

	/*
	 * The projection reads every result: a call is only batched where it
	 * is always evaluated (call_plan.c).  Should one be left, it must not
	 * be in flight when its row's memory goes.
	 */
	for (int i = 0; i < state->nsites; i++)
	{
		if (row->calls[i] == NULL)
			continue;
		hfe_http_session_wait(state->session, hfe_call_request(row->calls[i]));
		hfe_call_discard(row->calls[i]);
		row->calls[i] = NULL;
	}

	/* the row leaves the window; its memory stays until the next call */
	state->returned = row->cxt;
	row->cxt = NULL;
	state->head = (state->head + 1) % state->first_window;
	state->count--;
	return result;
}

static void
end_call_scan(CustomScanState *node)
{
	CallScanState *state = (CallScanState *) node;

	if (state->count > 0 && state->window > 1)
		note_window_wasted(node->ss.ps.plan);
	discard_rows(state);
	if (state->session != NULL)
		hfe_http_session_end(state->session);
	ExecEndNode(outerPlanState(state));
}

static void
rescan_call_scan(CustomScanState *node)
{
	CallScanState *state = (CallScanState *) node;
	PlanState  *outer = outerPlanState(state);
	bool		read_for_nothing = state->count > 0;

	discard_rows(state);
	ExecClearTuple(node->ss.ss_ScanTupleSlot);

	/*
	 * The rows read ahead and never returned had their calls sent for
	 * nothing.  A parent that stops early and rescans, such as a
	 * correlated "= ANY (SELECT ...)" stopping at its first match, would
	 * pay that for every outer row; once it has happened, the node reads
	 * one row at a time, as the sequential plan, so that its calls beyond
	 * the sequential plan's stay within one window over the statement.
	 */
	if (read_for_nothing && state->window > 1)
	{
		state->window = 1;
		state->narrowed = true;
	}
	state->outer_done = false;
	state->rows_read = 0;
	state->rows_returned = 0;
	state->bound_known = false;
	if (outer->chgParam == NULL)
		ExecReScan(outer);
}

static void
explain_call_scan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	CallScanState *state = (CallScanState *) node;
	StringInfoData names;

	initStringInfo(&names);
	for (int i = 0; i < state->nsites; i++)
		appendStringInfo(&names, "%s%s", i > 0 ? ", " : "",
						 get_func_name(state->sites[i].flinfo.fn_oid));
	ExplainPropertyText("Calls", names.data, es);
	ExplainPropertyInteger("Window", "rows", state->first_window, es);
	if (state->limit_count != NULL)
		ExplainPropertyText("Rows Bounded By", "LIMIT", es);
	if (es->analyze)
	{
		ExplainPropertyInteger("Calls Sent", NULL, state->calls_sent, es);
		if (state->narrowed)
			ExplainPropertyText("Window After Early Rescan", "1 row", es);
		if (state->reprepared)
			ExplainPropertyText("Window After Change Of Role Or Server", "1 row", es);
		if (es->timing)
			ExplainPropertyFloat("Time Waiting", "ms",
								 INSTR_TIME_GET_MILLISEC(state->waiting), 3, es);
	}
}

void
hfe_call_scan_init(void)
{
	RegisterCustomScanMethods(&hfe_call_scan_methods);
}
