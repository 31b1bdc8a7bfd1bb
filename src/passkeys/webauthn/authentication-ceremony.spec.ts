import { DomainError, ErrorCode } from '../../common/errors';
import { judgeSignedAssertion, SignedAssertion } from './authentication-ceremony';

describe('the rules of a signed assertion', () => {
  const signed: SignedAssertion = {
    newCounter: 5,
    userVerified: true,
    backupEligible: false,
    backedUp: false,
  };
  const stored = { signCounter: 4, backupEligible: false };
  const codeOf = (run: () => unknown) => {
    try {
      run();
      return 'OK';
    } catch (error) {
      return (error as DomainError).code;
    }
  };

  it('UV where the policy requires it', () => {
    const noUv = { ...signed, userVerified: false };
    expect(codeOf(() => judgeSignedAssertion(noUv, stored, true, 'FAIL'))).toBe(
      ErrorCode.USER_VERIFICATION_REQUIRED,
    );
    expect(judgeSignedAssertion(noUv, stored, false, 'FAIL').userVerified).toBe(false);
  });

  it('BE must not change; BS may', () => {
    expect(
      codeOf(() => judgeSignedAssertion({ ...signed, backupEligible: true }, stored, true, 'FAIL')),
    ).toBe(ErrorCode.BACKUP_ELIGIBILITY_CHANGED);
    const eligible = { signCounter: 0, backupEligible: true };
    expect(
      judgeSignedAssertion(
        { ...signed, newCounter: 0, backupEligible: true, backedUp: true },
        eligible,
        true,
        'FAIL',
      ).backedUp,
    ).toBe(true);
  });

  it('a BE not known (an import without it) is taken from the signed assertion, either way', () => {
    const unknown = { signCounter: 0, backupEligible: null };
    for (const be of [true, false]) {
      const result = judgeSignedAssertion(
        { ...signed, backupEligible: be, backedUp: be },
        unknown,
        true,
        'FAIL',
      );
      expect(result).toMatchObject({ backupEligible: be, backedUp: be });
    }
    // a known BE is what is stored again
    expect(judgeSignedAssertion(signed, stored, true, 'FAIL').backupEligible).toBe(false);
  });

  it('the counter policy: FAIL refuses a regression, FLAG and IGNORE report it, 0/0 is no regression', () => {
    const behind = { ...signed, newCounter: 4 };
    expect(codeOf(() => judgeSignedAssertion(behind, stored, true, 'FAIL'))).toBe(
      ErrorCode.COUNTER_REGRESSION,
    );
    expect(judgeSignedAssertion(behind, stored, true, 'FLAG')).toMatchObject({
      counterRegression: true,
      newCounter: 4,
    });
    expect(
      judgeSignedAssertion(
        { ...signed, newCounter: 0 },
        { ...stored, signCounter: 0 },
        true,
        'FAIL',
      ),
    ).toMatchObject({ counterRegression: false, newCounter: 0 });
  });
});
