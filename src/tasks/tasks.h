/*-------------------------------------------------------------------------
 *
 * tasks.h
 *		Every task hfendpoints speaks, one file each in src/tasks/, and
 *		the list that names them (registry.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_TASKS_H
#define HFENDPOINTS_TASKS_H

#include "task.h"

extern const HfeTask hfe_task_text_generation;
extern const HfeTask hfe_task_chat;
extern const HfeTask hfe_task_chat_completion;
extern const HfeTask hfe_task_feature_extraction;
extern const HfeTask hfe_task_infer;
extern const HfeTask hfe_task_summarization;
extern const HfeTask hfe_task_translation;
extern const HfeTask hfe_task_sentence_similarity;
extern const HfeTask hfe_task_rerank;
extern const HfeTask hfe_task_text_classification;
extern const HfeTask hfe_task_zero_shot_classification;
extern const HfeTask hfe_task_token_classification;
extern const HfeTask hfe_task_question_answering;
extern const HfeTask hfe_task_fill_mask;
extern const HfeTask hfe_task_image_classification;
extern const HfeTask hfe_task_object_detection;
extern const HfeTask hfe_task_image_to_text;
extern const HfeTask hfe_task_automatic_speech_recognition;
extern const HfeTask hfe_task_audio_classification;

/* The task enrich knows as name ("text-generation"), or NULL. */
extern const HfeTask *hfe_enrich_task(const char *name);

/* The task of a single-row C function, by its symbol, or NULL. */
extern const HfeTask *hfe_row_call_task(const char *symbol);

#endif							/* HFENDPOINTS_TASKS_H */
