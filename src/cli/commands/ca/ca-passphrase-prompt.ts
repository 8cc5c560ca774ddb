import { SymbolonError } from '../../../errors.js';

function readHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (error?: SymbolonError): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error !== undefined) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new SymbolonError('USAGE', 'cancelled at the passphrase prompt'));
        if (char === '\u007f' || char === '\b') text = [...text].slice(0, -1).join('');
        else text += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** Asks for a passphrase on the terminal without echoing it; twice when it is a new one. Throws `USAGE` when cancelled or when the two differ. */
export async function promptPassphrase(question: string, isNew: boolean): Promise<string> {
  const first = await readHidden(question);
  if (first === '') throw new SymbolonError('USAGE', 'the passphrase is empty');
  if (!isNew) return first;
  const second = await readHidden('Again, to confirm: ');
  if (second !== first) throw new SymbolonError('USAGE', 'the two passphrases differ');
  return first;
}
