/*-------------------------------------------------------------------------
 *
 * media.h
 *		Images and audio sent to the inference toolkit as they are: the
 *		media types it accepts, and the type of a bytea found from its
 *		first bytes (doc/protocol.md §9.5).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_MEDIA_H
#define HFENDPOINTS_MEDIA_H

/*
 * The media type to send data (len bytes) as, for a task of kind "image"
 * or "audio": given (checked against the toolkit's list and the kind,
 * 22023 otherwise), or found from the data's first bytes (JPEG, PNG, GIF,
 * WebP, WAV, FLAC, MP3, Ogg; 22023 naming content_type when none fits).
 */
extern const char *hfe_media_type(const char *given, const char *kind,
								  const unsigned char *data, size_t len);

/* Raise 22023 unless type is a media type the toolkit accepts. */
extern void hfe_media_check_type(const char *type);

#endif							/* HFENDPOINTS_MEDIA_H */
