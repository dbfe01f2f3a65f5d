/** The escalation policy and its evaluation on NLU++ (`frontline eval handoff`). */
export {
  decideEscalation,
  readMessage,
  type MessageSignals,
  ESCALATION_SCORE,
  FAILURES_TO_ESCALATE,
  MILD_NEGATIVE_SENTIMENT,
  STRONG_NEGATIVE_SENTIMENT,
  type EscalationDecision,
  type EscalationInput,
  type EscalationReason,
  type EscalationReasonKind,
  type EscalationSettings,
} from './policy.js';
export { findExplicitRequest, type ExplicitRequest } from './explicit.js';
export { scoreSentiment, type Sentiment } from './sentiment.js';
export {
  DEVELOPMENT_FOLDS,
  evaluateHandoff,
  formatHandoffReport,
  HELD_OUT_FOLDS,
  type HandoffMetrics,
  type HandoffReport,
} from './eval.js';
