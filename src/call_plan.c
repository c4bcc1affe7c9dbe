/*-------------------------------------------------------------------------
 *
 * call_plan.c
 *		The planner hook that places the node of call_scan.c above each
 *		plan node whose target list calls hfendpoints' single-row
 *		inference functions, where that is provably safe.
 *
 * It runs on the finished plan.  A node qualifies when its target list
 * calls them only where every call is always evaluated (under function
 * calls, operators and casts; never under CASE, COALESCE, AND/OR or a
 * subquery), no call's arguments hold another call, nothing else in the
 * target list is volatile or a subquery, and nothing below the calls is
 * volatile: not its quals, not the plan under it (see volatile_below).  The
 * node then computes, as columns, each call's arguments and every other
 * part of its target list; the new node above sends the calls and computes
 * what was around them.  Anything else keeps its plan, sequential as
 * before.  A LIMIT directly above (through a Result or a subquery scan)
 * lends the new node its count and offset, so that no call is made for a
 * row the LIMIT would not read; a scrollable cursor keeps its plan, and so
 * does a cursor whose calls are above an Append (current_of_append_below).
 * No node goes below a Gather, whose part of the plan each worker runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_proc.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "call_scan.h"
#include "compat.h"
#include "guc.h"

static planner_hook_type prev_planner_hook = NULL;

/* What rewriting one node's target list collects. */
typedef struct Rewrite
{
	List	   *child_tlist;	/* the outer plan's new target list */
	List	   *funcs;			/* per call site: the function */
	List	   *arg_starts;		/* ... its first argument column */
	List	   *arg_counts;		/* ... its number of arguments */
	List	   *calls;			/* ... the call, its arguments as Vars of
								 * the outer plan */
	bool		unsafe;			/* a reason to leave the node alone */
} Rewrite;

static bool
is_batched_call(Node *node)
{
	return node != NULL && IsA(node, FuncExpr) &&
		!((FuncExpr *) node)->funcretset &&
		hfe_call_scan_task(((FuncExpr *) node)->funcid) != NULL;
}

static bool
contains_call_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (is_batched_call(node))
		return true;
	return expression_tree_walker(node, contains_call_walker, context);
}

static bool
contains_call(Node *node)
{
	return contains_call_walker(node, NULL);
}

static bool
contains_subplan_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubPlan) || IsA(node, AlternativeSubPlan) || IsA(node, SubLink))
		return true;
	return expression_tree_walker(node, contains_subplan_walker, context);
}

/*
 * Does the aggregate aggfnoid run a volatile function?  CREATE AGGREGATE
 * marks every aggregate immutable in pg_proc, whatever its support
 * functions are, so contain_volatile_functions() never sees that a
 * transition function makes a call (a PL/pgSQL one calling
 * text_generation): the functions are looked up here.
 */
static bool
aggregate_volatile(Oid aggfnoid)
{
	HeapTuple	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfnoid));
	Form_pg_aggregate agg;
	Oid			support[8];
	bool		found = false;

	if (!HeapTupleIsValid(tup))
		return false;			/* a plain window function: pg_proc says */
	agg = (Form_pg_aggregate) GETSTRUCT(tup);
	support[0] = agg->aggtransfn;
	support[1] = agg->aggfinalfn;
	support[2] = agg->aggcombinefn;
	support[3] = agg->aggserialfn;
	support[4] = agg->aggdeserialfn;
	support[5] = agg->aggmtransfn;
	support[6] = agg->aggminvtransfn;
	support[7] = agg->aggmfinalfn;
	ReleaseSysCache(tup);
	for (int i = 0; i < lengthof(support) && !found; i++)
		found = OidIsValid(support[i]) && func_volatile(support[i]) == PROVOLATILE_VOLATILE;
	return found;
}

static bool
contains_volatile_aggregate_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref) && aggregate_volatile(((Aggref *) node)->aggfnoid))
		return true;
	if (IsA(node, WindowFunc) && aggregate_volatile(((WindowFunc *) node)->winfnoid))
		return true;
	return expression_tree_walker(node, contains_volatile_aggregate_walker, context);
}

/* contain_volatile_functions(), aggregates' support functions included */
static bool
contains_volatile(Node *node)
{
	return contain_volatile_functions(node) ||
		contains_volatile_aggregate_walker(node, NULL);
}

/* May this call-free part of a target list move below the calls? */
static bool
movable(Node *node)
{
	return !contains_volatile(node) && !contains_subplan_walker(node, NULL);
}

