/** Every TypeORM entity of the app; the migration CLI diffs the database against this list. */
export const ENTITIES: (new () => unknown)[] = [];
