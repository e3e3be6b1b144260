import { inputMessage, inputProblem, MAX_DEPTH } from '../../api/input';

describe('the edge rule for every string a request carries', () => {
  test('ordinary text passes: Chinese, emoji (a surrogate pair), tab, newline, CRLF, Latin-1 letters and the replacement character', () => {
    expect(inputProblem({ title: '市教育局局长人选 👍', note: 'a\tb\nc\r\nd', n: 3, ok: true, none: null }, 'body')).toBeNull();
    // Just outside the C1 range, and U+FFFD (what invalid UTF-8 decodes to), are text.
    expect(inputProblem({ name: 'Zoë\u00a0Müller', bad: '\ufffd', cjk: '\ufffc' }, 'body')).toBeNull();
  });

  test.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', 'x\udc00'],
    ['NUL', 'ok\u0000'],
    ['a control character', 'a\u0007b'],
    ['DEL', '\u007f'],
    ['a bare CR', 'a\rb'],
    ['a C1 control (NEL)', 'a\u0085b'],
    ['a C1 control (CSI, a terminal’s ESC [)', '\u009b2J'],
    ['the noncharacter U+FFFE (a byte-swapped BOM)', '\ufffe'],
    ['the noncharacter U+FFFF', 'x\uffff'],
  ])('%s is refused, naming the field and not the text', (_what, text) => {
    const p = inputProblem({ steps: [{ title: 'fine' }, { title: text }] }, 'body');
    expect(p).toEqual({ code: 'invalid_text', field: 'steps[1].title' });
    expect(inputMessage(p as NonNullable<typeof p>)).not.toContain(text);
  });

  test('a bad key is refused, naming where it is', () => {
    expect(inputProblem({ data: { ['k\u0000']: 1 } }, 'body')).toEqual({ code: 'invalid_text', field: 'data' });
  });

  test('a problem at the root is named by the part of the request', () => {
    expect(inputProblem('\u0000', 'body')).toEqual({ code: 'invalid_text', field: 'body' });
    expect(inputProblem({ id: '\u0000' }, 'params')).toEqual({ code: 'invalid_text', field: 'id' });
  });

  test(`nesting is bounded at ${MAX_DEPTH} levels, without recursion (50,000 levels do not overflow)`, () => {
    const nest = (n: number): unknown => {
      let v: unknown = 'x';
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    expect(inputProblem(nest(MAX_DEPTH), 'body')).toBeNull();
    expect(inputProblem(nest(MAX_DEPTH + 1), 'body')?.code).toBe('too_deep');
    expect(inputProblem(nest(50_000), 'body')?.code).toBe('too_deep');
  });
});
