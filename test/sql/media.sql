-- The inference toolkit's image and audio tasks: the media is a bytea,
-- sent as the body with its media type (content_type, or found from its
-- first bytes), or in base64 within JSON when the call has options.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

\! test/fake/hfctl seed fake-user/vit '{"repository": "google/vit-base-patch16-224", "task": "image-classification"}'
\! test/fake/hfctl seed fake-user/detr '{"repository": "facebook/detr-resnet-50", "task": "object-detection"}'
\! test/fake/hfctl seed fake-user/blip '{"repository": "Salesforce/blip-image-captioning-base", "task": "image-to-text"}'
\! test/fake/hfctl seed fake-user/whisper '{"repository": "openai/whisper-small", "task": "automatic-speech-recognition"}'
\! test/fake/hfctl seed fake-user/ast '{"repository": "MIT/ast-finetuned-audioset-10-10-0.4593", "task": "audio-classification"}'

-- Tiny media: the first bytes of a PNG, a GIF, a WAV and a FLAC file.
CREATE TABLE media (id int PRIMARY KEY, kind text, data bytea, result jsonb, words text);
INSERT INTO media (id, kind, data) VALUES
    (1, 'png', decode('89504e470d0a1a0a0000000d49484452', 'hex')),
    (2, 'gif', decode('47494638396101000100', 'hex')),
    (3, 'wav', decode('52494646240000005741564566', 'hex')),
    (4, 'flac', decode('664c614300000022', 'hex'));

-- image_classification: the body is the image, its type found from its
-- first bytes.
\! test/fake/hfctl requests-clear
SELECT label, score > 0 AS scored
FROM hfendpoints.image_classification('vit', (SELECT data FROM media WHERE kind = 'png'));
\! test/fake/hfctl requests --path /endpoints/fake-user/vit --headers content-type
-- with options, the image goes in base64 within JSON
SELECT count(*) FROM hfendpoints.image_classification('vit', (SELECT data FROM media WHERE kind = 'gif'),
                                                     top_k => 1);
\! test/fake/hfctl last-body --path /endpoints/fake-user/vit
-- content_type names the type; one the toolkit does not take is refused
SELECT count(*) > 0 AS classified
FROM hfendpoints.image_classification('vit', '\x0102'::bytea, content_type => 'image/png');
SELECT * FROM hfendpoints.image_classification('vit', '\x0102'::bytea, content_type => 'text/plain');
\echo :LAST_ERROR_SQLSTATE
-- bytes that say nothing, an empty image, or audio for an image task
SELECT * FROM hfendpoints.image_classification('vit', '\x0102'::bytea);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.image_classification('vit', ''::bytea);
SELECT * FROM hfendpoints.image_classification('vit', (SELECT data FROM media WHERE kind = 'wav'));
\! test/fake/hfctl requests --path /endpoints/fake-user/vit | grep -c '^POST'

-- Each format the first bytes tell: the type sent with the body.
CREATE TABLE formats (id int PRIMARY KEY, data bytea);
INSERT INTO formats VALUES
    (1, decode('ffd8ffe000104a464946', 'hex')),                 -- JPEG
    (2, decode('89504e470d0a1a0a0000', 'hex')),                 -- PNG
    (3, decode('474946383761010001', 'hex')),                   -- GIF87a
    (4, decode('524946461a000000574542505650', 'hex')),         -- WebP
    (5, decode('52494646240000005741564566', 'hex')),           -- WAV
    (6, decode('664c614300000022', 'hex')),                     -- FLAC
    (7, decode('4944330300000000', 'hex')),                     -- MP3 with ID3
    (8, decode('fffb9064000000', 'hex')),                       -- MP3 frame
    (9, decode('4f67675300020000', 'hex'));                     -- Ogg
\! test/fake/hfctl requests-clear
SELECT count(*) FROM formats f, hfendpoints.image_classification('vit', f.data) WHERE f.id <= 4;
\! test/fake/hfctl requests --path /endpoints/fake-user/vit --headers content-type | grep content-type
\! test/fake/hfctl requests-clear
SELECT count(hfendpoints.automatic_speech_recognition('whisper', f.data)) FROM formats f WHERE f.id > 4;
\! test/fake/hfctl requests --path /endpoints/fake-user/whisper --headers content-type | grep content-type
DROP TABLE formats;

-- The other tasks.
SELECT label, score > 0 AS scored, xmax > xmin AS boxed
FROM hfendpoints.object_detection('detr', (SELECT data FROM media WHERE kind = 'png'));
SELECT hfendpoints.image_to_text('blip', (SELECT data FROM media WHERE kind = 'png')) IS NOT NULL AS captioned;
SELECT hfendpoints.automatic_speech_recognition('whisper', (SELECT data FROM media WHERE kind = 'wav')) IS NOT NULL AS transcribed;
\! test/fake/hfctl requests --path /endpoints/fake-user/whisper --headers content-type
SELECT count(*) > 0 AS classified
FROM hfendpoints.audio_classification('ast', (SELECT data FROM media WHERE kind = 'flac'));
SELECT * FROM hfendpoints.automatic_speech_recognition('whisper', (SELECT data FROM media WHERE kind = 'png'));

-- Batch forms: one row (or the rows) per input, in order.
SELECT ord, output IS NOT NULL AS transcribed, error
FROM hfendpoints.automatic_speech_recognition_batch('whisper',
       ARRAY(SELECT data FROM media WHERE kind IN ('wav', 'flac') ORDER BY id), on_error => 'null');
SELECT ord, count(label) > 0 AS classified
FROM hfendpoints.image_classification_batch('vit',
       ARRAY(SELECT data FROM media WHERE kind IN ('png', 'gif') ORDER BY id))
GROUP BY ord ORDER BY ord;

-- enrich reads a bytea column.
CALL hfendpoints.enrich('media', 'data', 'result', 'vit', task => 'image-classification',
                        filter => $$kind IN ('png', 'gif')$$);
CALL hfendpoints.enrich('media', 'data', 'words', 'whisper', task => 'automatic-speech-recognition',
                        filter => $$kind IN ('wav', 'flac')$$);
SELECT kind, jsonb_array_length(result) > 0 AS labelled, words IS NOT NULL AS transcribed
FROM media ORDER BY id;
SELECT bool_and(words = hfendpoints.automatic_speech_recognition('whisper', data)) AS enrich_same
FROM media WHERE words IS NOT NULL;
DROP TABLE media;
