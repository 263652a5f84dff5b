import { Account } from './account';
import { AuthToken } from './auth-token';
import { Balance } from './balance';
import { Payment } from './payment';
import { PaymentEvent } from './payment-event';
import { RateLimitHit } from './rate-limit-hit';
import { Servicer } from './servicer';
import { Session } from './session';
import { Skill } from './skill';
import { Step } from './step';
import { SyncRun } from './sync-run';
import { Transaction } from './transaction';
import {
  CounterpartyMonthlyFlow,
  CounterpartyMonthlyTotal,
  TransactionDailyTotal,
  TransactionMonthlyTotal,
} from './transaction-rollups';
import { User } from './user';
import { UserSkill } from './user-skill';

export * from './account';
export * from './auth-token';
export * from './balance';
export * from './enums';
export * from './payment';
export * from './payment-event';
export * from './rate-limit-hit';
export * from './servicer';
export * from './session';
export * from './skill';
export * from './step';
export * from './sync-run';
export * from './transaction';
export * from './transaction-rollups';
export * from './user';
export * from './user-skill';

/** Any entity (named, so declarations reference the entities instead of spelling their types out). */
export type AnyEntity =
  | typeof User
  | typeof AuthToken
  | typeof RateLimitHit
  | typeof Servicer
  | typeof Skill
  | typeof UserSkill
  | typeof Account
  | typeof Balance
  | typeof Transaction
  | typeof TransactionDailyTotal
  | typeof TransactionMonthlyTotal
  | typeof CounterpartyMonthlyFlow
  | typeof CounterpartyMonthlyTotal
  | typeof Session
  | typeof Step
  | typeof SyncRun
  | typeof Payment
  | typeof PaymentEvent;

/** Every entity, in dependency order: what the ORM is configured with. */
export const entities: AnyEntity[] = [
  User,
  AuthToken,
  RateLimitHit,
  Servicer,
  Skill,
  UserSkill,
  Account,
  Balance,
  Transaction,
  TransactionDailyTotal,
  TransactionMonthlyTotal,
  CounterpartyMonthlyFlow,
  CounterpartyMonthlyTotal,
  Session,
  Step,
  SyncRun,
  Payment,
  PaymentEvent,
];
