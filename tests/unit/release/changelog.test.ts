import { describe, expect, it } from '@jest/globals';

import { formatChangelog, parseCommits } from '../../../lib/release/changelog.ts';

const raw = [
  { hash: 'aaaaaaa1111', date: '2026-01-03', message: 'feat(canary): aliases moved by CodeDeploy\n\nbody' },
  { hash: 'bbbbbbb2222', date: '2026-01-02', message: 'fix: the receiver refuses an empty body' },
  {
    hash: 'ccccccc3333',
    date: '2026-01-02',
    message: 'refactor!: one store port\n\nBREAKING CHANGE: the table key changed',
  },
  { hash: 'ddddddd4444', date: '2026-01-01', message: 'chore: update deps' },
  { hash: 'eeeeeee5555', date: '2026-01-01', message: 'Merge branch feat/x' },
  { hash: 'fffffff6666', date: '2026-01-01', message: 'feat: config diff\n\nBREAKING-CHANGE: stages moved' },
];

describe('changelog from conventional commits', () => {
  it('parses type, scope, subject and breaking changes, dropping other commits', () => {
    const commits = parseCommits(raw);

    expect(commits.map((c) => `${c.type}|${c.scope ?? ''}|${c.subject}|${c.breaking}`)).toEqual([
      'feat|canary|aliases moved by CodeDeploy|false',
      'fix||the receiver refuses an empty body|false',
      'refactor||one store port|true',
      'chore||update deps|false',
      'feat||config diff|true',
    ]);
  });

  it('keeps the whole BREAKING CHANGE footer as the migration note, over several lines', () => {
    const [commit] = parseCommits([
      {
        hash: 'ggggggg7777',
        date: '2026-01-04',
        message:
          'refactor!: rules map anomalies to fixes\n\nWhy.\n\nBREAKING CHANGE: `actions` became `fixes`;\nmap each action to its anomaly.',
      },
    ]);

    expect(commit).toMatchObject({
      breaking: true,
      migration: '`actions` became `fixes`; map each action to its anomaly.',
    });
  });

  it('groups each release by type, breaking changes first, with their migration notes', () => {
    const text = formatChangelog([
      { name: 'Unreleased', commits: parseCommits(raw.slice(0, 2)) },
      { name: 'v0.1.0', date: '2026-01-02', commits: parseCommits(raw.slice(2)) },
      { name: 'v0.0.1', date: '2025-12-01', commits: [] },
    ]);

    expect(text).toBe(
      [
        '# Changelog',
        '',
        'Generated from the conventional commits (`npm run changelog`); do not edit by hand.',
        '',
        '## Unreleased',
        '',
        '### Features',
        '',
        '- **canary:** aliases moved by CodeDeploy (aaaaaaa)',
        '',
        '### Fixes',
        '',
        '- the receiver refuses an empty body (bbbbbbb)',
        '',
        '## v0.1.0 (2026-01-02)',
        '',
        '### ⚠ Breaking changes',
        '',
        '- one store port (ccccccc)',
        '  - Migration: the table key changed',
        '- config diff (fffffff)',
        '  - Migration: stages moved',
        '',
        '### Features',
        '',
        '- config diff (fffffff)',
        '',
        '### Refactoring',
        '',
        '- one store port (ccccccc)',
        '',
        '### Chores',
        '',
        '- update deps (ddddddd)',
        '',
        '## v0.0.1 (2025-12-01)',
        '',
        'Nothing yet.',
        '',
      ].join('\n'),
    );
  });
});
