import { storableText } from './text';

describe('storableText', () => {
  it('replaces NUL and unpaired surrogates, keeps pairs, and bounds the length', () => {
    expect(storableText('a\u0000b\ud800c\udc00d', 100)).toBe('a\uFFFDb\uFFFDc\uFFFDd');
    expect(storableText('ok 😀', 100)).toBe('ok 😀');
    expect(storableText('ab😀', 3)).toBe('ab\uFFFD');
  });
});
