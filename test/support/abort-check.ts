// A check for the harness's own test: on the input "abort" it ends the process the way a native
// assertion in node:crypto does.
export function abortOn(input: Buffer): string {
  if (input.toString() === 'abort') process.abort();
  return 'fine';
}
