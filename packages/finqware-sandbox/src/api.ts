import { CATALOG, servicerOf } from './catalog';
import type { SandboxCore } from './core';
import type { Consent } from './data/consents';
import { parseBalanceFilter, parseTxFilter } from './data/filters';
import { paymentStatusAt } from './data/payments';
import { accountJson, balancesJson, scanAccount, transactionJsonText } from './data/views';
import { ApiError, badRequest, unauthorized } from './errors';
import { RawJson } from './http/raw-json';
import { checkClientAppKey, checkClientId, checkClientSecret, validateBody } from './http/validate';
import { SPEC_CHOICES } from './spec-choices';
import { TENANT_APP } from './tenant-app';
import { isoSeconds } from './time';

export interface ApiContext {
  core: SandboxCore;
  /** Base URL the caller reached us on (for the bank page link). */
  origin: string;
  params: Record<string, string>;
}

export type ApiHandler = (body: unknown, ctx: ApiContext) => unknown;

const S = 'string' as const;
const consentAuth = { client_id: S, client_secret: S, credentials_id: S, access_token: S };
const dataAuth = { ...consentAuth, tenant_user_id: S };

/** Checks the tenant keys and the consent pair; data endpoints also need an ACTIVE consent of that user. */
function authorizeConsent(core: SandboxCore, body: Record<string, unknown>, forData: boolean): Consent {
  checkClientId(body.client_id);
  checkClientSecret(body.client_secret);
  const consent = core.consents.get(String(body.credentials_id));
  if (!consent) throw unauthorized('invalid_credentials_id', 'credentials_id is not a known consent');
  if (consent.accessToken !== body.access_token)
    throw unauthorized('invalid_access_token', 'access_token does not match credentials_id');
  if (forData) {
    if (body.tenant_user_id !== undefined && body.tenant_user_id !== consent.tenantUserId) {
      throw ApiError.of(
        SPEC_CHOICES.tenantUserMismatch,
        'credentials_id does not belong to this tenant_user_id',
      );
    }
    if (consent.status === 'DELETED') throw unauthorized('inactive_credentials', 'the consent was deleted');
    if (consent.status === 'EXPIRED')
      throw unauthorized('expired_credentials', 'the consent expired; run a new session');
  }
  return consent;
}

function consentInfo(consent: Consent) {
  const servicer = servicerOf(consent.skill);
  return {
    credentials_id: consent.credentialsId,
    status: consent.status,
    originator: { country: servicer.country, servicer: servicer.name, skill: consent.skill.code },
    tenant_app_info: { client_id: TENANT_APP.clientId, name: TENANT_APP.name },
    utc_created: isoSeconds(consent.createdAt),
    utc_last_update: isoSeconds(consent.updatedAt),
    consent_exp: isoSeconds(consent.consentExp),
    max_data_retention: isoSeconds(consent.maxDataRetention),
  };
}

