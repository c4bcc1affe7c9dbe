# hfendpoints: PGXS build
EXTENSION = hfendpoints
EXTVERSION = 0.3.0
MODULE_big = hfendpoints

OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The current version's install script is assembled from one file per
# feature in sql/parts.  Released versions' scripts are committed as they
# shipped, with the upgrade scripts from each to the next.
SQL_PARTS = $(sort $(wildcard sql/parts/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

TESTS = $(sort $(wildcard test/sql/*.sql))
REGRESS = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)

PG_CPPFLAGS = -Isrc $(shell curl-config --cflags)
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
SHLIB_LINK = $(shell curl-config --libs) -lcjson

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

$(OBJS): $(wildcard src/*.h)

.PHONY: dist
dist:
	git archive --format=tar.gz --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(EXTENSION)-$(EXTVERSION).tar.gz HEAD
