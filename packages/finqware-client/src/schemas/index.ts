export { account, accountsResponse } from './accounts';
export { balance, balancesResponse } from './balances';
export { catalogResponse } from './catalog';
export { consentDeleteResponse, consentGetResponse } from './consents';
export { paymentGetResponse } from './payments';
export { createSessionResponse, submitStepResponse, tokenExchangeResponse } from './sessions';
export { transaction, transactionsResponse } from './transactions';
