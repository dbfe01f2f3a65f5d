/**
 * Background work that runs on an interval (session cleanup every SESSION_CLEANUP_INTERVAL_SECONDS, and what
 * later features hang on it). A run never overlaps the previous one of the same task, a failing run is logged
 * and the next one still happens, and stop() waits for runs in progress.
 */
import type { Logger } from '../telemetry/logger.js';

interface Task {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  runs: number;
}

export class PeriodicTasks {
  private readonly tasks = new Map<string, Task>();
  private started = false;

  constructor(private readonly logger: Logger) {}

  add(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    if (this.tasks.has(name)) throw new Error(`periodic task "${name}" is already registered`);
    const task: Task = { name, intervalMs, run, runs: 0 };
    this.tasks.set(name, task);
    if (this.started) this.schedule(task);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const task of this.tasks.values()) this.schedule(task);
  }

  /** How many times each task has completed a run (shown in /health). */
  stats(): Record<string, { intervalMs: number; runs: number }> {
    return Object.fromEntries([...this.tasks.values()].map((t) => [t.name, { intervalMs: t.intervalMs, runs: t.runs }]));
  }

  async runNow(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (!task) throw new Error(`no periodic task "${name}"`);
    await this.execute(task);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const task of this.tasks.values()) clearInterval(task.timer);
    await Promise.all([...this.tasks.values()].map((task) => task.running));
  }

  private schedule(task: Task): void {
    task.timer = setInterval(() => void this.execute(task), task.intervalMs);
    task.timer.unref();
  }

  private execute(task: Task): Promise<void> {
    if (task.running) return task.running;
    task.running = (async () => {
      try {
        const result = await task.run();
        task.runs += 1;
        this.logger.debug({ task: task.name, result }, 'periodic task finished');
      } catch (error) {
        this.logger.error({ task: task.name, err: error }, 'periodic task failed');
      } finally {
        task.running = undefined;
      }
    })();
    return task.running;
  }
}
