import { badRequest, unauthorized } from '../errors';
import { TENANT_APP } from '../tenant-app';

type FieldType = 'string' | 'object' | 'number' | 'any';

export interface BodySpec {
  required: Record<string, FieldType>;
  optional?: Record<string, FieldType>;
}

function typeOk(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'any':
      return true;
  }
}

/** Checks presence, strictness and types in the §5.3 order: body → missing → unknown → types. */
export function validateBody(
  body: unknown,
  spec: BodySpec,
  strictUnknownFields: boolean,
): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalid_body', 'the request body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  const missing = Object.keys(spec.required).filter((k) => record[k] === undefined || record[k] === null);
  if (missing.length > 0)
    throw badRequest('missing_fields', `missing required field(s): ${missing.join(', ')}`);
  if (strictUnknownFields) {
    const known = new Set([...Object.keys(spec.required), ...Object.keys(spec.optional ?? {})]);
    const unknown = Object.keys(record).filter((k) => !known.has(k));
    if (unknown.length > 0) throw badRequest('unknown_fields', `unknown field(s): ${unknown.join(', ')}`);
  }
  for (const [k, type] of [...Object.entries(spec.required), ...Object.entries(spec.optional ?? {})]) {
    const value = record[k];
    if (value === undefined || (value === null && !(k in spec.required))) continue;
    if (!typeOk(value, type))
      throw badRequest('invalid_field', `field ${k} must be a${type === 'object' ? 'n object' : ` ${type}`}`);
    if (type === 'string' && k in spec.required && (value as string).length === 0) {
      throw badRequest('invalid_field', `field ${k} must not be empty`);
    }
  }
  return record;
}

export function checkClientId(value: unknown): void {
  if (value !== TENANT_APP.clientId)
    throw badRequest('invalid_client_id', 'client_id is not a known tenant app');
}

export function checkClientSecret(value: unknown): void {
  if (value !== TENANT_APP.clientSecret)
    throw unauthorized('invalid_client_secret', 'client_secret does not match client_id');
}

export function checkClientAppKey(value: unknown): void {
  if (value !== TENANT_APP.clientAppKey) {
    throw unauthorized('invalid_client_app_key', 'client_app_key does not match client_id');
  }
}
