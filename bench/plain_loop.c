/*
 * plain_loop.c
 *		Reference for bench/text_generation_seq.sh: the same sequential
 *		text-generation requests hfendpoints.text_generation() sends, on one
 *		kept-alive libcurl easy handle, with no database around them.
 *
 *	usage: plain_loop URL TOKEN N
 *
 * Request i (1..N) is POST URL with the body
 *	{"inputs":"bench <i>","parameters":{"max_new_tokens":1}}
 * and the headers the extension sends.  Every response must be HTTP 200 and
 * start with '['; the program stops at the first that is not.  Prints one
 * line: "<N> requests in <seconds> s: <rate> requests/s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

typedef struct Buffer
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buffer;

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Buffer	   *b = userdata;
	size_t		n = size * nmemb;

	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap * 2 : 4096;
		char	   *data;

		while (cap < b->len + n + 1)
			cap *= 2;
		data = realloc(b->data, cap);
		if (data == NULL)
			return 0;
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *url;
	long		n;
	char		auth[512];
	char		body[128];
	struct curl_slist *headers = NULL;
	CURL	   *easy;
	Buffer		buf = {0};
	double		t0;
	double		secs;

	if (argc != 4 || (n = atol(argv[3])) <= 0)
	{
		fprintf(stderr, "usage: %s URL TOKEN N\n", argv[0]);
		return 2;
	}
	url = argv[1];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", argv[2]);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	easy = curl_easy_init();
	headers = curl_slist_append(headers, "Expect:");
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, auth);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "plain_loop");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &buf);

	t0 = now_seconds();
	for (long i = 1; i <= n; i++)
	{
		long		status = 0;
		CURLcode	rc;

		snprintf(body, sizeof(body),
				 "{\"inputs\":\"bench %ld\",\"parameters\":{\"max_new_tokens\":1}}", i);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
		buf.len = 0;
		rc = curl_easy_perform(easy);
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK || status != 200 || buf.len == 0 || buf.data[0] != '[')
		{
			fprintf(stderr, "request %ld failed: %s, HTTP %ld\n", i,
					curl_easy_strerror(rc), status);
			return 1;
		}
	}
	secs = now_seconds() - t0;
	printf("%ld requests in %.3f s: %.0f requests/s\n", n, secs, n / secs);

	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	free(buf.data);
	curl_global_cleanup();
	return 0;
}