export const API_ROUTES: { pattern: RegExp; name: string; handler: ApiHandler }[] = [
  {
    pattern: /^\/sessions$/,
    name: '/sessions',
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: { tenant_user_id: S, client_id: S, client_app_key: S, skill: S } },
        core.strictUnknownFields,
      );
      checkClientId(body.client_id);
      checkClientAppKey(body.client_app_key);
      const skill = core.sessions.resolveSkill(String(body.skill));
      return core.sessions.create(String(body.tenant_user_id), skill);
    },
  },
  {
    pattern: /^\/sessions\/([^/]+)\/steps$/,
    name: '/sessions/:id/steps',
    handler: (raw, { core, origin, params }) => {
      const body = validateBody(
        raw,
        {
          required: { client_id: S, nonce: S, skill: S, step: S, data: 'object' },
          optional: { client_app_key: S },
        },
        core.strictUnknownFields,
      );
      checkClientId(body.client_id);
      if (body.client_app_key !== undefined) checkClientAppKey(body.client_app_key);
      return core.sessions.submit(
        params.id ?? '',
        {
          nonce: String(body.nonce),
          skill: String(body.skill),
          step: String(body.step),
          data: body.data as Record<string, unknown>,
        },
        origin,
      );
    },
  },
  {
    pattern: /^\/steps\/([^/]+)\/upload$/,
    name: '/steps/:id/upload',
    handler: (_raw, { core, params }) => {
      // §3.7: only the path is known. Any payload is accepted for a known step.
      if (!core.sessions.stepExists(params.id ?? ''))
        throw badRequest('invalid_step', 'step_id is not a known step');
      return { status: 'success' };
    },
  },
  {
    pattern: /^\/tokens$/,
    name: '/tokens',
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: { client_id: S, client_secret: S, temp_token: S } },
        core.strictUnknownFields,
      );
      checkClientId(body.client_id);
      checkClientSecret(body.client_secret);
      const record = core.sessions.redeem(String(body.temp_token));
      const consent = core.consentFromSession(record);
      return {
        credentials_id: consent.credentialsId,
        access_token: consent.accessToken,
        consent_exp: isoSeconds(consent.consentExp),
        max_data_retention: isoSeconds(consent.maxDataRetention),
      };
    },
  },
  {
    pattern: /^\/accounts\/get$/,
    name: '/accounts/get',
    handler: (raw, { core }) => {
      const body = validateBody(raw, { required: dataAuth }, core.strictUnknownFields);
      const consent = authorizeConsent(core, body, true);
      return core.consents.accountsOf(consent).map((acc) => accountJson(acc, consent.skill, core.now()));
    },
  },
  {
    pattern: /^\/balances\/get$/,
    name: '/balances/get',
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: dataAuth, optional: { filter: 'any' } },
        core.strictUnknownFields,
      );
      const consent = authorizeConsent(core, body, true);
      const q = parseBalanceFilter(body.filter);
      return balancesJson(core.consents.accountsOf(consent), core.now(), q);
    },
  },
  {
    pattern: /^\/transactions\/get$/,
    name: '/transactions/get',
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: dataAuth, optional: { filter: 'any' } },
        core.strictUnknownFields,
      );
      const consent = authorizeConsent(core, body, true);
      const q = parseTxFilter(body.filter);
      const out: string[] = [];
      for (const acc of core.consents.accountsOf(consent)) {
        scanAccount(acc, core.clock, consent.createdAt, q, (row) => out.push(transactionJsonText(acc, row)));
      }
      return new RawJson(`[${out.join(',')}]`);
    },
  },
  {
    pattern: /^\/consents\/get$/,
    name: '/consents/get',
    handler: (raw, { core }) => {
      const body = validateBody(raw, { required: consentAuth }, core.strictUnknownFields);
      const consent = authorizeConsent(core, body, false);
      return {
        op_type: 'read',
        code: 'credentials_info',
        http: 200,
        message: 'Consent info retrieved',
        result: consentInfo(consent),
      };
    },
  },
  {
    pattern: /^\/consents\/delete$/,
    name: '/consents/delete',
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: consentAuth, optional: { pcd_data_retention: 'any' } },
        core.strictUnknownFields,
      );
      const pcd = body.pcd_data_retention;
      if (pcd !== undefined && (typeof pcd !== 'number' || !Number.isInteger(pcd) || pcd < 0)) {
        throw badRequest(
          'invalid_pcd_data_retention',
          'pcd_data_retention must be a non-negative integer (minutes)',
        );
      }
      const consent = authorizeConsent(core, body, false);
      core.consents.delete(consent, core.now(), typeof pcd === 'number' ? pcd : undefined);
      return {
        code: 'credentials_deleted',
        http: 200,
        message: 'Consent deleted',
        op_type: 'delete',
        result: { client_id: TENANT_APP.clientId, ...consentInfo(consent) },
      };
    },
  },
  {
    pattern: new RegExp(`^${SPEC_CHOICES.paymentsPath.replace(/\//g, '\\/')}$`),
    name: SPEC_CHOICES.paymentsPath,
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: consentAuth, optional: { tenant_user_id: S } },
        core.strictUnknownFields,
      );
      const consent = authorizeConsent(core, body, false);
      const payment = core.paymentOf(consent);
      if (!payment)
        throw badRequest('invalid_credentials_id', 'no payment was initiated under this credentials_id');
      const at = paymentStatusAt(payment, core.now());
      return {
        op_type: 'read',
        code: 'payment_info',
        http: 200,
        message: 'Payment info retrieved',
        result: {
          payment_id: payment.paymentId,
          credentials_id: consent.credentialsId,
          status: at.status,
          ...(at.reason ? { status_reason: at.reason } : {}),
          utc_created: isoSeconds(payment.createdAt),
          utc_last_update: isoSeconds(at.since),
          data: payment.data,
        },
      };
    },
  },
  {
    pattern: new RegExp(`^${SPEC_CHOICES.catalogPath.replace(/\//g, '\\/')}$`),
    name: SPEC_CHOICES.catalogPath,
    handler: (raw, { core }) => {
      const body = validateBody(
        raw,
        { required: { client_id: S, client_secret: S } },
        core.strictUnknownFields,
      );
      checkClientId(body.client_id);
      checkClientSecret(body.client_secret);
      return CATALOG;
    },
  },
];
