import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppRouter, ServerAppRouter } from '../src/root';

// AppRouter is what @tenant/client ships: the server's procedures without its Context. These
// checks fail `tsc` (pnpm typecheck) if the two ever disagree about a procedure or the errors.
describe('AppRouter (the client-facing router type)', () => {
  it('has the inputs and outputs of the server router', () => {
    expectTypeOf<inferRouterInputs<AppRouter>>().toEqualTypeOf<inferRouterInputs<ServerAppRouter>>();
    expectTypeOf<inferRouterOutputs<AppRouter>>().toEqualTypeOf<inferRouterOutputs<ServerAppRouter>>();
  });

  it('has the error shape the server formats', () => {
    expectTypeOf<AppRouter['_def']['_config']['$types']['errorShape']>().toEqualTypeOf<
      ServerAppRouter['_def']['_config']['$types']['errorShape']
    >();
  });

  it('names no context', () => {
    expectTypeOf<AppRouter['_def']['_config']['$types']['ctx']>().toEqualTypeOf<object>();
  });
});
