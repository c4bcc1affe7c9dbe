/*-------------------------------------------------------------------------
 *
 * fuzz_endpoint.c
 *		libFuzzer harness for the endpoint JSON parser, hfe_endpoint_from_json
 *		(src/api.c), and the secret redaction it applies to the raw column.
 *
 * The input is the body of a management API response.  Properties checked
 * beyond "no crash, no sanitizer report":
 *	- the only error it may raise is 08P01 (protocol violation), with a
 *	  detail naming the problem;
 *	- on success, name, repository and status are set and every string is
 *	  a readable C string;
 *	- no secret survives in raw: every model.secrets value, and every
 *	  non-empty registry password under model.image.<variant>.credentials,
 *	  is masked.  Duplicate keys are checked too, since jsonb keeps the last
 *	  of them; and the check runs again on raw printed and parsed back, which
 *	  is what reaches the jsonb column.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "api.h"
#include "fuzz.h"
#include "json.h"

#define REDACTED "********"

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
is_key(const cJSON *item, const char *key)
{
	return item->string != NULL && strcmp(item->string, key) == 0;
}

static void
check_secret_map(const cJSON *secrets)
{
	const cJSON *item;

	if (cJSON_IsNull(secrets))
		return;
	if (!cJSON_IsObject(secrets))
	{
		/* a string, array or number here is a secret shown in the clear */
		if (!(cJSON_IsString(secrets) && strcmp(secrets->valuestring, REDACTED) == 0))
			hfe_fuzz_fail("model.secrets of type %d is not redacted", secrets->type);
		return;
	}
	cJSON_ArrayForEach(item, secrets)
	{
		if (cJSON_IsNull(item))
			continue;
		if (!cJSON_IsString(item) || strcmp(item->valuestring, REDACTED) != 0)
			hfe_fuzz_fail("model.secrets.%s is not redacted", item->string);
	}
}

static void
check_image(const cJSON *image)
{
	const cJSON *variant;

	if (!cJSON_IsObject(image))
		return;
	cJSON_ArrayForEach(variant, image)
	{
		const cJSON *creds;

		if (!cJSON_IsObject(variant))
			continue;
		cJSON_ArrayForEach(creds, variant)
		{
			const cJSON *pw;

			if (!is_key(creds, "credentials") || !cJSON_IsObject(creds))
				continue;
			cJSON_ArrayForEach(pw, creds)
			{
				if (!is_key(pw, "password") || cJSON_IsNull(pw))
					continue;
				if (cJSON_IsString(pw) &&
					(pw->valuestring[0] == '\0' || strcmp(pw->valuestring, REDACTED) == 0))
					continue;
				hfe_fuzz_fail("model.image.%s.credentials.password is not redacted",
							  variant->string);
			}
		}
	}
}

static void
check_redacted(const cJSON *root)
{
	const cJSON *model;

	if (!cJSON_IsObject(root))
		return;
	cJSON_ArrayForEach(model, root)
	{
		const cJSON *m;

		if (!is_key(model, "model") || !cJSON_IsObject(model))
			continue;
		cJSON_ArrayForEach(m, model)
		{
			if (is_key(m, "secrets"))
				check_secret_map(m);
			else if (is_key(m, "image"))
				check_image(m);
		}
	}
}

static void
check_string(const char *s)
{
	if (s != NULL)
		(void) strlen(s);		/* ASan checks the whole string is readable */
}

static void
check_endpoint(const HfeEndpoint *ep)
{
	char	   *text;

	if (ep->name == NULL || ep->repository == NULL || ep->status == NULL)
		hfe_fuzz_fail("a required field is NULL after a successful parse");
	if (ep->namespace == NULL || strcmp(ep->namespace, "fuzz-ns") != 0)
		hfe_fuzz_fail("namespace not copied");
	check_string(ep->revision);
	check_string(ep->task);
	check_string(ep->framework);
	check_string(ep->url);
	check_string(ep->type);
	check_string(ep->accelerator);
	check_string(ep->vendor);
	check_string(ep->region);
	check_string(ep->instance_type);
	check_string(ep->instance_size);
	check_string(ep->health_route);
	check_string(ep->message);
	check_string(ep->created_at);
	check_string(ep->updated_at);

	check_redacted(ep->raw);
	text = hfe_json_print(ep->raw);
	check_redacted(hfe_json_parse(text, strlen(text)));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	hfe_fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the HTTP layer always hands over a NUL-terminated body */
	char	   *body = hfe_fuzz_cstring(data, size);

	PG_TRY();
	{
		cJSON	   *obj = hfe_json_parse(body, size);

		if (obj != NULL)
			check_endpoint(hfe_endpoint_from_json(obj, "fuzz-ns", "get endpoint \"fuzz\""));
	}
	PG_CATCH();
	{
		const HfeFuzzError *e = hfe_fuzz_last_error();

		if (e->sqlerrcode != ERRCODE_PROTOCOL_VIOLATION)
			hfe_fuzz_fail("unexpected SQLSTATE %s: %s",
						  unpack_sql_state(e->sqlerrcode), e->message);
		if (e->message == NULL || strstr(e->message, "get endpoint \"fuzz\"") == NULL ||
			e->detail == NULL)
			hfe_fuzz_fail("protocol error without the action or a detail: %s",
						  e->message ? e->message : "(null)");
	}
	PG_END_TRY();

	hfe_fuzz_reset();
	return 0;
}
