import { tenantError } from '@tenant/client';

/**
 * The client's `tenantError` read into what pages show. Every message here is for a person: never
 * a stack, a JSON body or a library's error name.
 */
export const errorCode = (error: unknown) => tenantError(error).code;
export const errorReason = (error: unknown) => tenantError(error).reason;
export const retryAfterSeconds = (error: unknown) => tenantError(error).retryAfterSeconds;

/**
 * Field messages of a BAD_REQUEST, keyed by the field's name without the input's prefix
 * (`values.password` → `password`), for a form to show beside each field.
 */
export function fieldIssues(error: unknown, prefix = ''): Record<string, string> {
  const issues: Record<string, string> = {};
  for (const issue of tenantError(error).issues ?? []) {
    const name = prefix && issue.path.startsWith(prefix) ? issue.path.slice(prefix.length) : issue.path;
    issues[name] ??= issue.message;
  }
  return issues;
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * A sentence for a person. The api's own messages are written for people and carry no secrets, so
 * known refusals show them; anything unexpected gets a generic sentence.
 */
export function describeError(error: unknown): string {
  const e = tenantError(error);
  switch (e.code) {
    case 'NETWORK':
      return 'The server cannot be reached. Check your connection and try again.';
    case 'UNAUTHORIZED':
    case 'NOT_FOUND':
    case 'CONFLICT':
    case 'PRECONDITION_FAILED':
    case 'BAD_REQUEST':
      return e.message;
    case 'TOO_MANY_REQUESTS':
      return e.retryAfterSeconds
        ? `${e.message}. Try again in ${formatWait(e.retryAfterSeconds)}.`
        : `${e.message}. Try again later.`;
    case 'SERVICE_UNAVAILABLE':
    case 'BAD_GATEWAY':
      return 'The bank service is not answering right now. Please try again in a moment.';
    default:
      return 'Something went wrong. Please try again.';
  }
}
