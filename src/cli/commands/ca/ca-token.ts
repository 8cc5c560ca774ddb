import { Command, Option } from 'commander';
import { createEnrollmentToken, revokeEnrollmentToken, tokenView } from '../../../est/index.js';
import { SymbolonError } from '../../../errors.js';
import { enrollmentTokenKey } from '../../../est/index.js';
import type { CommandFactory, Output } from '../../program.js';
import { cliActor, cliClock, cliRandom, collect, parseTtlOption, withDataDir } from './ca-options.js';

interface TokenCreateOptions {
  readonly dir?: string;
  readonly profile: string;
  readonly name: readonly string[];
  readonly uses: string;
  readonly ttl: number;
  readonly label?: string;
}

function parseUses(text: string): number {
  if (!/^\d{1,6}$/.test(text)) throw new SymbolonError('USAGE', `--uses takes a whole number such as 1, not "${text}"`);
  return Number(text);
}

const tokenCreateCommand: CommandFactory = (output: Output) =>
  new Command('create')
    .description('make an enrollment token for EST: prints its secret once')
    .requiredOption('--profile <name>', 'the profile enrolled certificates are issued under')
    .option(
      '--name <pattern>',
      'a name (CN or subjectAltName) devices may enroll for; "*" is one or more characters within a label (repeatable)',
      collect,
      [],
    )
    .option('--uses <n>', 'how many enrollments it allows', '1')
    .addOption(new Option('--ttl <lifetime>', 'how long it is valid, such as 15m or 24h').default(15 * 60, '15m').argParser(parseTtlOption))
    .option('--label <label>', 'only good at /.well-known/est/<label>/ (a label is a profile name)')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (options: TokenCreateOptions) => {
      const uses = parseUses(options.uses);
      const now = cliClock();
      const { token, secret } = await withDataDir(options, async (dataDir) =>
        createEnrollmentToken(
          { profile: options.profile, names: options.name, uses, ttlSeconds: options.ttl, label: options.label },
          {
            store: dataDir.store,
            config: dataDir.config,
            hashKey: await enrollmentTokenKey(dataDir.paths),
            now,
            actor: cliActor(),
            random: cliRandom,
          },
        ),
      );
      output.out(
        [
          `Token ${token.id}: profile ${token.profile}, names ${token.names.join(', ')}, ${token.uses} use${token.uses === 1 ? '' : 's'}, until ${token.expiresAt.toISOString()}${token.label === null ? '' : `, label ${token.label}`}`,
          `  id:     ${token.id}`,
          `  secret: ${secret}`,
          'The secret is shown only now. A device sends it as HTTP Basic (user: the id, password: the secret)',
          `or as "Authorization: Bearer ${token.id}.<secret>".`,
          '',
        ].join('\n'),
      );
    });

const tokenListCommand: CommandFactory = (output: Output) =>
  new Command('list')
    .description('list enrollment tokens (never their secrets)')
    .option('--json', 'one JSON array')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (options: { readonly dir?: string; readonly json?: boolean }) => {
      const now = cliClock();
      const tokens = await withDataDir(options, (dataDir) => dataDir.store.listEnrollmentTokens());
      const rows = tokens.map((token) => tokenView(token, now));
      if (options.json === true) {
        output.out(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        output.out('No enrollment tokens; make one with `symbolon ca token create`.\n');
        return;
      }
      output.out(
        rows
          .map(
            (row) =>
              `${row.id}  ${row.state.padEnd(8)}  ${row.profile}  ${row.names.join(',')}  ${row.usesLeft}/${row.uses} left  until ${row.expiresAt}${row.label === null ? '' : `  label ${row.label}`}`,
          )
          .join('\n') + '\n',
      );
    });

const tokenRevokeCommand: CommandFactory = (output: Output) =>
  new Command('revoke')
    .description('revoke an enrollment token: it enrolls nothing more')
    .argument('<id>', 'the token id (from `token list`)')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .action(async (id: string, options: { readonly dir?: string }) => {
      const token = await withDataDir(options, (dataDir) =>
        revokeEnrollmentToken(id, { store: dataDir.store, now: cliClock(), actor: cliActor() }),
      );
      output.out(`Revoked token ${token.id} (${token.usesLeft} of ${token.uses} uses were left).\n`);
    });

/** `symbolon ca token create|list|revoke`: enrollment tokens for EST. */
export const caTokenCommand: CommandFactory = (output: Output) =>
  new Command('token')
    .description('enrollment tokens: one-time (or N-time) secrets devices enroll with over EST')
    .addCommand(tokenCreateCommand(output))
    .addCommand(tokenListCommand(output))
    .addCommand(tokenRevokeCommand(output));
