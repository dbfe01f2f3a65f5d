/**
 * The agent's tools, in the seed's spirit: search the help centre again (with the model's own query), read what
 * is known about the customer, and hand the conversation to a human. Offered only to models that can call tools;
 * the loop works the same without them (the first search and the facts are in the prompt anyway).
 */
import type { ToolCall, ToolDefinition } from '../llm/types.js';
import type { KnownFact, Source } from './types.js';

export const AGENT_TOOLS: readonly ToolDefinition[] = [
  {
    name: 'search_knowledge',
    description: 'Search the help centre. Returns numbered passages you can cite as [n].',
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to look for, in a few words' } },
      required: ['query'],
      additionalProperties: false,
    },
  },
  {
    name: 'get_customer_facts',
    description: 'What the customer told us in earlier conversations (name, order numbers, preferences).',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'create_ticket',
    description: 'Hand the conversation to a human colleague. Use when the customer asks for a person or needs something only staff can do.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why a human is needed, in one sentence' } },
      required: ['reason'],
      additionalProperties: false,
    },
  },
];

export interface ToolContext {
  search(query: string): Promise<Source[]>;
  facts(): Promise<readonly KnownFact[]>;
  /** The passages of this turn; search results are added so that their [n] numbers stay valid. */
  passages: Source[];
  /** Set by create_ticket: the turn escalates once the reply is written. */
  humanRequested?: string;
}

const MAX_TOOL_RESULT_CHARS = 4000;

function parseInput(call: ToolCall): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(call.input || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Runs one tool call and returns its result as text for the model. Never throws: a failure is reported as text. */
export async function runTool(call: ToolCall, context: ToolContext): Promise<string> {
  const input = parseInput(call);
  try {
    switch (call.toolName) {
      case 'search_knowledge': {
        const query = typeof input.query === 'string' ? input.query.slice(0, 500) : '';
        if (!query.trim()) return 'Error: give a query.';
        const found = await context.search(query);
        if (found.length === 0) return 'No help-centre passage matched.';
        const lines = found.map((passage) => {
          let index = context.passages.findIndex((p) => p.chunkId === passage.chunkId);
          if (index < 0) index = context.passages.push(passage) - 1;
          return `[${index + 1}] ${passage.title}: ${passage.snippet}`;
        });
        return lines.join('\n').slice(0, MAX_TOOL_RESULT_CHARS);
      }
      case 'get_customer_facts': {
        const facts = await context.facts();
        return facts.length === 0 ? 'Nothing is known about this customer yet.' : JSON.stringify(facts.map(({ key, value }) => ({ key, value })));
      }
      case 'create_ticket': {
        context.humanRequested = typeof input.reason === 'string' && input.reason.trim() ? input.reason.slice(0, 300) : 'the assistant asked for a human';
        return 'A ticket will be created and the conversation handed to the support team when you finish this reply. Tell the customer.';
      }
      default:
        return `Error: there is no tool named ${call.toolName}.`;
    }
  } catch (error) {
    return `Error: the tool failed (${(error as Error).message ?? 'unknown error'}).`;
  }
}
