// A node:test reporter that ends the run with the plain closing line any CI reads:
// "N passed, N failed" (and ", N skipped" when some were). It counts the same tests the spec
// reporter's summary counts: every test that is not a suite or a file wrapper.
export default async function* summaryLine(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite') continue;
    if (data.skip !== undefined || data.todo !== undefined) skipped++;
    else if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`;
}
