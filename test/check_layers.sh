#!/usr/bin/env bash
# Layering check for the C sources: no include loop, no call loop, and the
# transfer engine (http, http_multi) is a leaf, so that it can be used and
# tested without the extension above it.
#
#   test/check_layers.sh SRCDIR [OBJDIR]
#
# A module is a path under SRCDIR without extension: src/http.c and
# src/http.h are "http", src/tasks/chat.c is "tasks/chat", a header with no
# .c (compat.h) is a module of its own.  Edge A -> B when a file of A has
# #include "b.h" (quoted, resolved from the file's directory, then SRCDIR;
# other headers are PostgreSQL's and ignored), or when A's object uses a
# global symbol B's object defines (nm on the .o files under OBJDIR, which
# defaults to SRCDIR; build first).  Fails on any cycle in the union of both
# graphs (a loop means none of its modules can be understood or changed
# alone), and on any edge from the engine to a module not in LEAF_ALLOWED.
set -euo pipefail

# Lower modules the transfer engine may depend on (space separated).
LEAF_ALLOWED="compat guc"
LEAF_MODULES="http http_multi"

[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "usage: test/check_layers.sh SRCDIR [OBJDIR]" >&2; exit 2; }
srcdir=$(cd "$1" && pwd)
objdir=$(cd "${2:-$1}" && pwd)

python3 - "$srcdir" "$objdir" "$LEAF_MODULES" "$LEAF_ALLOWED" <<'EOF'
import os, re, subprocess, sys
from collections import defaultdict, deque

srcdir, objdir, leaf, allowed = sys.argv[1], sys.argv[2], set(sys.argv[3].split()), set(sys.argv[4].split())
inc = defaultdict(lambda: defaultdict(list))      # a -> b -> headers included
calls = defaultdict(lambda: defaultdict(list))    # a -> b -> symbols used
modules = set()

def files(top, exts):
    for d, _, names in sorted(os.walk(top)):
        yield from (os.path.join(d, n) for n in sorted(names) if n.endswith(exts))

def module(path, top):
    return os.path.splitext(os.path.relpath(path, top))[0]

# 1. Include graph.
inc_re = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
for f in files(srcdir, ('.c', '.h')):
    a = module(f, srcdir)
    modules.add(a)
    for m in filter(None, map(inc_re.match, open(f, errors='replace'))):
        for base in (os.path.dirname(f), srcdir):
            h = os.path.normpath(os.path.join(base, m.group(1)))
            if os.path.isfile(h) and not os.path.relpath(h, srcdir).startswith('..'):
                b = module(h, srcdir)
                if b != a and m.group(1) not in inc[a][b]:
                    inc[a][b].append(m.group(1))
                break

# 2. Call graph from the objects (nm -P prints "name type [value size]").
def nm(obj, opt):
    return [l.split()[:2] for l in subprocess.check_output(['nm', '-P', opt, obj], text=True).splitlines()]

objs = {module(o, objdir): o for o in files(objdir, ('.o',))}
if not objs:
    print(f"check_layers: warning: no .o under {objdir}, call check skipped (run make first)", file=sys.stderr)
defined = defaultdict(set)    # global symbol -> modules defining it
for b, o in objs.items():
    modules.add(b)
    for sym, typ in nm(o, '--defined-only'):
        if typ.isupper():    # lower case: local to the object
            defined[sym].add(b)
for a, o in objs.items():
    for sym, _ in nm(o, '-u'):
        for b in sorted(defined[sym] - {a}):
            calls[a][b].append(sym)

edges = {a: set(inc[a]) | set(calls[a]) for a in modules}
def label(a, b):
    why, c = [f"includes {h}" for h in inc[a][b]], calls[a][b]
    why += ['calls ' + ', '.join(c[:3]) + (f' +{len(c) - 3} more' if len(c) > 3 else '')] if c else []
    return f"{a} -({'; '.join(why)})-> {b}"

# 3. Cycles: Tarjan's strongly connected components, then the shortest loop
# through each member of a non-trivial one (breadth first, inside it).
index, low, stack, sccs = {}, {}, [], []
def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    for w in edges[v]:
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = set(stack[stack.index(v):]); del stack[stack.index(v):]
        if len(scc) > 1:
            sccs.append(scc)
for v in sorted(modules):
    if v not in index:
        strong(v)

def loop(start, scc):
    prev, todo = {start: None}, deque([start])
    while todo:
        v = todo.popleft()
        for w in sorted(edges[v] & scc):
            if w == start:    # walk back to start
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return path[::-1] + [start]
            if w not in prev:
                prev[w] = v; todo.append(w)

seen = set()
for scc in sccs:
    print(f"check_layers: loop among {', '.join(sorted(scc))}:")
    for path in (loop(m, scc) for m in sorted(scc)):
        if frozenset(zip(path, path[1:])) not in seen:    # once per loop, not per rotation
            seen.add(frozenset(zip(path, path[1:])))
            print("    " + " -> ".join(path))
            print("\n".join("        " + label(a, b) for a, b in zip(path, path[1:])))

# 4. The transfer engine is a leaf.
bad = [(a, b) for a in sorted(leaf & modules) for b in sorted(edges[a] - leaf - allowed)]
for a, b in bad:
    print(f"check_layers: the transfer engine must be a leaf: {label(a, b)}")
if sccs or bad:
    sys.exit(1)
print(f"check_layers: {len(modules)} modules, no include or call loop; the transfer engine is a leaf")
EOF
