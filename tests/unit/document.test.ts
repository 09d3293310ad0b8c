import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'yaml';

import { parseDocument } from '../../lib/document.ts';

describe('parseDocument', () => {
  it('reads any JSON document as YAML reads it', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom(0, 2, '\t'),
        fc.constantFrom('', ' ', '\n  '),
        (value, indent, lead) => {
          const text = lead + JSON.stringify(value, null, indent);
          expect(parseDocument(text)).toEqual(parse(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves YAML that starts like JSON to YAML: flow style, comments, unquoted keys', () => {
    expect(parseDocument('{mode: dry-run, rules: [a, b]}')).toEqual({ mode: 'dry-run', rules: ['a', 'b'] });
    expect(parseDocument('{"a": 1} # the default\n')).toEqual({ a: 1 });
    expect(parseDocument('"quoted": yes\nnext: 2\n')).toEqual({ quoted: 'yes', next: 2 });
  });

  it('reads block YAML, and gives YAML’s error for text that is neither', () => {
    expect(parseDocument('clusters:\n  - name: prod\n')).toEqual({ clusters: [{ name: 'prod' }] });
    expect(() => parseDocument('{"a": 1')).toThrow(/Flow map must end with a }/);
    expect(() => parseDocument('a: 1\na: 2\n')).toThrow(/Map keys must be unique/);
  });

  it('keeps the last of a key given twice in JSON, where YAML refuses it', () => {
    expect(parseDocument('{"mode": "dry-run", "mode": "enforce"}')).toEqual({ mode: 'enforce' });
  });
});
