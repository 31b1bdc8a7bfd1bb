import { ErrorCode } from './error-code';
import { statusOf } from './error-status';

describe('statusOf', () => {
  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of Object.values(ErrorCode)) {
      const status = statusOf(code);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('throws on a value outside the enum', () => {
    expect(() => statusOf('NOPE' as ErrorCode)).toThrow(/Unmapped/);
  });
});
