"""Keeps in each function zip only the chunks its bundle loads.

esbuild splits each bundle (serverless.yml `splitting: true`), so code reached only through a
dynamic import() (client-node for uncommon kubeconfig contexts, the SDK's credential chain, EKS,
STS) sits in chunk files beside the bundle and is read only when used. The functions are built
into one directory, so every zip would otherwise carry every function's chunks.

    python3 scripts/prune-chunks.py .serverless
"""
import re
import sys
import zipfile
from pathlib import Path

IMPORT = re.compile(r"""["'](\./[A-Za-z0-9_.\-]+\.mjs)["']""")

for path in sorted(Path(sys.argv[1]).glob("*.zip")):
    with zipfile.ZipFile(path) as source:
        entries = {info.filename: (info, source.read(info)) for info in source.infolist()}
    bundle = f"functions/{path.stem}.mjs"
    if bundle not in entries:
        continue
    needed, pending = set(), [bundle]
    while pending:
        name = pending.pop()
        if name in needed or name not in entries:
            continue
        needed.add(name)
        text = entries[name][1].decode("utf-8")
        pending.extend(f"functions/{match[2:]}" for match in IMPORT.findall(text))
    kept = [
        (info, data)
        for name, (info, data) in entries.items()
        if not (name.startswith("functions/") and name.removesuffix(".map") not in needed)
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in kept:
            target.writestr(info, data)
