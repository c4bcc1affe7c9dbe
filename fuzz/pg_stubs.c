/*-------------------------------------------------------------------------
 *
 * pg_stubs.c
 *		The slice of the PostgreSQL backend that the fuzzed hfendpoints
 *		sources call, small enough to link into a libFuzzer binary.
 *
 * The harnesses compile the real src/api.c, src/errors.c, src/credentials.c,
 * src/json.c and src/guc.c against the server headers.  What those files
 * call lives in three places:
 *
 *	- here: memory contexts, ereport, and the few catalog-free helpers the
 *	  fuzzed paths reach (defGetString, defGetBoolean, varstr_levenshtein,
 *	  quote_identifier, untransformRelOptions, GetDatabaseEncoding);
 *	- PostgreSQL's own libpgcommon_shlib.a and libpgport_shlib.a:
 *	  psprintf, StringInfo, the UTF-8 routines, snprintf, pg_strcasecmp;
 *	- fuzz/build/unreachable_stubs.c, written by scripts/fuzz at link time:
 *	  one function per remaining backend symbol (catalog lookups, HTTP,
 *	  GUC registration, ...) that aborts with its name if it is ever called.
 *	  Generating them keeps the build working while api.c grows new callers,
 *	  and, unlike -Wl,--unresolved-symbols=ignore-all, a call that reaches
 *	  one fails with a clear message instead of jumping to address zero.
 *
 * Memory: every palloc is a separate malloc recorded in a hash set, so
 * AddressSanitizer knows the exact bounds of each chunk (a real AllocSet
 * packs chunks into blocks, where a one-byte overrun goes unnoticed), pfree
 * of a pointer palloc did not return aborts, and hfe_fuzz_reset() frees
 * everything still allocated: the memory context reset that ends a query.
 *
 * Errors: errstart..errfinish record the report in the arena; an ERROR
 * siglongjmps to PG_exception_stack exactly as elog.c does, so PG_TRY in a
 * harness catches it.  An ERROR without an errcode, or with no PG_TRY to
 * catch it, is a failure (doc/architecture.md §3.4: every ERROR carries an
 * errcode).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "mb/pg_wchar.h"
#include "nodes/memnodes.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/varlena.h"
#include "access/reloptions.h"
#include "commands/defrem.h"

#include "fuzz.h"
#include "guc.h"
#include "json.h"

/* ---------------------------------------------------------------------
 * Globals the backend normally defines
 * ---------------------------------------------------------------------
 */
static MemoryContextData fuzz_context;

MemoryContext CurrentMemoryContext = NULL;
MemoryContext TopMemoryContext = NULL;
MemoryContext ErrorContext = NULL;

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

int			hfe_fuzz_encoding = PG_UTF8;

void
hfe_fuzz_fail(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "\n*** hfendpoints fuzz property failed: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	abort();
}

void
hfe_fuzz_unreachable(const char *symbol)
{
	hfe_fuzz_fail("backend function %s was called; it has no stub. "
				  "Add one to fuzz/pg_stubs.c if this path is meant to be fuzzed.",
				  symbol);
}

/* ---------------------------------------------------------------------
 * The arena: a hash set of live chunks (open addressing, linear probing)
 * ---------------------------------------------------------------------
 */
static void **live = NULL;		/* NULL marks an empty slot */
static size_t live_cap = 0;		/* power of two */
static size_t live_count = 0;

static size_t
slot_of(const void *p)
{
	uintptr_t	h = (uintptr_t) p >> 4;

	h *= UINT64_C(0x9E3779B97F4A7C15);
	return (size_t) (h >> 17) & (live_cap - 1);
}

static void
live_grow(void)
{
	void	  **old = live;
	size_t		old_cap = live_cap;

	live_cap = old_cap ? old_cap * 2 : 1024;
	live = calloc(live_cap, sizeof(void *));
	if (live == NULL)
		hfe_fuzz_fail("out of memory for the arena index");
	live_count = 0;
	for (size_t i = 0; i < old_cap; i++)
	{
		if (old[i] != NULL)
		{
			size_t		s = slot_of(old[i]);

			while (live[s] != NULL)
				s = (s + 1) & (live_cap - 1);
			live[s] = old[i];
			live_count++;
		}
	}
	free(old);
}

static void
live_add(void *p)
{
	size_t		s;

	if ((live_count + 1) * 2 > live_cap)
		live_grow();
	s = slot_of(p);
	while (live[s] != NULL)
		s = (s + 1) & (live_cap - 1);
	live[s] = p;
	live_count++;
}

/* Remove p; false if p is not a live chunk. */
static bool
live_remove(void *p)
{
	size_t		s;
	size_t		next;

	if (live_cap == 0)
		return false;
	s = slot_of(p);
	while (live[s] != p)
	{
		if (live[s] == NULL)
			return false;
		s = (s + 1) & (live_cap - 1);
	}
	live[s] = NULL;
	live_count--;
	/* backward-shift deletion keeps every probe chain unbroken */
	next = (s + 1) & (live_cap - 1);
	while (live[next] != NULL)
	{
		void	   *q = live[next];
		size_t		home = slot_of(q);

		/* move q into the hole if the hole lies on its probe path */
		if (((next - home) & (live_cap - 1)) >= ((next - s) & (live_cap - 1)))
		{
			live[s] = q;
			live[next] = NULL;
			s = next;
		}
		next = (next + 1) & (live_cap - 1);
	}
	return true;
}

