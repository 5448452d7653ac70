/**
 * The rule registry (cf. Wireshark's dissector tables): every finding rule, by stable id, in the
 * order they run. `log-error` runs last because it skips log lines other findings explain.
 */
import type { Rule } from "../context";
import { rule as ackMissingNon2xx } from "./ack-missing-non2xx";
import { rule as ackMissing2xx } from "./ack-missing-2xx";
import { rule as byeOneSided } from "./bye-one-sided";
import { rule as byeUnanswered } from "./bye-unanswered";
import { rule as notifyFanoutAborted } from "./notify-fanout-aborted";
import { rule as notifyToClosedConnection } from "./notify-to-closed-connection";
import { rule as diaAnswerNoSipContinuation } from "./dia-answer-no-sip-continuation";
import { rule as diaRequestUnanswered } from "./dia-request-unanswered";
import { rule as diaErrorResult } from "./dia-error-result";
import { rule as httpRequestUnanswered } from "./http-request-unanswered";
import { rule as txnTimeout } from "./txn-timeout";
import { rule as responseOrphan } from "./response-orphan";
import { rule as retransmissionStorm } from "./retransmission-storm";
import { rule as cancelNo487 } from "./cancel-no-487";
import { rule as registerFailed } from "./register-failed";
import { rule as logError } from "./log-error";

export const RULES: readonly Rule[] = [
  ackMissingNon2xx,
  ackMissing2xx,
  byeOneSided,
  byeUnanswered,
  notifyFanoutAborted,
  notifyToClosedConnection,
  diaAnswerNoSipContinuation,
  diaRequestUnanswered,
  diaErrorResult,
  httpRequestUnanswered,
  txnTimeout,
  responseOrphan,
  retransmissionStorm,
  cancelNo487,
  registerFailed,
  logError,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
