/*-------------------------------------------------------------------------
 *
 * json.c
 *		cJSON memory management and small JSON helpers.
 *
 * cJSON is told to allocate with palloc_extended(MCXT_ALLOC_NO_OOM) in
 * CurrentMemoryContext, so every parsed or built tree belongs to the memory
 * context that was current when it was made: an error that unwinds the
 * call frees it with the context, and nothing ever needs cJSON_Delete.
 * The allocator never throws, as cJSON expects; cJSON reports the NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <cjson/cJSON.h>

#include "guc.h"
#include "json.h"

static void *
hfe_cjson_malloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
}

static void
hfe_cjson_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

void
hfe_json_init(void)
{
	cJSON_Hooks hooks = {hfe_cjson_malloc, hfe_cjson_free};

	cJSON_InitHooks(&hooks);
}

/* Parse text of the given length; NULL if it is not JSON. */
cJSON *
hfe_json_parse(const char *text, size_t len)
{
	if (text == NULL)
		return NULL;
	return cJSON_ParseWithLength(text, len);
}

/* The string member "key" of obj, or NULL if absent, null or not a string. */
const char *
hfe_json_string(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Walk a dotted path such as "status.url"; NULL where any step is missing. */
const cJSON *
hfe_json_path(const cJSON *obj, const char *path)
{
	const char *p = path;

	while (obj != NULL && *p != '\0')
	{
		const char *dot = strchr(p, '.');
		size_t		len = dot ? (size_t) (dot - p) : strlen(p);
		char		key[64];

		if (len >= sizeof(key) || !cJSON_IsObject(obj))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		obj = cJSON_GetObjectItemCaseSensitive(obj, key);
		p += len;
		if (*p == '.')
			p++;
	}
	return obj;
}

/* Serialize a tree; raises an error only if memory runs out. */
char *
hfe_json_print(const cJSON *obj)
{
	char	   *text = cJSON_PrintUnformatted(obj);

	if (text == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while building a JSON document")));
	return text;
}

/* Convert a jsonb datum's text into a cJSON tree, raising on failure. */
cJSON *
hfe_json_from_text(const char *text, const char *what)
{
	cJSON	   *obj = cJSON_Parse(text);

	if (obj == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not read %s as JSON", what)));
	return obj;
}
