import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from '@jest/globals';

const LIB = resolve(import.meta.dirname, '../../lib');

/** Every .ts file under lib/, relative to it. */
function sources(dir = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [relative(LIB, join(dir, entry.name))]
        : [],
  );
}

/** The folder of lib/ a file is in (`detect`), or `.` for lib/'s own files. */
function folderOf(file: string): string {
  return file.includes('/') ? file.split('/')[0]! : '.';
}

/** Every lib/ file a file imports, statically or with import(), types included. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(LIB, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((match) => match[1]!);
  return specifiers
    .map((specifier) => relative(LIB, resolve(LIB, dirname(file), specifier)))
    .filter((target) => !target.startsWith('..'));
}

/** Folder → the folders its files import. */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sources()) {
    const from = folderOf(file);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to === from || to === '.') continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      edges.set(to, [...(edges.get(to) ?? []), `${file} → ${target}`]);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** A cycle through the folder graph, as the imports that make it, or undefined. */
function findCycle(graph: Map<string, Map<string, string[]>>): string[] | undefined {
  const done = new Set<string>();
  const visit = (folder: string, path: string[]): string[] | undefined => {
    if (path.includes(folder)) return [...path.slice(path.indexOf(folder)), folder];
    if (done.has(folder)) return undefined;
    for (const next of graph.get(folder)?.keys() ?? []) {
      const cycle = visit(next, [...path, folder]);
      if (cycle !== undefined) return cycle;
    }
    done.add(folder);
    return undefined;
  };
  for (const folder of graph.keys()) {
    const cycle = visit(folder, []);
    if (cycle !== undefined) {
      return cycle.slice(1).map((to, index) => graph.get(cycle[index]!)!.get(to)![0]!);
    }
  }
  return undefined;
}

describe('the shape of lib/', () => {
  it('has no import cycle between its folders', () => {
    expect(findCycle(folderGraph())).toBeUndefined();
  });

  it('keeps detectors free of fixes: lib/detect imports nothing from lib/remediate', () => {
    const crossing = sources()
      .filter((file) => folderOf(file) === 'detect')
      .flatMap((file) => importsOf(file).filter((target) => folderOf(target) === 'remediate'));

    expect(crossing).toEqual([]);
  });

  it('keeps tests/unit a mirror of lib/: each unit test file is named after the lib/ file it tests', () => {
    const UNIT = resolve(import.meta.dirname);
    const tests = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? tests(join(dir, entry.name))
          : entry.name.endsWith('.test.ts')
            ? [relative(UNIT, join(dir, entry.name))]
            : [],
      );
    const libFiles = new Set(sources());
    const orphans = tests(UNIT)
      .filter((test) => test !== 'architecture.test.ts')
      .filter((test) => !libFiles.has(test.replace(/\.test\.ts$/, '.ts')));

    expect(orphans).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', new Map([['b', ['a/x.ts → b/y.ts']]])],
      ['b', new Map([['a', ['b/y.ts → a/z.ts']]])],
    ]);

    expect(findCycle(graph)).toEqual(['a/x.ts → b/y.ts', 'b/y.ts → a/z.ts']);
  });
});
