import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import {
  BoundedLookup,
  forbiddenReason,
  hostAddresses,
  parseTargetUrl,
  refusalOf,
  resolveTarget,
  TargetPolicy,
} from './webhook-targets';

const STRICT: TargetPolicy = { httpsOnly: false, allowPrivate: false };

describe('webhook targets (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'unique local (private)'],
    ['fc00::5', 'unique local (private)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:a00:1::', 'private'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'ORCHID'],
    ['2001:20::1', 'ORCHIDv2'],
    ['::ffff:0:a00:1', 'SIIT (IPv4-translated)'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenReason(address)).toBe(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ])('lets %s through', (address) => {
    expect(forbiddenReason(address)).toBeNull();
  });

  it('refuses a URL longer than the column once normalised (percent-encoding grows it)', () => {
    expect(() => parseTargetUrl(`http://93.184.215.14/a${' '.repeat(1000)}b`, STRICT)).toThrow(
      /longer than 2048 characters once normalised/,
    );
    expect(parseTargetUrl(`http://93.184.215.14/${'a'.repeat(1900)}`, STRICT).href).toHaveLength(
      1921,
    );
  });

  it('allows private targets only as configured: all, or the listed CIDRs', () => {
    expect(refusalOf('127.0.0.1', { ...STRICT, allowPrivate: true })).toBeNull();
    const loopbackOnly: TargetPolicy = { ...STRICT, allowPrivate: ['127.0.0.0/8', '::1/128'] };
    expect(refusalOf('127.0.0.1', loopbackOnly)).toBeNull();
    expect(refusalOf('::1', loopbackOnly)).toBeNull();
    expect(refusalOf('::ffff:127.0.0.1', loopbackOnly)).toBeNull();
    expect(refusalOf('10.0.0.1', loopbackOnly)).toBe('10.0.0.1 is private');
    expect(refusalOf('169.254.169.254', loopbackOnly)).toMatch(/link-local/);
  });

  it('takes absolute http(s) URLs without credentials; https only in production', () => {
    expect(parseTargetUrl('http://93.184.215.14/hook', STRICT).href).toBe(
      'http://93.184.215.14/hook',
    );
    expect(() =>
      parseTargetUrl('http://93.184.215.14/hook', { ...STRICT, httpsOnly: true }),
    ).toThrow(/https/);
    expect(
      parseTargetUrl('https://93.184.215.14/hook', { ...STRICT, httpsOnly: true }).protocol,
    ).toBe('https:');
    for (const bad of [
      'ftp://93.184.215.14/',
      'file:///etc/passwd',
      'gopher://x/',
      '/relative',
      'x',
    ]) {
      expect(() => parseTargetUrl(bad, STRICT)).toThrow();
    }
    expect(() => parseTargetUrl('https://u:p@93.184.215.14/', STRICT)).toThrow(/credentials/);
  });

  it('sees through the other spellings of an IP address', () => {
    for (const sneaky of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'http://127.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://[::1]:8080/',
      'http://0/',
    ]) {
      expect(() => parseTargetUrl(sneaky, STRICT)).toThrow(/non-public/);
    }
  });

  it('resolves a host name and refuses it when any address is not public', async () => {
    await expect(resolveTarget('localhost', STRICT)).rejects.toThrow(/resolves to a non-public/);
    await expect(
      resolveTarget('localhost', { ...STRICT, allowPrivate: ['127.0.0.0/8', '::1/128'] }),
    ).resolves.toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]));
    await expect(resolveTarget('does-not-exist.invalid', STRICT)).rejects.toThrow(
      /does not resolve/,
    );
  });

  it('a name whose DNS never answers gives up after its timeout and holds no thread: the process’s other lookups go on', async () => {
    // a DNS server that takes every question and never answers
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const server = `127.0.0.1:${silent.address().port}`;
    try {
      const settled: string[] = [];
      const hanging = Array.from({ length: 8 }, (_, i) =>
        hostAddresses(`never-${i}.example`, [server]).then(
          () => settled.push('answered'),
          (error: Error) => settled.push(error.message),
        ),
      );
      // getaddrinfo on libuv's thread pool (what dns.lookup uses) is not held up by them
      await lookup('localhost');
      expect(settled).toEqual([]);
      await Promise.all(hanging);
      expect(settled).toEqual(Array(8).fill('its host name did not resolve in time'));
    } finally {
      silent.close();
    }
  }, 20_000);

  it('localhost and *.localhost are loopback without DNS (RFC 6761)', async () => {
    for (const name of ['localhost', 'LOCALHOST.', 'api.localhost'])
      expect((await hostAddresses(name, ['127.0.0.1:9'])).map((a) => a.address)).toEqual([
        '127.0.0.1',
        '::1',
      ]);
  });

  it('system lookups (the fallback for names DNS does not know): at most `slots` at once, each caller gives up after the wait, a slot stays taken until its lookup returns', async () => {
    const answers: (() => void)[] = [];
    const bounded = new BoundedLookup(
      2,
      100,
      () =>
        new Promise((resolve) =>
          answers.push(() => resolve([{ address: '203.0.113.9', family: 4 }])),
        ),
    );
    const late = 'its host name did not resolve in time';
    const message = (p: Promise<unknown>) => p.catch((error: Error) => error.message);
    const first = [message(bounded.addresses('a')), message(bounded.addresses('b'))];
    // no slot for a third within its wait: it never runs
    expect(await message(bounded.addresses('c'))).toBe(late);
    expect(answers).toHaveLength(2);
    // the first two give up on their answers too, but keep their slots
    expect(await Promise.all(first)).toEqual([late, late]);
    const fourth = bounded.addresses('d');
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toHaveLength(2);
    answers[0](); // a lookup returns: its slot passes to the waiting one
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toHaveLength(3);
    answers[2]();
    expect(await fourth).toEqual([{ address: '203.0.113.9', family: 4 }]);
  });
});
