/**
 * Named dependency checks behind /health/ready and /health. Each check has a deadline so a hung dependency
 * reports "timeout" instead of hanging the probe.
 */
export interface DependencyCheck {
  name: string;
  /** A required dependency that fails makes the service not ready (503). */
  required: boolean;
  check(): Promise<Record<string, unknown> | void>;
}

export interface CheckResult {
  status: 'ok' | 'error';
  required: boolean;
  latencyMs: number;
  error?: string;
  [detail: string]: unknown;
}

export class Readiness {
  private readonly checks = new Map<string, DependencyCheck>();
  private shuttingDown = false;

  constructor(private readonly timeoutMs = 2000) {}

  add(check: DependencyCheck): void {
    this.checks.set(check.name, check);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async run(): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
    const entries = await Promise.all(
      [...this.checks.values()].map(async (dependency) => [dependency.name, await this.runOne(dependency)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = !this.shuttingDown && entries.every(([, result]) => result.status === 'ok' || !result.required);
    return { ready, checks };
  }

  private async runOne(dependency: DependencyCheck): Promise<CheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const details = await Promise.race([
        dependency.check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return { status: 'ok', required: dependency.required, latencyMs: elapsed(started), ...(details ?? {}) };
    } catch (error) {
      return { status: 'error', required: dependency.required, latencyMs: elapsed(started), error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
