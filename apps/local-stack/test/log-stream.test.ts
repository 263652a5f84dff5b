import { describe, expect, it } from 'vitest';
import { prettyLine } from '../src/log-stream';

describe('prettyLine', () => {
  it('shortens a pino JSON line to time, level, message and fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.parse('2026-01-02T03:04:05Z'),
      pid: 1,
      hostname: 'h',
      name: 'worker',
      msg: 'consent synced',
      inserted: 12,
    });
    expect(prettyLine(line)).toBe('03:04:05 INFO  consent synced inserted=12');
  });

  it('passes anything else through unchanged', () => {
    expect(prettyLine('Finqware sandbox listening on http://127.0.0.1:3010')).toBe(
      'Finqware sandbox listening on http://127.0.0.1:3010',
    );
    expect(prettyLine('{not json')).toBe('{not json');
  });
});
