/*-------------------------------------------------------------------------
 *
 * fuzz.h
 *		What the libFuzzer harnesses need from the stub layer (pg_stubs.c):
 *		an arena reset after each input, the last error raised, and a
 *		switch for the database encoding.
 *
 * The harnesses link the real sources from src/.  pg_stubs.c stands in for the
 * parts of the PostgreSQL backend those files call: every palloc is its own
 * malloc (so AddressSanitizer sees each chunk's bounds), and an ERROR
 * longjmps to the nearest PG_TRY, as in a backend.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_FUZZ_H
#define HFENDPOINTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The last ereport() that reached errfinish, copied into the arena. */
typedef struct HfeFuzzError
{
	int			elevel;
	int			sqlerrcode;
	char	   *message;
	char	   *detail;
	char	   *hint;
	char	   *context;
} HfeFuzzError;

/* Call once from LLVMFuzzerInitialize: memory contexts, cJSON hooks. */
extern void hfe_fuzz_init(void);

/* Free every palloc'd chunk and forget the last error: call after each input. */
extern void hfe_fuzz_reset(void);

/* The error caught by the innermost PG_CATCH (valid until the next reset). */
extern const HfeFuzzError *hfe_fuzz_last_error(void);

/* What GetDatabaseEncoding() returns; PG_UTF8 unless a harness changes it. */
extern int	hfe_fuzz_encoding;

/* A palloc'd, NUL-terminated copy of the fuzzer's bytes. */
extern char *hfe_fuzz_cstring(const uint8_t *data, size_t size);

/* Abort with a message naming the property that failed. */
extern void hfe_fuzz_fail(const char *fmt,...)
			__attribute__((noreturn, format(printf, 1, 2)));

/* Called by the generated stubs of backend functions no harness reaches. */
extern void hfe_fuzz_unreachable(const char *symbol) __attribute__((noreturn));

#endif							/* HFENDPOINTS_FUZZ_H */
