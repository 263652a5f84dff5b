// Deliberate mistakes: tsc must reject each line (an unknown input field, an unknown procedure,
// a wrong output type).
import { createTenantClient } from '@tenant/client';

const api = createTenantClient({ url: 'http://127.0.0.1:3000/trpc' });
await api.transactions.list.query({ limits: 5 });
await api.transactions.lisst.query({ limit: 5 });
const amount: number = (await api.transactions.list.query({ limit: 5 })).items[0]!.amount;
console.log(amount);
