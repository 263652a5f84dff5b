import type { Database } from '@tenant/domain';
import type { Selectable } from 'kysely';
import { badRequestIssues, type FieldIssue } from '../errors';

/** A catalog flow entry (skills.flow[i]): what Finqware's step `step` asks for. */
export type FlowStep = {
  step: string;
  kind: StepKind;
  title: string;
  fields: StepField[];
};

export type StepKind = 'form' | 'sca' | 'sca_implicit' | 'payment_intent' | 'product_form';

export type StepField = { name: string; type: string; label: string; required: boolean; options?: string[] };

/**
 * The step a front-end renders. Built only from our own rows: Finqware's nonce, temp_token and
 * step ids never appear here. A step with `redirectUrl` is completed at the bank, not submitted.
 */
export type FrontendStep = {
  id: string;
  kind: StepKind;
  title: string;
  fields: StepField[];
  redirectUrl?: string;
};

/** A stored step, as much of it as a front-end's form is made from. */
type StoredStep = Pick<Selectable<Database['steps']>, 'kind' | 'definition' | 'redirect_url'> & {
  id: string;
};

export function toFrontendStep(row: StoredStep): FrontendStep {
  return {
    id: row.id,
    kind: row.kind,
    title: row.definition.title,
    fields: row.definition.fields.map((field) => ({
      name: field.name,
      type: field.type,
      label: field.label,
      required: field.required,
      ...(field.options ? { options: [...field.options] } : {}),
    })),
    ...(row.redirect_url ? { redirectUrl: row.redirect_url } : {}),
  };
}

/** Steps the user completes in the bank's pages rather than in our form. */
export function isRedirectKind(kind: StepKind): boolean {
  return kind === 'sca';
}

const FORMATS: Record<string, { pattern: RegExp; message: string; normalise?: (v: string) => string }> = {
  otp: { pattern: /^\d{4,10}$/, message: 'must be the digits of the code' },
  amount: { pattern: /^\d{1,16}(\.\d{1,4})?$/, message: 'must be a positive amount like "100.50"' },
  iban: {
    pattern: /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/,
    message: 'must be an IBAN',
    normalise: (v) => v.replace(/\s+/g, '').toUpperCase(),
  },
};

/**
 * Checks submitted values against the step's fields before anything reaches Finqware, and
 * returns them as the strings Finqware expects (optional empty fields dropped).
 */
export function validateStepValues(
  fields: StepField[],
  values: Record<string, string>,
): Record<string, string> {
  const issues: FieldIssue[] = [];
  const known = new Set(fields.map((field) => field.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) issues.push({ path: `values.${name}`, message: 'is not a field of this step' });
  }
  const data: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name]?.trim() ?? '';
    if (raw === '') {
      if (field.required)
        issues.push({ path: `values.${field.name}`, message: `${field.label} is required` });
      continue;
    }
    const format = FORMATS[field.type];
    const value = format?.normalise ? format.normalise(raw) : raw;
    if (format && !format.pattern.test(value)) {
      issues.push({ path: `values.${field.name}`, message: `${field.label} ${format.message}` });
      continue;
    }
    if (field.options && !field.options.includes(value)) {
      issues.push({
        path: `values.${field.name}`,
        message: `${field.label} must be one of ${field.options.join(', ')}`,
      });
      continue;
    }
    data[field.name] = value;
  }
  if (issues.length > 0) throw badRequestIssues('Some values are missing or invalid', issues);
  return data;
}

/**
 * The fields to blame when the bank refuses a submission: secrets the user typed (password, code)
 * if the step has any, otherwise every field of the step.
 */
export function rejectedFields(fields: StepField[]): FieldIssue[] {
  const secret = fields.filter((field) => field.type === 'password' || field.type === 'otp');
  const blamed = secret.length > 0 ? secret : fields;
  return blamed.map((field) => ({
    path: `values.${field.name}`,
    message: `${field.label} was not accepted by the bank`,
  }));
}
