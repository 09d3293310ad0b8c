// Writes CHANGELOG.md from the conventional commits in git history (commitlint.config.js lists the
// types): one section per release tag (v*), newest first, the commits since the last tag under
// "Unreleased", grouped by type; breaking changes (`type!:` or a BREAKING CHANGE footer) first.
//   npm run changelog                          rewrite CHANGELOG.md
//   npm run changelog -- --stdout --unreleased  print what the next release would say
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { formatChangelog, parseCommits, type Release } from '../lib/release/changelog.ts';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { stdout: { type: 'boolean' }, unreleased: { type: 'boolean' } } });
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });

const SEPARATOR = '\u001e';
const FIELD = '\u001f';
const log = (range: string) =>
  parseCommits(
    git('log', '--no-merges', `--format=%H${FIELD}%as${FIELD}%B${SEPARATOR}`, range)
      .split(SEPARATOR)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => {
        const [hash = '', date = '', message = ''] = entry.split(FIELD);
        return { hash, date, message };
      }),
  );

const tags = git('tag', '--list', 'v*', '--sort=-creatordate')
  .split('\n')
  .filter((tag) => tag !== '');
const releases: Release[] = [{ name: 'Unreleased', commits: log(tags[0] === undefined ? 'HEAD' : `${tags[0]}..HEAD`) }];
if (values.unreleased !== true) {
  tags.forEach((tag, index) => {
    const previous = tags[index + 1];
    releases.push({
      name: tag,
      date: git('log', '-1', '--format=%as', tag).trim(),
      commits: log(previous === undefined ? tag : `${previous}..${tag}`),
    });
  });
}
const text = formatChangelog(releases);
if (values.stdout === true) process.stdout.write(text);
else writeFileSync(join(root, 'CHANGELOG.md'), text);
