#!/usr/bin/env python3
"""include_circles.py - TAP: no include circle among the files of a folder.

A file X.c (or its header X.h) that includes Y.h depends on Y.c.  A
circle is a set of two or more such files that depend on each other,
directly or through others, e.g. a router that calls a handler whose
file includes the router back.  One TAP test per folder given; a failure
names the files of each circle.

Usage: include_circles.py SRCDIR FOLDER...
"""
import os
import re
import sys


def modules(folder):
    """The modules of folder (X for each X.c) and what each depends on."""
    mods = {f[:-2] for f in os.listdir(folder) if f.endswith('.c')}
    deps = {m: set() for m in mods}
    for m in mods:
        for ext in ('.c', '.h'):
            path = os.path.join(folder, m + ext)
            if not os.path.exists(path):
                continue
            with open(path, encoding='utf-8') as f:
                text = f.read()
            for inc in re.findall(r'^#include "([^"/]+)\.h"', text, re.M):
                if inc in mods and inc != m:
                    deps[m].add(inc)
    return deps


def circles(deps):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(deps):
        if v not in index:
            visit(v)
    return found


def main():
    srcdir, folders = sys.argv[1], sys.argv[2:]
    print('1..%d' % len(folders))
    failed = 0
    for n, rel in enumerate(folders, 1):
        found = circles(modules(os.path.join(srcdir, rel)))
        if found:
            failed += 1
            print('not ok %d - no include circle in %s' % (n, rel))
            for c in found:
                print('# circle: ' + ' '.join(c))
        else:
            print('ok %d - no include circle in %s' % (n, rel))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
