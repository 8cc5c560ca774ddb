// The child side of `runIsolated`: runs one exported check over a file of inputs (base64, one a
// line) and appends one result line per input to a file, written synchronously before the next
// input starts, so that the parent knows which input a native abort ended the process on.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

const [moduleUrl, exportName, inputPath, resultPath] = process.argv.slice(2) as [string, string, string, string];
const loaded = (await import(moduleUrl)) as Record<string, unknown>;
const check = loaded[exportName];
if (typeof check !== 'function') throw new Error(`${moduleUrl} exports no function ${exportName}`);
const lines = readFileSync(inputPath, 'utf8').split('\n');
const results = openSync(resultPath, 'a');
for (const line of lines) {
  if (line === '') continue;
  const [at, data] = line.split(' ') as [string, string];
  let result: string;
  try {
    const outcome: unknown = await (check as (input: Buffer) => unknown)(Buffer.from(data, 'base64'));
    result = `${at} ok ${typeof outcome === 'string' ? outcome : '-'}`;
  } catch (error) {
    result = `${at} fail ${JSON.stringify(error instanceof Error ? (error.stack ?? error.message) : String(error))}`;
  }
  writeSync(results, result + '\n');
}
closeSync(results);
