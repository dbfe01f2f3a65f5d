/**
 * SupportAgent.turn(): the one pipeline of a customer message, whatever the channel (REST, SSE, WebSocket).
 *
 *   authorise (token, fingerprint) -> take the session lock -> store the customer's message durably
 *   -> a human has the conversation? pass it on and stay silent
 *   -> decide before answering (asked for a human, urgent keywords, anger, repeated failure) -> hand off
 *   -> small talk? answer it
 *   -> retrieve knowledge + learn and recall customer facts -> nothing relevant? say so, offer a human
 *   -> generate (streamed, tools when the model has them) -> check the reply (citations, guardrails)
 *   -> decide again with the answer's confidence -> hand off if needed
 *   -> store the reply (with its sources and confidence; partial when the client went away)
 *   -> write the session (window, counters, status) fenced, and release the lock in one step.
 */
import { StaleLockError, ValidationError } from '../errors.js';
import type { LanguageModel } from '../llm/types.js';
import { checkSessionAccess, checkToken, type SessionAuthority } from '../sessions/authorize.js';
import { withSessionLock, type LockedSession, type StagedChanges } from '../sessions/locks.js';
import { COUNTER_NAMES, type Session, type SessionCounters, type SessionStore } from '../sessions/types.js';
import type { Repositories } from '../storage/index.js';
import { decideEscalation, readMessage, type EscalationDecision, type EscalationSettings, type MessageSignals } from './escalation/policy.js';
import { generateReply } from './generate.js';
import { citedSources, contactScreen } from './guardrails.js';
import { CustomerMemory } from './memory/index.js';
import { relevantPassages } from './grounding.js';
import { isWithHumans, type Handoff } from './handoff.js';
import { buildPrompt, systemRules } from './prompts/system.js';
import { finishReply, MODEL_FAILED_REPLY, NO_ANSWER_REPLY } from './reply.js';
import { acceptsOffer, detectSmallTalk, smallTalkReply } from './small-talk.js';
import { createStreamGuard } from './stream-guard.js';
import type { ToolContext } from './tools.js';
import type { FactMemory, KnowledgeSearch, KnownFact, Source, TurnInput, TurnOutcome, TurnResult } from './types.js';

export const MAX_MESSAGE_CHARS = 4000;

export interface AgentLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface SupportAgentOptions {
  appName: string;
  authority: SessionAuthority;
  sessionStore: SessionStore;
  repositories: Pick<Repositories, 'messages' | 'conversations'>;
  knowledge?: KnowledgeSearch;
  model: LanguageModel;
  memory?: FactMemory;
  handoff: Handoff;
  escalation: EscalationSettings;
  /** RAG_SEARCH_K */
  searchK: number;
  /** RAG_SIMILARITY_THRESHOLD: a passage below it is not relevant (see grounding.ts). */
  relevanceThreshold: number;
  /** SESSION_LOCK_TIMEOUT_SECONDS in ms: how long a message waits for the one before it. */
  lockTimeoutMs: number;
  /** Earlier messages given to the model (default 8). */
  historyMessages?: number;
  logger: AgentLogger;
  /** Called after every turn (metrics), with the kinds of the escalation reasons (see escalation/policy.ts). */
  onTurn?: (result: TurnResult, durationMs: number, reasonKinds: readonly string[]) => void;
}

