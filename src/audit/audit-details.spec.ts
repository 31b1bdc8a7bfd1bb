import { auditChanges, auditSummary } from './audit-details';

describe('audit before/after summaries', () => {
  const user = {
    id: 'u-1',
    userName: 'jane',
    status: 'LOCKED',
    email: 'jane@example.com',
    tempLockedUntil: new Date('2026-01-01T00:00:00Z'),
    secretHash: Buffer.from('never'),
  };

  it('keeps only the listed fields, dates as ISO strings', () => {
    expect(auditSummary(user, ['userName', 'status', 'tempLockedUntil'])).toEqual({
      userName: 'jane',
      status: 'LOCKED',
      tempLockedUntil: '2026-01-01T00:00:00.000Z',
    });
  });

  it('lists every changed field, with values except for private ones', () => {
    const before = auditSummary(user, ['userName', 'status', 'email']);
    const after = auditSummary({ ...user, status: 'ACTIVE', email: 'j@example.com' }, [
      'userName',
      'status',
      'email',
    ]);
    expect(auditChanges(before, after, ['email'])).toEqual({
      changed: ['status', 'email'],
      before: { status: 'LOCKED' },
      after: { status: 'ACTIVE' },
    });
  });

  it('compares structured values by content; nothing changed is an empty list', () => {
    const a = { origins: ['https://a.example'], attributes: { x: '1' } };
    const same = auditChanges(auditSummary(a, ['origins']), auditSummary({ ...a }, ['origins']));
    expect(same).toEqual({ changed: [], before: {}, after: {} });
    const other = auditChanges(
      auditSummary(a, ['origins']),
      auditSummary({ ...a, origins: ['https://b.example'] }, ['origins']),
    );
    expect(other.after).toEqual({ origins: ['https://b.example'] });
  });
});