/* A column of the outer plan computing expr: a Var of the new node's scan tuple. */
static Var *
push_column(Rewrite *rw, Expr *expr)
{
	AttrNumber	resno = list_length(rw->child_tlist) + 1;

	rw->child_tlist = lappend(rw->child_tlist, makeTargetEntry(expr, resno, NULL, false));
	return makeVar(INDEX_VAR, resno, exprType((Node *) expr), exprTypmod((Node *) expr),
				   exprCollation((Node *) expr), 0);
}

/*
 * The expression above the calls: each call a Var of its result column
 * (numbered -1, -2, ... until the outer plan's width is known), each
 * maximal call-free part a Var of a column the outer plan computes.
 */
static Node *
rewrite_mutator(Node *node, Rewrite *rw)
{
	if (node == NULL || rw->unsafe)
		return node;
	if (is_batched_call(node))
	{
		FuncExpr   *call = (FuncExpr *) node;
		FuncExpr   *shown = (FuncExpr *) copyObject(call);
		List	   *args = NIL;
		int			site = list_length(rw->funcs);
		ListCell   *lc;

		if (contains_call((Node *) call->args) || !movable((Node *) call->args))
		{
			rw->unsafe = true;
			return node;
		}
		rw->funcs = lappend_oid(rw->funcs, call->funcid);
		rw->arg_starts = lappend_int(rw->arg_starts, list_length(rw->child_tlist) + 1);
		rw->arg_counts = lappend_int(rw->arg_counts, list_length(call->args));
		foreach(lc, call->args)
		{
			Var		   *v = push_column(rw, (Expr *) lfirst(lc));

			v->varno = OUTER_VAR;
			args = lappend(args, v);
		}
		shown->args = args;
		rw->calls = lappend(rw->calls, shown);
		return (Node *) makeVar(INDEX_VAR, -(site + 1), call->funcresulttype, -1,
								call->funccollid, 0);
	}
	if (!contains_call(node))
	{
		if (IsA(node, Const))
			return copyObject(node);
		if (!movable(node))
		{
			rw->unsafe = true;
			return node;
		}
		return (Node *) push_column(rw, (Expr *) node);
	}
	/* a call below: only through nodes that always evaluate every argument */
	switch (nodeTag(node))
	{
		case T_FuncExpr:
			if (((FuncExpr *) node)->funcretset ||
				func_volatile(((FuncExpr *) node)->funcid) == PROVOLATILE_VOLATILE)
				rw->unsafe = true;
			break;
		case T_OpExpr:
			set_opfuncid((OpExpr *) node);
			if (((OpExpr *) node)->opretset ||
				func_volatile(((OpExpr *) node)->opfuncid) == PROVOLATILE_VOLATILE)
				rw->unsafe = true;
			break;
		case T_List:			/* the arguments of one of these */
		case T_RelabelType:
		case T_CoerceViaIO:
			break;
		default:
			rw->unsafe = true;
			break;
	}
	if (rw->unsafe)
		return node;
	return expression_tree_mutator(node, rewrite_mutator, rw);
}

/* Number the result Vars (-1, -2, ...) after the outer plan's columns. */
static bool
fix_results_walker(Node *node, int *width)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) && ((Var *) node)->varno == INDEX_VAR && ((Var *) node)->varattno < 0)
	{
		((Var *) node)->varattno = *width - ((Var *) node)->varattno;
		return false;
	}
	return expression_tree_walker(node, fix_results_walker, width);
}

static int	max_plan_node_id;
static List *stmt_subplans;		/* the statement's, for its SubPlans */
static bool stmt_is_cursor;		/* DECLARE CURSOR, a PL/pgSQL cursor */

static bool plan_volatile(Plan *plan, bool with_tlist, bool once);

/* A subquery's plan runs again for each row that evaluates it. */
static bool
subplan_volatile_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubPlan) &&
		plan_volatile(list_nth(stmt_subplans, ((SubPlan *) node)->plan_id - 1), true, false))
		return true;
	return expression_tree_walker(node, subplan_volatile_walker, context);
}

/* A volatile function in expr, or in the plan of a subquery it runs. */
static bool
expr_volatile(void *expr)
{
	return contains_volatile((Node *) expr) ||
		subplan_volatile_walker((Node *) expr, NULL);
}

