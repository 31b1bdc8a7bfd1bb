import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const IS_PUBLIC = 'ids:isPublic';

/**
 * Marks a route as reachable without credentials. Explicit on purpose: the isolation test fails
 * for any operation that neither requires a permission nor carries this mark.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));
