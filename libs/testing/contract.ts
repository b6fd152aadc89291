/** A contract suite's factory, or why its adapter's server is not available (e.g. `EVENTSTORE_URL not set`). */
export type ContractFactory<Harness> = (() => Promise<Harness>) | { skip: string };

/**
 * Declares `contract` for `adapter`; when the adapter cannot run here, one skipped test names the reason and the
 * reason is printed, so a reader of the test log knows which adapter did not run, and why.
 */
export const describeContract = <Harness>(contract: string, adapter: string, factory: ContractFactory<Harness>, body: (factory: () => Promise<Harness>) => void): void => {
  const title = `${contract} contract: ${adapter}`;
  if ('skip' in factory) {
    describe(title, () => {
      it.skip(`skipped: ${factory.skip}`, () => undefined);
    });
    console.warn(`${title} skipped: ${factory.skip}`);
    return;
  }
  describe(title, () => body(factory));
};