static bool
plans_volatile(List *plans, bool once)
{
	ListCell   *lc;

	foreach(lc, plans)
		if (plan_volatile(lfirst(lc), true, once))
			return true;
	return false;
}

/* Does plan read all its input before it returns its first row? */
static bool
reads_input_first(Plan *plan)
{
	switch (nodeTag(plan))
	{
		case T_Sort:
		case T_Hash:
			return true;
		case T_Agg:
			return ((Agg *) plan)->aggstrategy == AGG_PLAIN ||
				((Agg *) plan)->aggstrategy == AGG_HASHED;
		default:
			return false;
	}
}

/*
 * Would reading rows ahead change what plan does?  Below the node, every
 * plan node runs on demand: reading ahead runs it further (for rows a
 * cursor closed early never fetches) and earlier (before the calls and the
 * updates of the rows before).  That changes nothing only where nothing
 * is volatile: no call made for the rows scanned (a call in a WHERE, a
 * node of ours, whose own window would compound this one's), no
 * random(), no function that reads what the statement changes, no row
 * locks (LockRows: a row this transaction changes after it was locked
 * ahead would come up, where the sequential plan skips it; WHERE CURRENT
 * OF would take the TID of the last row locked).  What a node reads whole
 * before its first row (a Sort's input, a hash table) runs whole at the
 * first row either way, unless that node is run again per row (once
 * false: the inner side of a nested loop, a subquery, an initplan or a
 * WITH query that refers to the outer row).  with_tlist false leaves out
 * plan's own target list.  A node type not listed here counts as
 * volatile, so that what this file does not know stays sequential.  An
 * initplan attached above the node but used below it is not seen: it runs
 * once, at the first row that needs it, at most a window early.
 */
static bool
plan_volatile(Plan *plan, bool with_tlist, bool once)
{
	ListCell   *lc;

	if (plan == NULL)
		return false;
	if ((with_tlist && expr_volatile(plan->targetlist)) || expr_volatile(plan->qual))
		return true;
	/* run at the first row that needs one, again when a parameter changes */
	foreach(lc, plan->initPlan)
		if (plan_volatile(list_nth(stmt_subplans, lfirst_node(SubPlan, lc)->plan_id - 1), true, once))
			return true;
	if (once && reads_input_first(plan))
		return false;
	switch (nodeTag(plan))
	{
		case T_ProjectSet:
		case T_SeqScan:
		case T_NamedTuplestoreScan:
		case T_WorkTableScan:
		case T_Material:
		case T_Sort:
		case T_IncrementalSort:
		case T_Group:
		case T_Agg:
		case T_Unique:
		case T_Gather:
		case T_GatherMerge:
		case T_SetOp:
			break;
		case T_Result:
			if (expr_volatile(((Result *) plan)->resconstantqual))
				return true;
			break;
		case T_Limit:
			if (expr_volatile(((Limit *) plan)->limitCount) ||
				expr_volatile(((Limit *) plan)->limitOffset))
				return true;
			break;
		case T_WindowAgg:
			if (expr_volatile(((WindowAgg *) plan)->startOffset) ||
				expr_volatile(((WindowAgg *) plan)->endOffset))
				return true;
			break;
		case T_Hash:
			if (expr_volatile(((Hash *) plan)->hashkeys))
				return true;
			break;
		case T_IndexScan:
			if (expr_volatile(((IndexScan *) plan)->indexqual) ||
				expr_volatile(((IndexScan *) plan)->indexorderby))
				return true;
			break;
		case T_IndexOnlyScan:
			if (expr_volatile(((IndexOnlyScan *) plan)->indexqual) ||
				expr_volatile(((IndexOnlyScan *) plan)->indexorderby))
				return true;
			break;
		case T_BitmapIndexScan:
			if (expr_volatile(((BitmapIndexScan *) plan)->indexqual))
				return true;
			break;
		case T_BitmapHeapScan:
			if (expr_volatile(((BitmapHeapScan *) plan)->bitmapqualorig))
				return true;
			break;
		case T_TidScan:
			if (expr_volatile(((TidScan *) plan)->tidquals))
				return true;
			break;
		case T_TidRangeScan:
			if (expr_volatile(((TidRangeScan *) plan)->tidrangequals))
				return true;
			break;
		case T_SampleScan:
			if (expr_volatile(((SampleScan *) plan)->tablesample))
				return true;
			break;
		case T_FunctionScan:
			if (expr_volatile(((FunctionScan *) plan)->functions))
				return true;
			break;
		case T_ValuesScan:
			if (expr_volatile(((ValuesScan *) plan)->values_lists))
				return true;
			break;
		case T_TableFuncScan:
			if (expr_volatile(((TableFuncScan *) plan)->tablefunc))
				return true;
			break;
		case T_CteScan:
			{
				Plan	   *cte = list_nth(stmt_subplans, ((CteScan *) plan)->ctePlanId - 1);

				/*
				 * The query of WITH runs once, on demand, whoever reads it;
				 * again for each outer row when it refers to one.
				 */
				if (plan_volatile(cte, true, once || bms_is_empty(cte->extParam)))
					return true;
				break;
			}
		case T_SubqueryScan:
			if (plan_volatile(((SubqueryScan *) plan)->subplan, true, once))
				return true;
			break;
		case T_Append:
			if (plans_volatile(((Append *) plan)->appendplans, once))
				return true;
			break;
		case T_MergeAppend:
			if (plans_volatile(((MergeAppend *) plan)->mergeplans, once))
				return true;
			break;
		case T_BitmapAnd:
			if (plans_volatile(((BitmapAnd *) plan)->bitmapplans, once))
				return true;
			break;
		case T_BitmapOr:
			if (plans_volatile(((BitmapOr *) plan)->bitmapplans, once))
				return true;
			break;
		case T_NestLoop:
			/* its inner side runs again for each outer row */
			return expr_volatile(((Join *) plan)->joinqual) ||
				plan_volatile(plan->lefttree, true, once) ||
				plan_volatile(plan->righttree, true, false);
		case T_Memoize:
			if (expr_volatile(((Memoize *) plan)->param_exprs))
				return true;
			return plan_volatile(plan->lefttree, true, false);
		case T_MergeJoin:
			if (expr_volatile(((Join *) plan)->joinqual) ||
				expr_volatile(((MergeJoin *) plan)->mergeclauses))
				return true;
			break;
		case T_HashJoin:
			if (expr_volatile(((Join *) plan)->joinqual) ||
				expr_volatile(((HashJoin *) plan)->hashclauses) ||
				expr_volatile(((HashJoin *) plan)->hashkeys))
				return true;
			break;
		case T_RecursiveUnion:
			/* its recursive side runs again for each round */
			return plan_volatile(plan->lefttree, true, once) ||
				plan_volatile(plan->righttree, true, false);
		default:
			/*
			 * A node of ours, LockRows, ModifyTable (triggers), a foreign or
			 * another custom scan, what later majors add.
			 */
			return true;
	}
	return plan_volatile(plan->lefttree, true, once) ||
		plan_volatile(plan->righttree, true, once);
}

