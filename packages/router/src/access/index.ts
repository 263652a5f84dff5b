/**
 * The user-scoped data access layer. Every function takes the authenticated user's id and
 * filters by it in SQL, so a row of another user is simply not found: callers get NOT_FOUND,
 * exactly as for an id that does not exist. Routers never query user data without going
 * through here or through a query that is scoped the same way (see ../queries).
 */
export * from './accounts';
export * from './consents';
export * from './sessions';
export * from './skills';
