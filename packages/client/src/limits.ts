/**
 * The most procedure calls one HTTP request may carry. The api refuses a larger batch
 * (`400 Batch call exceeds maximum size`) and createTenantClient splits its batches at it, so the
 * two read this one constant.
 */
export const MAX_BATCH_SIZE = 50;
