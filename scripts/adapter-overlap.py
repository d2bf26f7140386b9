#!/usr/bin/env python3
# How much the two storage adapters repeat each other (issue 12): run from the
# repository root as `python3 scripts/adapter-overlap.py REV` (a commit or HEAD).
# Lines of the SQLite adapter's src that also stand, normalised, in the PostgreSQL
# adapter's src: whitespace stripped, $N/?N placeholders made one, lines of fewer than
# 12 characters (braces, `}`, `.await`) left out. Counts each SQLite line once.
import re, subprocess, sys
rev = sys.argv[1]
def lines(crate):
    files = subprocess.run(["git","ls-tree","-r","--name-only",rev,f"crates/{crate}/src"],capture_output=True,text=True).stdout.split()
    out=[]
    for f in files:
        if not f.endswith(".rs"): continue
        text = subprocess.run(["git","show",f"{rev}:{f}"],capture_output=True,text=True).stdout
        for l in text.splitlines():
            l = re.sub(r"[\$\?]\d+", "?", l.strip())
            l = l.replace("Sqlite","DB").replace("Postgres","DB").replace("sqlite","db").replace("postgres","db").replace("Pg","DB")
            if len(l) >= 12 and not l.startswith("//"):
                out.append(l)
    return out
s, p = lines("store-sqlite"), lines("store-postgres")
pset = set(p)
shared = sum(1 for l in s if l in pset)
print(f"{rev}: sqlite {len(s)} lines, postgres {len(p)} lines (non-trivial); sqlite lines also in postgres: {shared}")
