/** Runs once before every test file: the services must answer, or the run stops with how to start them. */
import { assertPostgresUp, assertRedisUp } from './services.js';

export default async function setup(): Promise<void> {
  await Promise.all([assertPostgresUp(), assertRedisUp()]);
}
