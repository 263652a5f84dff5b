import { badRequest } from './errors';
import { mulberry32, seedWords } from './hash';

export const FAULT_KINDS = ['500', '502', '503', '429', 'hang', 'truncated', 'malformed', 'slow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Share of API requests (0..1) that get a fault. 0 turns faults off. */
  rate: number;
  /** Kinds drawn from uniformly; default all. */
  kinds?: FaultKind[];
  /** Delay of a `slow` fault, ms (default 2000). */
  latencyMs?: number;
  /** Retry-After of a `429`, seconds (default 1). */
  retryAfterSeconds?: number;
  /** Extra delay added to every API request, ms (default 0). */
  baseLatencyMs?: number;
  /**
   * Only these endpoints get faults (route names such as '/payments/get', '/sessions/:id/steps');
   * default every endpoint.
   */
  endpoints?: string[];
  /** Share of payments (0..1) the bank rejects after the PSU approved them (RJCT, reason AM04). Default 0. */
  paymentRejectRate?: number;
}

export interface FaultState {
  rate: number;
  kinds: FaultKind[];
  latencyMs: number;
  retryAfterSeconds: number;
  baseLatencyMs: number;
  endpoints: string[] | null;
  paymentRejectRate: number;
}

export function normaliseFaults(input: unknown): FaultState {
  if (typeof input !== 'object' || input === null)
    throw badRequest('invalid_body', 'faults must be an object');
  const o = input as Record<string, unknown>;
  const rate = o.rate ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
    throw badRequest('invalid_field', 'rate must be a number in [0, 1]');
  const kinds = o.kinds ?? [...FAULT_KINDS];
  if (!Array.isArray(kinds) || kinds.some((k) => !(FAULT_KINDS as readonly string[]).includes(String(k)))) {
    throw badRequest('invalid_field', `kinds must be a list of ${FAULT_KINDS.join(', ')}`);
  }
  const num = (name: string, fallback: number) => {
    const v = o[name] ?? fallback;
    if (typeof v !== 'number' || !(v >= 0))
      throw badRequest('invalid_field', `${name} must be a non-negative number`);
    return v;
  };
  const endpoints = o.endpoints ?? null;
  if (endpoints !== null && (!Array.isArray(endpoints) || endpoints.some((e) => typeof e !== 'string'))) {
    throw badRequest('invalid_field', 'endpoints must be a list of route names such as "/payments/get"');
  }
  const paymentRejectRate = o.paymentRejectRate ?? 0;
  if (typeof paymentRejectRate !== 'number' || !(paymentRejectRate >= 0 && paymentRejectRate <= 1))
    throw badRequest('invalid_field', 'paymentRejectRate must be a number in [0, 1]');
  return {
    rate,
    kinds: (kinds as unknown[]).map(String) as FaultKind[],
    latencyMs: num('latencyMs', 2000),
    retryAfterSeconds: num('retryAfterSeconds', 1),
    baseLatencyMs: num('baseLatencyMs', 0),
    endpoints: endpoints as string[] | null,
    paymentRejectRate,
  };
}

/** Draws faults from a seeded stream, so a run with the same seed and request order fails the same way. */
export class FaultInjector {
  private state: FaultState;
  private random: () => number;
  private readonly rejects: () => number;

  constructor(
    private readonly initial: FaultState,
    seed: string,
  ) {
    this.state = initial;
    this.random = mulberry32(seedWords(seed, 'faults')[0]!);
    this.rejects = mulberry32(seedWords(seed, 'payment-rejects')[0]!);
  }

  get current(): FaultState {
    return this.state;
  }

  set(state: FaultState): void {
    this.state = state;
  }

  reset(): void {
    this.state = this.initial;
  }

  /** The fault for one request to `endpoint` (a route name), or null. */
  draw(endpoint?: string): FaultKind | null {
    const { rate, kinds, endpoints } = this.state;
    if (rate <= 0 || kinds.length === 0) return null;
    if (endpoints && (endpoint === undefined || !endpoints.includes(endpoint))) return null;
    if (this.random() >= rate) return null;
    return kinds[Math.floor(this.random() * kinds.length)] ?? null;
  }

  /** Whether the bank rejects the payment being approved now (its own seeded stream). */
  rejectsPayment(): boolean {
    const rate = this.state.paymentRejectRate;
    return rate > 0 && this.rejects() < rate;
  }
}
