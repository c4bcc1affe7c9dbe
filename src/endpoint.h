/*-------------------------------------------------------------------------
 *
 * endpoint.h
 *		Endpoint lifecycle operations that other parts of hfendpoints reuse
 *		(enrich resumes, waits for and pauses endpoints).  The SQL functions
 *		in endpoint.c are thin wrappers around these.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ENDPOINT_H
#define HFENDPOINTS_ENDPOINT_H

#include "api.h"

/*
 * Each takes a resolved namespace and a checked name, returns the endpoint
 * as the service describes it after the operation (palloc'd in
 * CurrentMemoryContext), and raises on failure.
 */
extern HfeEndpoint *hfe_endpoint_pause(const HfeServer *server,
									   const char *namespace, const char *name);
extern HfeEndpoint *hfe_endpoint_resume(const HfeServer *server,
										const char *namespace, const char *name,
										bool running_ok);
extern HfeEndpoint *hfe_endpoint_scale_to_zero(const HfeServer *server,
											   const char *namespace,
											   const char *name);

/*
 * Wait until the endpoint is running and its health route answers 200, as
 * huggingface_hub's InferenceEndpoint.wait() (doc/protocol.md §3.5).
 * timeout_ms < 0 waits for ever; refresh_ms is the pause between two
 * looks.  Raises 55000 when the endpoint failed to deploy or update, or
 * when the timeout passes; the sleeps are interruptible
 * (statement_timeout, cancel).
 */
extern HfeEndpoint *hfe_endpoint_wait(const HfeServer *server,
									  const char *namespace, const char *name,
									  int64 timeout_ms, int64 refresh_ms);

#endif							/* HFENDPOINTS_ENDPOINT_H */
