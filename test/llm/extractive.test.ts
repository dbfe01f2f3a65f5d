import { describe, expect, it } from 'vitest';
import { EXTRACTIVE_NO_ANSWER, createExtractiveModel, excerpt } from '../../src/llm/extractive.js';
import { collectStream } from '../../src/llm/support.js';
import type { SearchResult } from '../../src/knowledge/types.js';
import type { GroundingPassage, StreamPart } from '../../src/llm/types.js';

const passage = (id: string, score: number, snippet: string, title = `Doc ${id}`): GroundingPassage => ({
  documentId: `doc-${id}`,
  chunkId: `doc-${id}:0`,
  title,
  score,
  snippet,
});

const question = [{ role: 'user' as const, content: 'How do I return an item?' }];

describe('extractive provider', () => {
  const model = createExtractiveModel();

  it('quotes the best passages with numbered citations and lists its sources', async () => {
    const passages = [
      passage('b', 0.62, 'Refunds reach your card within 5 working days.', 'Refunds'),
      passage('a', 0.91, 'You can return any item within 30 days using the returns portal.', 'Returns policy'),
      passage('c', 0.12, 'Our offices are closed on public holidays.', 'Opening hours'),
    ];
    const result = await model.generate({ messages: question, context: { passages } });
    expect(result.text).toBe(
      [
        'Here is what our help centre says:',
        'You can return any item within 30 days using the returns portal. [1]',
        'Refunds reach your card within 5 working days. [2]',
        'Sources: [1] Returns policy; [2] Refunds',
        'If this does not answer your question, tell me and I can connect you with a member of our support team.',
      ].join('\n\n'),
    );
    // The weak passage (below half the best score) is left out; sources are in citation order.
    expect(result.sources?.map((s) => s.chunkId)).toEqual(['doc-a:0', 'doc-b:0']);
    expect(result).toMatchObject({ toolCalls: [], finishReason: 'stop', warnings: [] });
  });

  it('says it does not know and offers a human when there are no passages', async () => {
    const result = await model.generate({ messages: question, context: { passages: [] } });
    expect(result.text).toBe(EXTRACTIVE_NO_ANSWER);
    expect(result.text).toMatch(/don't know/);
    expect(result.text).toMatch(/connect you with a member of our support team/);
    expect(result.sources).toEqual([]);
    expect((await model.generate({ messages: question })).text).toBe(EXTRACTIVE_NO_ANSWER);
  });

  it("takes the knowledge base's search results as they are", async () => {
    const hit: SearchResult = { documentId: 'd', title: 'Fees', chunkId: 'd:3', score: 0.8, snippet: 'Transfers are free.', location: {} };
    const result = await model.generate({ messages: question, context: { passages: [hit] } });
    expect(result.sources).toEqual([hit]);
  });

  it('drops duplicate passages and honours maxPassages', async () => {
    const same = 'Reset your password from the sign-in page.';
    const passages = [passage('a', 0.9, same), passage('b', 0.85, `  ${same} `), passage('c', 0.8, 'Use a strong password.'), passage('d', 0.8, 'x y z')];
    const result = await createExtractiveModel({ maxPassages: 2 }).generate({ messages: question, context: { passages } });
    expect(result.sources?.map((s) => s.documentId)).toEqual(['doc-a', 'doc-c']);
  });

  it('cuts long passages at a sentence end, or with an ellipsis', () => {
    const long = `${'word '.repeat(30)}ends here. ${'more '.repeat(30)}`;
    expect(excerpt(long, 40)).toBe(`${'word '.repeat(30)}ends here.`);
    expect(excerpt('one two three four five six seven eight nine ten eleven twelve', 10)).toBe(
      'one two three four five six seven eight nine ten…',
    );
  });

  it('streams the same reply in word chunks, then finish with its sources', async () => {
    const passages = [passage('a', 0.9, 'Parcels arrive in 2 to 3 days.')];
    const parts: StreamPart[] = [];
    for await (const part of model.stream({ messages: question, context: { passages } })) parts.push(part);
    const deltas = parts.filter((p) => p.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(10);
    for (const d of deltas) expect(d.delta.trim()).not.toMatch(/\s/);
    const generated = await model.generate({ messages: question, context: { passages } });
    expect(deltas.map((d) => d.delta).join('')).toBe(generated.text);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop', sources: [passages[0]] });
    expect(await collectStream(model.stream({ messages: question, context: { passages } }))).toEqual(generated);
  });

  it('warns about settings and tools it cannot honour instead of failing', async () => {
    const result = await model.generate({
      messages: question,
      temperature: 0.3,
      tools: [{ name: 'create_ticket', parameters: { type: 'object' } }],
    });
    expect(result.warnings).toEqual([
      { type: 'unsupported-setting', setting: 'temperature', details: expect.any(String) },
      { type: 'unsupported-tool', tool: { name: 'create_ticket', parameters: { type: 'object' } }, details: expect.any(String) },
    ]);
  });

  it('stops streaming when the signal aborts', async () => {
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of model.stream({ messages: question, abortSignal: controller.signal })) {
      parts.push(part);
      if (parts.length === 3) controller.abort();
    }
    expect(parts).toHaveLength(4);
    expect(parts[3]).toMatchObject({ type: 'error', error: { code: 'GENERATION_ABORTED' } });
  });
});
