// The CommonJS build, as a require() user gets it.
const { createFinqwareClient, FinqwareError, schemas } = require('@tenant/finqware-client');

const fq = createFinqwareClient({
  baseUrl: 'http://127.0.0.1:1/v1',
  clientId: 'a',
  clientSecret: 'b',
  clientAppKey: 'c',
});
console.log(
  JSON.stringify({ client: typeof fq.accounts.list, error: typeof FinqwareError, schemas: typeof schemas }),
);
