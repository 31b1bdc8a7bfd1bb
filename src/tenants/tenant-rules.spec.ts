import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError, ErrorCode } from '../common/errors';
import {
  assertPasskeyQuota,
  assertStoreQuota,
  assertTenantAdmits,
  maxPasskeysExceeded,
  maxUsersExceeded,
  tenantAdmits,
  TenantStatus,
} from './tenant-rules';

const TENANT_KEY = { isPlatform: false };
const PLATFORM_KEY = { isPlatform: true };

function thrown(work: () => void): DomainError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('tenant rules: status', () => {
  it('an ACTIVE tenant admits its own keys and the platform', () => {
    expect(tenantAdmits(TenantStatus.ACTIVE, TENANT_KEY)).toBe(true);
    expect(tenantAdmits(TenantStatus.ACTIVE, PLATFORM_KEY)).toBe(true);
    expect(() => assertTenantAdmits('acme', TenantStatus.ACTIVE, TENANT_KEY)).not.toThrow();
  });

  it('a SUSPENDED tenant refuses its own keys (and browsers) with TENANT_SUSPENDED', () => {
    expect(tenantAdmits(TenantStatus.SUSPENDED, TENANT_KEY)).toBe(false);
    const error = thrown(() => assertTenantAdmits('acme', TenantStatus.SUSPENDED, TENANT_KEY));
    expect(error.code).toBe(ErrorCode.TENANT_SUSPENDED);
    expect(error.detail).toBe('Tenant acme is suspended');
  });

  it('a SUSPENDED tenant still admits the platform, which manages it', () => {
    expect(tenantAdmits(TenantStatus.SUSPENDED, PLATFORM_KEY)).toBe(true);
    expect(() => assertTenantAdmits('acme', TenantStatus.SUSPENDED, PLATFORM_KEY)).not.toThrow();
  });

  it('an unknown status is not ACTIVE: refused unless platform', () => {
    expect(tenantAdmits('ARCHIVED', TENANT_KEY)).toBe(false);
    expect(tenantAdmits('active', TENANT_KEY)).toBe(false);
    expect(tenantAdmits('ARCHIVED', PLATFORM_KEY)).toBe(true);
  });

  it.each([undefined, null, ''])(
    'no status (%p) means no such tenant: TENANT_NOT_FOUND, for the platform too',
    (status) => {
      for (const caller of [TENANT_KEY, PLATFORM_KEY]) {
        const error = thrown(() => assertTenantAdmits('ghost', status, caller));
        expect(error.code).toBe(ErrorCode.TENANT_NOT_FOUND);
        expect(error.detail).toBe('Tenant ghost does not exist');
      }
    },
  );
});

describe('tenant rules: quotas', () => {
  it('a store fits while the count is below maxStores', () => {
    expect(() => assertStoreQuota('acme', 0, 1)).not.toThrow();
    expect(() => assertStoreQuota('acme', 4, 5)).not.toThrow();
  });

  it('the store at maxStores (or beyond) is refused with MAX_STORES_EXCEEDED', () => {
    for (const count of [5, 6]) {
      const error = thrown(() => assertStoreQuota('acme', count, 5));
      expect(error.code).toBe(ErrorCode.MAX_STORES_EXCEEDED);
      expect(error.detail).toBe('Tenant acme already has its maximum of 5 stores');
    }
    expect(thrown(() => assertStoreQuota('acme', 0, 0)).code).toBe(ErrorCode.MAX_STORES_EXCEEDED);
  });

  it('the user beyond maxUsers is refused with MAX_USERS_EXCEEDED', () => {
    const error = maxUsersExceeded('acme');
    expect(error.code).toBe(ErrorCode.MAX_USERS_EXCEEDED);
    expect(error.detail).toBe('Tenant acme has reached its maximum number of users');
  });

  it('the passkey beyond maxPasskeysPerUser is refused with MAX_PASSKEYS_EXCEEDED', () => {
    const error = maxPasskeysExceeded(3);
    expect(error.code).toBe(ErrorCode.MAX_PASSKEYS_EXCEEDED);
    expect(error.detail).toBe('The user already has the maximum of 3 passkeys');
    expect(() => assertPasskeyQuota(2, 3)).not.toThrow();
    expect(thrown(() => assertPasskeyQuota(3, 3)).detail).toBe(
      'The user already has the maximum of 3 passkeys',
    );
  });
});

describe('tenant rules: purity', () => {
  it('tenant-rules.ts imports no framework, ORM or driver (only the shared errors)', () => {
    const text = readFileSync(join(__dirname, 'tenant-rules.ts'), 'utf8');
    const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['../common/errors']);
  });
});
