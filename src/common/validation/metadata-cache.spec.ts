import { IsInt, IsString, validate } from 'class-validator';
import { MaxLength } from './length';
import { memoiseValidationMetadata } from './metadata-cache';

class Base {
  @IsString()
  name!: unknown;
}

class Child extends Base {
  @IsInt()
  count!: unknown;
}

const failing = async (value: object) => (await validate(value)).map((e) => e.property).sort();

describe('memoised class-validator rule lookups', () => {
  beforeAll(() => memoiseValidationMetadata());

  it('gives the same verdicts as the plain lookup, inherited rules included, on every call', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await failing(Object.assign(new Child(), { name: 1, count: 'x' }))).toEqual([
        'count',
        'name',
      ]);
      expect(await failing(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
      expect(await failing(Object.assign(new Base(), { name: 2 }))).toEqual(['name']);
    }
  });

  it('sees a rule registered after the first lookup', async () => {
    class Late {
      @IsString()
      label!: unknown;
    }
    expect(await failing(Object.assign(new Late(), { label: 'x'.repeat(10) }))).toEqual([]);
    MaxLength(3)(Late.prototype, 'label');
    expect(await failing(Object.assign(new Late(), { label: 'x'.repeat(10) }))).toEqual(['label']);
  });
});
