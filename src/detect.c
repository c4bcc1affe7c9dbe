/*-------------------------------------------------------------------------
 *
 * detect.c
 *		Which engine serves an inference target: forced, configured, named
 *		by the endpoint's image, or learnt from its URL with GET probes.
 *
 * The probes (doc/protocol.md §9.1), at most three GETs, no inference:
 *
 *	GET /info		TGI answers "router"; TEI an object "model_type" (and
 *					its max_client_batch_size); llama.cpp a 404 with
 *					"Server: llama.cpp"; FastAPI (vLLM, SGLang) a JSON
 *					404, Starlette (the toolkit) a text 404.
 *	GET /v1/models	"owned_by": "vllm", "sglang" or "llamacpp"; TGI's
 *					owned_by is the model id itself.
 *	GET /health		the toolkit's text "Ok"; llama.cpp's {"status": "ok"}.
 *
 * What they conclude is kept per URL for the backend's life, unknown
 * engines included, at most CACHE_MAX_ENTRIES URLs.  An answer that says
 * nothing about the engine (400 from a paused endpoint's proxy, 401, 403,
 * 429, a transport error, a 5xx that a cold start did not explain) ends
 * the probing without caching anything: the next call probes again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "detect.h"
#include "guc.h"
#include "json.h"
#include "stats.h"

#define CACHE_MAX_ENTRIES 64
#define TEI_DEFAULT_BATCH 32	/* TEI's --max-client-batch-size default */

typedef struct Learnt
{
	struct Learnt *next;
	char	   *url;
	bool		probed;			/* engine below is what the probes said */
	HfeEngine	engine;
	int			tei_batch;		/* /info's max_client_batch_size, 0: not read */
} Learnt;

static MemoryContext learnt_cxt = NULL;
static Learnt *learnt_head = NULL;

/* ---- what is known per URL ---- */

static Learnt *
learnt_find(const char *url)
{
	for (Learnt *l = learnt_head; l != NULL; l = l->next)
		if (strcmp(l->url, url) == 0)
			return l;
	return NULL;
}

/* The entry for url, made if need be (newest first; the oldest goes). */
static Learnt *
learnt_get(const char *url)
{
	Learnt	   *l = learnt_find(url);
	int			n = 0;

	if (l != NULL)
		return l;
	if (learnt_cxt == NULL)
		learnt_cxt = AllocSetContextCreate(TopMemoryContext, "hfendpoints engines",
										   ALLOCSET_SMALL_SIZES);
	for (Learnt **p = &learnt_head; *p != NULL; p = &(*p)->next)
	{
		if (++n >= CACHE_MAX_ENTRIES)
		{
			Learnt	   *rest = *p;

			*p = NULL;
			while (rest != NULL)
			{
				Learnt	   *next = rest->next;

				pfree(rest->url);
				pfree(rest);
				rest = next;
			}
			break;
		}
	}
	l = MemoryContextAllocZero(learnt_cxt, sizeof(Learnt));
	l->url = MemoryContextStrdup(learnt_cxt, url);
	l->next = learnt_head;
	learnt_head = l;
	return l;
}

/* ---- probes ---- */

typedef enum ProbeOutcome
{
	PROBE_ANSWERED,				/* a status and body that say something */
	PROBE_SILENT				/* nothing to learn: stop, cache nothing */
} ProbeOutcome;

/*
 * GET path on the target.  A 502 or 503 is a cold start: the endpoint is
 * woken (X-Scale-Up-Timeout) and waited for, up to
 * hfendpoints.cold_start_timeout, and asked again.
 */
static ProbeOutcome
probe(HfeTarget *target, const char *path, HfeHttpRequest **out)
{
	HfeHttpRequest *req = hfe_target_get(target, path);

	req->no_retry = !target->cold;
	hfe_http_perform(req);
	if (req->curl_code == CURLE_OK && (req->status == 502 || req->status == 503) &&
		!target->cold && hfe_cold_start_timeout_s > 0)
	{
		target->cold = true;
		hfe_stats_count_cold_start(target->server->serverid, target->stats_label);
		req = hfe_target_get(target, path);
		hfe_http_perform(req);
	}
	*out = req;
	if (req->curl_code != CURLE_OK || req->response_too_large ||
		req->status == 400 || req->status == 401 || req->status == 403 ||
		req->status == 429 || req->status >= 500)
		return PROBE_SILENT;
	return PROBE_ANSWERED;
}

static bool
is_llamacpp(const HfeHttpRequest *req)
{
	return pg_strncasecmp(req->server_header, "llama.cpp", 9) == 0;
}

static cJSON *
json_of(const HfeHttpRequest *req)
{
	if (req->response_len == 0)
		return NULL;
	return hfe_json_parse(req->response, req->response_len);
}

/* A positive integer member of obj, or 0. */
static int
positive_int(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsNumber(item) && item->valuedouble >= 1 && item->valuedouble <= 1000000)
		return (int) item->valuedouble;
	return 0;
}

/*
 * What GET /info says: *engine set and true when it tells; *ask_models
 * when the answer sends the probing on to /v1/models (a FastAPI 404).
 */
