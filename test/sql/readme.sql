-- Every SQL example of README.md runs, in order, against the fake service.
\i test/include/setup.psql
\! test/readme_examples.sh
-- the tour left its table behind, filled
SELECT count(*) AS rows, count(summary) AS summarized FROM tour_reviews;
DROP TABLE tour_reviews;
DROP ROLE analyst;
