import { DomainError, ErrorCode } from '../common/errors';
import { AttestationRequirement, UntrustedAttestation } from '../policies/policy-enums';
import {
  applyTrustPolicy,
  assertModelMaySignIn,
  AttestationEvidence,
  DEFAULT_TRUST_POLICY,
  subjectText,
} from './attestation-trust';

const AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const none: AttestationEvidence = {
  format: 'none',
  verified: false,
  trusted: false,
  rootSha256: null,
  rootSubject: null,
  authenticatorName: null,
};
const self = { ...none, format: 'packed', verified: true };
const trusted = { ...self, trusted: true, rootSha256: 'ab', authenticatorName: 'Model' };

function verdict(
  evidence: AttestationEvidence,
  policy: Partial<typeof DEFAULT_TRUST_POLICY>,
  status: string | null = null,
) {
  try {
    applyTrustPolicy(
      evidence,
      AAGUID,
      { aaguid: AAGUID, description: 'Model', rootCertificates: [], latestStatus: status },
      { ...DEFAULT_TRUST_POLICY, ...policy },
    );
    return 'OK';
  } catch (error) {
    return (error as DomainError).code;
  }
}

describe('applyTrustPolicy', () => {
  it.each<[string, AttestationEvidence, Partial<typeof DEFAULT_TRUST_POLICY>, string]>([
    ['none, defaults', none, {}, 'OK'],
    ['self, defaults', self, {}, 'OK'],
    [
      'none, VERIFIED',
      none,
      { requirement: AttestationRequirement.VERIFIED },
      ErrorCode.ATTESTATION_NOT_TRUSTED,
    ],
    ['self, VERIFIED', self, { requirement: AttestationRequirement.VERIFIED }, 'OK'],
    [
      'self, TRUSTED',
      self,
      { requirement: AttestationRequirement.TRUSTED },
      ErrorCode.ATTESTATION_NOT_TRUSTED,
    ],
    ['trusted, TRUSTED', trusted, { requirement: AttestationRequirement.TRUSTED }, 'OK'],
    [
      'self, REFUSE untrusted',
      self,
      { untrusted: UntrustedAttestation.REFUSE },
      ErrorCode.ATTESTATION_NOT_TRUSTED,
    ],
    ['none, REFUSE untrusted', none, { untrusted: UntrustedAttestation.REFUSE }, 'OK'],
    ['none, allow-listed', none, { allowList: [AAGUID] }, ErrorCode.AAGUID_NOT_ALLOWED],
    ['trusted, allow-listed (upper case)', trusted, { allowList: [AAGUID.toUpperCase()] }, 'OK'],
    [
      'trusted, not allow-listed',
      trusted,
      { allowList: ['00000000-0000-0000-0000-000000000001'] },
      ErrorCode.AAGUID_NOT_ALLOWED,
    ],
    ['trusted, deny-listed', trusted, { denyList: [AAGUID] }, ErrorCode.AAGUID_NOT_ALLOWED],
    ['none, deny-listed', none, { denyList: [AAGUID] }, ErrorCode.AAGUID_NOT_ALLOWED],
  ])('%s → %s', (_name, evidence, policy, expected) => {
    expect(verdict(evidence, policy)).toBe(expected);
  });

  it.each([
    'ATTESTATION_KEY_COMPROMISE',
    'USER_KEY_REMOTE_COMPROMISE',
    'USER_KEY_PHYSICAL_COMPROMISE',
    'USER_VERIFICATION_BYPASS',
    'REVOKED',
  ])('a latest status %s refuses even a trusted attestation', (status) => {
    expect(verdict(trusted, {}, status)).toBe(ErrorCode.AUTHENTICATOR_COMPROMISED);
  });

  it('a latest status that is not a compromise does not refuse', () => {
    expect(verdict(trusted, {}, 'UPDATE_AVAILABLE')).toBe('OK');
  });
});

describe('subjectText', () => {
  it('one line, at most the 1024 characters the column holds', () => {
    expect(subjectText('CN=Root\nO=Vendor')).toBe('CN=Root, O=Vendor');
    const long = subjectText(`CN=${'x'.repeat(2000)}`);
    expect(long).toHaveLength(1024);
    expect(subjectText(`CN=${'😀'.repeat(600)}`).length).toBeLessThanOrEqual(1024);
  });
});

describe('assertModelMaySignIn (a report that came after the registration)', () => {
  const refused = (status: string | null, uvRequired: boolean, aaguid: string | null = AAGUID) => {
    try {
      assertModelMaySignIn(aaguid, status, uvRequired);
      return false;
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.AUTHENTICATOR_COMPROMISED });
      return true;
    }
  };

  it('refuses user keys compromised and revoked models, whatever the ceremony', () => {
    for (const status of [
      'USER_KEY_REMOTE_COMPROMISE',
      'USER_KEY_PHYSICAL_COMPROMISE',
      'REVOKED',
    ]) {
      expect([status, refused(status, false)]).toEqual([status, true]);
    }
  });

  it('a UV bypass only where the ceremony requires user verification', () => {
    expect(refused('USER_VERIFICATION_BYPASS', true)).toBe(true);
    expect(refused('USER_VERIFICATION_BYPASS', false)).toBe(false);
  });

  it('an attestation key compromise, a certification, no report or no AAGUID: signs in', () => {
    expect(refused('ATTESTATION_KEY_COMPROMISE', true)).toBe(false);
    expect(refused('FIDO_CERTIFIED_L1', true)).toBe(false);
    expect(refused(null, true)).toBe(false);
    expect(refused('REVOKED', true, null)).toBe(false);
  });
});
