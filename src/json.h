/*-------------------------------------------------------------------------
 *
 * json.h
 *		cJSON helpers; trees live in the memory context that built them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_JSON_H
#define HFENDPOINTS_JSON_H

#include <cjson/cJSON.h>

/* from _PG_init: cJSON allocates through palloc in CurrentMemoryContext */
extern void hfe_json_init(void);

extern cJSON *hfe_json_parse(const char *text, size_t len);
extern const char *hfe_json_string(const cJSON *obj, const char *key);
extern const cJSON *hfe_json_path(const cJSON *obj, const char *path);
extern char *hfe_json_print(const cJSON *obj);
extern cJSON *hfe_json_from_text(const char *text, const char *what);

#endif							/* HFENDPOINTS_JSON_H */
