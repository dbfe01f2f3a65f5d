/**
 * Server-sent events as OpenAI-compatible servers send them: events separated by a blank line, payload in
 * `data:` lines (several are joined with "\n"), comments (`:`) and other fields ignored, LF or CRLF line ends.
 * Yields each event's data; stops at `[DONE]`. `onChunk` runs for every network chunk (the idle clock).
 */
export async function* sseData(
  body: ReadableStream<Uint8Array>,
  onChunk: () => void = () => {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onChunk();
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r?\n|\r/)) >= 0) {
        // A CR at the very end may be the first half of a CRLF split across chunks: wait for the next one.
        if (newline === buffer.length - 1 && buffer.endsWith('\r')) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) {
            const payload = data.join('\n');
            data = [];
            if (payload.trim() === '[DONE]') return;
            yield payload;
          }
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
      }
    }
    // A server that closes without the final blank line still meant its last event.
    const rest = buffer.startsWith('data:') ? [...data, buffer.slice(buffer.startsWith('data: ') ? 6 : 5)] : data;
    const payload = rest.join('\n');
    if (payload !== '' && payload.trim() !== '[DONE]') yield payload;
  } finally {
    // Stopping early (a consumer's break, an abort) releases the body so the connection closes.
    await reader.cancel().catch(() => {});
  }
}
