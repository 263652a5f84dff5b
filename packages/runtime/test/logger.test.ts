import { Writable } from 'node:stream';
import { ConfigError } from '@tenant/domain';
import { describe, expect, it } from 'vitest';
import { createLogger, exitOnStartupFailure, withLogContext } from '../src';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('the logger', () => {
  it('writes the same fields for every process, and the context of whatever is being done', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'worker', destination });
    log.info({ n: 1 }, 'outside');
    await withLogContext({ jobId: 'job-1', consentId: 'consent-1' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      log.info({ n: 2 }, 'inside, after an await');
      await withLogContext({ requestId: 'req-1' }, async () => log.warn({}, 'nested'));
    });
    expect(lines.map(({ time, ...rest }) => rest)).toEqual([
      { level: 30, service: 'worker', n: 1, msg: 'outside' },
      {
        level: 30,
        service: 'worker',
        jobId: 'job-1',
        consentId: 'consent-1',
        n: 2,
        msg: 'inside, after an await',
      },
      {
        level: 40,
        service: 'worker',
        jobId: 'job-1',
        consentId: 'consent-1',
        requestId: 'req-1',
        msg: 'nested',
      },
    ]);
    for (const line of lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('says why a process cannot start in one JSON line, with a stack only when nothing else explains it', () => {
    const { lines, destination } = capture();
    const codes: number[] = [];
    const exit = (code: number) => codes.push(code);
    exitOnStartupFailure('migrate', new ConfigError([{ variable: 'DATABASE_URL', expected: 'a URL' }]), {
      destination,
      exit,
    });
    exitOnStartupFailure(
      'migrate',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' }),
      { destination, exit },
    );
    exitOnStartupFailure('migrate', new TypeError('x is not a function'), { destination, exit });
    expect(codes).toEqual([1, 1, 1]);
    const [config, refused, bug] = lines as [
      Record<string, unknown>,
      Record<string, { stack?: string }>,
      Record<string, { stack?: string }>,
    ];
    expect(config).toMatchObject({
      level: 60,
      service: 'migrate',
      msg: 'migrate failed to start: Invalid configuration:\n  - DATABASE_URL: expected a URL',
      issues: [{ variable: 'DATABASE_URL', expected: 'a URL' }],
    });
    expect(refused.msg).toBe('migrate failed to start: connect ECONNREFUSED 127.0.0.1:5999');
    expect(refused.error?.stack).toBeUndefined();
    expect(bug.error?.stack).toContain('TypeError: x is not a function');
  });
});
