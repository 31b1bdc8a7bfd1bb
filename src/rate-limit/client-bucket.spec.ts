import { clientBucket } from './client-bucket';

describe('clientBucket: what a per-IP limit counts', () => {
  it('an IPv4 address as it is, also when it comes IPv4-mapped', () => {
    expect(clientBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('every address of one IPv6 /64 in one bucket, however it is written', () => {
    const bucket = clientBucket('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    for (const ip of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002:0000:0000:0000:abcd',
      '2001:DB8:1:2:a:b:c:d',
    ])
      expect(clientBucket(ip)).toBe(bucket);
    expect(clientBucket('2001:db8:1:3::1')).not.toBe(bucket);
  });

  it('anything else as it is', () => {
    expect(clientBucket('not-an-ip')).toBe('not-an-ip');
  });
});
