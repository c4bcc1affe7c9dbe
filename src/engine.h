/*-------------------------------------------------------------------------
 *
 * engine.h
 *		The serving engines Hugging Face deploys, by name: what an
 *		endpoint's model.image says, what a user writes in engine => ...
 *		or the server option "engine", and what messages call them.
 *
 * A leaf: it knows no request, endpoint or task.  Which engine serves a
 * given endpoint is decided in detect.c; what each engine is sent, in the
 * tasks' parts (src/tasks/).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ENGINE_H
#define HFENDPOINTS_ENGINE_H

typedef enum HfeEngine
{
	HFE_ENGINE_UNKNOWN = 0,		/* not known: each task's native protocol */
	HFE_ENGINE_TGI,				/* text-generation-inference */
	HFE_ENGINE_TEI,				/* text-embeddings-inference */
	HFE_ENGINE_VLLM,
	HFE_ENGINE_SGLANG,
	HFE_ENGINE_LLAMACPP,		/* llama.cpp's llama-server */
	HFE_ENGINE_TOOLKIT,			/* the inference toolkit (image "huggingface") */
	HFE_NUM_ENGINES
} HfeEngine;

/* The SQL spelling ("vllm") and the name in messages ("vLLM"). */
extern const char *hfe_engine_name(HfeEngine engine);
extern const char *hfe_engine_label(HfeEngine engine);

/*
 * The engine a SQL value names; raises 22023 naming what (the argument or
 * option it came from) and listing the valid names.
 */
extern HfeEngine hfe_engine_parse(const char *name, const char *what);

/*
 * The engine an endpoint's model.image key stands for ("vLLM", "tei",
 * "huggingface"); HFE_ENGINE_UNKNOWN for "custom", "hfServe", a key not
 * known here, or NULL (doc/protocol.md §9.1).
 */
extern HfeEngine hfe_engine_of_image(const char *image_key);

/* Does the engine speak the OpenAI-compatible routes (vLLM, SGLang, llama.cpp)? */
extern bool hfe_engine_is_openai(HfeEngine engine);

#endif							/* HFENDPOINTS_ENGINE_H */
