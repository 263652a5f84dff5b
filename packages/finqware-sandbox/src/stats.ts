export interface EndpointStats {
  total: number;
  byStatus: Record<string, number>;
}

export interface StatsSnapshot {
  total: number;
  byStatus: Record<string, number>;
  byEndpoint: Record<string, EndpointStats>;
  /** Calls that named a credentials_id, per consent and endpoint. */
  byCredentialsId: Record<string, { total: number; byEndpoint: Record<string, number> }>;
  faults: Record<string, number>;
}

/** Request counters, so tests can assert who called what (e.g. nothing after a consent was revoked). */
export class RequestStats {
  private s: StatsSnapshot = RequestStats.empty();

  private static empty(): StatsSnapshot {
    return { total: 0, byStatus: {}, byEndpoint: {}, byCredentialsId: {}, faults: {} };
  }

  record(endpoint: string, status: number | string, credentialsId?: string): void {
    const s = this.s;
    const code = String(status);
    s.total += 1;
    s.byStatus[code] = (s.byStatus[code] ?? 0) + 1;
    const e = s.byEndpoint[endpoint] ?? { total: 0, byStatus: {} };
    s.byEndpoint[endpoint] = e;
    e.total += 1;
    e.byStatus[code] = (e.byStatus[code] ?? 0) + 1;
    if (credentialsId) {
      const c = s.byCredentialsId[credentialsId] ?? { total: 0, byEndpoint: {} };
      s.byCredentialsId[credentialsId] = c;
      c.total += 1;
      c.byEndpoint[endpoint] = (c.byEndpoint[endpoint] ?? 0) + 1;
    }
  }

  fault(kind: string): void {
    this.s.faults[kind] = (this.s.faults[kind] ?? 0) + 1;
  }

  snapshot(): StatsSnapshot {
    return structuredClone(this.s);
  }

  reset(): void {
    this.s = RequestStats.empty();
  }
}
