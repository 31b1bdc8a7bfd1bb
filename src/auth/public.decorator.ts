import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const IS_PUBLIC = 'ids:isPublic';

/**
 * Marks a route as reachable without credentials. Explicit on purpose: the isolation test fails
 * for any operation that neither requires a permission nor carries this mark.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));

/**
 * What a caller without a key must hold to use a public route (a transaction id, the names of a
 * relying party's public configuration), written into the OpenAPI document as `x-capability`
 * and in the operation's description: the document says what an anonymous caller can do.
 */
export const Capability = (capability: string): MethodDecorator =>
  applyDecorators(ApiExtension('x-capability', capability));
