import { changedFields } from './changes';

interface Row {
  name: string;
  description: string | null;
  count: number;
  at: Date | null;
  tags: string[];
  attributes: Record<string, string>;
}

const row: Row = {
  name: 'a',
  description: 'd',
  count: 1,
  at: new Date('2026-01-01T00:00:00Z'),
  tags: ['x', 'y'],
  attributes: { tier: 'gold' },
};

describe('changedFields', () => {
  it('keeps only the entries that differ', () => {
    expect(changedFields(row, { name: 'a', count: 2 })).toEqual({ count: 2 });
  });

  it('treats undefined as "not given" and null as a value', () => {
    expect(changedFields(row, { name: undefined, description: null })).toEqual({
      description: null,
    });
  });

  it('compares dates by instant, arrays and objects by content', () => {
    const same = {
      at: new Date('2026-01-01T00:00:00Z'),
      tags: ['x', 'y'],
      attributes: { tier: 'gold' },
    };
    expect(changedFields(row, same)).toEqual({});
    const moved = { at: new Date('2026-01-02T00:00:00Z'), tags: ['y', 'x'] };
    expect(changedFields(row, moved)).toEqual(moved);
    expect(changedFields(row, { at: null })).toEqual({ at: null });
  });

  it('gives nothing for an empty change set', () => {
    expect(changedFields(row, {})).toEqual({});
  });
});
