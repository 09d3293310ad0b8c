/** One commit as git prints it. */
export interface RawCommit {
  hash: string;
  /** YYYY-MM-DD */
  date: string;
  message: string;
}

export interface Commit {
  hash: string;
  date: string;
  type: string;
  scope?: string;
  subject: string;
  breaking: boolean;
  /** The text of its BREAKING CHANGE footer: what changed for users and how to migrate. */
  migration?: string;
}

export interface Release {
  name: string;
  date?: string;
  commits: Commit[];
}

/** Changelog headings by commit type, in the order they are printed; other types are left out. */
export const SECTIONS: [type: string, heading: string][] = [
  ['feat', 'Features'],
  ['fix', 'Fixes'],
  ['perf', 'Performance'],
  ['refactor', 'Refactoring'],
  ['test', 'Tests'],
  ['bench', 'Benchmarks'],
  ['docs', 'Documentation'],
  ['build', 'Build'],
  ['chore', 'Chores'],
  ['revert', 'Reverts'],
];

const HEADER = /^(?<type>[a-z]+)(?:\((?<scope>[^)]+)\))?(?<bang>!)?: (?<subject>.+)$/;

/** Conventional commits among `raw`; anything else (no type, a merge) is dropped. */
export function parseCommits(raw: RawCommit[]): Commit[] {
  return raw.flatMap((commit) => {
    const [header = '', ...body] = commit.message.split('\n');
    const match = HEADER.exec(header.trim());
    if (match?.groups === undefined) return [];
    const { type = '', scope, bang, subject = '' } = match.groups;
    const migration = breakingNote(body);
    return [
      {
        hash: commit.hash,
        date: commit.date,
        type,
        ...(scope === undefined ? {} : { scope }),
        subject,
        breaking: bang === '!' || migration !== undefined,
        ...(migration === undefined ? {} : { migration }),
      },
    ];
  });
}

/** The footer `BREAKING CHANGE: …` (or `BREAKING-CHANGE:`) to the end of the message, as one paragraph. */
function breakingNote(body: readonly string[]): string | undefined {
  const start = body.findIndex((line) => /^BREAKING[ -]CHANGE: /.test(line));
  if (start === -1) return undefined;
  const text = body
    .slice(start)
    .join(' ')
    .replace(/^BREAKING[ -]CHANGE: /, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

/** The changelog as Markdown: releases in the order given, each grouped by type, breaking changes first with their migration notes. */
export function formatChangelog(releases: Release[]): string {
  const lines = [
    '# Changelog',
    '',
    'Generated from the conventional commits (`npm run changelog`); do not edit by hand.',
    '',
  ];
  for (const release of releases) {
    lines.push(`## ${release.name}${release.date === undefined ? '' : ` (${release.date})`}`, '');
    if (release.commits.length === 0) {
      lines.push('Nothing yet.', '');
      continue;
    }
    const item = (commit: Commit) =>
      `- ${commit.scope === undefined ? '' : `**${commit.scope}:** `}${commit.subject} (${commit.hash.slice(0, 7)})`;
    const breaking = release.commits.filter((commit) => commit.breaking);
    if (breaking.length > 0) {
      lines.push(
        '### ⚠ Breaking changes',
        '',
        ...breaking.flatMap((commit) => [
          item(commit),
          ...(commit.migration === undefined ? [] : [`  - Migration: ${commit.migration}`]),
        ]),
        '',
      );
    }
    for (const [type, heading] of SECTIONS) {
      const commits = release.commits.filter((commit) => commit.type === type);
      if (commits.length > 0) lines.push(`### ${heading}`, '', ...commits.map(item), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
