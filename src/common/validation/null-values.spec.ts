import 'reflect-metadata';
import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, ValidateNested } from 'class-validator';
import { disallowedNull } from './null-values';

class Inner {
  @ApiPropertyOptional() @IsOptional() @IsString() label?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() note?:
    string | null;
}

class Outer {
  @ApiProperty() @IsString() name!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsString() description?:
    string | null;
  @ApiPropertyOptional({ type: Inner })
  @IsOptional()
  @ValidateNested()
  @Type(() => Inner)
  inner?: Inner;
  @ApiPropertyOptional({ type: [Inner] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Inner)
  items?: Inner[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  attributes?: Record<string, unknown>;
  // a rule but no @ApiProperty: left out of the document, still not a place for null
  @IsOptional() @IsString() hidden?: string;
}

/** As the update DTOs are made from the create DTOs. */
class OuterUpdate extends PartialType(OmitType(Outer, ['name'] as const)) {}

/** A subclass whose rules are all its parent's. */
class Hidden extends Outer {}

describe('disallowedNull', () => {
  it('refuses null where the document does not say nullable, required or optional', () => {
    expect(disallowedNull(Outer, { name: null })).toBe('name');
    expect(disallowedNull(Outer, { name: 'a', hidden: null })).toBe('hidden');
  });

  it("keeps the rule through swagger's mapped types and subclasses", () => {
    expect(disallowedNull(OuterUpdate, { description: null })).toBeUndefined();
    expect(disallowedNull(OuterUpdate, { inner: { label: null } })).toBe('inner.label');
    expect(disallowedNull(OuterUpdate, { hidden: null })).toBe('hidden');
    expect(disallowedNull(Hidden, { name: 'a', hidden: null })).toBe('hidden');
    expect(disallowedNull(Hidden, { name: 'a', description: null })).toBeUndefined();
  });

  it('takes null where the document says nullable', () => {
    expect(disallowedNull(Outer, { name: 'a', description: null })).toBeUndefined();
    expect(disallowedNull(Outer, { name: 'a', inner: { note: null } })).toBeUndefined();
  });

  it('names a nested null by its path, inside arrays as class-validator does', () => {
    expect(disallowedNull(Outer, { name: 'a', inner: { label: null } })).toBe('inner.label');
    expect(disallowedNull(Outer, { name: 'a', items: [{ label: 'x' }, { label: null }] })).toBe(
      'items.1.label',
    );
    expect(disallowedNull(Outer, [{ name: 'a' }, { name: null }])).toBe('1.name');
  });

  it('leaves free-form objects and undeclared members to their own rules and the whitelist', () => {
    expect(disallowedNull(Outer, { name: 'a', attributes: { tier: null } })).toBeUndefined();
    expect(disallowedNull(Outer, { name: 'a', unknown: null })).toBeUndefined();
    expect(disallowedNull(Outer, null)).toBeUndefined();
    expect(disallowedNull(Object, { anything: null })).toBeUndefined();
  });
});
