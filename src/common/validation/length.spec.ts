import { validateSync } from 'class-validator';
import { ArrayUnique, codePoints, Length, MaxLength, MinLength } from './length';

class Sample {
  @Length(1, 4)
  both!: string;

  @MaxLength(3)
  max!: string;

  @MinLength(2)
  min!: string;

  @ArrayUnique()
  items!: unknown[];
}

const sample = (values: Partial<Sample>) =>
  Object.assign(new Sample(), { both: 'a', max: 'a', min: 'ab', items: [] }, values);
const failing = (values: Partial<Sample>) =>
  validateSync(sample(values)).map((e) => Object.keys(e.constraints ?? {})[0]);

describe('length rules counted as PostgreSQL counts them', () => {
  it('counts code points: a surrogate pair is one, a variation selector is one', () => {
    expect(codePoints('abc')).toBe(3);
    expect(codePoints('😀😀')).toBe(2);
    expect(codePoints('a\uFE0F')).toBe(2);
    expect(codePoints('❤️')).toBe(2);
    expect(codePoints('\uD800')).toBe(1); // a lone surrogate (the pipe refuses it earlier)
    expect(codePoints('')).toBe(0);
  });

  it('refuses by code points where validator.js would have left out the selectors', () => {
    expect(failing({ both: 'a\uFE0Fa\uFE0Fa' })).toEqual(['isLength']); // 5 code points
    expect(failing({ both: 'a\uFE0Fa\uFE0F' })).toEqual([]); // 4
    expect(failing({ max: 'a\uFE0Fa\uFE0F' })).toEqual(['maxLength']);
    expect(failing({ max: '😀😀😀' })).toEqual([]);
    expect(failing({ min: '😀' })).toEqual(['minLength']);
    expect(failing({ min: 'a\uFE0F' })).toEqual([]);
    expect(failing({ both: 5 as unknown as string })).toEqual(['isLength']);
  });

  it("keeps class-validator's messages", () => {
    const [error] = validateSync(sample({ max: 'abcd' }));
    expect(error.constraints).toEqual({
      maxLength: 'max must be shorter than or equal to 3 characters',
    });
    const [short] = validateSync(sample({ both: '' }));
    expect(short.constraints).toEqual({
      isLength: 'both must be longer than or equal to 1 characters',
    });
  });

  it('ArrayUnique: strict equality, also on a body-sized array', () => {
    expect(failing({ items: [1, 2, 1] })).toEqual(['arrayUnique']);
    expect(failing({ items: ['a', 'b'] })).toEqual([]);
    expect(failing({ items: 'ab' as unknown as unknown[] })).toEqual(['arrayUnique']);
    // a Set, not class-validator's comparison of each item with every other (~1 s here)
    const big = Array.from({ length: 45_000 }, (_, i) => `item-${i}`);
    expect(failing({ items: big })).toEqual([]);
    expect(failing({ items: [...big, 'item-7'] })).toEqual(['arrayUnique']);
  });
});
