/**
 * What the worker's code needs of a logger: a pino logger from @tenant/runtime's createLogger in
 * the process (src/main.ts), anything with these four methods in a test.
 */
export type Logger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};