static void *
arena_alloc(Size size, int flags)
{
	void	   *p;

	if (!((flags & MCXT_ALLOC_HUGE) ? AllocHugeSizeIsValid(size) : AllocSizeIsValid(size)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("invalid memory alloc request size %zu", size)));
	/* malloc(0) may return NULL; palloc(0) must not */
	p = (flags & MCXT_ALLOC_ZERO) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
	if (p == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));
	}
	live_add(p);
	return p;
}

void
hfe_fuzz_reset(void)
{
	for (size_t i = 0; i < live_cap; i++)
	{
		if (live[i] != NULL)
		{
			free(live[i]);
			live[i] = NULL;
		}
	}
	live_count = 0;
	PG_exception_stack = NULL;
	error_context_stack = NULL;
	CurrentMemoryContext = &fuzz_context;
}

void
hfe_fuzz_init(void)
{
	fuzz_context.type = T_AllocSetContext;
	fuzz_context.name = "hfendpoints fuzz arena";
	CurrentMemoryContext = TopMemoryContext = ErrorContext = &fuzz_context;
	hfe_json_init();
}

char *
hfe_fuzz_cstring(const uint8_t *data, size_t size)
{
	char	   *s = palloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* ---------------------------------------------------------------------
 * palloc family (utils/palloc.h).  Every context shares the one arena.
 * ---------------------------------------------------------------------
 */
void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return arena_alloc(size, 0);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return arena_alloc(size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocZeroAligned(MemoryContext context, Size size)
{
	return arena_alloc(size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return arena_alloc(size, flags);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return arena_alloc(size, MCXT_ALLOC_HUGE);
}

void *
palloc(Size size)
{
	return arena_alloc(size, 0);
}

void *
palloc0(Size size)
{
	return arena_alloc(size, MCXT_ALLOC_ZERO);
}

void *
palloc_extended(Size size, int flags)
{
	return arena_alloc(size, flags);
}

void
pfree(void *pointer)
{
	if (!live_remove(pointer))
		hfe_fuzz_fail("pfree(%p): not a live palloc'd chunk (double free?)", pointer);
	free(pointer);
}

static void *
arena_realloc(void *pointer, Size size, bool huge)
{
	void	   *p;

	if (!(huge ? AllocHugeSizeIsValid(size) : AllocSizeIsValid(size)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("invalid memory alloc request size %zu", size)));
	if (!live_remove(pointer))
		hfe_fuzz_fail("repalloc(%p): not a live palloc'd chunk", pointer);
	p = realloc(pointer, size ? size : 1);
	if (p == NULL)
	{
		live_add(pointer);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));
	}
	live_add(p);
	return p;
}

void *
repalloc(void *pointer, Size size)
{
	return arena_realloc(pointer, size, false);
}

void *
repalloc_huge(void *pointer, Size size)
{
	return arena_realloc(pointer, size, true);
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	size_t		len = strlen(string) + 1;
	char	   *s = arena_alloc(len, 0);

	memcpy(s, string, len);
	return s;
}

char *
pstrdup(const char *in)
{
	return MemoryContextStrdup(CurrentMemoryContext, in);
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *s;

	len = strnlen(in, len);
	s = arena_alloc(len + 1, 0);
	memcpy(s, in, len);
	s[len] = '\0';
	return s;
}

/* ---------------------------------------------------------------------
 * ereport (utils/elog.h)
 * ---------------------------------------------------------------------
 */
static HfeFuzzError cur_error;
static bool cur_has_code;

const HfeFuzzError *
hfe_fuzz_last_error(void)
{
	return &cur_error;
}

/* The same formatting loop as psprintf, from a va_list. */
static char *
format_va(const char *fmt, va_list args)
{
	size_t		len = 128;

	for (;;)
	{
		char	   *buf = palloc(len);
		va_list		copy;
		size_t		needed;

		va_copy(copy, args);
		needed = pvsnprintf(buf, len, fmt, copy);
		va_end(copy);
		if (needed < len)
			return buf;
		pfree(buf);
		len = needed;
	}
}

bool
errstart(int elevel, const char *domain)
{
	memset(&cur_error, 0, sizeof(cur_error));
	cur_error.elevel = elevel;
	cur_error.sqlerrcode = elevel >= ERROR ? ERRCODE_INTERNAL_ERROR : 0;
	cur_has_code = false;
	/* format every report, even those a backend would skip */
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (cur_error.elevel < ERROR)
		return;
	if (cur_error.elevel > ERROR)
		hfe_fuzz_fail("%s:%d: %s raised level %d: %s", filename, lineno, funcname,
					  cur_error.elevel, cur_error.message ? cur_error.message : "");
	if (!cur_has_code)
		hfe_fuzz_fail("%s:%d: ERROR without an errcode: %s", filename, lineno,
					  cur_error.message ? cur_error.message : "");
	if (PG_exception_stack == NULL)
		hfe_fuzz_fail("%s:%d: ERROR outside PG_TRY: %s", filename, lineno,
					  cur_error.message ? cur_error.message : "");
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		hfe_fuzz_fail("pg_re_throw outside PG_TRY");
	siglongjmp(*PG_exception_stack, 1);
}

void
FlushErrorState(void)
{
	memset(&cur_error, 0, sizeof(cur_error));
}

/* utils/error/elog.c; a few buffers so one printf can show two codes */
char *
unpack_sql_state(int sql_state)
{
	static char buf[4][12];
	static int	next = 0;
	char	   *s = buf[next++ % 4];

	for (int i = 0; i < 5; i++)
	{
		s[i] = PGUNSIXBIT(sql_state);
		sql_state >>= 6;
	}
	s[5] = '\0';
	return s;
}

int
errcode(int sqlerrcode)
{
	cur_error.sqlerrcode = sqlerrcode;
	cur_has_code = true;
	return 0;
}

#define ERR_FIELD_FUNC(name, field) \
int \
name(const char *fmt,...) \
{ \
	va_list		args; \
\
	va_start(args, fmt); \
	cur_error.field = format_va(fmt, args); \
	va_end(args); \
	return 0; \
}

ERR_FIELD_FUNC(errmsg, message)
ERR_FIELD_FUNC(errmsg_internal, message)
ERR_FIELD_FUNC(errdetail, detail)
ERR_FIELD_FUNC(errdetail_internal, detail)
ERR_FIELD_FUNC(errhint, hint)
ERR_FIELD_FUNC(errcontext_msg, context)

int
set_errcontext_domain(const char *domain)
{
	return 0;
}

/* ---------------------------------------------------------------------
 * Backend helpers reached from the fuzzed paths
 * ---------------------------------------------------------------------
 */
int
GetDatabaseEncoding(void)
{
	return hfe_fuzz_encoding;
}

/*
 * The validator receives its options as a text[] Datum; the harness passes
 * the List of DefElem that the real untransformRelOptions would build.
 */
List *
untransformRelOptions(Datum options)
{
	return (List *) DatumGetPointer(options);
}

/* commands/define.c, for the String values an OPTIONS clause produces */
char *
defGetString(DefElem *def)
{
	if (def->arg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s requires a parameter", def->defname)));
	if (!IsA(def->arg, String))
		hfe_fuzz_fail("defGetString: the harness only builds String options");
	return strVal(def->arg);
}

/* commands/define.c, same accepted spellings and error */
bool
defGetBoolean(DefElem *def)
{
	if (def->arg == NULL)
		return true;
	if (IsA(def->arg, String))
	{
		char	   *sval = defGetString(def);

		if (pg_strcasecmp(sval, "true") == 0 || pg_strcasecmp(sval, "on") == 0)
			return true;
		if (pg_strcasecmp(sval, "false") == 0 || pg_strcasecmp(sval, "off") == 0)
			return false;
	}
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s requires a Boolean value", def->defname)));
	return false;
}

/*
 * utils/adt/levenshtein.c: the plain dynamic-programming distance over
 * bytes (the backend counts characters; only "did you mean" hints depend
 * on it), with the backend's length limit for untrusted callers.
 */
int
varstr_levenshtein(const char *source, int slen, const char *target, int tlen,
				   int ins_c, int del_c, int sub_c, bool trusted)
{
	int		   *prev;
	int		   *cur;
	int			result;

	if (!trusted && (slen > 255 || tlen > 255))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("levenshtein argument exceeds maximum length of %d characters", 255)));
	prev = palloc((tlen + 1) * sizeof(int));
	cur = palloc((tlen + 1) * sizeof(int));
	for (int j = 0; j <= tlen; j++)
		prev[j] = j * ins_c;
	for (int i = 1; i <= slen; i++)
	{
		int		   *tmp;

		cur[0] = i * del_c;
		for (int j = 1; j <= tlen; j++)
		{
			int			d = prev[j] + del_c;
			int			ins = cur[j - 1] + ins_c;
			int			sub = prev[j - 1] + (source[i - 1] == target[j - 1] ? 0 : sub_c);

			cur[j] = Min(d, Min(ins, sub));
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	result = prev[tlen];
	pfree(prev);
	pfree(cur);
	return result;
}

/* utils/adt/ruleutils.c, without the keyword list (hints only) */
const char *
quote_identifier(const char *ident)
{
	bool		safe = (ident[0] >= 'a' && ident[0] <= 'z') || ident[0] == '_';
	int			nquotes = 0;
	char	   *result;
	char	   *out;

	for (const char *p = ident; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			safe = false;
		if (*p == '"')
			nquotes++;
	}
	if (safe)
		return ident;
	result = palloc(strlen(ident) + nquotes + 3);
	out = result;
	*out++ = '"';
	for (const char *p = ident; *p; p++)
	{
		if (*p == '"')
			*out++ = '"';
		*out++ = *p;
	}
	*out++ = '"';
	*out = '\0';
	return result;
}
