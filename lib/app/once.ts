/** `factory`, called once on first use and kept (a failed promise is not kept). */
export function once<T>(factory: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = factory();
      made = true;
      if (value instanceof Promise) {
        value.catch(() => {
          made = false;
        });
      }
    }
    return value;
  };
}