/*
 * Would WHERE CURRENT OF a cursor miss its row through a node above plan?
 * The executor looks for the cursor's table down through Result, Limit,
 * subquery scans and Append (execCurrent.c's search_plan_tree).  The node
 * stands in for the scan of one table (call_scan.c), not for an Append of
 * several: a cursor's node above an Append, through those nodes, would
 * refuse WHERE CURRENT OF where the sequential plan allows it.
 */
static bool
current_of_append_below(Plan *plan)
{
	if (plan == NULL)
		return false;
	switch (nodeTag(plan))
	{
		case T_Append:
			return true;
		case T_Result:
		case T_Limit:
			return current_of_append_below(plan->lefttree);
		case T_SubqueryScan:
			return current_of_append_below(((SubqueryScan *) plan)->subplan);
		default:
			return false;
	}
}

/* The new node above plan, or plan itself when it does not qualify. */
static Plan *
wrap(Plan *plan, Node *limit_count, Node *limit_offset)
{
	Rewrite		rw = {0};
	List	   *tlist = NIL;
	List	   *scan_tlist = NIL;
	ListCell   *lc;
	int			width;
	CustomScan *cscan;

	switch (nodeTag(plan))
	{
		case T_ModifyTable:
		case T_ProjectSet:
		case T_CustomScan:
		case T_ForeignScan:
			return plan;
		default:
			break;
	}
	if (!contains_call((Node *) plan->targetlist))
		return plan;
	/* one row of constants (SELECT f(...)): nothing to send together */
	if (IsA(plan, Result) && plan->lefttree == NULL)
		return plan;
	/*
	 * A WindowAgg with a run condition computes its target list, calls
	 * included, for the first row that fails the condition, then stops: the
	 * node above would never see that row, nor make (or fail) its call.
	 */
	if (IsA(plan, WindowAgg) && ((WindowAgg *) plan)->runCondition != NIL)
		return plan;

	/*
	 * Reading rows ahead runs what is below the calls earlier than the
	 * sequential plan does, and for rows it may never reach (a cursor
	 * closed early, a LIMIT further up).  That is only the same when
	 * nothing below is volatile: a call in a WHERE below would be made,
	 * and billed, for every row scanned to fill the window; a volatile
	 * function reading the table an UPDATE changes would no longer see the
	 * earlier rows' changes.
	 */
	if (plan_volatile(plan, false, true))
		return plan;
	if (stmt_is_cursor && current_of_append_below(plan))
		return plan;

	foreach(lc, plan->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		TargetEntry *out = flatCopyTargetEntry(tle);

		out->expr = (Expr *) rewrite_mutator((Node *) tle->expr, &rw);
		if (rw.unsafe)
			return plan;
		tlist = lappend(tlist, out);
	}
	width = list_length(rw.child_tlist);
	(void) fix_results_walker((Node *) tlist, &width);

	/* the scan tuple: the outer plan's columns, then the calls' results */
	foreach(lc, rw.child_tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *v = makeVar(OUTER_VAR, tle->resno, exprType((Node *) tle->expr),
								exprTypmod((Node *) tle->expr),
								exprCollation((Node *) tle->expr), 0);

		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) v, tle->resno, NULL, false));
	}
	foreach(lc, rw.calls)
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) lfirst(lc), list_length(scan_tlist) + 1,
											 NULL, false));

	plan->targetlist = rw.child_tlist;

	cscan = makeNode(CustomScan);
	cscan->scan.plan.startup_cost = plan->startup_cost;
	cscan->scan.plan.total_cost = plan->total_cost;
	cscan->scan.plan.plan_rows = plan->plan_rows;
	cscan->scan.plan.plan_width = plan->plan_width;
	cscan->scan.plan.parallel_aware = false;
	cscan->scan.plan.parallel_safe = false;
	cscan->scan.plan.plan_node_id = ++max_plan_node_id;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.plan.lefttree = plan;
	cscan->scan.plan.extParam = bms_copy(plan->extParam);
	cscan->scan.plan.allParam = bms_copy(plan->allParam);
	cscan->scan.scanrelid = 0;
	cscan->flags = 0;
	cscan->custom_plans = NIL;
	cscan->custom_exprs = list_make2(copyObject(limit_count), copyObject(limit_offset));
	cscan->custom_private = list_make3(rw.funcs, rw.arg_starts, rw.arg_counts);
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_relids = NULL;
	cscan->methods = &hfe_call_scan_methods;
	return (Plan *) cscan;
}

