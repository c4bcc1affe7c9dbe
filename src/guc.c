/*-------------------------------------------------------------------------
 *
 * guc.c
 *		Every hfendpoints.* configuration parameter, with units and bounds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "guc.h"

char	   *hfe_server_name = NULL;
int			hfe_connect_timeout_ms = 10000;
int			hfe_request_timeout_ms = 120000;
int			hfe_max_retries = 3;
int			hfe_retry_base_delay_ms = 500;
int			hfe_cold_start_timeout_s = 600;
int			hfe_max_concurrency = 16;
int			hfe_max_inputs_per_request = 256;
int			hfe_max_response_size = 64 * 1024 * 1024;
int			hfe_endpoint_cache_ttl_s = 60;
bool		hfe_batch_row_calls = true;
int			hfe_prefetch_rows = 1024;

void
hfe_define_gucs(void)
{
	DefineCustomStringVariable("hfendpoints.server",
							   "Foreign server whose URLs and user mapping hfendpoints uses.",
							   "The server must use the hfendpoints foreign-data wrapper, and the current role needs USAGE on it.",
							   &hfe_server_name,
							   "huggingface",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.connect_timeout",
							"Time allowed to establish a connection to the service.",
							NULL,
							&hfe_connect_timeout_ms,
							10000, 1, 600000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.request_timeout",
							"Time allowed for one HTTP request, from connect to the last byte.",
							NULL,
							&hfe_request_timeout_ms,
							120000, 1, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.max_retries",
							"Retries after 429, 502, 503, 504 or a connection error.",
							NULL,
							&hfe_max_retries,
							3, 0, 100,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.retry_base_delay",
							"First retry delay; each further retry doubles it, with jitter.",
							"A Retry-After header from the server takes precedence.",
							&hfe_retry_base_delay_ms,
							500, 0, 600000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.cold_start_timeout",
							"How long inference waits for an endpoint that is starting or scaled to zero.",
							NULL,
							&hfe_cold_start_timeout_s,
							600, 0, 86400,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.max_concurrency",
							"Requests a batch function or enrich keeps in flight at once.",
							NULL,
							&hfe_max_concurrency,
							16, 1, HFE_MAX_CONCURRENCY,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.max_inputs_per_request",
							"Inputs a batch function or enrich packs into one request, where the engine takes several.",
							"The engine's own limit applies too (TEI's max_client_batch_size); 1 sends one input per request.",
							&hfe_max_inputs_per_request,
							256, 1, 4096,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("hfendpoints.batch_row_calls",
							 "Sends the per-row inference calls of a query concurrently, through a plan node.",
							 "Checked when a statement is planned and again when it starts: off, per-row calls run one at a time. Needs hfendpoints in shared_preload_libraries.",
							 &hfe_batch_row_calls,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.prefetch_rows",
							"Rows whose per-row calls the plan node sends together.",
							"Up to this many calls run ahead of the rows fetched: a cursor or an outer LIMIT may be billed for one window more than it reads.",
							&hfe_prefetch_rows,
							1024, 1, 100000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.max_response_size",
							"Largest response body accepted from the service.",
							NULL,
							&hfe_max_response_size,
							64 * 1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("hfendpoints.endpoint_cache_ttl",
							"How long an endpoint name's URL is cached in each session.",
							"0 resolves the name on every call.",
							&hfe_endpoint_cache_ttl_s,
							60, 0, 86400,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("hfendpoints");
}
