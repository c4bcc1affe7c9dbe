/*-------------------------------------------------------------------------
 *
 * question_answering.c
 *		The question-answering task: the answers a context gives to a
 *		question, on the toolkit's question-answering pipeline
 *		(doc/protocol.md §9.5), as huggingface_hub's
 *		InferenceClient.question_answering() sends it.
 *
 * The task's input is the context and its option the question, so that
 * enrich answers one question over a column of contexts;
 * question_answering(endpoint, question, context), in SQL, passes them so.
 * Its C functions return [{"answer", "score", "start", "end"}, ...], best
 * first.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "batch.h"
#include "call.h"
#include "tasks/tasks.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_question_answering_json);
PG_FUNCTION_INFO_V1(hfendpoints_question_answering_json_batch);

/* _question_answering(endpoint, context, <these>) */
static const HfeTaskOption options[] = {
	{"question", HFE_OPT_TEXT, NULL},
	{"top_k", HFE_OPT_POSITIVE_INT, "top_k"},
	{"max_answer_len", HFE_OPT_POSITIVE_INT, "max_answer_len"},
	{"handle_impossible_answer", HFE_OPT_BOOL, "handle_impossible_answer"},
	{"doc_stride", HFE_OPT_POSITIVE_INT, "doc_stride"},
	{"max_seq_len", HFE_OPT_POSITIVE_INT, "max_seq_len"},
	{"max_question_len", HFE_OPT_POSITIVE_INT, "max_question_len"},
	{"align_to_words", HFE_OPT_BOOL, "align_to_words"},
	HFE_ENGINE_OPTION,
	{NULL}
};

static const char *
question(const HfeTaskCall *call)
{
	const char *q = hfe_task_arg_text(call, "question");

	if (q == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("question_answering needs a question"),
				 errhint("Pass the question to answer from the context (for enrich, \"question\" in parameters).")));
	return q;
}

static void
qa_check(const HfeTaskCall *call)
{
	(void) question(call);
}

/* {"inputs": {"question", "context"}, "parameters": {...}} */
static char *
qa_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	cJSON	   *pair = hfe_wire_object();

	Assert(n == 1);
	hfe_wire_set(pair, "question", hfe_wire_string(question(call)));
	hfe_wire_set(pair, "context", hfe_wire_string(TextDatumGetCString(inputs[0])));
	hfe_wire_set(body, "inputs", pair);
	hfe_wire_set_ref(body, "parameters", call->options);
	return hfe_json_print(body);
}

static const char *const answer_from[] = {"answer", NULL};
static const char *const score_from[] = {"score", NULL};
static const char *const start_from[] = {"start", NULL};
static const char *const end_from[] = {"end", NULL};

static const HfeRowKey keys[] = {
	{"answer", answer_from, false, true},
	{"score", score_from, true, true},
	{"start", start_from, true, false},
	{"end", end_from, true, false},
	{NULL}
};

/* {"score", "start", "end", "answer"}, or a list of them for top_k > 1 */
static bool
qa_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
		 int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_parse_rows(req, keys, true, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = qa_check,
	.build_body = qa_body,
	.parse = qa_parse,
};

const HfeTask hfe_task_question_answering = {
	.name = "question_answering",
	.enrich_name = "question-answering",
	.action = "answer the question",
	.input_type = TEXTOID,
	.result_type = JSONBOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_question_answering_json(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_question_answering);
}

Datum
hfendpoints_question_answering_json_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_question_answering);
}
