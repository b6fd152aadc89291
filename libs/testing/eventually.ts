/** Retries an assertion until it passes or the deadline passes (then rethrows its last failure). No fixed sleeps. */
export const eventually = async <T>(assertion: () => T | Promise<T>, { within = 2_000, every = 10 } = {}): Promise<T> => {
  const deadline = Date.now() + within;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  }
};
