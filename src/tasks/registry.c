/*-------------------------------------------------------------------------
 *
 * registry.c
 *		The list of tasks, and the tasks enrich can write, for SQL to ask
 *		instead of keeping a list of its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "tasks/tasks.h"

PG_FUNCTION_INFO_V1(hfendpoints_enrich_tasks);

/* Every task, one line each (doc/architecture.md §4). */
static const HfeTask *const tasks[] = {
	&hfe_task_text_generation,
	&hfe_task_chat,
	&hfe_task_chat_completion,
	&hfe_task_feature_extraction,
	&hfe_task_infer,
	&hfe_task_summarization,
	&hfe_task_translation,
	&hfe_task_sentence_similarity,
	&hfe_task_rerank,
	&hfe_task_text_classification,
	&hfe_task_zero_shot_classification,
	&hfe_task_token_classification,
	&hfe_task_question_answering,
	&hfe_task_fill_mask,
	&hfe_task_image_classification,
	&hfe_task_object_detection,
	&hfe_task_image_to_text,
	&hfe_task_automatic_speech_recognition,
	&hfe_task_audio_classification,
};

/*
 * The single-row C functions whose calls the plan node of call_scan.c may
 * send together: one value per call, through hfe_call_task().  Functions
 * that make rows (text_classification, ...) are not among them.
 */
static const struct
{
	const char *symbol;
	const HfeTask *task;
}			row_calls[] = {
	{"hfendpoints_text_generation", &hfe_task_text_generation},
	{"hfendpoints_chat", &hfe_task_chat},
	{"hfendpoints_chat_completion", &hfe_task_chat_completion},
	{"hfendpoints_feature_extraction", &hfe_task_feature_extraction},
	{"hfendpoints_infer", &hfe_task_infer},
	{"hfendpoints_summarization", &hfe_task_summarization},
	{"hfendpoints_translation", &hfe_task_translation},
	{"hfendpoints_sentence_similarity", &hfe_task_sentence_similarity},
	{"hfendpoints_image_to_text_fn", &hfe_task_image_to_text},
	{"hfendpoints_automatic_speech_recognition_fn", &hfe_task_automatic_speech_recognition},
};

const HfeTask *
hfe_row_call_task(const char *symbol)
{
	for (int i = 0; i < lengthof(row_calls); i++)
		if (strcmp(row_calls[i].symbol, symbol) == 0)
			return row_calls[i].task;
	return NULL;
}

const HfeTask *
hfe_enrich_task(const char *name)
{
	for (int i = 0; i < lengthof(tasks); i++)
		if (tasks[i]->enrich_name != NULL && strcmp(tasks[i]->enrich_name, name) == 0)
			return tasks[i];
	return NULL;
}

/*
 * _enrich_tasks(): (task, function, output_type, text_member), one row per
 * task enrich can write, in the order of the list.
 */
Datum
hfendpoints_enrich_tasks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < lengthof(tasks); i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (tasks[i]->enrich_name == NULL)
			continue;
		values[0] = CStringGetTextDatum(tasks[i]->enrich_name);
		values[1] = CStringGetTextDatum(tasks[i]->name);
		values[2] = ObjectIdGetDatum(tasks[i]->result_type);
		if (tasks[i]->text_member != NULL)
			values[3] = CStringGetTextDatum(tasks[i]->text_member);
		else
			nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
