/** Health probes and metrics scrapes: not logged per request, never rate-limited, never slowed down. */
export function isProbe(url: string): boolean {
  return url.startsWith('/health') || url.startsWith('/metrics');
}
