/*-------------------------------------------------------------------------
 *
 * guc.h
 *		Every hfendpoints.* setting (guc.c), read by any layer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_GUC_H
#define HFENDPOINTS_GUC_H

extern char *hfe_server_name;
extern int	hfe_connect_timeout_ms;
extern int	hfe_request_timeout_ms;
extern int	hfe_max_retries;
extern int	hfe_retry_base_delay_ms;
extern int	hfe_cold_start_timeout_s;
extern int	hfe_max_concurrency;
extern int	hfe_max_inputs_per_request;
extern int	hfe_max_response_size;
extern int	hfe_endpoint_cache_ttl_s;
extern bool hfe_batch_row_calls;
extern int	hfe_prefetch_rows;

/* the largest value hfendpoints.max_concurrency accepts */
#define HFE_MAX_CONCURRENCY 256

extern void hfe_define_gucs(void);

#endif							/* HFENDPOINTS_GUC_H */
