/*-------------------------------------------------------------------------
 *
 * engine.c
 *		The serving engines by name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "engine.h"

typedef struct EngineName
{
	const char *name;			/* SQL */
	const char *label;			/* messages */
} EngineName;

static const EngineName engines[HFE_NUM_ENGINES] = {
	[HFE_ENGINE_UNKNOWN] = {"unknown", "an unknown engine"},
	[HFE_ENGINE_TGI] = {"tgi", "TGI"},
	[HFE_ENGINE_TEI] = {"tei", "TEI"},
	[HFE_ENGINE_VLLM] = {"vllm", "vLLM"},
	[HFE_ENGINE_SGLANG] = {"sglang", "SGLang"},
	[HFE_ENGINE_LLAMACPP] = {"llamacpp", "llama.cpp"},
	[HFE_ENGINE_TOOLKIT] = {"toolkit", "the inference toolkit"},
};

/*
 * model.image keys (huggingface_hub's ENGINE_IMAGE_KEYS and the API's
 * default "huggingface"); the Neuron variants speak as their base does.
 */
static const struct
{
	const char *key;
	HfeEngine	engine;
}			image_keys[] = {
	{"tgi", HFE_ENGINE_TGI},
	{"tgiNeuron", HFE_ENGINE_TGI},
	{"tei", HFE_ENGINE_TEI},
	{"vLLM", HFE_ENGINE_VLLM},
	{"vLLMNeuron", HFE_ENGINE_VLLM},
	{"sGLang", HFE_ENGINE_SGLANG},
	{"llamacpp", HFE_ENGINE_LLAMACPP},
	{"huggingface", HFE_ENGINE_TOOLKIT},
	{"huggingfaceNeuron", HFE_ENGINE_TOOLKIT},
};

const char *
hfe_engine_name(HfeEngine engine)
{
	Assert(engine >= 0 && engine < HFE_NUM_ENGINES);
	return engines[engine].name;
}

const char *
hfe_engine_label(HfeEngine engine)
{
	Assert(engine >= 0 && engine < HFE_NUM_ENGINES);
	return engines[engine].label;
}

HfeEngine
hfe_engine_parse(const char *name, const char *what)
{
	StringInfoData valid;

	for (int e = HFE_ENGINE_UNKNOWN + 1; e < HFE_NUM_ENGINES; e++)
		if (pg_strcasecmp(name, engines[e].name) == 0)
			return (HfeEngine) e;

	initStringInfo(&valid);
	for (int e = HFE_ENGINE_UNKNOWN + 1; e < HFE_NUM_ENGINES; e++)
		appendStringInfo(&valid, "%s'%s'", valid.len > 0 ? ", " : "", engines[e].name);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", what, name),
			 errhint("Use one of %s.", valid.data)));
	return HFE_ENGINE_UNKNOWN;	/* keep compiler quiet */
}

HfeEngine
hfe_engine_of_image(const char *image_key)
{
	if (image_key == NULL)
		return HFE_ENGINE_UNKNOWN;
	for (int i = 0; i < lengthof(image_keys); i++)
		if (strcmp(image_key, image_keys[i].key) == 0)
			return image_keys[i].engine;
	return HFE_ENGINE_UNKNOWN;
}

bool
hfe_engine_is_openai(HfeEngine engine)
{
	return engine == HFE_ENGINE_VLLM || engine == HFE_ENGINE_SGLANG ||
		engine == HFE_ENGINE_LLAMACPP;
}
