// Conventional commits (CONTRIBUTING.md): `type(scope): subject`, checked in CI on a pull request's
// commits. The types are this project's; the changelog (scripts/changelog.ts) groups by them.
export const TYPES = ['feat', 'fix', 'perf', 'refactor', 'test', 'bench', 'docs', 'style', 'build', 'chore', 'revert'];

/** @type {import('@commitlint/types').UserConfig} */
const config = {
  extends: ['@commitlint/config-conventional'],
  rules: {
    'type-enum': [2, 'always', TYPES],
    // Subjects here say what changed and why in one line; long is fine, unbounded is not.
    'header-max-length': [2, 'always', 300],
    // A subject may start with a file or product name (CHANGELOG.md, GitHub, README).
    'subject-case': [0],
    'body-max-line-length': [0],
    'footer-max-line-length': [0],
  },
};
export default config;
