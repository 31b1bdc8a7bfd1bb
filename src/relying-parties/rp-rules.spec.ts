import { defaultOriginAllowed, originProblems, rpIdProblem } from './rp-rules';

describe('rpIdProblem (Public Suffix List from tldts)', () => {
  it.each([
    'example.co.uk',
    'login.example.co.uk',
    'example.com',
    'me.github.io',
    'shop.example',
    'corp.internal',
    'www.ck',
    'localhost',
    'xn--bcher-kva.example',
  ])('accepts %s', (rpId) => {
    expect(rpIdProblem(rpId)).toBeUndefined();
  });

  it.each([
    ['co.uk', /public suffix \(on the Public Suffix List\)/],
    ['com.au', /public suffix/],
    ['com.de', /public suffix/], // on the list, never in the old hand-written one
    ['foo.ck', /public suffix/], // a wildcard rule: *.ck
    ['github.io', /private section of the Public Suffix List/],
    ['s3.amazonaws.com', /private section/],
    ['com', /registrable domain/],
    ['192.168.0.1', /top-level domain/],
    ['Example.com', /lower case/],
    ['xn--zz.com', /not valid punycode/], // no browser host: no origin could ever match
  ])('refuses %s', (rpId, why) => {
    expect(rpIdProblem(rpId)).toMatch(why);
  });
});

describe('originProblems', () => {
  it('accepts the rpId itself and its subdomains over https', () => {
    expect(
      originProblems('example.co.uk', [
        'https://example.co.uk',
        'https://login.example.co.uk:8443',
      ]),
    ).toEqual([]);
  });

  it('refuses a sibling under the same public suffix, and look-alike suffixes', () => {
    const problems = originProblems('example.co.uk', [
      'https://other.co.uk',
      'https://evilexample.co.uk',
      'https://example.co.uk.evil.com',
    ]);
    expect(problems.map((p) => p.field)).toEqual(['origins[0]', 'origins[1]', 'origins[2]']);
    expect(problems[0].message).toMatch(/not within the relying party's domain example.co.uk/);
  });

  it('keeps http only for localhost', () => {
    expect(originProblems('localhost', ['http://localhost:3000'])).toEqual([]);
    expect(originProblems('example.com', ['http://example.com'])[0].message).toMatch(/uses http/);
  });

  it('refuses host names no page has: wildcards, underscores, empty labels', () => {
    const problems = originProblems('example.com', [
      'https://*.example.com',
      'https://a_b.example.com',
      'https://a..example.com',
      'https://xn--bcher-kva.example.com',
    ]);
    expect(problems.map((p) => p.field)).toEqual(['origins[0]', 'origins[1]', 'origins[2]']);
    expect(problems[0].message).toMatch(/no wildcards/);
  });

  it('allows by default only https origins within the rpId', () => {
    expect(defaultOriginAllowed('me.github.io', 'https://me.github.io')).toBe(true);
    expect(defaultOriginAllowed('me.github.io', 'https://you.github.io')).toBe(false);
  });
});