/*
 * May the node evaluate this LIMIT count or offset again?  An expression
 * with no volatile function and no subquery of its own gives the same
 * value twice: a constant, a parameter, an int one cast to bigint, the
 * value of an initplan (LIMIT (SELECT 2)), which runs once.  random() or
 * nextval() might not.
 */
static bool
stable_bound(Node *expr)
{
	return expr != NULL && !contains_volatile(expr) &&
		!contains_subplan_walker(expr, NULL);
}

/*
 * Place the node throughout plan's tree.  limit_count and limit_offset
 * are those of a LIMIT directly above, through nodes that pass every row
 * up unchanged; no_wrap marks the inner side of a merge join, which may
 * need to mark and restore its input.
 */
static Plan *
place(Plan *plan, Node *limit_count, Node *limit_offset, bool no_wrap)
{
	ListCell   *lc;

	if (plan == NULL)
		return NULL;
	switch (nodeTag(plan))
	{
		case T_Limit:
			{
				Limit	   *limit = (Limit *) plan;
				bool		counts = limit->limitOption == LIMIT_OPTION_COUNT &&
					stable_bound(limit->limitCount) &&
					(limit->limitOffset == NULL || stable_bound(limit->limitOffset));

				plan->lefttree = place(plan->lefttree,
									   counts ? limit->limitCount : NULL,
									   counts ? limit->limitOffset : NULL, false);
				return plan;
			}
		case T_Result:
			if (plan->qual != NIL || ((Result *) plan)->resconstantqual != NULL)
				limit_count = limit_offset = NULL;
			plan->lefttree = place(plan->lefttree, limit_count, limit_offset, false);
			break;
		case T_SubqueryScan:
			if (plan->qual != NIL)
				limit_count = limit_offset = NULL;
			((SubqueryScan *) plan)->subplan =
				place(((SubqueryScan *) plan)->subplan, limit_count, limit_offset, false);
			break;
		case T_Append:
			foreach(lc, ((Append *) plan)->appendplans)
				lfirst(lc) = place(lfirst(lc), NULL, NULL, false);
			break;
		case T_MergeAppend:
			foreach(lc, ((MergeAppend *) plan)->mergeplans)
				lfirst(lc) = place(lfirst(lc), NULL, NULL, false);
			break;
		case T_BitmapAnd:
		case T_BitmapOr:
			return plan;
		case T_Gather:
		case T_GatherMerge:
			/*
			 * Nothing below: that part of the plan runs in each worker
			 * too, and a node there would read a window ahead in each
			 * process.  It holds a call only when a parallel safe SQL
			 * function wrapping one was inlined (the functions themselves
			 * are PARALLEL RESTRICTED).
			 */
			break;
		case T_CustomScan:
			foreach(lc, ((CustomScan *) plan)->custom_plans)
				lfirst(lc) = place(lfirst(lc), NULL, NULL, false);
			break;
		case T_MergeJoin:
			plan->lefttree = place(plan->lefttree, NULL, NULL, false);
			plan->righttree = place(plan->righttree, NULL, NULL, true);
			break;
		default:
			plan->lefttree = place(plan->lefttree, NULL, NULL, false);
			plan->righttree = place(plan->righttree, NULL, NULL, false);
			break;
	}
	if (no_wrap)
		return plan;
	return wrap(plan, limit_count, limit_offset);
}

