/*-------------------------------------------------------------------------
 *
 * media.c
 *		Media types for the inference toolkit's image and audio tasks.
 *
 * The toolkit takes a body of any of these types, matched without case
 * and without parameters, and application/octet-stream for a task whose
 * name says image or audio ([TK] serialization/base.py; doc/protocol.md
 * §9.5).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "media.h"

static const char *const image_types[] = {
	"image/png", "image/jpeg", "image/jpg", "image/tiff", "image/bmp", "image/gif",
	"image/webp", "image/x-image", NULL
};

static const char *const audio_types[] = {
	"audio/x-flac", "audio/flac", "audio/mpeg", "audio/x-mpeg-3", "audio/wave",
	"audio/wav", "audio/x-wav", "audio/ogg", "audio/x-audio", "audio/webm",
	"audio/webm;codecs=opus", "audio/amr", "audio/amr-wb", "audio/amr-wb+", "audio/m4a",
	"audio/x-m4a", NULL
};

static bool
in_list(const char *type, const char *const *list)
{
	for (; *list != NULL; list++)
		if (pg_strcasecmp(type, *list) == 0)
			return true;
	return false;
}

void
hfe_media_check_type(const char *type)
{
	if (!in_list(type, image_types) && !in_list(type, audio_types) &&
		pg_strcasecmp(type, "application/octet-stream") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported content_type \"%s\"", type),
				 errhint("Use an image type (image/png, image/jpeg, image/gif, image/webp, image/tiff, image/bmp), an audio type (audio/wav, audio/flac, audio/mpeg, audio/ogg, audio/webm, audio/m4a, audio/amr), or application/octet-stream.")));
}

/* The type of data from its first bytes, or NULL. */
static const char *
sniff(const unsigned char *d, size_t len)
{
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WAVE", 4) == 0)
		return "audio/wav";
	if (len >= 4 && memcmp(d, "fLaC", 4) == 0)
		return "audio/flac";
	if (len >= 4 && memcmp(d, "OggS", 4) == 0)
		return "audio/ogg";
	if ((len >= 3 && memcmp(d, "ID3", 3) == 0) ||
		(len >= 2 && d[0] == 0xFF && (d[1] & 0xE0) == 0xE0))
		return "audio/mpeg";
	return NULL;
}

const char *
hfe_media_type(const char *given, const char *kind, const unsigned char *data, size_t len)
{
	const char *type = given ? given : sniff(data, len);

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s is empty", kind)));
	if (type == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not tell the type of the %s from its first bytes", kind),
				 errhint("Name it with content_type, such as content_type => '%s'.",
						 strcmp(kind, "image") == 0 ? "image/png" : "audio/wav")));
	if (pg_strcasecmp(type, "application/octet-stream") != 0 &&
		!in_list(type, strcmp(kind, "image") == 0 ? image_types : audio_types))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this task takes %s, not %s", strcmp(kind, "image") == 0 ? "an image" : "audio",
						type),
				 given ? 0 : errdetail("Its first bytes say %s.", type)));
	return type;
}