/** The first line of the first message, at most 80 characters, cut at a word. */
export function conversationTitle(message: string): string {
  const line = message.split('\n')[0]!.replace(/\s+/g, ' ').trim();
  if (line.length <= 80) return line;
  const cut = line.slice(0, 80);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 80)}…`;
}

function checkMessage(message: unknown): string {
  if (typeof message !== 'string' || message.trim() === '') throw new ValidationError('message must be a non-empty string');
  if (message.length > MAX_MESSAGE_CHARS) throw new ValidationError(`message must be at most ${MAX_MESSAGE_CHARS} characters`);
  // Control characters other than newlines and tabs have no place in a chat message.
  return message.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
}

export class SupportAgent {
  private readonly rules: string;
  /** Turns running now: shutdown waits for them, so a reply cut short by a closing socket is still stored. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(readonly options: SupportAgentOptions) {
    this.rules = systemRules(options.appName, options.model.capabilities.toolCalls);
  }

  get model(): LanguageModel {
    return this.options.model;
  }

  turn(input: TurnInput): Promise<TurnResult> {
    const running = this.run(input);
    const tracked = running.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return running;
  }

  /** Waits for the turns in progress to finish (at most `timeoutMs`); for shutdown, before storage closes. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), late]);
    clearTimeout(timer);
  }

  private async run(input: TurnInput): Promise<TurnResult> {
    const started = performance.now();
    const message = checkMessage(input.message);
    const { authority } = this.options;
    // The token's tag is checked first (no store round trip; a forged token cannot take the lock), then the
    // token's hash and the fingerprint against the session as loaded with the lock: one round trip, not two.
    const token = checkToken(authority.tokens, input.sessionId, input.token);
    let turn: Turn | undefined;
    const result = await withSessionLock(
      this.options.sessionStore,
      input.sessionId,
      (locked) => {
        checkSessionAccess(locked.session, token, input.client, authority.fingerprinter);
        return (turn = new Turn(this, this.rules, locked, input, message)).run();
      },
      { waitMs: this.options.lockTimeoutMs },
    );
    this.options.onTurn?.(result, performance.now() - started, turn?.reasonKinds ?? []);
    return result;
  }
}

/** Earlier messages of the conversation as the model sees them, oldest first. */
type History = { role: 'user' | 'assistant'; content: string }[];

/** The state of one turn while it holds the lock. */
class Turn {
  private readonly o: SupportAgentOptions;
  private readonly session: Session;
  private facts: readonly KnownFact[] = [];
  private conversationId!: string;
  private customerMessageId!: string;
  reasonKinds: string[] = [];
  private signals: MessageSignals | undefined;

  constructor(
    agent: SupportAgent,
    private readonly rules: string,
    private readonly locked: LockedSession,
    private readonly input: TurnInput,
    private readonly message: string,
  ) {
    this.o = agent.options;
    this.session = locked.session;
    locked.stage({ touch: true });
  }

  async run(): Promise<TurnResult> {
    const status = this.session.status;
    const relaying = isWithHumans(status);
    // What to do is known from the loaded session and the message alone, so when the answer needs the knowledge
    // base its search (the query's embedding runs in a worker thread) starts now, while the message is stored.
    const history = this.history();
    const before = relaying ? undefined : this.decide({ history });
    const smallTalk = relaying || before?.escalate ? undefined : detectSmallTalk(this.message);
    const searching = relaying || before?.escalate || smallTalk ? undefined : this.retrieve(history);
    searching?.catch(() => {}); // awaited below; a turn that fails before then must not leave it unhandled

    await this.storeCustomerMessage();
    if (relaying) return this.relay();
    if (status === 'resolved' || status === 'closed') await this.reopen();

    const learned = this.learnFacts();
    if (before?.escalate) {
      await learned;
      return this.escalate(before, '');
    }
    if (smallTalk) {
      await learned;
      return this.answer({ text: smallTalkReply(smallTalk), sources: [], confidence: 1, outcome: 'answered' });
    }

    this.input.onEvent?.({ type: 'typing' });
    const [passages] = await Promise.all([searching!, learned]);
    if (passages.length === 0) return this.notKnown(history, NO_ANSWER_REPLY, 'unknown');
    return this.generate(passages, history);
  }

  /** The customer's words are kept whatever happens next (a failed model, a lost lock, a client gone). */
  private async storeCustomerMessage(): Promise<void> {
    let conversationId = this.session.conversationId;
    if (!conversationId) {
      const conversation = await this.o.repositories.conversations.create({
        sessionId: this.session.id,
        customerId: this.session.customerId ?? null,
        channel: this.input.channel,
      });
      conversationId = conversation.id;
      this.stage({ patch: { conversationId } });
    }
    this.conversationId = conversationId;
    // The first message names the conversation, as support inboxes list them.
    if (this.session.counters.messageCount === 0) {
      await this.o.repositories.conversations.update(conversationId, { title: conversationTitle(this.message) });
    }
    const stored = await this.o.repositories.messages.append({
      conversationId,
      role: 'customer',
      content: this.message,
      metadata: { channel: this.input.channel, ...(this.input.attachments?.length ? { attachments: this.input.attachments } : {}) },
    });
    this.customerMessageId = stored.id;
    this.stage({ messages: [{ role: 'user', content: this.message }] });
  }

  private stage(changes: StagedChanges): void {
    this.locked.stage(changes);
  }

  /** The session's counters once the staged changes are written (appended messages count as messages). */
  private countersAfter(): SessionCounters {
    const counters = { ...this.session.counters };
    const staged = this.locked.staged;
    for (const name of COUNTER_NAMES) counters[name] += staged?.increments?.[name] ?? 0;
    counters.messageCount += staged?.messages?.length ?? 0;
    return counters;
  }

  /** Earlier user and assistant messages since the conversation last (re)opened, oldest first. */
  private history(): History {
    const since = typeof this.session.metadata.openedAt === 'string' ? this.session.metadata.openedAt : '';
    return this.session.messages
      .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.at >= since)
      .slice(-(this.o.historyMessages ?? 8))
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  }

  /** A resolved conversation starts afresh: earlier failures and hand-offs no longer count against it. */
  private async reopen(): Promise<void> {
    this.stage({
      patch: { status: 'active', metadata: { openedAt: new Date().toISOString(), offeredHuman: null, ticketId: null } },
      increments: { failureCount: -this.session.counters.failureCount },
    });
    await this.o.repositories.conversations.updateStatus(this.conversationId, 'active');
  }

  private failureCount(): number {
    const reopened = this.session.status === 'resolved' || this.session.status === 'closed';
    return reopened ? 0 : this.session.counters.failureCount;
  }

  private decide(input: { history: History; confidence?: number; retrievalTopScore?: number; failures?: number }): EscalationDecision {
    this.signals ??= readMessage({ message: this.message, history: input.history }, this.o.escalation);
    const decision = decideEscalation(
      {
        message: this.message,
        history: input.history,
        confidence: input.confidence,
        retrievalTopScore: input.retrievalTopScore,
        failureCount: input.failures ?? this.failureCount(),
      },
      this.o.escalation,
      this.signals,
    );
    // "Yes please" right after the agent offered a human is a request for one.
    if (!decision.escalate && this.session.metadata.offeredHuman === true && acceptsOffer(this.message) && this.o.escalation.enabled) {
      const reason = { kind: 'explicit_request' as const, detail: 'accepted the offer of a human', weight: 1 };
      return { escalate: true, reasons: [...decision.reasons, reason], score: decision.score + 1 };
    }
    return decision;
  }

  private async learnFacts(): Promise<void> {
    const memory = this.o.memory;
    if (!memory) return;
    const subject = CustomerMemory.subjectFor(this.session);
    try {
      await memory.learn(subject, this.message, { sourceMessageId: this.customerMessageId });
      this.facts = await memory.recall(subject);
    } catch (error) {
      // Memory is a help, not a requirement: the turn goes on without it.
      this.o.logger.warn({ err: error, sessionId: this.session.id }, 'customer memory unavailable');
    }
  }

  /** The passages for the customer's message: a short follow-up ("and for business accounts?") is searched together with the question before it. */
  private retrieve(history: History): Promise<Source[]> {
    const previous = [...history].reverse().find((m) => m.role === 'user')?.content;
    return this.search(this.message.split(/\s+/).length < 6 && previous ? `${previous}\n${this.message}` : this.message);
  }

  /** Relevant passages for a query (the customer's, or one the model asks for with search_knowledge). */
  private async search(query: string): Promise<Source[]> {
    if (!this.o.knowledge) return [];
    const found = await this.o.knowledge.search(query, { k: this.o.searchK, minScore: 0 });
    return relevantPassages(found, this.o.relevanceThreshold);
  }

  private async generate(passages: Source[], history: History): Promise<TurnResult> {
    const model = this.o.model;
    const screen = contactScreen([this.message, ...history.map((m) => m.content), ...this.facts.map((f) => f.value), ...passages.map((p) => p.snippet)].join('\n'));
    const guard = createStreamGuard(screen, (text) => this.input.onEvent?.({ type: 'token', delta: text }));
    const tools: ToolContext = { passages, search: (query) => this.search(query), facts: async () => this.facts };
    const generation = await generateReply({
      model,
      messages: buildPrompt({ appName: this.o.appName, passages, facts: this.facts, history, message: this.message, tools: model.capabilities.toolCalls }),
      tools,
      signal: this.input.signal,
      onDelta: (delta) => guard.push(delta),
    });
    guard.flush();
    this.stage({ increments: { tokenCount: generation.outputTokens, toolCallCount: generation.toolCalls } });

    if (generation.cancelled) {
      // Stored as it was cut off: what the customer saw, with the citations it had reached.
      const text = screen.redact(generation.text.trim()).text;
      return this.answer({ text, sources: citedSources(text, passages), confidence: 0, outcome: 'cancelled' });
    }
    if (generation.error) {
      this.o.logger.warn({ err: generation.error, sessionId: this.session.id, provider: model.provider }, 'model failed; offering a human');
      return this.notKnown(history, MODEL_FAILED_REPLY, 'failed');
    }
    const reply = finishReply({
      text: generation.text,
      passages: tools.passages,
      providerSources: generation.providerSources,
      screen,
      rules: this.rules,
      threshold: this.o.relevanceThreshold,
    });
    if (reply.flags.length > 0) this.o.logger.warn({ sessionId: this.session.id, flags: reply.flags }, 'reply guardrails applied');
    if (reply.unknown) return this.notKnown(history, reply.text, 'unknown');
    if (reply.refused) return this.answer({ text: reply.text, sources: [], confidence: 0, outcome: 'refused' });

    const after = this.decide({ history, confidence: reply.confidence, retrievalTopScore: passages[0]?.score });
    if (tools.humanRequested && this.o.escalation.enabled && !after.escalate) {
      after.escalate = true;
      after.reasons.push({ kind: 'explicit_request', detail: `the assistant asked for a human: ${tools.humanRequested}`, weight: 1 });
    }
    if (after.escalate) return this.escalate(after, reply.text, reply);
    this.stage({ increments: { failureCount: -this.failureCount() }, patch: { metadata: { offeredHuman: null } } });
    return this.answer({ text: reply.text, sources: reply.sources, confidence: reply.confidence, outcome: 'answered', reasons: after.reasons });
  }

  /** No answer (nothing relevant, or the model failed): say so, offer a human, hand off on repeated failure. */
  private async notKnown(history: History, text: string, outcome: TurnOutcome): Promise<TurnResult> {
    const failures = this.failureCount() + 1;
    this.stage({ increments: { failureCount: 1 }, patch: { metadata: { offeredHuman: true } } });
    const decision = this.decide({ history, failures });
    if (decision.escalate) return this.escalate(decision, '');
    return this.answer({ text, sources: [], confidence: 0, outcome, reasons: decision.reasons });
  }

  private async escalate(decision: EscalationDecision, answer: string, reply?: { sources: Source[]; confidence: number }): Promise<TurnResult> {
    this.reasonKinds = decision.reasons.map((reason) => reason.kind);
    // Roles as the durable transcript names them: the customer is 'customer' there, 'user' to a model.
    const transcript = [
      ...this.session.messages.map((m) => ({ role: m.role === 'user' ? 'customer' : m.role, content: m.content, at: m.at })),
      { role: 'customer', content: this.message, at: new Date().toISOString() },
    ];
    const handoff = await this.o.handoff.escalate({
      sessionId: this.session.id,
      conversationId: this.conversationId,
      customerId: this.session.customerId,
      decision,
      transcript,
      facts: this.facts,
    });
    this.stage({
      patch: { status: 'waiting_for_human', metadata: { ticketId: handoff.ticket.id, offeredHuman: null } },
      increments: { escalationCount: handoff.created ? 1 : 0 },
    });
    const text = answer ? `${answer}\n\n${handoff.message}` : handoff.message;
    this.o.logger.info(
      { sessionId: this.session.id, ticketId: handoff.ticket.id, reasons: decision.reasons.map((r) => r.kind) },
      handoff.created ? 'conversation handed to a human' : 'conversation already with a human',
    );
    this.input.onEvent?.({ type: 'token', delta: answer ? `\n\n${handoff.message}` : handoff.message });
    return this.answer({
      text,
      sources: reply?.sources ?? [],
      confidence: reply?.confidence ?? 0,
      outcome: 'escalated',
      reasons: decision.reasons.map((r) => r.detail),
      ticketId: handoff.ticket.id,
      status: 'waiting_for_human',
    });
  }

  /** A human has the conversation: the message is theirs to answer. */
  private async relay(): Promise<TurnResult> {
    await this.learnFacts();
    const session = this.locked.session;
    const ticketId = typeof session.metadata.ticketId === 'string' ? session.metadata.ticketId : undefined;
    return {
      reply: '',
      sources: [],
      escalated: true,
      ...(ticketId ? { ticketId } : {}),
      confidence: 0,
      outcome: 'relayed',
      reasons: [],
      status: session.status,
      sessionStats: this.countersAfter(),
    };
  }

  private async answer(reply: {
    text: string;
    sources: Source[];
    confidence: number;
    outcome: TurnOutcome;
    reasons?: (string | { detail: string })[];
    ticketId?: string;
    status?: Session['status'];
  }): Promise<TurnResult> {
    const partial = reply.outcome === 'cancelled';
    const reasons = (reply.reasons ?? []).map((r) => (typeof r === 'string' ? r : r.detail));
    let messageId: string | undefined;
    if (reply.text || !partial) {
      // Our lease must still be ours before the reply becomes part of the record (a stalled turn whose lock
      // passed to the next message must not write after it).
      if (this.locked.lost || !(await this.locked.extend())) throw new StaleLockError('the session lock was lost before the reply was stored');
      const stored = await this.o.repositories.messages.append({
        conversationId: this.conversationId,
        role: 'assistant',
        content: reply.text,
        sources: reply.sources,
        confidence: reply.confidence,
        status: partial ? 'partial' : 'complete',
        metadata: {
          outcome: reply.outcome,
          model: this.o.model.modelId,
          provider: this.o.model.provider,
          // Why it escalated (or nearly did), kept with the reply for whoever reviews the conversation.
          ...(reasons.length ? { reasons } : {}),
        },
      });
      messageId = stored.id;
      this.stage({ messages: [{ role: 'assistant', content: reply.text }] });
    }
    const sessionStats = this.countersAfter();
    return {
      reply: reply.text,
      sources: reply.sources,
      escalated: reply.outcome === 'escalated',
      ...(reply.ticketId ? { ticketId: reply.ticketId } : {}),
      confidence: reply.confidence,
      outcome: reply.outcome,
      reasons,
      status: reply.status ?? (this.session.status === 'resolved' || this.session.status === 'closed' ? 'active' : this.session.status),
      ...(messageId ? { messageId } : {}),
      sessionStats,
    };
  }
}