static void
max_node_id(Plan *plan)
{
	ListCell   *lc;

	if (plan == NULL)
		return;
	max_plan_node_id = Max(max_plan_node_id, plan->plan_node_id);
	max_node_id(plan->lefttree);
	max_node_id(plan->righttree);
	if (IsA(plan, Append))
		foreach(lc, ((Append *) plan)->appendplans)
			max_node_id(lfirst(lc));
	if (IsA(plan, MergeAppend))
		foreach(lc, ((MergeAppend *) plan)->mergeplans)
			max_node_id(lfirst(lc));
	if (IsA(plan, SubqueryScan))
		max_node_id(((SubqueryScan *) plan)->subplan);
	if (IsA(plan, CustomScan))
		foreach(lc, ((CustomScan *) plan)->custom_plans)
			max_node_id(lfirst(lc));
	if (IsA(plan, BitmapAnd))
		foreach(lc, ((BitmapAnd *) plan)->bitmapplans)
			max_node_id(lfirst(lc));
	if (IsA(plan, BitmapOr))
		foreach(lc, ((BitmapOr *) plan)->bitmapplans)
			max_node_id(lfirst(lc));
}

static PlannedStmt *
hfe_planner(HFE_PLANNER_HOOK_PARAMS)
{
	PlannedStmt *stmt;
	ListCell   *lc;

	if (prev_planner_hook)
		stmt = prev_planner_hook(HFE_PLANNER_HOOK_ARGS);
	else
		stmt = standard_planner(HFE_PLANNER_HOOK_ARGS);

	if (!hfe_batch_row_calls || (cursorOptions & CURSOR_OPT_SCROLL) ||
		stmt->commandType == CMD_UTILITY)
		return stmt;

	max_plan_node_id = 0;
	max_node_id(stmt->planTree);
	foreach(lc, stmt->subplans)
		max_node_id(lfirst(lc));

	/*
	 * Subqueries first, in their order (one a subquery runs comes before
	 * it), so that plan_volatile sees the nodes placed in them.
	 */
	stmt_subplans = stmt->subplans;
	/* a portal that WHERE CURRENT OF may name: never planned parallel */
	stmt_is_cursor = (cursorOptions & CURSOR_OPT_PARALLEL_OK) == 0;
	foreach(lc, stmt->subplans)
	{
		Plan	   *subplan = lfirst(lc);

		/* one a worker may run: as below a Gather */
		if (!(stmt->parallelModeNeeded && subplan->parallel_safe))
			lfirst(lc) = place(subplan, NULL, NULL, false);
	}
	stmt->planTree = place(stmt->planTree, NULL, NULL, false);
	stmt_subplans = NIL;
	return stmt;
}

void
hfe_call_plan_init(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = hfe_planner;
}
