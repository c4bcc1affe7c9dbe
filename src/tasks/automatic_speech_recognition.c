/*-------------------------------------------------------------------------
 *
 * automatic_speech_recognition.c
 *		The automatic-speech-recognition task: the words of a
 *		recording (a bytea), on the toolkit's
 *		automatic-speech-recognition pipeline (doc/protocol.md §9.5).
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

PG_FUNCTION_INFO_V1(hfendpoints_automatic_speech_recognition_fn);
PG_FUNCTION_INFO_V1(hfendpoints_automatic_speech_recognition_fn_batch);

/* _automatic_speech_recognition(endpoint, audio, <these>) */
static const HfeTaskOption options[] = {
	HFE_CONTENT_TYPE_OPTION,
	HFE_ENGINE_OPTION,
	{NULL}
};

/* {"text": ...} */
static bool
parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
	  int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_first_text(req, "text", "transcription", &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.media = "audio",
	.parse = parse,
};

const HfeTask hfe_task_automatic_speech_recognition = {
	.name = "automatic_speech_recognition",
	.enrich_name = "automatic-speech-recognition",
	.action = "transcribe the audio",
	.input_type = BYTEAOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_automatic_speech_recognition_fn(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_automatic_speech_recognition);
}

Datum
hfendpoints_automatic_speech_recognition_fn_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_automatic_speech_recognition);
}
