import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/lib/core/issues';
import { jsonLines } from '../../src/lib/core/jsonLines';
import { parseListDataset } from '../../src/lib/core/fallbacks/datasets';

describe('jsonLines', () => {
  it('jsonLines yields each non-blank line parsed, with its 1-based number and place, dropping a trailing \\r', () => {
    const issues: Issue[] = [];
    const got = [...jsonLines('{"a":1}\r\n\n  \n[2]\n"x"', 'f.jsonl', issues)];
    expect(got).toEqual([
      { value: { a: 1 }, n: 1, at: 'f.jsonl:1' },
      { value: [2], n: 4, at: 'f.jsonl:4' },
      { value: 'x', n: 5, at: 'f.jsonl:5' }
    ]);
    expect(issues).toEqual([]);
  });

  it('jsonLines reports a line that is not JSON as malformed and goes on', () => {
    const issues: Issue[] = [];
    const got = [...jsonLines('{"a":1}\n{oops\n3', 'f.jsonl', issues)];
    expect(got.map((r) => r.n)).toEqual([1, 3]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'malformed', path: [], where: 'f.jsonl:2' });
    expect(issues[0].message).toMatch(/^line 2 is not JSON \(/);
  });

  it('jsonLines reads lazily, so the issues of a parser using it stay in line order', () => {
    // Line 1: not an object (the parser's issue); line 2: not JSON (jsonLines' issue); line 3: fine.
    expect(() => parseListDataset('[1]\n{bad\n{"Q\\n1.": ["a"]}', 'x.jsonl')).toThrow(/x\.jsonl:1[\s\S]*x\.jsonl:2/);
  });
});
