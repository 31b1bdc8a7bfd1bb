import { Webhook } from 'standardwebhooks';
import { newSecret, sign, signedHeaders } from './webhook-signature';

describe('Standard Webhooks signatures', () => {
  it('makes whsec_ secrets of 32 random bytes', () => {
    const a = newSecret();
    expect(a.text).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.text.slice(6), 'base64')).toEqual(a.bytes);
    expect(newSecret().text).not.toBe(a.text);
  });

  it('signs as the reference library verifies', () => {
    const secret = newSecret();
    const body = JSON.stringify({ type: 'USER_LOCKED', data: { id: 'x', é: '✓' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(secret.bytes, 'delivery-1', timestamp, body);
    expect(new Webhook(secret.text).verify(body, headers)).toEqual(JSON.parse(body));
    // the reference library's own signature is ours
    expect(new Webhook(secret.text).sign('delivery-1', new Date(timestamp * 1000), body)).toBe(
      sign(secret.bytes, 'delivery-1', timestamp, body),
    );
  });

  it('a changed body, id, timestamp or secret does not verify', () => {
    const secret = newSecret();
    const body = '{"type":"USER_LOCKED"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signedHeaders(secret.bytes, 'd1', timestamp, body);
    const hook = new Webhook(secret.text);
    expect(() => hook.verify('{"type":"USER_UNLOCKED"}', headers)).toThrow();
    expect(() => hook.verify(body, { ...headers, 'webhook-id': 'd2' })).toThrow();
    expect(() =>
      hook.verify(body, { ...headers, 'webhook-timestamp': String(timestamp - 1) }),
    ).toThrow();
    expect(() => new Webhook(newSecret().text).verify(body, headers)).toThrow();
  });
});

describe('signatures during a secret rotation', () => {
  it('carries one signature per secret, the newest first; the reference library accepts either', () => {
    const [next, previous, other] = [newSecret(), newSecret(), newSecret()];
    const body = '{"type":"USER_LOCKED"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signedHeaders([next.bytes, previous.bytes], 'd-1', timestamp, body);
    expect(headers['webhook-signature'].split(' ')).toEqual([
      sign(next.bytes, 'd-1', timestamp, body),
      sign(previous.bytes, 'd-1', timestamp, body),
    ]);
    expect(new Webhook(next.text).verify(body, headers)).toEqual({ type: 'USER_LOCKED' });
    expect(new Webhook(previous.text).verify(body, headers)).toEqual({ type: 'USER_LOCKED' });
    expect(() => new Webhook(other.text).verify(body, headers)).toThrow();
  });
});
