/**
 * The pure SIP/Diameter state machines, for both drivers: the analyzer (observer) and the engine
 * (actor). Each machine file documents at its top how to drive it; transaction.ts explains the
 * shared step/effect shape.
 */
export * from "./timers";
export * from "./transaction";
export * from "./transaction-key";
export * from "./invite-client";
export * from "./invite-server";
export * from "./non-invite-client";
export * from "./non-invite-server";
export * from "./dialog";
export * from "./subscription";
export * from "./cxdx";
