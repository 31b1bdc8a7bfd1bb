import { allows, covers, parsePermission } from './permissions';

const p = (text: string) => {
  const parsed = parsePermission(text);
  if (!parsed) throw new Error(`bad permission ${text}`);
  return parsed;
};

describe('permissions', () => {
  it('parses the TNT form and rejects anything else', () => {
    expect(parsePermission('TNT#acme#IdentityStore:getTenant')).toEqual({
      tenant: 'acme',
      service: 'IdentityStore',
      operation: 'getTenant',
    });
    for (const bad of [
      'TNT#acme#IdentityStore:noSuchOperation',
      'TNT#acme#Other:getTenant',
      'TNT#ACME#IdentityStore:getTenant',
      'TNT#acme#IdentityStore:get*',
      'TNT##IdentityStore:getTenant',
      'acme:getTenant',
      'TNT#acme#IdentityStore:getTenant ',
    ]) {
      expect(parsePermission(bad)).toBeUndefined();
    }
  });

  describe('wildcard matching', () => {
    it('`*` tenant matches every tenant, and the platform scope', () => {
      expect(allows(p('TNT#*#IdentityStore:getTenant'), 'acme', 'getTenant')).toBe(true);
      expect(allows(p('TNT#*#IdentityStore:listTenants'), '*', 'listTenants')).toBe(true);
    });
    it('`*` operation matches every operation of that tenant only', () => {
      expect(allows(p('TNT#acme#IdentityStore:*'), 'acme', 'deleteApiKey')).toBe(true);
      expect(allows(p('TNT#acme#IdentityStore:*'), 'other', 'deleteApiKey')).toBe(false);
    });
    it('a tenant permission never reaches the platform scope', () => {
      expect(allows(p('TNT#acme#IdentityStore:*'), '*', 'listTenants')).toBe(false);
    });
    it('an exact permission matches only itself', () => {
      expect(allows(p('TNT#acme#IdentityStore:getApiKey'), 'acme', 'getApiKey')).toBe(true);
      expect(allows(p('TNT#acme#IdentityStore:getApiKey'), 'acme', 'listApiKeys')).toBe(false);
    });
  });

  it('covers: wildcards cover specifics, never the reverse', () => {
    expect(covers(p('TNT#*#IdentityStore:*'), p('TNT#acme#IdentityStore:getApiKey'))).toBe(true);
    expect(covers(p('TNT#acme#IdentityStore:*'), p('TNT#acme#IdentityStore:getApiKey'))).toBe(true);
    expect(covers(p('TNT#acme#IdentityStore:getApiKey'), p('TNT#acme#IdentityStore:*'))).toBe(
      false,
    );
    expect(covers(p('TNT#acme#IdentityStore:*'), p('TNT#*#IdentityStore:getApiKey'))).toBe(false);
  });
});
