import { randomUUID } from 'node:crypto';
import type { ErrorSpec } from './spec-choices';

/** The spec's error object (§3.11). `http` always equals the response status. */
export interface ErrorBody {
  id: string;
  type: string;
  http: number;
  code: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly http: number,
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  static of(spec: ErrorSpec, message: string): ApiError {
    return new ApiError(spec.http, spec.type, spec.code, message);
  }

  body(): ErrorBody {
    return { id: randomUUID(), type: this.type, http: this.http, code: this.code, message: this.message };
  }
}

export const badRequest = (code: string, message: string) =>
  new ApiError(400, 'invalid_request', code, message);
export const unauthorized = (code: string, message: string) =>
  new ApiError(401, 'unauthorized', code, message);
export const notFound = (message: string) => new ApiError(404, 'invalid_request', 'not_found', message);
