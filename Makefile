# hfendpoints: PGXS build
EXTENSION = hfendpoints
# The version lives in one place, the control file's default_version; the
# install script's name, the User-Agent and META.json are made from it.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'$$/\1/p" $(EXTENSION).control)
MODULE_big = hfendpoints

OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/tasks/*.c)))

# The current version's install script is assembled from one file per
# feature in sql/parts.  Released versions' scripts are committed as they
# shipped, with the upgrade scripts from each to the next.
SQL_PARTS = $(sort $(wildcard sql/parts/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# The tests need the local fake service and a cluster that preloads the
# library: scripts/test runs them (test/schedule lists them), so PGXS's
# installcheck is off, as in pg_stat_statements.
NO_INSTALLCHECK = 1

PG_CPPFLAGS = -Isrc $(shell curl-config --cflags) -DHFE_VERSION='"$(EXTVERSION)"'
# Warnings on; -Werror only where the project builds itself (scripts/test
# and CI pass COPT=-Werror), so that a newer compiler cannot break a
# user's build.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
SHLIB_LINK = $(shell curl-config --libs) -lcjson
EXTRA_CLEAN = .pg_version META.json

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

# Objects compiled against one PostgreSQL must not be linked for another:
# .pg_version names the server headers they were built with, and changes
# (rebuilding everything) only when PG_CONFIG points elsewhere.
$(OBJS): $(wildcard src/*.h src/tasks/*.h) .pg_version
.pg_version: FORCE
	@v="$$($(PG_CONFIG) --version) $$($(PG_CONFIG) --includedir-server)"; \
	[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@
FORCE:

installcheck:
	@echo "make installcheck does not run the hfendpoints tests: they need the local"
	@echo "fake service and a cluster that preloads the library.  Run, as root:"
	@echo "    scripts/test                        # the whole suite"
	@echo "    PG_CONFIG=/path/to/pg_config scripts/test --regress   # one server"

META.json: META.json.in $(EXTENSION).control
	sed 's/@EXTVERSION@/$(EXTVERSION)/g' META.json.in > $@

.PHONY: dist FORCE
dist: META.json
	git archive --format=tar.gz --prefix=$(EXTENSION)-$(EXTVERSION)/ \
		--add-file=META.json -o $(EXTENSION)-$(EXTVERSION).tar.gz HEAD
