/*-------------------------------------------------------------------------
 *
 * detect.h
 *		Which engine serves an inference target, and how many inputs one
 *		request to it may carry.
 *
 * The engine of a call is, in this order: the call's engine argument, the
 * server's option "engine", the endpoint's model.image (a name), or what a
 * few cheap GETs to its URL say (doc/protocol.md §9.1), learnt once per
 * URL and kept for the backend's life.  A probe answered 502 or 503 is a
 * cold start: the endpoint is woken and waited for, and probed again.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_DETECT_H
#define HFENDPOINTS_DETECT_H

#include "engine.h"
#include "target.h"

/*
 * The engine serving target; forced is a call's engine argument (NULL for
 * none).  HFE_ENGINE_UNKNOWN when nothing tells: each task then speaks its
 * native protocol (TGI's for generation, TEI's for embeddings).  Sets
 * target->engine and target->engine_guessed.
 */
extern HfeEngine hfe_detect_engine(HfeTarget *target, const char *forced);

/*
 * TEI's max_client_batch_size for target (its GET /info, once per URL), or
 * TEI's default (32) when /info does not say.
 */
extern int	hfe_detect_tei_batch_limit(HfeTarget *target);

#endif							/* HFENDPOINTS_DETECT_H */
