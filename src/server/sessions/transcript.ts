/**
 * The durable transcript of a session (conversation + messages in the relational database) as the API shows
 * it: paged for the client, and whole for export as JSON or Markdown (FEATURE_EXPORT_CHAT).
 */
import { z } from 'zod';
import type { Conversation, Message, Repositories } from '../../storage/index.js';

/** An export stops here; a conversation longer than this is cut and says so. */
export const EXPORT_MAX_MESSAGES = 10_000;

/** A stored message as the API shows it (the response schema of toApiMessage). */
export const messageView = z.object({
  id: z.string(),
  sequence: z.number(),
  role: z.string(),
  content: z.string(),
  sources: z.array(z.object({ documentId: z.string(), title: z.string(), chunkId: z.string(), score: z.number(), snippet: z.string() })),
  confidence: z.number().nullable(),
  status: z.string(),
  createdAt: z.string(),
  author: z.string().optional().describe('Who of the team wrote it (role "agent" only)'),
});

export function toApiMessage(message: Message): z.infer<typeof messageView> {
  return {
    id: message.id,
    sequence: message.sequence,
    role: message.role,
    content: message.content,
    sources: message.sources,
    confidence: message.confidence,
    status: message.status,
    createdAt: message.createdAt.toISOString(),
    ...(message.role === 'agent' && typeof message.metadata.author === 'string' ? { author: message.metadata.author } : {}),
  };
}

export type ApiMessage = ReturnType<typeof toApiMessage>;

export async function loadWholeTranscript(
  repositories: Pick<Repositories, 'messages'>,
  conversationId: string,
): Promise<{ messages: ApiMessage[]; truncated: boolean }> {
  const messages: ApiMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await repositories.messages.listByConversation(conversationId, { limit: 500, cursor });
    messages.push(...page.items.map(toApiMessage));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && messages.length < EXPORT_MAX_MESSAGES);
  return { messages: messages.slice(0, EXPORT_MAX_MESSAGES), truncated: Boolean(cursor) };
}

const ROLE_LABELS: Record<string, string> = {
  customer: 'Customer',
  user: 'Customer',
  assistant: 'Assistant',
  agent: 'Support agent',
  system: 'System',
  tool: 'Tool',
};

export function renderMarkdown(input: {
  appName: string;
  sessionId: string;
  conversation: Pick<Conversation, 'createdAt' | 'status' | 'title'>;
  messages: ApiMessage[];
  truncated: boolean;
}): string {
  const lines = [
    `# ${input.conversation.title ?? `${input.appName} conversation`}`,
    '',
    `- Session: \`${input.sessionId}\``,
    `- Started: ${input.conversation.createdAt.toISOString()}`,
    `- Status: ${input.conversation.status}`,
    `- Messages: ${input.messages.length}${input.truncated ? ` (cut at ${EXPORT_MAX_MESSAGES})` : ''}`,
    '',
  ];
  for (const message of input.messages) {
    const partial = message.status === 'partial' ? ' (interrupted)' : '';
    lines.push(`## ${ROLE_LABELS[message.role] ?? message.role} · ${message.createdAt}${partial}`, '', message.content, '');
    if (message.sources.length > 0) {
      lines.push('Sources:', ...message.sources.map((s, i) => `${i + 1}. ${s.title} (${s.documentId})`), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