static bool
read_info(const HfeHttpRequest *req, Learnt *l, HfeEngine *engine, bool *ask_models)
{
	cJSON	   *json = json_of(req);

	*ask_models = false;
	if (is_llamacpp(req))
	{
		*engine = HFE_ENGINE_LLAMACPP;
		return true;
	}
	if (req->status == 200 && cJSON_IsObject(json))
	{
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "router")))
		{
			*engine = HFE_ENGINE_TGI;
			return true;
		}
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(json, "model_type")))
		{
			*engine = HFE_ENGINE_TEI;
			l->tei_batch = positive_int(json, "max_client_batch_size");
			return true;
		}
	}
	*ask_models = req->status == 404 && cJSON_IsObject(json) &&
		cJSON_GetObjectItemCaseSensitive(json, "detail") != NULL;
	return false;
}

/* What GET /v1/models says: the owner of its first model. */
static bool
read_models(const HfeHttpRequest *req, HfeEngine *engine)
{
	cJSON	   *json;
	const cJSON *first;
	const char *owner;
	const char *id;

	if (is_llamacpp(req))
	{
		*engine = HFE_ENGINE_LLAMACPP;
		return true;
	}
	json = req->status == 200 ? json_of(req) : NULL;
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(json, "data"), 0);
	owner = hfe_json_string(first, "owned_by");
	id = hfe_json_string(first, "id");
	if (owner == NULL)
		return false;
	if (strcmp(owner, "vllm") == 0)
		*engine = HFE_ENGINE_VLLM;
	else if (strcmp(owner, "sglang") == 0)
		*engine = HFE_ENGINE_SGLANG;
	else if (strcmp(owner, "llamacpp") == 0)
		*engine = HFE_ENGINE_LLAMACPP;
	else if (id != NULL && strcmp(owner, id) == 0)
		*engine = HFE_ENGINE_TGI;
	else
		return false;
	return true;
}

/* What GET /health says: the toolkit's "Ok", llama.cpp's status object. */
static bool
read_health(const HfeHttpRequest *req, HfeEngine *engine)
{
	cJSON	   *json;

	if (is_llamacpp(req))
	{
		*engine = HFE_ENGINE_LLAMACPP;
		return true;
	}
	if (req->status != 200)
		return false;
	if (req->response_len == 2 && memcmp(req->response, "Ok", 2) == 0)
	{
		*engine = HFE_ENGINE_TOOLKIT;
		return true;
	}
	json = json_of(req);
	if (cJSON_IsObject(json) && hfe_json_string(json, "status") != NULL &&
		strcmp(hfe_json_string(json, "status"), "ok") == 0)
	{
		*engine = HFE_ENGINE_LLAMACPP;
		return true;
	}
	return false;
}

/*
 * Probe the target's URL; the engine, HFE_ENGINE_UNKNOWN when the probes
 * cannot tell.  What they conclude is kept unless an answer was silent.
 */
static HfeEngine
probe_engine(HfeTarget *target, Learnt *l)
{
	HfeHttpRequest *req;
	HfeEngine	engine = HFE_ENGINE_UNKNOWN;
	bool		ask_models;
	bool		told = false;

	if (probe(target, "/info", &req) == PROBE_SILENT)
		return HFE_ENGINE_UNKNOWN;
	told = read_info(req, l, &engine, &ask_models);
	if (!told && ask_models)
	{
		if (probe(target, "/v1/models", &req) == PROBE_SILENT)
			return HFE_ENGINE_UNKNOWN;
		told = read_models(req, &engine);
	}
	if (!told)
	{
		if (probe(target, "/health", &req) == PROBE_SILENT)
			return HFE_ENGINE_UNKNOWN;
		told = read_health(req, &engine);
	}
	l->probed = true;
	l->engine = engine;
	elog(DEBUG1, "hfendpoints: %s runs %s", target->label, hfe_engine_label(engine));
	return engine;
}

HfeEngine
hfe_detect_engine(HfeTarget *target, const char *forced)
{
	Learnt	   *l;

	target->engine_guessed = false;
	if (forced != NULL)
		target->engine = hfe_engine_parse(forced, "engine");
	if (target->engine != HFE_ENGINE_UNKNOWN)
		return target->engine;

	l = learnt_find(target->url);
	if (l != NULL && l->probed)
		target->engine = l->engine;
	else
		target->engine = probe_engine(target, learnt_get(target->url));
	target->engine_guessed = target->engine == HFE_ENGINE_UNKNOWN;
	return target->engine;
}

int
hfe_detect_tei_batch_limit(HfeTarget *target)
{
	Learnt	   *l = learnt_get(target->url);

	if (l->tei_batch == 0)
	{
		HfeHttpRequest *req;
		HfeEngine	engine;
		bool		ask_models;

		if (probe(target, "/info", &req) == PROBE_SILENT)
			return TEI_DEFAULT_BATCH;	/* not kept: asked again next call */
		if (!read_info(req, l, &engine, &ask_models) || engine != HFE_ENGINE_TEI ||
			l->tei_batch == 0)
			l->tei_batch = TEI_DEFAULT_BATCH;
	}
	return l->tei_batch;
}
