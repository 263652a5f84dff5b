/** A response body that is already JSON text (built by a hand-written serialiser on a hot path). */
export class RawJson {
  constructor(readonly text: string) {}
}

export function toJsonText(body: unknown): string {
  return body instanceof RawJson ? body.text : JSON.stringify(body);
}
