import { RouteConfig } from '@nestjs/platform-fastify';

/** The route config flag that `configureApp` turns into the route's own (larger) body limit. */
export const LARGE_BODY = 'largeBody';

/**
 * The route takes bodies up to IDS_IMPORT_BODY_LIMIT_BYTES instead of IDS_BODY_LIMIT_BYTES
 * (credential import batches); every other route keeps the server's limit.
 */
export const LargeBody = (): MethodDecorator => RouteConfig({ [LARGE_BODY]: true });
