import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty } from './common';
import { PAYMENT_STATUSES } from './enums';
import { Payment } from './payment';

/** A payment's status history: one row per status it reached, written with the status itself. */
export const PaymentEvent = defineEntity({
  name: 'PaymentEvent',
  tableName: 'payment_events',
  properties: {
    id: idProperty(),
    payment: p.manyToOne(Payment).ref().deleteRule('cascade'),
    status: p.enum(PAYMENT_STATUSES),
    bankStatus: p.text().nullable(),
    reason: p.text().nullable(),
    createdAt: createdAtProperty(),
  },
  indexes: [{ name: 'payment_events_payment_id_created_at_index', properties: ['payment', 'createdAt'] }],
});
export type PaymentEvent = InferEntity<typeof PaymentEvent>;
